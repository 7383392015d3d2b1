"""Attendance, hours, rosters, sign-in sheets, certificates and the Excel reports."""

from __future__ import annotations

import io
import re

from conftest import EventLog, iso, make_sponsor, shift_event, sign_in
from openpyxl import load_workbook
from pypdf import PdfReader

from registry_kernel.db import unit_of_work
from registry_kernel.models import AuditEvent, Participant
from registry_kernel.testing import Factory, bearer


def _held_event(sponsor, factory, people, **kw):
    """An event with ``people`` enrolled, moved to yesterday."""
    event = sponsor.event(**kw)
    for person in people:
        assert sponsor.enroll(event["id"], person.registry_id).status_code == 201
    shift_event(factory, event["id"], -8)
    return event


def _attendance(sponsor, event_id, records):
    return sponsor.client.post(f"/api/v1/events/{event_id}/attendance",
                               headers=sponsor.headers, json={"records": records})


def _roster(sponsor, event_id):
    response = sponsor.client.get(f"/api/v1/events/{event_id}/roster", headers=sponsor.headers)
    assert response.status_code == 200, response.get_json()
    return {r["registry_id"]: r for r in response.get_json()["items"]}


def test_attendance_grants_hours_and_records_walk_ins(make_app):
    log = EventLog()
    tf = Factory(make_app(plugins=["training"], extra_plugins=(log,)))
    sponsor = make_sponsor(tf)
    a, b = tf.participant(first_name="Ana", last_name="Ruiz"), tf.participant()
    walk_in = tf.participant()
    training = sponsor.training(hours="2.5")
    event = sponsor.event(training["id"])
    for person in (a, b):
        sponsor.enroll(event["id"], person.registry_id)
    shift_event(tf, event["id"], -8)
    response = _attendance(sponsor, event["id"], [
        {"registry_id": a.registry_id, "status": "attended"},
        {"registry_id": b.registry_id, "status": "no_show"},
        {"registry_id": walk_in.registry_id, "status": "attended"}])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["recorded"] == 3
    roster = _roster(sponsor, event["id"])
    assert roster[a.registry_id]["status"] == "attended"
    assert roster[a.registry_id]["hours_granted"] == "2.50"
    assert roster[a.registry_id]["first_name"] == "Ana"
    assert roster[b.registry_id] == {**roster[b.registry_id], "status": "no_show",
                                     "hours_granted": None}
    assert roster[walk_in.registry_id]["status"] == "attended"
    recorded = log.of("attendance.recorded")
    assert {r["registry_id"] for r in recorded} == {a.registry_id, b.registry_id,
                                                    walk_in.registry_id}
    assert all(set(r) == {"registry_id", "event_id", "enrollment_id", "status", "hours"}
               for r in recorded)
    # a correction: Ana was in fact absent
    fixed = _attendance(sponsor, event["id"], [{"registry_id": a.registry_id,
                                                "status": "no_show"}])
    assert fixed.status_code == 200
    assert _roster(sponsor, event["id"])[a.registry_id]["hours_granted"] is None
    with unit_of_work(tf.registry.sessions) as session:
        actions = [e.action for e in session.query(AuditEvent).filter(
            AuditEvent.subject_participant_id == a.id)]
    assert "training.attendance.correct" in actions and "participant.read" in actions
    # the catalog change does not rewrite hours already granted
    sponsor.client.patch(f"/api/v1/trainings/{training['id']}", json={"hours": "9"},
                         headers=sponsor.headers)
    assert _roster(sponsor, event["id"])[walk_in.registry_id]["hours_granted"] == "2.50"


def test_bad_attendance_changes_nothing(sponsor, tf):
    person = tf.participant()
    event = _held_event(sponsor, tf, [person])
    digits = person.registry_id
    mistyped = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    bad = _attendance(sponsor, event["id"], [
        {"registry_id": person.registry_id, "status": "attended"},
        {"registry_id": mistyped, "status": "attended"}])
    assert bad.status_code == 422
    assert "records.1.registry_id" in bad.get_json()["errors"]
    twice = _attendance(sponsor, event["id"], [
        {"registry_id": person.registry_id, "status": "attended"},
        {"registry_id": person.registry_id, "status": "no_show"}])
    assert twice.status_code == 422
    wrong_status = _attendance(sponsor, event["id"], [{"registry_id": person.registry_id,
                                                       "status": "present"}])
    assert wrong_status.status_code == 422
    assert _attendance(sponsor, event["id"], []).status_code == 422
    assert _roster(sponsor, event["id"])[person.registry_id]["status"] == "enrolled"
    upcoming = sponsor.event()
    early = _attendance(sponsor, upcoming["id"], [{"registry_id": person.registry_id,
                                                   "status": "attended"}])
    assert early.status_code == 409 and early.get_json()["reason"] == "not_started"
    other = make_sponsor(tf)
    foreign = _attendance(other, event["id"], [{"registry_id": person.registry_id,
                                                "status": "attended"}])
    assert foreign.status_code == 404
    assert other.client.get(f"/api/v1/events/{event['id']}/roster",
                            headers=other.headers).status_code == 404
    withdraw = sponsor.client.patch(
        f"/api/v1/enrollments/{_roster(sponsor, event['id'])[person.registry_id]['enrollment_id']}",
        json={"status": "withdrawn"}, headers=sponsor.headers)
    assert withdraw.status_code == 409


def test_roster_and_sign_in_sheet_pdfs(sponsor, tf):
    people = [tf.participant(first_name="Mei", last_name="Wong"),
              tf.participant(first_name="陳", last_name="大文")]
    event = sponsor.event()
    for person in people:
        sponsor.enroll(event["id"], person.registry_id)
    roster = sponsor.client.get(f"/api/v1/events/{event['id']}/roster.pdf",
                                headers=sponsor.headers)
    assert roster.status_code == 200 and roster.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(roster.data)).pages[0].extract_text()
    assert people[0].registry_id in text and "Wong" in text and "Positive Guidance" in text
    sheet = sponsor.client.get(f"/api/v1/events/{event['id']}/sign-in-sheet.pdf",
                               headers=sponsor.headers)
    assert sheet.status_code == 200
    sheet_text = PdfReader(io.BytesIO(sheet.data)).pages[0].extract_text()
    assert people[1].registry_id in sheet_text and "Walk-ins" in sheet_text


def test_hours_reach_the_education_report_and_the_certificate(tf):
    sponsor = make_sponsor(tf)
    account = tf.account(first_name="Rosa", last_name="Díaz")
    person = account.participant
    event = _held_event(sponsor, tf, [person])
    _attendance(sponsor, event["id"], [{"registry_id": person.registry_id,
                                        "status": "attended"}])
    with unit_of_work(tf.registry.sessions) as session:
        sections = tf.registry.plugins.collect(
            "education_report_sections", session=session, registry=tf.registry,
            participant=session.get(Participant, person.id))
    [section] = [s for s in sections if s.key == "training"]
    assert section.data[0]["hours"] == "3.00" and section.data[0]["competency_area"] == "RIG"
    client = tf.app.test_client()
    sign_in(client, account)
    mine = client.get("/training/my").get_data(as_text=True)
    assert "3.00" in mine and "Certificate" in mine
    enrollment_id = re.search(r"/training/enrollments/(\d+)/certificate.pdf", mine).group(1)
    pdf = client.get(f"/training/enrollments/{enrollment_id}/certificate.pdf")
    assert pdf.status_code == 200
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Rosa Díaz" in text and "3.00" in text
    stranger = tf.app.test_client()
    sign_in(stranger, tf.account())
    assert stranger.get(f"/training/enrollments/{enrollment_id}/certificate.pdf"
                        ).status_code == 404


def test_education_report_api_shows_training_hours_when_documents_is_enabled(make_app):
    try:
        app = make_app(plugins=["documents", "training"])
    except Exception as exc:  # the documents plugin may require other plugins
        import pytest

        pytest.skip(f"documents plugin not available alone: {exc}")
    tf = Factory(app)
    sponsor = make_sponsor(tf)
    account = tf.account()
    event = _held_event(sponsor, tf, [account.participant])
    _attendance(sponsor, event["id"], [{"registry_id": account.participant.registry_id,
                                        "status": "attended"}])
    token = tf.token(account, "me")
    report = tf.app.test_client().get("/api/v1/me/education-report", headers=bearer(token))
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["totals"]["training_hours"] == "3.00"
    assert body["training"][0]["title"] == "Positive Guidance"


def _xlsx(sponsor, name, **params):
    response = sponsor.client.get(f"/api/v1/reports/{name}.xlsx", headers=sponsor.headers,
                                  query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_attendance_funding_and_dsp_reports(sponsor, tf):
    people = [tf.participant(county="Alameda") for _ in range(3)]
    held = sponsor.event(capacity=2, funding_source="CCIP")
    for person in people:
        sponsor.enroll(held["id"], person.registry_id)
    shift_event(tf, held["id"], -8)
    _attendance(sponsor, held["id"], [{"registry_id": people[0].registry_id,
                                       "status": "attended"},
                                      {"registry_id": people[1].registry_id,
                                       "status": "no_show"}])
    upcoming = sponsor.event(starts_at=iso(3), ends_at=iso(3, 2))
    sponsor.enroll(upcoming["id"], people[2].registry_id)
    other = make_sponsor(tf)
    other.event()
    rows = _xlsx(sponsor, "attendance")
    assert rows[0][:4] == ["Sponsor", "Event ID", "Training", "Starts (Pacific)"]
    assert [r[1] for r in rows[1:-1]] == [held["id"], upcoming["id"]]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["Enrolled"], first["Waitlisted"], first["Attended"], first["No show"]) == (
        0, 1, 1, 1)
    assert first["Funding source"] == "CCIP" and first["Hours granted"] == 3.0
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert total["Sponsor"] == "Total" and total["Attended"] == 1
    assert total["Hours granted"] == 3.0 and total["Enrolled"] == 1
    funding = _xlsx(sponsor, "funding")
    assert funding[1:] == [["(none)", 1, 0, 0.0], ["CCIP", 1, 1, 3.0], ["Total", 2, 1, 3.0]]
    dsp = _xlsx(sponsor, "direct-service-profile")
    assert len(dsp) == 2 and dsp[1][9] == people[0].registry_id and dsp[1][-1] == 3.0
    ranged = _xlsx(sponsor, "attendance", **{"from": iso(1)[:10], "to": iso(30)[:10]})
    assert [r[1] for r in ranged[1:-1]] == [upcoming["id"]]
    reversed_range = sponsor.client.get("/api/v1/reports/attendance.xlsx",
                                        headers=sponsor.headers,
                                        query_string={"from": iso(5)[:10], "to": iso(1)[:10]})
    assert reversed_range.status_code == 422
    too_long = sponsor.client.get("/api/v1/reports/attendance.xlsx", headers=sponsor.headers,
                                  query_string={"from": "2020-01-01", "to": "2030-01-01"})
    assert too_long.status_code == 422


def test_attendance_in_the_training_module(tf):
    sponsor = make_sponsor(tf)
    person, walk_in = tf.participant(), tf.participant()
    event = _held_event(sponsor, tf, [person])
    client = tf.app.test_client()
    sign_in(client, sponsor.manager)
    page = client.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}")
    html = page.get_data(as_text=True)
    assert "Save attendance" in html
    enrollment_id = re.search(r'name="status-(\d+)"', html).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    saved = client.post(f"/training/manage/{sponsor.org.id}/events/{event['id']}/attendance",
                        data={"csrf_token": token, f"status-{enrollment_id}": "attended",
                              "walk_ins": walk_in.registry_id + "\n"}, follow_redirects=True)
    assert "Attendance saved for 2 people" in saved.get_data(as_text=True)
    roster = _roster(sponsor, event["id"])
    assert roster[person.registry_id]["status"] == "attended"
    assert roster[walk_in.registry_id]["status"] == "attended"
    bad = client.post(f"/training/manage/{sponsor.org.id}/events/{event['id']}/attendance",
                      data={"csrf_token": token, "walk_ins": "12345"}, follow_redirects=True)
    assert "nothing was recorded" in bad.get_data(as_text=True)
    pdf = client.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}/roster.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def _workbook(rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_roster_excel_round_trip_and_bad_uploads(tf):
    sponsor = make_sponsor(tf)
    people = [tf.participant(last_name="Alvarez"), tf.participant(last_name="Brown")]
    event = _held_event(sponsor, tf, people)
    response = sponsor.client.get(f"/api/v1/events/{event['id']}/roster.xlsx",
                                  headers=sponsor.headers)
    assert response.status_code == 200
    rows = [list(r) for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True)]
    assert rows[0] == ["Registry ID", "Last name", "First name", "Status", "Hours"]
    assert [r[1] for r in rows[1:]] == ["Alvarez", "Brown"]
    client = tf.app.test_client()
    sign_in(client, sponsor.manager)
    page = client.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    url = f"/training/manage/{sponsor.org.id}/events/{event['id']}/attendance-upload"

    def upload(data):
        return client.post(url, data={"csrf_token": token,
                                      "roster": (io.BytesIO(data), "roster.xlsx")},
                           content_type="multipart/form-data",
                           follow_redirects=True).get_data(as_text=True)

    assert "not an Excel workbook" in upload(b"not a workbook")
    assert "Registry ID and Status" in upload(_workbook([["Name", "Present"], ["x", "y"]]))
    bad = upload(_workbook([rows[0], [people[0].registry_id, None, None, "attended"],
                            [people[1].registry_id, None, None, "maybe"]]))
    assert "row 3" in bad and "nothing was recorded" in bad
    unknown = upload(_workbook([rows[0], ["0000000000", None, None, "attended"]]))
    assert "nothing was recorded" in unknown
    assert _roster(sponsor, event["id"])[people[0].registry_id]["status"] == "enrolled"
    rows[1][3], rows[2][3] = "Attended", "No show"
    done = upload(_workbook(rows))
    assert "Attendance saved for 2 people" in done
    roster = _roster(sponsor, event["id"])
    assert roster[people[0].registry_id]["status"] == "attended"
    assert roster[people[1].registry_id]["status"] == "no_show"


def test_anonymous_feedback_survey_and_report(tf):
    from registry_plugins.training.models import FeedbackResponse

    sponsor = make_sponsor(tf)
    accounts = [tf.account() for _ in range(3)]
    event = _held_event(sponsor, tf, [a.participant for a in accounts])
    tf.registry.sent_mail.clear()
    _attendance(sponsor, event["id"], [{"registry_id": a.participant.registry_id,
                                        "status": "attended"} for a in accounts])
    tf.registry.outbox.drain()
    assert any("How was" in m["Subject"] for m in tf.registry.sent_mail)

    def answer(account, **answers):
        client = tf.app.test_client()
        sign_in(client, account)
        mine = client.get("/training/my").get_data(as_text=True)
        url = re.search(r'href="(/training/enrollments/\d+/feedback)"', mine).group(1)
        page = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return client, url, client.post(url, data={"csrf_token": token, **answers})

    client, url, bad = answer(accounts[0], content="9", presenter="4")
    assert bad.status_code == 422 and "choose 1 to 5" in bad.get_data(as_text=True)
    client, url, ok = answer(accounts[0], content="5", presenter="4", apply="3",
                             comment="Great examples")
    assert ok.status_code == 302
    assert "/feedback" not in client.get("/training/my").get_data(as_text=True)
    assert client.get(url).status_code == 302
    answer(accounts[1], content="3", presenter="4", apply="5")
    rows = _xlsx(sponsor, "feedback")
    assert rows[1][3] == 2 and "not broken down" in rows[1][4] and not any(rows[1][5:])
    answer(accounts[2], content="4", presenter="4", apply="4")
    rows = _xlsx(sponsor, "feedback")  # under five answers: still only counted
    assert rows[1][3] == 3 and "not broken down" in rows[1][4] and rows[-1][3] == 3
    with unit_of_work(tf.registry.sessions) as session:
        stored = session.query(FeedbackResponse).all()
        columns = set(FeedbackResponse.__table__.columns.keys())
    assert len(stored) == 3 and columns == {"id", "event_id", "answers", "comment",
                                            "answered_on"}
    assert all(r.answered_on.hour == 0 and r.answered_on.minute == 0 for r in stored)


def _approved_instructor(tf, sponsor):
    """An account that asked to be the sponsor's instructor and that a manager approved."""
    from registry_plugins.training import services as svc

    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.models import Account, Organization

    account = tf.account()
    with unit_of_work(tf.registry.sessions) as session:
        org = session.get(Organization, sponsor.org.id)
        own = session.get(Account, account.id)
        request = svc.request_instructor(session, org, own, actor_for_account(
            session, own, permission_roles=tf.registry.permission_roles))
        manager = actor_for_account(session, session.get(Account, sponsor.manager.id),
                                    permission_roles=tf.registry.permission_roles)
        svc.decide_instructor(session, request, manager, approve=True)
    return account


def test_instructors_see_rosters_of_their_events_and_take_attendance_if_allowed(tf):
    from registry_plugins.training import services as svc

    from registry_kernel.auth.actor import SYSTEM
    from registry_kernel.models import Organization

    sponsor = make_sponsor(tf)
    lead, other_instructor = _approved_instructor(tf, sponsor), _approved_instructor(tf, sponsor)
    person = tf.participant(first_name="Mia", last_name="Chen")
    theirs = _held_event(sponsor, tf, [person],
                         instructor_registry_id=lead.participant.registry_id)
    not_theirs = _held_event(sponsor, tf, [person])
    base = f"/training/manage/{sponsor.org.id}/events"
    client = tf.app.test_client()
    sign_in(client, lead)
    page = client.get(f"{base}/{theirs['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert person.registry_id in html and "Save attendance" not in html  # not allowed yet
    roster = client.get(f"{base}/{theirs['id']}/roster.pdf")
    assert roster.status_code == 200 and "Mia" in PdfReader(io.BytesIO(roster.data)).pages[
        0].extract_text()
    assert client.get(f"{base}/{not_theirs['id']}").status_code == 404
    assert client.get(f"{base}/{not_theirs['id']}/roster.pdf").status_code == 404
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    refused = client.post(f"{base}/{theirs['id']}/attendance",
                          data={"csrf_token": token, "walk_ins": person.registry_id})
    assert refused.status_code == 403
    api_token = tf.token(lead, "training:read training:write", org=sponsor.org)
    api = tf.app.test_client()
    listed = api.get(f"/api/v1/events/{theirs['id']}/roster", headers=bearer(api_token))
    assert listed.status_code == 200
    assert [r["registry_id"] for r in listed.get_json()["items"]] == [person.registry_id]
    forbidden = api.post(f"/api/v1/events/{theirs['id']}/attendance", headers=bearer(api_token),
                         json={"records": [{"registry_id": person.registry_id,
                                            "status": "attended"}]})
    assert forbidden.status_code == 403
    with unit_of_work(tf.registry.sessions) as session:  # the sponsor now allows it
        org = session.get(Organization, sponsor.org.id)
        record = svc.ensure_sponsor_info(session, tf.registry, org)
        svc.update_sponsor_info(session, record, SYSTEM, {"instructors_may_manage_events": True})
    html = client.get(f"{base}/{theirs['id']}").get_data(as_text=True)
    assert "Save attendance" in html
    enrollment_id = re.search(r'name="status-(\d+)"', html).group(1)
    saved = client.post(f"{base}/{theirs['id']}/attendance", follow_redirects=True,
                        data={"csrf_token": token, f"status-{enrollment_id}": "attended"})
    assert "Attendance saved for 1 person" in saved.get_data(as_text=True)
    assert _roster(sponsor, theirs["id"])[person.registry_id]["status"] == "attended"
    by_api = api.post(f"/api/v1/events/{theirs['id']}/attendance", headers=bearer(api_token),
                      json={"records": [{"registry_id": person.registry_id,
                                         "status": "no_show"}]})
    assert by_api.status_code == 200
    # another instructor of the same sponsor does not lead it
    stranger = tf.app.test_client()
    sign_in(stranger, other_instructor)
    assert stranger.get(f"{base}/{theirs['id']}").status_code == 404
    assert stranger.post(f"{base}/{theirs['id']}/attendance",
                         data={"csrf_token": token}).status_code in (400, 404)
