"""The sponsors' Excel reports: every cell that matters, with and without the profile plugin,
through the API and the Training Module, for a sponsor and for registry staff."""

from __future__ import annotations

import io
import re

import pytest
from conftest import client_token, iso, make_sponsor, shift_event, sign_in
from openpyxl import load_workbook

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.models import AuditEvent, Participant
from registry_kernel.testing import Factory, bearer


def _rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _workbook_bytes(rows: list[list]) -> bytes:
    """An .xlsx file holding ``rows`` (as a person would save it from Excel)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx(client, headers, name, **params):
    response = client.get(f"/api/v1/reports/{name}.xlsx", headers=headers, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return _rows(response.data)


def _attend(sponsor, event_id, people, status="attended"):
    response = sponsor.client.post(
        f"/api/v1/events/{event_id}/attendance", headers=sponsor.headers,
        json={"records": [{"registry_id": p.registry_id, "status": status} for p in people]})
    assert response.status_code == 200, response.get_json()


def _set_up_sponsor(tf, vendor="TEST"):
    from registry_plugins.training import services as svc

    from registry_kernel.auth.actor import SYSTEM
    from registry_kernel.models import Organization

    sponsor = make_sponsor(tf, county="Alameda")
    with unit_of_work(tf.registry.sessions) as session:
        org = session.get(Organization, sponsor.org.id)
        record = svc.ensure_sponsor_info(session, tf.registry, org)
        svc.update_sponsor_info(session, record, SYSTEM, {"vendor_number": vendor})
    return sponsor


@pytest.fixture
def pf(make_app):
    """Training with the profile plugin: employment and demographics reach the reports."""
    return Factory(make_app(plugins=["training", "profile"]))


def _profile(tf, person, *, ethnicity, gender, employer=None, role="teacher"):
    from registry_plugins.profile import services as profile

    from registry_kernel.auth.actor import SYSTEM

    with unit_of_work(tf.registry.sessions) as session:
        participant = session.get(Participant, person.id)
        profile.update_sections(session, tf.registry, participant, {"demographics": {
            "ethnicity": ethnicity, "gender": gender, "primary_language": "es",
            "age_band": "30_39"}}, actor=SYSTEM)
        if employer is not None:
            data = profile.parse_employment({"employer_id": employer.id, "position": "Teacher",
                                             "role_category": role,
                                             "start_date": "2020-01-06"},
                                            registry=tf.registry, session=session)
            profile.create_employment(session, tf.registry, participant, data, actor=SYSTEM)


def test_direct_service_profile_with_profile_data_and_codes(pf):
    sponsor = _set_up_sponsor(pf)
    center = pf.org(kind="employer_center", county="Alameda")
    ana, bo, cy = (pf.participant(county="Alameda"), pf.participant(county="Marin"),
                   pf.participant(county="Alameda"))
    _profile(pf, ana, ethnicity="latino", gender="female", employer=center)
    _profile(pf, bo, ethnicity="declined", gender="male")
    coaching = sponsor.training(title="Coaching Circle", hours="2.00")
    classroom = sponsor.event()
    online = sponsor.event(coaching["id"], location=None, online_url="https://meet.example.org/x")
    for event, people in ((classroom, [ana, bo, cy]), (online, [ana])):
        for p in people:
            assert sponsor.enroll(event["id"], p.registry_id).status_code == 201
        shift_event(pf, event["id"], -8)
    _attend(sponsor, classroom["id"], [ana, bo])
    _attend(sponsor, classroom["id"], [cy], "no_show")
    _attend(sponsor, online["id"], [ana])
    # the sponsor's codes: Alameda (01), CCIP; the coaching entry is coaching (5), fee (8)
    client = pf.app.test_client()
    sign_in(client, sponsor.manager)
    url = f"/training/manage/{sponsor.org.id}/dsp-codes"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    bad = client.post(url, data={"csrf_token": token, "county": "Atlantis", "program": "XX",
                                 "delivery_type": "4", "funding": "0"})
    assert bad.status_code == 422
    assert "not a California county" in bad.get_data(as_text=True)
    saved = client.post(url, data={
        "csrf_token": token, "county": "Alameda", "program": "CCIP", "delivery_type": "1",
        "funding": "0", f"delivery_type-{coaching['id']}": "5",
        f"funding-{coaching['id']}": "8"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    rows = _xlsx(sponsor.client, sponsor.headers, "direct-service-profile")
    assert rows[0] == ["ORGCODE", "Program", "Delivery type", "Delivery method", "Funding",
                       "Training", "Event ID", "Event date", "Event county", "Registry ID",
                       "Employment setting", "Primary position", "County", "Ethnicity",
                       "Language", "Hours"]
    body = {(r[6], r[9]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert len(rows) == 4  # three attended rows, the no-show is left out
    first = body[(classroom["id"], ana.registry_id)]
    assert first["ORGCODE"] == "TEST0111C0"
    assert (first["Program"], first["Delivery type"], first["Delivery method"],
            first["Funding"]) == ("CCIP", "Training", "Classroom", "CDE/First 5 funded")
    assert (first["Employment setting"], first["Primary position"], first["Ethnicity"],
            first["Language"], first["County"], first["Hours"]) == (
        "Center", "Teacher", "Latino/Hispanic", "es", "Alameda", 3.0)
    assert first["Event county"] == "Alameda"
    second = body[(classroom["id"], bo.registry_id)]
    assert (second["Ethnicity"], second["Employment setting"], second["County"]) == (
        "Declined to state", None, "Marin")  # an empty cell
    coached = body[(online["id"], ana.registry_id)]
    assert coached["ORGCODE"] == "TEST0115O8" and coached["Hours"] == 2.0
    assert coached["Delivery type"] == "Coaching" and coached["Funding"] == "Fee-for-service"
    # filters: event county and program
    only_alameda = _xlsx(sponsor.client, sponsor.headers, "direct-service-profile",
                         county="alameda")
    assert {r[6] for r in only_alameda[1:]} == {classroom["id"]}
    assert len(_xlsx(sponsor.client, sponsor.headers, "direct-service-profile",
                     program="PHS")) == 1
    bad_program = sponsor.client.get("/api/v1/reports/direct-service-profile.xlsx",
                                     headers=sponsor.headers, query_string={"program": "ZZZ"})
    assert bad_program.status_code == 422
    assert bad_program.headers["Content-Type"].startswith("application/problem+json")
    # in the background: the same rows; a bad parameter is a 422 at once, nothing queued
    for body, field in (({"program": "ZZZ"}, "program"), ({"county": "Atlantis"}, "county")):
        refused = sponsor.client.post("/api/v1/reports/direct-service-profile/runs",
                                      headers=sponsor.headers, json=body)
        assert refused.status_code == 422 and field in refused.get_json()["errors"]
    run = sponsor.client.post("/api/v1/reports/direct-service-profile/runs",
                              headers=sponsor.headers, json={"county": "alameda"})
    assert run.status_code == 202, run.get_json()
    pf.registry.outbox.drain()
    done = sponsor.client.get(f"/api/v1/report-runs/{run.get_json()['id']}.xlsx",
                              headers=sponsor.headers)
    assert done.status_code == 200 and _rows(done.data) == only_alameda


def test_dsp_columns_are_blank_without_the_profile_plugin(tf):
    sponsor = _set_up_sponsor(tf, vendor="V9")
    person = tf.participant(county="Fresno")
    event = sponsor.event()
    sponsor.enroll(event["id"], person.registry_id)
    shift_event(tf, event["id"], -8)
    _attend(sponsor, event["id"], [person])
    rows = _xlsx(sponsor.client, sponsor.headers, "direct-service-profile")
    row = dict(zip(rows[0], rows[1], strict=False))
    assert row["ORGCODE"] == "V90121C0"  # defaults: the org's county, R&R, training, CDE
    assert row.get("Employment setting") in (None, "") and row.get("Ethnicity") in (None, "")
    assert row["Language"] == "en" and row["County"] == "Fresno"


def test_demographics_report_counts_each_person_once(pf):
    sponsor = _set_up_sponsor(pf)
    center = pf.org(kind="employer_center")
    people = [pf.participant(county=c) for c in ("Alameda", "Alameda", "Marin")]
    _profile(pf, people[0], ethnicity="latino", gender="female", employer=center)
    _profile(pf, people[1], ethnicity="latino", gender="male", employer=center,
             role="assistant")
    first, second = sponsor.event(), sponsor.event()
    for event in (first, second):
        for p in people:
            sponsor.enroll(event["id"], p.registry_id)
        shift_event(pf, event["id"], -8)
    _attend(sponsor, first["id"], people)
    _attend(sponsor, second["id"], people[:2])
    rows = _xlsx(sponsor.client, sponsor.headers, "demographics")
    assert rows[0] == ["Characteristic", "Value", "Participants", "Share (%)"]
    table = {(r[0], r[1]): (r[2], r[3]) for r in rows[1:-1]}
    assert table[("County", "Alameda")] == (2, 66.7)
    assert table[("County", "Marin")] == (1, 33.3)
    assert table[("Ethnicity", "Latino/Hispanic")] == (2, 66.7)
    assert table[("Ethnicity", "Not reported")] == (1, 33.3)
    assert table[("Primary position", "Teacher")] == (1, 33.3)
    assert table[("Primary position", "Assistant/Aide")] == (1, 33.3)
    assert table[("Employment setting", "Center")] == (2, 66.7)
    for characteristic in ("County", "Language", "Ethnicity", "Gender", "Age band",
                           "Primary language", "County of work", "Primary position",
                           "Employment setting"):
        assert sum(n for (c, _v), (n, _s) in table.items() if c == characteristic) == 3
    assert rows[-1] == ["Total participants", None, 3, 100.0]


def test_custom_report_fields_via_api_and_ui(pf):
    sponsor = _set_up_sponsor(pf)
    person, other = pf.participant(county="Alameda"), pf.participant(county="Kern")
    _profile(pf, person, ethnicity="asian", gender="female")
    event = sponsor.event(funding_source="First 5")
    for p in (person, other):
        sponsor.enroll(event["id"], p.registry_id)
    shift_event(pf, event["id"], -8)
    _attend(sponsor, event["id"], [person])
    rows = _xlsx(sponsor.client, sponsor.headers, "training-custom",
                 fields="registry_id,status,hours_granted,ethnicity,funding_source,event_id")
    assert rows[0] == ["Registry ID", "Status", "Hours granted", "Ethnicity", "Funding source",
                       "Event ID"]
    body = sorted(rows[1:], key=lambda r: r[0])
    expected = sorted([[person.registry_id, "attended", 3.0, "Asian", "First 5", event["id"]],
                       [other.registry_id, "enrolled", None, None, "First 5", event["id"]]],
                      key=lambda r: r[0])
    assert [r[:len(expected[0])] + [None] * (6 - len(r)) for r in body] == expected
    for query, fragment in (({"fields": "registry_id,ssn"}, "unknown fields: ssn"),
                            ({}, "choose at least one field"),
                            ({"fields": "registry_id", "county": "Kern"}, "does not take")):
        bad = sponsor.client.get("/api/v1/reports/training-custom.xlsx",
                                 headers=sponsor.headers, query_string=query)
        assert bad.status_code == 422, bad.get_data(as_text=True)
        assert bad.headers["Content-Type"].startswith("application/problem+json")
        problem = bad.get_json()
        assert fragment in problem["detail"] + str(problem.get("errors", ""))
    # the same through the Training Module's form
    client = pf.app.test_client()
    sign_in(client, sponsor.manager)
    page = client.get(f"/training/manage/{sponsor.org.id}/reports").get_data(as_text=True)
    assert 'name="fields" value="ethnicity"' in page and "Custom report" in page
    ui = client.get(f"/training/manage/{sponsor.org.id}/reports/training-custom.xlsx",
                    query_string={"fields": ["event_id", "registry_id"]})
    assert ui.status_code == 200
    assert _rows(ui.data)[0] == ["Event ID", "Registry ID"]
    none = client.get(f"/training/manage/{sponsor.org.id}/reports/training-custom.xlsx")
    assert none.status_code == 422 and "choose at least one field" in none.get_data(
        as_text=True)


def test_profile_fields_are_not_offered_without_the_profile_plugin(sponsor):
    bad = sponsor.client.get("/api/v1/reports/training-custom.xlsx", headers=sponsor.headers,
                             query_string={"fields": "registry_id,ethnicity"})
    assert bad.status_code == 422 and "ethnicity" in bad.get_json()["detail"]


def test_report_pages_ranges_scopes_and_audit(tf):
    sponsor = _set_up_sponsor(tf)
    other = _set_up_sponsor(tf, vendor="OTHER")
    person = tf.participant()
    mine = sponsor.event(funding_source="CCIP")
    theirs = other.event()
    for s, e in ((sponsor, mine), (other, theirs)):
        s.enroll(e["id"], person.registry_id)
        shift_event(tf, e["id"], -8)
        _attend(s, e["id"], [person])
    client = tf.app.test_client()
    sign_in(client, sponsor.manager)
    page = client.get(f"/training/manage/{sponsor.org.id}/reports")
    html = page.get_data(as_text=True)
    for title in ("Direct Service Profile", "Attendance", "Participant demographics",
                  "Feedback summary", "Funding", "Custom report"):
        assert title in html
    base = f"/training/manage/{sponsor.org.id}/reports"
    download = client.get(f"{base}/attendance.xlsx")
    assert download.status_code == 200
    rows = _rows(download.data)
    assert [r[1] for r in rows[1:-1]] == [mine["id"]]  # only this sponsor's events
    assert rows[-1][0] == "Total" and rows[-1][11] == 1 and rows[-1][14] == 3.0
    reversed_range = client.get(f"{base}/attendance.xlsx",
                                query_string={"from": "2026-05-01", "to": "2026-04-01"})
    assert reversed_range.status_code == 422
    assert "&#39;from&#39; must not be after &#39;to&#39;" in reversed_range.get_data(
        as_text=True)
    too_long = client.get(f"{base}/funding.xlsx",
                          query_string={"from": "2020-01-01", "to": "2026-01-01"})
    assert too_long.status_code == 422
    assert "at most three years" in too_long.get_data(as_text=True)
    not_a_date = client.get(f"{base}/funding.xlsx", query_string={"from": "yesterday"})
    assert not_a_date.status_code == 422 and "a date like" in not_a_date.get_data(as_text=True)
    # another sponsor's reports are not this manager's; nor are the staff pages
    assert client.get(f"/training/manage/{other.org.id}/reports").status_code == 404
    assert client.get(f"/training/manage/{other.org.id}/reports/attendance.xlsx"
                      ).status_code == 404
    assert client.get("/training/reports").status_code == 403
    api_other = sponsor.client.get("/api/v1/reports/attendance.xlsx", headers=sponsor.headers,
                                   query_string={"organization_id": other.org.id})
    assert api_other.status_code == 404
    # a client-credentials token reports on its own organization
    token = client_token(tf, other.org, "reports:read")
    rows = _xlsx(tf.app.test_client(), bearer(token), "attendance")
    assert [r[1] for r in rows[1:-1]] == [theirs["id"]]
    # registry staff: across sponsors, or one
    staff = tf.account("registry_staff")
    staff_client = tf.app.test_client()
    sign_in(staff_client, staff)
    assert "All sponsors" in staff_client.get("/training/reports").get_data(as_text=True)
    everything = _rows(staff_client.get("/training/reports/attendance.xlsx").data)
    assert {r[1] for r in everything[1:-1]} == {mine["id"], theirs["id"]}
    assert everything[-1][11] == 2 and everything[-1][14] == 6.0
    one = _rows(staff_client.get("/training/reports/attendance.xlsx",
                                 query_string={"organization_id": other.org.id}).data)
    assert [r[1] for r in one[1:-1]] == [theirs["id"]]
    staff_token = tf.token(staff, "reports:read")
    across = _xlsx(tf.app.test_client(), bearer(staff_token), "funding")
    assert across[-1] == ["Total", 2, 2, 6.0]
    in_range = _xlsx(tf.app.test_client(), bearer(staff_token), "attendance",
                     **{"from": iso(-30)[:10], "to": clock.today().isoformat()})
    assert len(in_range) == 4
    with unit_of_work(tf.registry.sessions) as session:
        exports = session.query(AuditEvent).filter(AuditEvent.action == "report.export").all()
    assert {e.resource_id for e in exports} >= {"attendance", "funding"}
    assert any(e.actor_account_id == sponsor.manager.id for e in exports)


def test_sign_in_sheet_as_excel_and_back_as_attendance(tf):
    sponsor = _set_up_sponsor(tf)
    people = [tf.participant(last_name="Alvarez", first_name="Ada"),
              tf.participant(last_name="Brown", first_name="Ben")]
    walk_in = tf.participant()
    event = sponsor.event()
    for p in people:
        sponsor.enroll(event["id"], p.registry_id)
    shift_event(tf, event["id"], -8)
    response = sponsor.client.get(f"/api/v1/events/{event['id']}/sign-in-sheet.xlsx",
                                  headers=sponsor.headers)
    assert response.status_code == 200
    rows = _rows(response.data)
    assert rows[0] == ["Registry ID", "Last name", "First name", "Signature", "Time in",
                       "Status"]
    assert [r[:3] for r in rows[1:3]] == [[people[0].registry_id, "Alvarez", "Ada"],
                                          [people[1].registry_id, "Brown", "Ben"]]
    assert len(rows) == 13  # ten lines for walk-ins
    client = tf.app.test_client()
    sign_in(client, sponsor.manager)
    page = client.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}")
    html = page.get_data(as_text=True)
    assert "Sign-in sheet (Excel)" in html
    ui = client.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}/sign-in.xlsx")
    assert ui.status_code == 200 and _rows(ui.data)[1][0] == people[0].registry_id
    # filled in at the door and uploaded back: two present, one walk-in, one absent
    filled = [rows[0], [people[0].registry_id, "Alvarez", "Ada", "A.A.", "9:02", "attended"],
              [people[1].registry_id, "Brown", "Ben", None, None, "No show"],
              [walk_in.registry_id, None, None, "W", "9:10", "attended"]]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    done = client.post(f"/training/manage/{sponsor.org.id}/events/{event['id']}"
                       "/attendance-upload", content_type="multipart/form-data",
                       data={"csrf_token": token,
                             "roster": (io.BytesIO(_workbook_bytes(filled)), "sheet.xlsx")},
                       follow_redirects=True)
    assert "Attendance saved for 3 people" in done.get_data(as_text=True)
    rows = _xlsx(sponsor.client, sponsor.headers, "attendance")
    assert rows[-1][11:13] == [2, 1]  # attended, no show
    other = make_sponsor(tf)
    assert other.client.get(f"/api/v1/events/{event['id']}/sign-in-sheet.xlsx",
                            headers=other.headers).status_code == 404


def test_a_sponsor_prepares_a_report_in_the_background_and_downloads_it(tf):
    """Reports page -> "Prepare in the background" -> a confirmation with a POST button ->
    My reports ("Check again" while it is prepared) -> the same workbook as the direct download.
    Another person cannot download it; bad dates are shown on the page and queue nothing."""
    from registry_kernel.models import ReportRun

    sponsor = _set_up_sponsor(tf)
    person = tf.participant()
    event = sponsor.event(funding_source="CCIP")
    sponsor.enroll(event["id"], person.registry_id)
    shift_event(tf, event["id"], -8)
    _attend(sponsor, event["id"], [person])
    client = tf.app.test_client()
    sign_in(client, sponsor.manager)
    base = f"/training/manage/{sponsor.org.id}/reports"
    assert "Prepare in the background" in client.get(base).get_data(as_text=True)

    bad = client.get(f"{base}/attendance.xlsx", query_string={"from": "yesterday",
                                                               "background": "1"})
    assert bad.status_code == 422 and "a date like" in bad.get_data(as_text=True)
    confirm = client.get(f"{base}/attendance.xlsx", query_string={"from": "2020-06-01",
                                                                   "background": "1"})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and f'action="{base}/attendance/runs"' in html
    assert 'name="from" value="2020-06-01"' in html and 'name="background"' not in html
    assert client.post(f"{base}/attendance/runs", data={"from": "2020-06-01"}
                       ).status_code == 400  # no CSRF token
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    queued = client.post(f"{base}/attendance/runs", data={"csrf_token": csrf,
                                                          "from": "2020-06-01"})
    assert queued.status_code == 303 and queued.headers["Location"].endswith("/my/reports")
    waiting = client.get("/my/reports").get_data(as_text=True)
    assert "Being prepared" in waiting and "Check again" in waiting

    tf.registry.outbox.drain()  # the worker
    ready = client.get("/my/reports").get_data(as_text=True)
    assert "Ready: 2 rows" in ready and "Check again" not in ready
    assert "Attendance" in ready
    link = re.search(r'href="(/my/reports/[^"]+\.xlsx)"', ready).group(1)
    prepared = client.get(link)
    assert prepared.status_code == 200
    direct = client.get(f"{base}/attendance.xlsx", query_string={"from": "2020-06-01"})
    assert _rows(prepared.data) == _rows(direct.data)

    stranger = tf.app.test_client()
    sign_in(stranger, tf.account("sponsor_manager", org=sponsor.org))
    assert stranger.get(link).status_code == 404
    assert "Being prepared" not in stranger.get("/my/reports").get_data(as_text=True)
    with tf.registry.sessions() as session:
        assert session.query(ReportRun).count() == 1
