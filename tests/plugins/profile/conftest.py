"""Fixtures for the profile plugin's tests: an app with the profile plugin alone, a factory over
it, and a test-only sign-in route (the kernel's sign-in form is tested by the kernel)."""

from __future__ import annotations

import re

import pytest

from registry_kernel.testing import Factory, TestLogin


@pytest.fixture
def app(make_app):
    return make_app(plugins=["profile"], extra_plugins=(TestLogin(),))


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


class WebClient:
    """A signed-in test client whose POSTs carry the session's CSRF token, as a browser's do."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self._token is None:
                page = self.client.get("/profile/resume").get_data(as_text=True)
                self._token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            data["csrf_token"] = self._token
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def web(app, person):
    client = app.test_client()
    assert client.get(f"/_test/login/{person.id}").status_code == 200
    return WebClient(client)


@pytest.fixture
def confirm(app):
    """Confirm (or reject) an employment record as ``admin``, as the jobs plugin will."""
    from registry_plugins.profile import services

    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account

    def do(admin, employment_id, confirmed=True):
        registry = app.extensions["registry"]
        with unit_of_work(registry.sessions) as session:
            actor = actor_for_account(session, session.get(Account, admin.id),
                                      permission_roles=registry.permission_roles)
            return services.confirm_employment(session, registry, employment_id, actor=actor,
                                               confirmed=confirmed).status

    return do
