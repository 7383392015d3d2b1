"""Multi-session events: one or more sessions through the API and the event form, checked for
past, reversed and overlapping times, and shown everywhere (calendar, details, emails, iCal)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import iso, make_sponsor, sign_in

from registry_kernel.testing import Factory


def day(days: int, hour: int, minute: int = 0, offset: str = "-08:00") -> str:
    """A wall-clock time ``days`` from now (Pacific offset given explicitly)."""
    date = (datetime.now(UTC) + timedelta(days=days)).date()
    return f"{date.isoformat()}T{hour:02d}:{minute:02d}:00{offset}"


THREE = [{"starts_at": day(22, 9), "ends_at": day(22, 12)},
         {"starts_at": day(8, 9), "ends_at": day(8, 12)},
         {"starts_at": day(15, 13), "ends_at": day(15, 16)}]


@pytest.fixture
def ui(make_app):
    return Factory(make_app(plugins=["training"]))


def csrf(client):
    html = client.get("/training/my").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf(client)})


def events_of(sponsor):
    return sponsor.client.get("/api/v1/events", headers=sponsor.headers).get_json()["items"]


def test_api_schedules_sessions_in_order_and_the_event_spans_them(sponsor, tf):
    event = sponsor.event(starts_at=None, ends_at=None, sessions=THREE)
    starts = [s["starts_at"] for s in event["sessions"]]
    assert starts == sorted(starts) and len(starts) == 3
    assert event["starts_at"] == event["sessions"][0]["starts_at"]
    assert event["ends_at"] == event["sessions"][-1]["ends_at"]
    # starts_at/ends_at may come along if they agree with the sessions
    training_id = event["training_id"]
    agreeing = sponsor.event(training_id, starts_at=THREE[1]["starts_at"],
                             ends_at=THREE[0]["ends_at"], sessions=THREE)
    assert len(agreeing["sessions"]) == 3
    item = tf.app.test_client().get("/api/v1/calendar").get_json()["items"][0]
    assert len(item["sessions"]) == 3
    public = tf.app.test_client().get(f"/api/v1/events/{event['id']}").get_json()
    assert public["sessions"] == event["sessions"]
    # a one-session event reads the same way
    single = sponsor.event(training_id)
    assert len(single["sessions"]) == 1
    assert single["sessions"][0]["starts_at"] == single["starts_at"]


@pytest.mark.parametrize(("sessions", "field", "message"), [
    ([{"starts_at": day(8, 9), "ends_at": day(8, 12)},
      {"starts_at": day(8, 11), "ends_at": day(8, 14)}], "sessions.1.starts_at", "overlaps"),
    ([{"starts_at": day(8, 9), "ends_at": day(8, 12)},
      {"starts_at": day(9, 12), "ends_at": day(9, 9)}], "sessions.1.ends_at", "after the start"),
    ([{"starts_at": "2020-01-06T09:00:00-08:00", "ends_at": "2020-01-06T12:00:00-08:00"},
      {"starts_at": day(9, 9), "ends_at": day(9, 12)}], "sessions.0.starts_at", "future"),
])
def test_bad_sessions_are_422_naming_the_session_and_nothing_is_created(
        sponsor, sessions, field, message):
    training_id = sponsor.training()["id"]
    response = sponsor.client.post("/api/v1/events", headers=sponsor.headers, json={
        "training_id": training_id, "sessions": sessions, "capacity": 10,
        "online_url": "https://meet.example.org/x"})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert message in body["errors"][field]
    assert events_of(sponsor) == []


def test_api_refuses_mismatched_or_missing_times(sponsor):
    training_id = sponsor.training()["id"]
    base = {"training_id": training_id, "capacity": 5, "online_url": "https://meet.example.org"}
    mismatch = sponsor.client.post("/api/v1/events", headers=sponsor.headers, json={
        **base, "sessions": THREE, "starts_at": day(1, 9)})
    assert mismatch.status_code == 422 and "starts_at" in mismatch.get_json()["errors"]
    missing = sponsor.client.post("/api/v1/events", headers=sponsor.headers,
                                  json={**base, "starts_at": day(3, 9)})
    assert missing.status_code == 422 and "ends_at" in missing.get_json()["errors"]
    empty = sponsor.client.post("/api/v1/events", headers=sponsor.headers,
                                json={**base, "sessions": []})
    assert empty.status_code == 422
    assert events_of(sponsor) == []


def test_patch_replaces_the_sessions_and_tells_the_people_enrolled(sponsor, tf):
    event = sponsor.event(starts_at=None, ends_at=None, sessions=THREE[:2])
    person = tf.participant()
    assert sponsor.enroll(event["id"], person.registry_id).status_code == 201
    tf.registry.outbox.drain()
    before = len(tf.registry.sent_mail)
    url = f"/api/v1/events/{event['id']}"
    only_start = sponsor.client.patch(url, headers=sponsor.headers,
                                      json={"starts_at": day(30, 9)})
    assert only_start.status_code == 422  # two sessions: say which with "sessions"
    changed = sponsor.client.patch(url, headers=sponsor.headers, json={"sessions": THREE})
    assert changed.status_code == 200 and len(changed.get_json()["sessions"]) == 3
    tf.registry.outbox.drain()
    mail = tf.registry.sent_mail[before:]
    assert len(mail) == 1 and mail[0]["Subject"].startswith("New schedule")
    assert "3 sessions" in mail[0].get_content()
    overlapping = sponsor.client.patch(url, headers=sponsor.headers, json={"sessions": [
        THREE[0], {"starts_at": THREE[0]["starts_at"], "ends_at": THREE[0]["ends_at"]}]})
    assert overlapping.status_code == 422
    assert len(sponsor.client.get(url).get_json()["sessions"]) == 3  # unchanged


def test_a_one_session_event_moves_with_starts_at_and_ends_at(sponsor):
    event = sponsor.event()
    moved = sponsor.client.patch(f"/api/v1/events/{event['id']}", headers=sponsor.headers,
                                 json={"starts_at": day(40, 9), "ends_at": day(40, 11)})
    assert moved.status_code == 200
    assert moved.get_json()["sessions"] == [{"starts_at": moved.get_json()["starts_at"],
                                             "ends_at": moved.get_json()["ends_at"]}]
    reversed_ = sponsor.client.patch(f"/api/v1/events/{event['id']}", headers=sponsor.headers,
                                     json={"ends_at": day(39, 9)})
    assert reversed_.status_code == 422 and "ends_at" in reversed_.get_json()["errors"]


def test_confirmation_email_details_page_calendar_and_ical_show_every_session(sponsor, tf):
    event = sponsor.event(starts_at=None, ends_at=None, sessions=THREE)
    account = tf.account()
    client = tf.app.test_client()
    sign_in(client, account)
    done = post(client, f"/training/events/{event['id']}/enroll", {})
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert "Enrolled" in page and "3 sessions" in page and page.count("<li>") >= 3
    tf.registry.outbox.drain()
    mail = [m for m in tf.registry.sent_mail if m["Subject"].startswith("Enrolled")][-1]
    text = mail.get_content()
    assert "When (3 sessions):" in text and "  3. " in text
    details = tf.app.test_client().get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert "3 sessions" in details and "1:00 PM" in details
    calendar = tf.app.test_client().get("/training/calendar").get_data(as_text=True)
    assert "3 sessions" in calendar
    feed = tf.app.test_client().get("/training/calendar.ics").get_data(as_text=True)
    assert feed.count("BEGIN:VEVENT") == 3
    assert f"UID:training-event-{event['id']}@" in feed
    assert f"UID:training-event-{event['id']}-3@" in feed
    assert "(session 2 of 3)" in feed
    mine = client.get("/training/my.ics").get_data(as_text=True)
    assert mine.count("BEGIN:VEVENT") == 3


# --- the event form ---------------------------------------------------------------------------

def form_data(training_id, rows, **extra):
    data = {"training_id": training_id, "capacity": "12", "waitlist": "y",
            "visibility": "published", "mode": "in_person", "address": "1 Main St",
            "city": "Oakland", "county": "Alameda", "zip": "94612", **extra}
    if training_id is None:
        del data["training_id"]
    for n, (date, start, end) in enumerate(rows):
        data.update({f"sessions-{n}-date": date, f"sessions-{n}-start": start,
                     f"sessions-{n}-end": end})
    return data


def test_event_form_adds_session_rows_without_javascript_and_schedules_them(ui):
    sponsor = make_sponsor(ui)
    training_id = sponsor.training(title="Four-week Literacy Series")["id"]
    client = ui.app.test_client()
    sign_in(client, sponsor.manager)
    url = f"/training/manage/{sponsor.org.id}/events/new"
    first = client.get(url).get_data(as_text=True)
    assert 'name="sessions-0-date"' in first and 'name="sessions-1-date"' not in first
    assert 'name="add_session"' in first and "sessions.js" in first
    d1, d2 = iso(10)[:10], iso(17)[:10]
    more = post(client, url, form_data(training_id, [(d1, "09:00", "12:00")],
                                       add_session="1"))
    html = more.get_data(as_text=True)
    assert more.status_code == 200 and 'name="sessions-1-date"' in html
    assert f'value="{d1}"' in html  # what was typed is kept
    assert events_of(sponsor) == []
    done = post(client, url, form_data(training_id, [(d1, "09:00", "12:00"), ("", "", ""),
                                                     (d2, "09:00", "12:00")]))
    assert done.status_code == 302
    (event,) = events_of(sponsor)
    assert len(event["sessions"]) == 2  # the blank row is ignored


@pytest.mark.parametrize(("rows", "message"), [
    ([("D1", "09:00", "12:00"), ("D1", "11:00", "13:00")], "overlaps another session"),
    ([("D1", "12:00", "09:00")], "must be after the start"),
    ([("2020-01-01", "09:00", "12:00")], "must be in the future"),
    ([("D1", "09:00", "")], "required for this session"),
    ([("", "", "")], "give at least one session"),
])
def test_event_form_refuses_bad_sessions_next_to_the_row(ui, rows, message):
    sponsor = make_sponsor(ui)
    training_id = sponsor.training()["id"]
    client = ui.app.test_client()
    sign_in(client, sponsor.manager)
    d1 = iso(10)[:10]
    rows = [(d1 if d == "D1" else d, s, e) for d, s, e in rows]
    response = post(client, f"/training/manage/{sponsor.org.id}/events/new",
                    form_data(training_id, rows))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert events_of(sponsor) == []


def test_edit_page_changes_sessions_capacity_and_place(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event(starts_at=None, ends_at=None, sessions=THREE[:2])
    client = ui.app.test_client()
    sign_in(client, sponsor.manager)
    url = f"/training/manage/{sponsor.org.id}/events/{event['id']}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="sessions-1-date"' in page and 'name="training_id"' not in page
    manage = client.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}")
    assert url in manage.get_data(as_text=True)
    d1, d2, d3 = iso(12)[:10], iso(19)[:10], iso(26)[:10]
    saved = post(client, url, form_data(None, [(d1, "18:00", "20:00"), (d2, "18:00", "20:00"),
                                               (d3, "18:00", "20:00")], capacity="30",
                                        mode="online", online_url="https://meet.example.org/a"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    after = sponsor.client.get(f"/api/v1/events/{event['id']}").get_json()
    assert len(after["sessions"]) == 3 and after["capacity"] == 30
    assert after["online_url"] == "https://meet.example.org/a" and after["location"] is None
    other = make_sponsor(ui)
    outsider = ui.app.test_client()
    sign_in(outsider, other.manager)
    assert outsider.get(url).status_code == 404


def test_anonymous_enroll_asks_to_sign_in_and_returns_to_the_event(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event()
    client = ui.app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get(f"/training/events/{event['id']}").get_data(as_text=True))
    response = client.post(f"/training/events/{event['id']}/enroll",
                           data={"csrf_token": token.group(1)})
    assert response.status_code == 302 and "/login" in response.location
    assert f"next=/training/events/{event['id']}" in response.location.replace("%2F", "/")


def test_sessions_in_spanish_and_traditional_chinese(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event(starts_at=None, ends_at=None, sessions=THREE)
    client = ui.app.test_client()
    spanish = client.get(f"/training/events/{event['id']}?lang=es").get_data(as_text=True)
    assert "3 sesiones" in spanish
    chinese = ui.app.test_client().get("/training/calendar?lang=zh-Hant").get_data(
        as_text=True)
    assert "3 個場次" in chinese
    manager = ui.app.test_client()
    sign_in(manager, sponsor.manager)
    form = manager.get(f"/training/manage/{sponsor.org.id}/events/new?lang=es").get_data(
        as_text=True)
    assert "Agregar una sesión" in form and "Sesión 1" in form


def test_my_ical_links_an_invite_only_event_to_its_invitation(sponsor, tf):
    event = sponsor.event(visibility="invite_only")
    account = tf.account()
    client = tf.app.test_client()
    sign_in(client, account)
    token = event["invite_url"].rsplit("/", 1)[1]
    assert post(client, f"/training/invite/{token}/enroll", {}).status_code == 200
    mine = client.get("/training/my.ics").get_data(as_text=True)
    assert f"/training/invite/{token}" in mine.replace("\r\n ", "")
    assert f"/training/events/{event['id']}" not in mine


def test_times_at_the_edge_of_the_calendar_are_a_clear_422(sponsor):
    training_id = sponsor.training()["id"]
    response = sponsor.client.post("/api/v1/events", headers=sponsor.headers, json={
        "training_id": training_id, "capacity": 5, "online_url": "https://meet.example.org",
        "sessions": [{"starts_at": "0001-01-01T00:00:00+14:00",
                      "ends_at": "0001-01-01T01:00:00+14:00"}]})
    assert response.status_code == 422
    assert "sessions.0.starts_at" in response.get_json()["errors"]


def test_an_event_under_way_keeps_its_past_sessions_when_edited(sponsor, tf):
    from registry_plugins.training.models import TrainingEvent

    from registry_kernel.db import unit_of_work

    event = sponsor.event(starts_at=None, ends_at=None, sessions=THREE[:2])
    past = {"starts_at": (datetime.now(UTC) - timedelta(days=2)).replace(
        microsecond=0).isoformat().replace("+00:00", "Z")}
    past["ends_at"] = (datetime.fromisoformat(past["starts_at"]) + timedelta(hours=3)
                       ).isoformat().replace("+00:00", "Z")
    with unit_of_work(tf.registry.sessions) as session:  # the first session was held
        row = session.get(TrainingEvent, event["id"])
        row.sessions = [past, row.sessions[1]]
        row.starts_at = datetime.fromisoformat(past["starts_at"])
    url = f"/api/v1/events/{event['id']}"
    later = {"starts_at": day(30, 9), "ends_at": day(30, 12)}
    kept = sponsor.client.patch(url, headers=sponsor.headers, json={"sessions": [past, later]})
    assert kept.status_code == 200, kept.get_json()
    moved = dict(past, starts_at=(datetime.fromisoformat(past["starts_at"])
                                  - timedelta(hours=1)).isoformat())
    refused = sponsor.client.patch(url, headers=sponsor.headers,
                                   json={"sessions": [moved, later]})
    assert refused.status_code == 422
    assert "future" in refused.get_json()["errors"]["sessions.0.starts_at"]


def test_ical_lines_are_folded_at_75_octets(sponsor, tf):
    long_title = "Apoyo a niños que aprenden dos idiomas: estrategias para el aula y el hogar"
    sponsor.event(sponsor.training(title=long_title)["id"], starts_at=None, ends_at=None,
                  sessions=THREE)
    feed = tf.app.test_client().get("/training/calendar.ics").get_data()
    for line in feed.split(b"\r\n"):
        assert len(line) <= 75
    unfolded = feed.decode("utf-8").replace("\r\n ", "")
    assert f"SUMMARY:{long_title} (session 3 of 3)" in unfolded


def test_anonymous_enroll_by_invitation_returns_to_the_invitation(ui):
    sponsor = make_sponsor(ui)
    token = sponsor.event(visibility="invite_only")["invite_url"].rsplit("/", 1)[1]
    client = ui.app.test_client()
    page = client.get(f"/training/invite/{token}").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/training/invite/{token}/enroll", data={"csrf_token": csrf_token})
    assert response.status_code == 302
    assert f"next=/training/invite/{token}" in response.location.replace("%2F", "/")
    wrong = client.post("/training/invite/not-a-token/enroll", data={"csrf_token": csrf_token})
    assert wrong.status_code == 404
