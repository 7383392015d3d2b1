"""Training UI: the public calendar, enrolling, My Training Events and the Training Module."""

from __future__ import annotations

import io
import re

import pytest
from conftest import iso, make_sponsor, sign_in

from registry_kernel.testing import Factory

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def ui(make_app):
    return Factory(make_app(plugins=["training"]))


def csrf(client):
    """The CSRF token of the client's session (from a page that carries one)."""
    for path in ("/training/my", "/login"):
        html = client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if match:
            return match.group(1)
    raise AssertionError("no page with a CSRF token")


def post(client, url, data=None, **kw):
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kw)


def test_calendar_page_is_public_mobile_friendly_and_filters(ui):
    sponsor = make_sponsor(ui)
    es = sponsor.training(title="Observación y documentación", language="es",
                          competency_area="OSAD")
    sponsor.event(es["id"])
    sponsor.event(
        sponsor.training(title="Health and Safety", competency_area="HSN")["id"],
        location={"address": "1 Main", "city": "Fresno", "county": "Fresno", "zip": "93721"})
    client = ui.app.test_client()
    page = client.get("/training/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html
    assert "Observación y documentación" in html and "Health and Safety" in html
    assert "10 seats left" in html and "Enroll Now" in html
    filtered = client.get("/training/calendar?county=Fresno").get_data(as_text=True)
    assert "Health and Safety" in filtered and "Observación" not in filtered
    by_language = client.get("/training/calendar?language=es").get_data(as_text=True)
    assert "Observación" in by_language and "Health and Safety" not in by_language
    assert "PST" in html or "PDT" in html  # shown in Pacific time


def test_enroll_from_the_calendar_and_withdraw_from_my_training_events(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event(capacity=1)
    account = ui.account()
    client = ui.app.test_client()
    anonymous = post(client, f"/training/events/{event['id']}/enroll")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    sign_in(client, account)
    detail = client.get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert "Enroll Now" in detail and "Oakland" in detail
    enrolled = post(client, f"/training/events/{event['id']}/enroll")
    assert enrolled.status_code == 200
    assert "You are enrolled in" in enrolled.get_data(as_text=True)
    other = ui.app.test_client()
    sign_in(other, ui.account())
    waitlisted = post(other, f"/training/events/{event['id']}/enroll").get_data(as_text=True)
    assert "Waitlisted" in waitlisted and "position 1" in waitlisted
    mine = client.get("/training/my").get_data(as_text=True)
    assert "Positive Guidance" in mine and "Enrolled" in mine
    enrollment_id = re.search(r"/training/enrollments/(\d+)/withdraw", mine).group(1)
    done = post(client, f"/training/enrollments/{enrollment_id}/withdraw",
                       follow_redirects=True)
    assert "You have withdrawn" in done.get_data(as_text=True)
    promoted = other.get("/training/my").get_data(as_text=True)
    assert "Enrolled" in promoted and "Waitlist position" not in promoted
    stranger = ui.app.test_client()
    sign_in(stranger, ui.account())
    assert post(stranger, f"/training/enrollments/{enrollment_id}/withdraw").status_code == 404


def test_self_withdrawal_inside_the_window_is_refused_with_whom_to_call(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event(starts_at=iso(2), ends_at=iso(2, 2))
    manager = ui.app.test_client()
    sign_in(manager, sponsor.manager)
    saved = post(manager, f"/training/manage/{sponsor.org.id}/info", data={
        "contact_email": "trainings@example.org", "self_withdrawal_allowed": "y",
        "withdrawal_window_days": "3", "withdrawal_contact": "Call Rosa at (510) 555-0199"},
        follow_redirects=True)
    assert "Training Sponsor Information saved" in saved.get_data(as_text=True)
    client = ui.app.test_client()
    sign_in(client, ui.account())
    post(client, f"/training/events/{event['id']}/enroll")
    mine = client.get("/training/my").get_data(as_text=True)
    assert "555-0199" in mine
    assert "/withdraw" not in mine
    enrollment_id = sponsor.client.get(f"/api/v1/events/{event['id']}/enrollments",
                                       headers=sponsor.headers).get_json()["items"][0][
        "enrollment_id"]
    refused = post(client, f"/training/enrollments/{enrollment_id}/withdraw",
                          follow_redirects=True).get_data(as_text=True)
    assert "closes 3 days before" in refused
    still = sponsor.client.get(f"/api/v1/events/{event['id']}/enrollments",
                               headers=sponsor.headers).get_json()["items"][0]
    assert still["status"] == "enrolled"


def test_invite_only_events_need_the_link(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event(visibility="invite_only")
    client = ui.app.test_client()
    assert "Positive Guidance" not in client.get("/training/calendar").get_data(as_text=True)
    assert client.get(f"/training/events/{event['id']}").status_code == 404
    path = event["invite_url"].replace("http://localhost", "")
    assert client.get(path).status_code == 200
    assert client.get("/training/invite/wrong-token").status_code == 404
    sign_in(client, ui.account())
    assert post(client, f"/training/events/{event['id']}/enroll").status_code == 404
    enrolled = post(client, path + "/enroll")
    assert "You are enrolled" in enrolled.get_data(as_text=True)


def test_posts_need_a_csrf_token(ui):
    app, factory = ui.app, ui
    sponsor = make_sponsor(factory)
    event = sponsor.event()
    client = app.test_client()
    sign_in(client, factory.account())
    assert client.post(f"/training/events/{event['id']}/enroll").status_code == 400
    page = client.get(f"/training/events/{event['id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post(f"/training/events/{event['id']}/enroll", data={"csrf_token": token})
    assert ok.status_code == 200


def test_sponsor_builds_catalog_and_schedules_events_in_the_training_module(ui):
    sponsor = make_sponsor(ui)
    client = ui.app.test_client()
    sign_in(client, sponsor.manager)
    home = client.get("/training/manage")
    assert home.status_code == 302 and f"/training/manage/{sponsor.org.id}" in home.location
    bad = post(client, f"/training/manage/{sponsor.org.id}/catalog/new", data={
        "title": "", "hours": "0", "competency_area": "CDL", "language": "en"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    created = post(client, f"/training/manage/{sponsor.org.id}/catalog/new", data={
        "title": "Infant Care Basics", "description": "All about infants", "hours": "2.5",
        "competency_area": "CDL", "language": "cmn"}, follow_redirects=True)
    assert "Infant Care Basics" in created.get_data(as_text=True)
    training_id = sponsor.client.get("/api/v1/trainings", headers=sponsor.headers).get_json()[
        "items"][0]["id"]
    day = iso(10)[:10]
    past = post(client, f"/training/manage/{sponsor.org.id}/events/new", data={
        "training_id": training_id, "sessions-0-date": "2020-01-01",
        "sessions-0-start": "09:00", "sessions-0-end": "12:00", "capacity": "12", "waitlist": "y", "visibility": "published",
        "mode": "in_person", "address": "1 Main St", "city": "Oakland", "county": "Alameda",
        "zip": "94612"})
    assert past.status_code == 422 and "must be in the future" in past.get_data(as_text=True)
    scheduled = post(client, f"/training/manage/{sponsor.org.id}/events/new", data={
        "training_id": training_id, "sessions-0-date": day, "sessions-0-start": "09:00",
        "sessions-0-end": "12:00", "capacity": "12", "waitlist": "y", "visibility": "published", "mode": "in_person",
        "address": "1 Main St", "city": "Oakland", "county": "Alameda", "zip": "94612"},
        follow_redirects=True)
    text = scheduled.get_data(as_text=True)
    assert "Event scheduled" in text and "9:00 AM" in text
    calendar = ui.app.test_client().get("/api/v1/calendar").get_json()["items"]
    assert calendar[0]["title"] == "Infant Care Basics" and calendar[0]["hours"] == "2.50"
    assert calendar[0]["language"] == "cmn"
    other = make_sponsor(ui)
    assert client.get(f"/training/manage/{other.org.id}/catalog").status_code == 404
    participant = ui.app.test_client()
    sign_in(participant, ui.account())
    assert participant.get(f"/training/manage/{sponsor.org.id}").status_code == 404


def test_manage_logo_checks_the_content(ui):
    sponsor = make_sponsor(ui)
    client = ui.app.test_client()
    sign_in(client, sponsor.manager)
    url = f"/training/manage/{sponsor.org.id}/logo"
    fake = post(client, url, data={"logo": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.png")},
                       content_type="multipart/form-data")
    assert fake.status_code == 422
    assert "PNG, JPEG, GIF or WebP" in fake.get_data(as_text=True)
    ok = post(client, url, data={"logo": (io.BytesIO(PNG), "anything.bin")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert "Logo saved" in ok.get_data(as_text=True)
    logo = ui.app.test_client().get(f"/training/sponsors/{sponsor.org.slug}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG
    event = sponsor.event()
    detail = ui.app.test_client().get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert f"/training/sponsors/{sponsor.org.slug}/logo" in detail


def test_an_organization_applies_and_registry_staff_approve(ui):
    college = ui.org(kind="college", name="Laney College CD")
    director = ui.account("sponsor_executive_director", org=college)
    staff = ui.account("registry_staff")
    client = ui.app.test_client()
    sign_in(client, director)
    manager_client = ui.app.test_client()
    sign_in(manager_client, ui.account("sponsor_manager", org=college))
    refused = manager_client.get("/training/apply").get_data(as_text=True)
    assert "Only an organization" in refused
    sent = post(client, "/training/apply", data={"organization_id": college.id,
                                                "note": "We teach CD classes"},
                       follow_redirects=True)
    assert "sent to registry staff" in sent.get_data(as_text=True)
    again = post(client, "/training/apply", data={"organization_id": college.id},
                        follow_redirects=True)
    assert "already waiting" in again.get_data(as_text=True)
    assert client.get(f"/training/manage/{college.id}").status_code == 404
    staff_client = ui.app.test_client()
    sign_in(staff_client, staff)
    assert client.get("/training/admin/sponsors").status_code == 403
    queue = staff_client.get("/training/admin/sponsors").get_data(as_text=True)
    assert "Laney College CD" in queue and "We teach CD classes" in queue
    sponsor_id = re.search(r"/training/admin/sponsors/(\d+)/approve", queue).group(1)
    no_reason = post(staff_client, f"/training/admin/sponsors/{sponsor_id}/deny",
                                  follow_redirects=True)
    assert "say why" in no_reason.get_data(as_text=True)
    post(staff_client, f"/training/admin/sponsors/{sponsor_id}/approve")
    assert client.get(f"/training/manage/{college.id}").status_code == 200


def test_instructor_requests_access_and_a_manager_approves(ui):
    sponsor = make_sponsor(ui)
    instructor = ui.account()
    client = ui.app.test_client()
    sign_in(client, instructor)
    form = client.get("/training/instructor-request").get_data(as_text=True)
    assert sponsor.org.name in form
    post(client, "/training/instructor-request", data={"organization_id": sponsor.org.id,
                                                      "message": "I teach infant care"})
    dup = post(client, "/training/instructor-request", data={"organization_id": sponsor.org.id},
                      follow_redirects=True)
    assert "already asked" in dup.get_data(as_text=True)
    manager = ui.app.test_client()
    sign_in(manager, sponsor.manager)
    listing = manager.get(f"/training/manage/{sponsor.org.id}/instructors").get_data(
        as_text=True)
    assert "I teach infant care" in listing and instructor.participant.registry_id in listing
    row_id = re.search(r"/instructors/(\d+)/approve", listing).group(1)
    post(manager, f"/training/manage/{sponsor.org.id}/instructors/{row_id}/approve")
    listing = manager.get(f"/training/manage/{sponsor.org.id}/instructors").get_data(
        as_text=True)
    assert "approved" in listing
    sign_in(client, instructor)
    module = client.get(f"/training/manage/{sponsor.org.id}")
    assert module.status_code == 200
    assert client.get(f"/training/manage/{sponsor.org.id}/catalog").status_code == 404


def test_icalendar_feeds(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event(starts_at="2031-05-01T09:00:00-07:00",
                          ends_at="2031-05-01T12:00:00-07:00")
    sponsor.event(visibility="invite_only")
    feed = ui.app.test_client().get("/training/calendar.ics?county=Alameda")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 1
    assert "DTSTART:20310501T160000Z" in text and "SUMMARY:Positive Guidance" in text
    client = ui.app.test_client()
    account = ui.account()
    sign_in(client, account)
    post(client, f"/training/events/{event['id']}/enroll")
    mine = client.get("/training/my.ics").get_data(as_text=True)
    assert f"UID:training-event-{event['id']}@" in mine


def test_calendar_in_spanish_and_traditional_chinese(ui):
    sponsor = make_sponsor(ui)
    sponsor.event()
    client = ui.app.test_client()
    spanish = client.get("/training/calendar?lang=es").get_data(as_text=True)
    assert "Calendario de capacitaciones" in spanish and "Inscribirse ahora" in spanish
    assert "Quedan 10 lugares" in spanish
    chinese = ui.app.test_client().get("/training/calendar?lang=zh-Hant").get_data(as_text=True)
    assert "培訓日曆" in chinese and "立即報名" in chinese
