"""Helpers shared by the jobs plugin's tests (a unique module name, unlike conftest)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from registry_kernel import clock
from registry_kernel.testing import Factory, TestLogin, WebClient, bearer  # noqa: F401 (re-exported)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def posting(**overrides: Any) -> dict[str, Any]:
    body = {"title": "Preschool Teacher", "position": "teacher", "county": "Alameda",
            "city": "Oakland", "schedule": "full_time", "pay_min": "22.00", "pay_max": "27.50",
            "description": "Play-based classroom.",
            "closing_date": (clock.today() + timedelta(days=30)).isoformat()}
    body.update(overrides)
    return body


def post_job(app, token, **overrides):
    return app.test_client().post("/api/v1/jobs", json=posting(**overrides),
                                  headers=bearer(token))


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


def verify_permit(app, jf, account, staff_token, *, expires_on, issued_on, hidden=False):
    me = jf.token(account, "me")
    upload = app.test_client().post("/api/v1/me/documents", data={
        "file": (io.BytesIO(PDF), "permit.pdf"), "type": "permit", "level": "teacher",
        "number": "P123", "issued_on": issued_on, "expires_on": expires_on,
        "hidden_from_employers": "true" if hidden else "false"},
        headers=bearer(me), content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    doc_id = upload.get_json()["id"]
    verified = app.test_client().post(f"/api/v1/documents/{doc_id}/verify", json={
        "permits": [{"level": "teacher", "number": "P123", "issued_on": issued_on,
                     "expires_on": expires_on}],
        "courses": [{"institution": "Laney College", "course_number": "CD 50",
                     "title": "Child Growth", "units": "3", "unit_system": "semester",
                     "grade": "A", "completed_on": "2019-05-20", "category": "ece",
                     "core_area": "child_growth"}],
        "training": [{"sponsor": "R&R", "title": "Positive Guidance",
                      "completed_on": (clock.today() - timedelta(days=30)).isoformat(),
                      "hours": "6", "competency_area": "RIG"}]},
        headers=bearer(staff_token))
    assert verified.status_code == 200, verified.get_json()
