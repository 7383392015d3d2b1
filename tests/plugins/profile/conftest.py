"""Fixtures for the profile plugin's tests: an app with the profile plugin alone, a factory over
it, and a test-only sign-in route (the kernel's sign-in form is tested by the kernel)."""

from __future__ import annotations

import pytest
from flask import Blueprint

from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import Factory

login_bp = Blueprint("profile_test_login", __name__)


@login_bp.get("/_test/login/<int:account_id>")
def _login(account_id: int):
    from registry_kernel.auth.session import login_user
    from registry_kernel.models import Account
    from registry_kernel.web import registry_session

    session = registry_session()
    login_user(session.get(Account, account_id))
    session.commit()
    return "signed in"


class TestLogin:
    """A throw-away plugin adding the test sign-in route."""

    @hookimpl
    def blueprints(self):
        return login_bp


@pytest.fixture
def app(make_app):
    app = make_app(plugins=["profile"], extra_plugins=(TestLogin(),))
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def pf(app):
    """A factory over the profile-only app."""
    return Factory(app)


@pytest.fixture
def person(pf):
    return pf.account(first_name="Ana", last_name="Ruiz")


@pytest.fixture
def token(pf, person):
    return pf.token(person, "me")


@pytest.fixture
def center(pf):
    return pf.org(kind="employer_center", name="Sunshine Learning Center",
                  license_number="010203040")


@pytest.fixture
def web(app, person):
    client = app.test_client()
    assert client.get(f"/_test/login/{person.id}").status_code == 200
    return client
