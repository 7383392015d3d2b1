"""The issue's "done when" through the API: access requested and approved, staff confirmed,
qualifications read (audited) and the verified report downloaded, a job posted and found."""

from __future__ import annotations

from jobs_helpers import post_job, report_employment
from sqlalchemy import select

from registry_kernel.db import unit_of_work
from registry_kernel.models import AuditEvent
from registry_kernel.testing import bearer


def test_whole_flow_through_the_api(app, jf):
    home = jf.org(kind="employer_fcc", name="Rosa's Family Child Care",
                  license_number="019876543")
    rosa = jf.account(first_name="Rosa", last_name="M")
    staff = jf.account("registry_staff")
    client = app.test_client()
    me = jf.token(rosa, "me")
    asked = client.post("/api/v1/me/admin-access-requests", headers=bearer(me),
                        json={"organization_id": home.id, "license_number": "019876543"})
    assert asked.status_code == 201, asked.get_json()
    twice = client.post("/api/v1/me/admin-access-requests", headers=bearer(me),
                        json={"organization_id": home.id, "license_number": "019876543"})
    assert twice.status_code == 409
    bad = client.post("/api/v1/me/admin-access-requests", headers=bearer(me),
                      json={"organization_id": home.id})
    assert bad.status_code == 422 and "license_number" in bad.get_json()["errors"]
    staff_token = jf.token(staff, "jobs:access")
    queue = client.get("/api/v1/admin-access-requests", headers=bearer(staff_token)).get_json()
    assert [i["id"] for i in queue["items"]] == [asked.get_json()["id"]]
    assert client.get("/api/v1/admin-access-requests", headers=bearer(me)).status_code == 403
    decided = client.post(f"/api/v1/admin-access-requests/{asked.get_json()['id']}/decision",
                          headers=bearer(staff_token), json={"approve": True})
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    assert client.get("/api/v1/me/admin-access-requests",
                      headers=bearer(me)).get_json()["items"][0]["status"] == "approved"

    helper = jf.account(first_name="Ana", last_name="Ruiz")
    job = report_employment(app, helper, home, role_category="fcc_assistant")
    token = jf.token(rosa, "jobs:staff jobs:write", org=home)
    listed = client.get(f"/api/v1/programs/{home.id}/staff", headers=bearer(token)).get_json()
    assert listed["items"][0]["name"] == "Ana Ruiz"
    assert listed["items"][0]["confirmed"] is False
    assert client.get(f"/api/v1/programs/{home.id}/staff-qualifications",
                      headers=bearer(token)).get_json()["total"] == 0  # unconfirmed: none
    confirmed = client.post(f"/api/v1/programs/{home.id}/staff/{job}/confirmation",
                            headers=bearer(token), json={"confirmed": True})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    quals = client.get(f"/api/v1/programs/{home.id}/staff-qualifications",
                       headers=bearer(token)).get_json()
    assert quals["items"][0]["registry_id"] == helper.participant.registry_id
    with unit_of_work(jf.registry.sessions) as session:
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "jobs.staff_qualifications.view",
            AuditEvent.subject_participant_id == helper.participant_id)).all()
    pdf = client.get(f"/api/v1/programs/{home.id}/staff-qualifications.pdf",
                     headers=bearer(token))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    code = pdf.headers["X-Verification-Code"]
    assert "Genuine" in client.get(f"/jobs/report-check?code={code}").get_data(as_text=True)
    ended = client.post(f"/api/v1/programs/{home.id}/staff/{job}/end", headers=bearer(token),
                        json={"end_date": "2099-01-01"})
    assert ended.status_code == 422 and "end_date" in ended.get_json()["errors"]

    posted = post_job(app, token, title="Weekend Assistant", position="fcc_assistant",
                      schedule="substitute")
    assert posted.status_code == 201
    found = client.get("/api/v1/jobs?q=weekend&position=fcc_assistant").get_json()
    assert found["items"][0]["employer"] == "Rosa's Family Child Care"
    assert found["items"][0]["program_type"] == "family_child_care"


def test_staff_api_refuses_other_programs(app, jf, center, admin):
    other = jf.org(kind="employer_center", name="Elsewhere")
    person = jf.account()
    job = report_employment(app, person, other)
    token = jf.token(admin, "jobs:staff", org=center)
    client = app.test_client()
    assert client.get(f"/api/v1/programs/{other.id}/staff",
                      headers=bearer(token)).status_code == 404
    assert client.post(f"/api/v1/programs/{center.id}/staff/{job}/confirmation",
                       headers=bearer(token), json={}).status_code == 404
    assert client.post(f"/api/v1/programs/{other.id}/staff/{job}/confirmation",
                       headers=bearer(token), json={}).status_code == 404
    me = jf.token(person, "me")
    assert client.get(f"/api/v1/programs/{center.id}/staff",
                      headers=bearer(me)).status_code == 403  # scope
