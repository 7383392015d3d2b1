"""The issue's "done when" through the API: access requested and approved, staff confirmed,
qualifications read (audited) and the verified report downloaded, a job posted and found."""

from __future__ import annotations

import pytest
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


def test_administrators_reconfirmation_and_minimums_through_the_api(app, jf, center, admin):
    from datetime import timedelta

    from registry_plugins.jobs.models import StaffReconfirmation

    from registry_kernel.db import utcnow

    second = jf.account("program_admin", org=center, first_name="Sam", last_name="Lee")
    client = app.test_client()
    token = jf.token(admin, "jobs:staff", org=center)
    admins = client.get(f"/api/v1/programs/{center.id}/administrators",
                        headers=bearer(token)).get_json()
    assert {a["name"] for a in admins["items"]} == {"Pat Gomez", "Sam Lee"}
    sam = next(a for a in admins["items"] if a["name"] == "Sam Lee")
    # an agency system cannot remove administrators; another program's admin cannot either
    client_token = jf.client_token(center, "jobs:staff")
    assert client.delete(f"/api/v1/programs/{center.id}/administrators/{sam['grant_id']}",
                         headers=bearer(client_token)).status_code == 403
    other = jf.org(kind="employer_center")
    other_token = jf.token(jf.account("program_admin", org=other), "jobs:staff", org=other)
    assert client.delete(f"/api/v1/programs/{center.id}/administrators/{sam['grant_id']}",
                         headers=bearer(other_token)).status_code == 404
    assert client.delete(f"/api/v1/programs/{other.id}/administrators/{sam['grant_id']}",
                         headers=bearer(other_token)).status_code == 404
    removed = client.delete(f"/api/v1/programs/{center.id}/administrators/{sam['grant_id']}",
                            headers=bearer(token))
    assert removed.status_code == 204
    assert [a["name"] for a in client.get(f"/api/v1/programs/{center.id}/administrators",
                                          headers=bearer(token)).get_json()["items"]] == [
        "Pat Gomez"]
    with pytest.raises(ValueError):  # Sam no longer holds the role behind the scope
        jf.token(second, "jobs:staff")

    # the yearly reconfirmation
    person = jf.account()
    job = report_employment(app, person, center)
    client.post(f"/api/v1/programs/{center.id}/staff/{job}/confirmation",
                headers=bearer(token), json={"confirmed": True})
    state = client.get(f"/api/v1/programs/{center.id}/staff/reconfirmation",
                       headers=bearer(token)).get_json()
    assert state["due"] is False and state["last_reconfirmed"]
    with unit_of_work(jf.registry.sessions) as session:
        session.add(StaffReconfirmation(organization_id=center.id,
                                        reconfirmed_at=utcnow() - timedelta(days=400)))
    assert client.get(f"/api/v1/programs/{center.id}/staff/reconfirmation",
                      headers=bearer(token)).get_json()["due"] is True
    done = client.post(f"/api/v1/programs/{center.id}/staff/reconfirmation",
                       headers=bearer(token))
    assert done.status_code == 200
    assert (done.get_json()["due"], done.get_json()["reconfirmed"]) == (False, 1)
    assert client.post(f"/api/v1/programs/{other.id}/staff/reconfirmation",
                       headers=bearer(token)).status_code == 404

    # the program's minimum permit levels
    put = client.put(f"/api/v1/programs/{center.id}/minimums", headers=bearer(token),
                     json={"minimums": {"teacher": "teacher", "lead_teacher": "master_teacher"}})
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["minimums"] == {"teacher": "teacher",
                                          "lead_teacher": "master_teacher"}
    for bad in ({"minimums": {"chef": "teacher"}}, {"minimums": {"teacher": "wizard"}},
                {"minimums": {}, "extra": 1}):
        refused = client.put(f"/api/v1/programs/{center.id}/minimums", headers=bearer(token),
                             json=bad)
        assert refused.status_code == 422, bad
    cleared = client.put(f"/api/v1/programs/{center.id}/minimums", headers=bearer(token),
                         json={"minimums": {"lead_teacher": None}})
    assert cleared.get_json()["minimums"] == {"teacher": "teacher"}
    assert client.get(f"/api/v1/programs/{center.id}/minimums",
                      headers=bearer(token)).get_json() == {"minimums": {"teacher": "teacher"}}
    with unit_of_work(jf.registry.sessions) as session:
        actions = {e.action for e in session.scalars(select(AuditEvent))}
    assert {"role.revoke", "jobs.staff.reconfirm", "jobs.minimums.update"} <= actions
