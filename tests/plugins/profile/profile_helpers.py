"""Helpers shared by the profile plugin's tests (a unique module name, unlike conftest)."""

from __future__ import annotations

from flask import Blueprint

from registry_kernel.hookspecs import hookimpl

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


class LoginRoute:
    """A throw-away plugin adding the test sign-in route."""

    @hookimpl
    def blueprints(self):
        return login_bp
