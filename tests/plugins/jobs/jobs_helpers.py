"""Helpers shared by the jobs plugin's tests (a unique module name, unlike conftest)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint

from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import Factory, bearer

login_bp = Blueprint("jobs_test_login", __name__)


@login_bp.get("/_test/login/<int:account_id>")
def _login(account_id: int):
    from registry_kernel.auth.session import login_user
    from registry_kernel.models import Account
    from registry_kernel.web import registry_session

    session = registry_session()
    login_user(session.get(Account, account_id))
    session.commit()
    return "signed in"


@login_bp.get("/_test/csrf")
def _csrf():
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


class TestLogin:
    """A throw-away plugin adding the test sign-in and CSRF routes."""

    @hookimpl
    def blueprints(self):
        return login_bp


def posting(**overrides: Any) -> dict[str, Any]:
    body = {"title": "Preschool Teacher", "position": "teacher", "county": "Alameda",
            "city": "Oakland", "schedule": "full_time", "pay_min": "22.00", "pay_max": "27.50",
            "description": "Play-based classroom.",
            "closing_date": (date.today() + timedelta(days=30)).isoformat()}
    body.update(overrides)
    return body


def post_job(app, token, **overrides):
    return app.test_client().post("/api/v1/jobs", json=posting(**overrides),
                                  headers=bearer(token))


class WebClient:
    """A signed-in test client whose POSTs carry the session's CSRF token, as a browser's do."""

    def __init__(self, app, account=None):
        self.client = app.test_client()
        self._token = None
        if account is not None:
            assert self.client.get(f"/_test/login/{account.id}").status_code == 200

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self._token is None:
                page = self.client.get("/_test/csrf").get_data(as_text=True)
                self._token = page.strip()
            data["csrf_token"] = self._token
        return self.client.post(path, data=data, **kwargs)


def report_employment(app, account, org, **overrides):
    """The participant reports a job at ``org`` through the profile API."""
    jf = Factory(app)
    token = jf.token(account, "me")
    body = {"employer_id": org.id, "position": "Teacher", "role_category": "teacher",
            "start_date": "2020-08-15", **overrides}
    response = app.test_client().post("/api/v1/me/employment", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
