"""Program administration through the UI: Administrative Access (request, staff decision,
several administrators, removal), confirming employment, end dates, the yearly reconfirmation,
staff qualifications (audited) and the verified staff report."""

from __future__ import annotations

import io
from datetime import timedelta

from jobs_helpers import PDF, WebClient, report_employment, text_of, verify_permit
from sqlalchemy import select

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.models import Account, AuditEvent, RoleGrant
from registry_kernel.testing import Factory, bearer


def staff_member(jf: Factory):
    account = jf.account("registry_staff")
    with unit_of_work(jf.registry.sessions) as session:  # staff pages need two-factor sign-in
        session.get(Account, account.id).totp_enabled = True
    return account


def grants(jf, account_id, org_id):
    with unit_of_work(jf.registry.sessions) as session:
        return session.scalars(select(RoleGrant).where(
            RoleGrant.account_id == account_id, RoleGrant.role == "program_admin",
            RoleGrant.organization_id == org_id)).all()


def audit_actions(jf, action):
    with unit_of_work(jf.registry.sessions) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_access_request_with_letter_approved_by_staff(app, jf, center):
    person = jf.account(first_name="Lee", last_name="Park")
    web = WebClient(app, person)
    found = web.get("/jobs/access?program=010203040")
    assert "Sunshine Learning Center" in text_of(found)
    assert "Sunshine Learning Center" in text_of(web.get("/jobs/access?program=sunshine"))
    response = web.post(f"/jobs/access?organization_id={center.id}",
                        data={"organization_id": center.id, "job_title": "Director",
                              "letter": (io.BytesIO(PDF), "letter.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)
    assert "Waiting for registry staff" in text_of(web.get("/jobs/access"))
    twice = web.post(f"/jobs/access?organization_id={center.id}",
                     data={"organization_id": center.id, "license_number": "010203040"},
                     content_type="multipart/form-data")
    assert twice.status_code == 422 and "already asked" in text_of(twice)
    from registry_plugins.jobs.models import AccessRequest

    with unit_of_work(jf.registry.sessions) as session:
        request = session.scalars(select(AccessRequest)).one()
        assert request.letter_enc and PDF not in request.letter_enc  # sealed at rest
        request_id = request.id
    staff = WebClient(app, staff_member(jf))
    queue = staff.get("/jobs/access/queue")
    assert queue.status_code == 200 and "Lee Park" in text_of(queue)
    letter = staff.get(f"/jobs/access/{request_id}/letter")
    assert letter.status_code == 200 and letter.data == PDF
    assert audit_actions(jf, "jobs.access.letter_read")
    assert web.get(f"/jobs/access/{request_id}/letter").status_code == 403  # not staff
    decided = staff.post(f"/jobs/access/{request_id}/decide", data={"decision": "approve"})
    assert decided.status_code == 302
    assert len(grants(jf, person.id, center.id)) == 1
    assert any("approved" in m["Subject"] for m in _mail(jf))
    again = staff.post(f"/jobs/access/{request_id}/decide", data={"decision": "approve"})
    assert again.status_code == 302 and len(grants(jf, person.id, center.id)) == 1
    home = web.get("/jobs/admin", follow_redirects=True)
    assert home.status_code == 200 and "Staff" in text_of(home)


def _mail(jf):
    jf.registry.outbox.drain()
    return list(jf.registry.sent_mail)


def test_fcc_license_number_evidence_and_denial(app, jf):
    home = jf.org(kind="employer_fcc", name="Rosa's Family Child Care", license_number="019876543")
    person = jf.account()
    web = WebClient(app, person)
    wrong = web.post(f"/jobs/access?organization_id={home.id}",
                     data={"organization_id": home.id, "license_number": "123"},
                     content_type="multipart/form-data")
    assert wrong.status_code == 422 and "not the program" in text_of(wrong)
    nothing = web.post(f"/jobs/access?organization_id={home.id}",
                       data={"organization_id": home.id}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "letterhead" in text_of(nothing)
    bad_file = web.post(f"/jobs/access?organization_id={home.id}",
                        data={"organization_id": home.id,
                              "letter": (io.BytesIO(b"<html>hi</html>"), "x.html")},
                        content_type="multipart/form-data")
    assert bad_file.status_code == 422 and "PDF, JPEG or PNG" in text_of(bad_file)
    ok = web.post(f"/jobs/access?organization_id={home.id}",
                  data={"organization_id": home.id, "license_number": "019-876-543"},
                  content_type="multipart/form-data")
    assert ok.status_code == 302
    from registry_plugins.jobs.models import AccessRequest

    with unit_of_work(jf.registry.sessions) as session:
        request_id = session.scalars(select(AccessRequest.id)).one()
    staff = WebClient(app, staff_member(jf))
    no_reason = staff.post(f"/jobs/access/{request_id}/decide", data={"decision": "deny"})
    assert no_reason.status_code == 302
    assert "Waiting for registry staff" in text_of(web.get("/jobs/access"))
    staff.post(f"/jobs/access/{request_id}/decide",
               data={"decision": "deny", "reason": "License belongs to someone else"})
    page = text_of(web.get("/jobs/access"))
    assert "Not approved" in page and "License belongs to someone else" in page
    assert not grants(jf, person.id, home.id)


def test_several_admins_and_removal(app, jf, center, admin):
    second = jf.account("program_admin", org=center, first_name="Sam", last_name="Lee")
    web = WebClient(app, admin)
    page = text_of(web.get(f"/jobs/admin/{center.id}/administrators"))
    assert "Sam Lee" in page and "Pat Gomez" in page
    grant = grants(jf, second.id, center.id)[0]
    assert web.post(f"/jobs/admin/{center.id}/administrators/{grant.id}/remove").status_code \
        == 302
    assert not grants(jf, second.id, center.id)
    assert audit_actions(jf, "role.revoke")
    removed = WebClient(app, second)
    assert removed.get(f"/jobs/admin/{center.id}").status_code == 404


def test_confirm_decline_and_end_date(app, jf, center, admin):
    ana = jf.account(first_name="Ana", last_name="Ruiz")
    ben = jf.account(first_name="Ben", last_name="Cho")
    ana_job = report_employment(app, ana, center)
    ben_job = report_employment(app, ben, center, role_category="assistant",
                                position="Aide")
    web = WebClient(app, admin)
    page = text_of(web.get(f"/jobs/admin/{center.id}"))
    assert "Ana Ruiz" in page and "Ben Cho" in page and "Unconfirmed" in page
    assert "cannot search" in page
    assert web.post(f"/jobs/admin/{center.id}/staff/{ana_job}/confirm").status_code == 302
    assert web.post(f"/jobs/admin/{center.id}/staff/{ben_job}/decline").status_code == 302
    page = web.get(f"/jobs/admin/{center.id}").get_data(as_text=True)
    assert "jb-row-confirmed" in page and "jb-row-rejected" in page
    me = jf.token(ana, "me")
    record = app.test_client().get("/api/v1/me/employment", headers=bearer(me)).get_json()
    items = record["items"] if isinstance(record, dict) else record
    assert items[0]["status"] == "confirmed"
    future = (clock.today() + timedelta(days=5)).isoformat()
    web.post(f"/jobs/admin/{center.id}/staff/{ana_job}/end", data={"end_date": future})
    record = app.test_client().get("/api/v1/me/employment", headers=bearer(me)).get_json()
    items = record["items"] if isinstance(record, dict) else record
    assert items[0]["end_date"] is None
    last_day = (clock.today() - timedelta(days=1)).isoformat()
    web.post(f"/jobs/admin/{center.id}/staff/{ana_job}/end", data={"end_date": last_day})
    record = app.test_client().get("/api/v1/me/employment", headers=bearer(me)).get_json()
    items = record["items"] if isinstance(record, dict) else record
    assert items[0]["end_date"] == last_day
    assert audit_actions(jf, "employment.end_by_employer")
    # names shown to the administrator are audited reads
    reads = [e for e in audit_actions(jf, "participant.read") if e.actor_account_id == admin.id]
    assert reads


def test_acting_on_another_programs_staff_is_404(app, jf, center, admin):
    other = jf.org(kind="employer_center", name="Other Center")
    person = jf.account()
    job = report_employment(app, person, other)
    web = WebClient(app, admin)
    assert web.get(f"/jobs/admin/{other.id}").status_code == 404
    assert web.post(f"/jobs/admin/{other.id}/staff/{job}/confirm").status_code == 404
    assert web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm").status_code == 404
    assert web.post(f"/jobs/admin/{center.id}/staff/{job}/end",
                    data={"end_date": "2024-01-01"}).status_code == 404
    participant = WebClient(app, person)
    assert participant.get(f"/jobs/admin/{center.id}").status_code == 404


def test_yearly_reconfirmation_reminder(app, jf, center, admin):
    from registry_plugins.jobs import services as svc
    from registry_plugins.jobs.models import StaffReconfirmation

    person = jf.account()
    job = report_employment(app, person, center)
    web = WebClient(app, admin)
    web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    registry = jf.registry
    with unit_of_work(registry.sessions) as session:
        assert not svc.reconfirmation_due(session, registry, center.id)
        later = svc.utcnow() + timedelta(days=400)
        assert svc.reconfirmation_due(session, registry, center.id, now=later)
        assert svc.send_reconfirmation_reminders(session, registry, now=later) == 1
        assert svc.send_reconfirmation_reminders(session, registry, now=later) == 0  # monthly
    assert any("reconfirm" in m["Subject"] for m in _mail(jf))
    with unit_of_work(registry.sessions) as session:  # a year passes
        row = session.get(StaffReconfirmation, center.id)
        row.reconfirmed_at = svc.utcnow() - timedelta(days=400)
    page = text_of(web.get(f"/jobs/admin/{center.id}"))
    assert "Once a year" in page
    assert web.post(f"/jobs/admin/{center.id}/reconfirm").status_code == 302
    assert "Once a year" not in text_of(web.get(f"/jobs/admin/{center.id}"))


def test_staff_qualifications_flags_audit_and_report(docs_app):
    app = docs_app
    jf = Factory(app)
    center = jf.org(kind="employer_center", name="Sunshine Learning Center",
                    license_number="010203040")
    admin = jf.account("program_admin", org=center)
    staff = jf.account("registry_staff")
    staff_token = jf.token(staff, "verification")
    ana = jf.account(first_name="Ana", last_name="Ruiz")
    ben = jf.account(first_name="Ben", last_name="Cho")
    pending = jf.account(first_name="Pending", last_name="Person")
    expiring = (clock.today() + timedelta(days=40)).isoformat()
    verify_permit(app, jf, ana, staff_token, expires_on=expiring,
                  issued_on=(clock.today() - timedelta(days=1800)).isoformat())
    verify_permit(app, jf, ben, staff_token,
                  expires_on=(clock.today() - timedelta(days=3)).isoformat(),
                  issued_on=(clock.today() - timedelta(days=1900)).isoformat())
    cara = jf.account(first_name="Cara", last_name="Diaz")
    verify_permit(app, jf, cara, staff_token, expires_on=expiring, hidden=True,
                  issued_on=(clock.today() - timedelta(days=1800)).isoformat())
    web = WebClient(app, admin)
    for person in (ana, ben, cara):
        job = report_employment(app, person, center)
        assert web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm").status_code == 302
    report_employment(app, pending, center)
    page = web.get(f"/jobs/admin/{center.id}/qualifications")
    assert page.status_code == 200
    body = text_of(page)
    assert "Ana Ruiz" in body and "Ben Cho" in body and "Pending Person" not in body
    assert "Permit expiring soon" in body and "Permit expired" in body
    assert "3.00" in body  # ECE units
    assert "6.00" in body  # training hours in the last 12 months
    cara_card = body[body.index("Cara Diaz"):]
    assert "Teacher" not in cara_card.split("Training hours")[0].split("Permits")[1]
    views = audit_actions(jf, "jobs.staff_qualifications.view")
    assert len(views) == 3 and all(v.actor_account_id == admin.id for v in views)
    pdf = web.get(f"/jobs/admin/{center.id}/qualifications.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    from registry_plugins.jobs.models import StaffReport

    with unit_of_work(jf.registry.sessions) as session:
        code = session.scalars(select(StaffReport.code)).one()
    check = text_of(app.test_client().get(f"/jobs/report-check?code={code}"))
    assert "Genuine" in check and "Sunshine Learning Center" in check
    assert "No report" in text_of(app.test_client().get("/jobs/report-check?code=NOPE"))
    token = jf.token(admin, "reports:read", org=center)
    xlsx = app.test_client().get("/api/v1/reports/staff-qualifications.xlsx",
                                 headers=bearer(token))
    assert xlsx.status_code == 200, xlsx.get_data(as_text=True)
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Program" and len(rows) == 4
    assert {r[2] for r in rows[1:]} == {"Ana Ruiz", "Ben Cho", "Cara Diaz"}
    assert next(r for r in rows if r[2] == "Cara Diaz")[9] in ("", None)  # hidden permit


def test_qualifications_without_documents_plugin(app, jf, center, admin):
    person = jf.account(first_name="Ana", last_name="Ruiz")
    job = report_employment(app, person, center)
    web = WebClient(app, admin)
    web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    page = text_of(web.get(f"/jobs/admin/{center.id}/qualifications"))
    assert "Ana Ruiz" in page and "not enabled" in page


def test_program_minimums_flag_staff_below_them(docs_app):
    app = docs_app
    jf = Factory(app)
    center = jf.org(kind="employer_center")
    admin = jf.account("program_admin", org=center)
    staff_token = jf.token(jf.account("registry_staff"), "verification")
    ana = jf.account(first_name="Ana", last_name="Ruiz")  # a Teacher permit, role teacher
    ben = jf.account(first_name="Ben", last_name="Cho")  # no permit, role teacher
    verify_permit(app, jf, ana, staff_token,
                  expires_on=(clock.today() + timedelta(days=900)).isoformat(),
                  issued_on=(clock.today() - timedelta(days=900)).isoformat())
    web = WebClient(app, admin)
    for person in (ana, ben):
        job = report_employment(app, person, center)
        web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    assert "Below program minimum" not in text_of(
        web.get(f"/jobs/admin/{center.id}/qualifications"))
    assert web.get(f"/jobs/admin/{center.id}/minimums").status_code == 200
    bad = web.post(f"/jobs/admin/{center.id}/minimums", data={"min_teacher": "wizard"})
    assert bad.status_code == 422 and "not a permit level" in text_of(bad)
    assert web.post(f"/jobs/admin/{center.id}/minimums",
                    data={"min_teacher": "teacher"}).status_code == 302
    page = text_of(web.get(f"/jobs/admin/{center.id}/qualifications"))
    ben_card = page[page.index("Ben Cho"):]
    ana_card = page[page.index("Ana Ruiz"):page.index("Ben Cho")]
    assert "Below program minimum" in ben_card and "Below program minimum" not in ana_card
    assert 'value="teacher" selected' in web.get(
        f"/jobs/admin/{center.id}/minimums").get_data(as_text=True)
    other = jf.org(kind="employer_center")
    assert web.get(f"/jobs/admin/{other.id}/minimums").status_code == 404


def test_enroll_confirmed_staff_in_a_training(make_app):
    from datetime import UTC, datetime

    from jobs_helpers import TestLogin

    app = make_app(plugins=["profile", "training", "jobs"], extra_plugins=(TestLogin(),))
    jf = Factory(app)
    sponsor = jf.org(kind="training_sponsor")
    manager = jf.account("sponsor_manager", org=sponsor)
    sponsor_token = jf.token(manager, "training:write", org=sponsor)
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(sponsor_token), json={
        "title": "Positive Guidance", "hours": "3.00", "competency_area": "RIG",
        "language": "en"})
    assert training.status_code == 201, training.get_json()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    event = client.post("/api/v1/events", headers=bearer(sponsor_token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 5,
        "location": {"address": "1 Main St", "city": "Oakland", "county": "Alameda",
                     "zip": "94612"}})
    assert event.status_code == 201, event.get_json()
    event_id = event.get_json()["id"]
    center = jf.org(kind="employer_center")
    admin = jf.account("program_admin", org=center)
    ana, ben = jf.account(first_name="Ana"), jf.account(first_name="Ben")
    web = WebClient(app, admin)
    ana_job = report_employment(app, ana, center)
    ben_job = report_employment(app, ben, center)
    web.post(f"/jobs/admin/{center.id}/staff/{ana_job}/confirm")
    page = web.get(f"/jobs/admin/{center.id}/qualifications").get_data(as_text=True)
    assert "Positive Guidance" in page and "Enroll in a training" in page
    done = web.post(f"/jobs/admin/{center.id}/staff/{ana_job}/enroll",
                    data={"event_id": event_id}, follow_redirects=True)
    assert "Enrolled." in done.get_data(as_text=True)
    mine = client.get("/api/v1/me/enrollments", headers=bearer(jf.token(ana, "me"))).get_json()
    assert [e["status"] for e in mine["items"]] == ["enrolled"]
    twice = web.post(f"/jobs/admin/{center.id}/staff/{ana_job}/enroll",
                     data={"event_id": event_id}, follow_redirects=True)
    assert "already" in twice.get_data(as_text=True)
    unconfirmed = web.post(f"/jobs/admin/{center.id}/staff/{ben_job}/enroll",
                           data={"event_id": event_id}, follow_redirects=True)
    assert "only current, confirmed staff" in unconfirmed.get_data(as_text=True)
    assert client.get("/api/v1/me/enrollments",
                      headers=bearer(jf.token(ben, "me"))).get_json()["items"] == []


def test_cli_sends_reconfirmation_reminders(app, jf, center, admin):
    import json

    from click.testing import CliRunner
    from registry_plugins.jobs.models import StaffReconfirmation

    from registry_kernel.cli import cli
    from registry_kernel.db import utcnow

    person = jf.account()
    job = report_employment(app, person, center)
    WebClient(app, admin).post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    jf.registry.plugins.hook.cli_commands(cli=cli)
    first = CliRunner().invoke(cli, ["jobs", "send-reminders"], obj={"app": app})
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"reminders_sent": 0}  # confirmed just now
    with unit_of_work(jf.registry.sessions) as session:
        session.add(StaffReconfirmation(organization_id=center.id,
                                        reconfirmed_at=utcnow() - timedelta(days=400)))
    second = CliRunner().invoke(cli, ["jobs", "send-reminders"], obj={"app": app})
    assert json.loads(second.stdout) == {"reminders_sent": 1}
    jf.registry.outbox.drain()
    assert [m["Subject"] for m in jf.registry.sent_mail if "reconfirm" in m["Subject"]]
