"""Training API: catalog, events, the public calendar, enrollment and withdrawal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import EventLog, client_token, iso, make_sponsor, shift_event

from registry_kernel.testing import Factory, bearer

# --- catalog ---------------------------------------------------------------------------------


def test_sponsor_builds_a_catalog_and_lists_only_its_own(sponsor, tf):
    created = sponsor.training(title="Dual-Language Development", hours="2.5",
                               competency_area="DLD", language="zh-yue", level="intro",
                               audience="Infant/toddler teachers")
    assert created["hours"] == "2.50" and created["language"] == "zh-yue"
    other = make_sponsor(tf)
    other.training(title="Other sponsor's training")
    listed = sponsor.client.get("/api/v1/trainings", headers=sponsor.headers).get_json()
    assert [t["title"] for t in listed["items"]] == ["Dual-Language Development"]
    assert listed["total"] == 1 and listed["page"] == 1
    one = sponsor.client.get(f"/api/v1/trainings/{created['id']}", headers=sponsor.headers)
    assert one.status_code == 200
    foreign = other.client.get(f"/api/v1/trainings/{created['id']}", headers=other.headers)
    assert foreign.status_code == 404


@pytest.mark.parametrize(("field", "value"), [
    ("hours", 0), ("hours", "-1"), ("hours", "1.234"), ("hours", "abc"),
    ("competency_area", "XYZ"), ("language", "xx-nope"), ("title", ""), ("surprise", 1)])
def test_bad_catalog_entries_are_422_naming_the_field(sponsor, field, value):
    body = {"title": "T", "hours": "1", "competency_area": "CDL", "language": "en",
            field: value}
    response = sponsor.client.post("/api/v1/trainings", json=body, headers=sponsor.headers)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    listed = sponsor.client.get("/api/v1/trainings", headers=sponsor.headers).get_json()
    assert listed["total"] == 0


def test_every_default_language_and_competency_area_is_accepted(sponsor):
    languages = sponsor.client.get("/api/v1/training-languages").get_json()["items"]
    codes = {lang["code"] for lang in languages}
    assert {"en", "es", "zh-yue", "cmn", "vi", "ru", "hmn", "fa", "ko", "tl", "ar",
            "hy"} <= codes
    areas = sponsor.client.get("/api/v1/competency-areas").get_json()["items"]
    assert len(areas) == 12
    for area in areas:
        sponsor.training(title=area["label"], competency_area=area["code"], language="hmn")


def test_an_organization_that_is_not_a_sponsor_cannot_add_trainings(tf):
    college = make_sponsor(tf, kind="college")
    response = college.client.post("/api/v1/trainings", headers=college.headers, json={
        "title": "T", "hours": "1", "competency_area": "CDL", "language": "en"})
    assert response.status_code == 403
    assert "not an approved training sponsor" in response.get_json()["detail"]


def test_editing_the_catalog_does_not_rewrite_hours_of_scheduled_events(sponsor):
    training = sponsor.training(hours="3")
    event = sponsor.event(training["id"])
    patched = sponsor.client.patch(f"/api/v1/trainings/{training['id']}",
                                   json={"hours": "5.5", "title": "Renamed"},
                                   headers=sponsor.headers)
    assert patched.status_code == 200 and patched.get_json()["hours"] == "5.50"
    shown = sponsor.client.get(f"/api/v1/events/{event['id']}").get_json()
    assert shown["hours"] == "3.00"
    assert sponsor.event(training["id"])["hours"] == "5.50"


def test_scopes_are_enforced(sponsor, tf):
    reader = tf.token(sponsor.manager, "training:read", org=sponsor.org)
    response = sponsor.client.post("/api/v1/trainings", headers=bearer(reader), json={
        "title": "T", "hours": "1", "competency_area": "CDL", "language": "en"})
    assert response.status_code == 403
    assert sponsor.client.get("/api/v1/trainings").status_code == 401
    participant = tf.account()
    with pytest.raises(ValueError, match="do not allow"):
        tf.token(participant, "training:write")


# --- events ----------------------------------------------------------------------------------


def test_events_published_and_invite_only(sponsor):
    published = sponsor.event(capacity=25, waitlist=False)
    assert published["capacity"] == 25 and published["waitlist"] is False
    assert published["visibility"] == "published" and published["invite_url"] is None
    assert published["seats_left"] == 25 and published["county"] == "Alameda"
    private = sponsor.event(visibility="invite_only", location=None,
                            online_url="https://meet.example.org/abc")
    assert private["invite_url"].startswith("http://localhost/training/invite/")
    token = private["invite_url"].rsplit("/", 1)[1]
    assert len(token) >= 32
    other = sponsor.event(visibility="invite_only")
    assert other["invite_url"] != private["invite_url"]
    assert sponsor.client.get(f"/api/v1/events/{private['id']}").status_code == 404


def test_event_times_keep_the_instant_and_are_stored_utc(sponsor):
    event = sponsor.event(starts_at="2031-03-10T09:00:00-07:00",
                          ends_at="2031-03-10T12:30:00-07:00")
    assert event["starts_at"] == "2031-03-10T16:00:00Z"
    assert event["ends_at"] == "2031-03-10T19:30:00Z"
    assert "9:00 AM PDT" in event["starts_at_local"]


def test_times_are_shown_and_read_in_the_registrys_own_time_zone(make_app):
    """A registry configured for Hawaii shows and reads local times in Hawaii, not California."""
    sponsor = make_sponsor(Factory(make_app(plugins=["training"], timezone="Pacific/Honolulu")))
    event = sponsor.event(starts_at="2031-03-10T09:00:00-10:00",
                          ends_at="2031-03-10T12:30:00-10:00")
    assert event["starts_at"] == "2031-03-10T19:00:00Z"
    assert "9:00 AM HST" in event["starts_at_local"]
    found = sponsor.client.get("/api/v1/calendar?from=2031-03-10T08:00:00&to=2031-03-10T10:00:00",
                               headers=sponsor.headers).get_json()
    assert [item["event_id"] for item in found["items"]] == [event["id"]]


@pytest.mark.parametrize(("changes", "field"), [
    ({"starts_at": iso(-1), "ends_at": iso(-1, 2)}, "starts_at"),
    ({"starts_at": iso(5), "ends_at": iso(4)}, "ends_at"),
    ({"starts_at": "2031-01-01T09:00:00"}, "starts_at"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"visibility": "secret"}, "visibility"),
    ({"location": None}, "location"),
    ({"location": {"address": "1 A St", "city": "X", "county": "Atlantis", "zip": "94612"}},
     "location.county"),
    ({"location": {"address": "1 A St", "city": "X", "county": "Alameda", "zip": "9461"}},
     "location.zip"),
])
def test_bad_events_are_422_and_nothing_is_created(sponsor, changes, field):
    training = sponsor.training()
    body = {"training_id": training["id"], "starts_at": iso(7), "ends_at": iso(7, 2),
            "capacity": 10, "location": {"address": "1 A St", "city": "Oakland",
                                         "county": "Alameda", "zip": "94612"}, **changes}
    response = sponsor.client.post("/api/v1/events", json=body, headers=sponsor.headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    listed = sponsor.client.get("/api/v1/events", headers=sponsor.headers).get_json()
    assert listed["total"] == 0


def test_a_sponsor_cannot_touch_another_sponsors_training_or_event(sponsor, tf):
    other = make_sponsor(tf)
    foreign_training = other.training()
    response = sponsor.client.post("/api/v1/events", headers=sponsor.headers, json={
        "training_id": foreign_training["id"], "starts_at": iso(3), "ends_at": iso(3, 1),
        "capacity": 5, "online_url": "https://x.example.org"})
    assert response.status_code == 404
    foreign_event = other.event()
    patched = sponsor.client.patch(f"/api/v1/events/{foreign_event['id']}",
                                   json={"capacity": 99}, headers=sponsor.headers)
    assert patched.status_code == 404
    roster = sponsor.client.get(f"/api/v1/events/{foreign_event['id']}/enrollments",
                                headers=sponsor.headers)
    assert roster.status_code == 404


def test_cancel_and_unpublish(sponsor, tf):
    event = sponsor.event()
    person = tf.participant()
    assert sponsor.enroll(event["id"], person.registry_id).status_code == 201
    tf.registry.sent_mail.clear()
    hidden = sponsor.client.patch(f"/api/v1/events/{event['id']}",
                                  json={"visibility": "invite_only"}, headers=sponsor.headers)
    assert hidden.status_code == 200 and hidden.get_json()["invite_url"]
    assert sponsor.client.get("/api/v1/calendar").get_json()["total"] == 0
    cancelled = sponsor.client.patch(f"/api/v1/events/{event['id']}",
                                     json={"status": "cancelled"}, headers=sponsor.headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    tf.registry.outbox.drain()
    assert any("Cancelled" in m["Subject"] for m in tf.registry.sent_mail)
    again = sponsor.client.patch(f"/api/v1/events/{event['id']}",
                                 json={"status": "cancelled"}, headers=sponsor.headers)
    assert again.status_code == 409
    other = tf.participant()
    late = sponsor.enroll(event["id"], other.registry_id)
    assert late.status_code == 409 and late.get_json()["reason"] == "cancelled"


def test_capacity_cannot_drop_below_seats_taken_and_raising_it_promotes(sponsor, tf):
    event = sponsor.event(capacity=1)
    first, second = tf.participant(), tf.participant()
    sponsor.enroll(event["id"], first.registry_id)
    assert sponsor.enroll(event["id"], second.registry_id).get_json()["status"] == "waitlisted"
    shrink = sponsor.client.patch(f"/api/v1/events/{event['id']}", json={"capacity": 0},
                                  headers=sponsor.headers)
    assert shrink.status_code == 422
    grow = sponsor.client.patch(f"/api/v1/events/{event['id']}", json={"capacity": 2},
                                headers=sponsor.headers)
    assert grow.status_code == 200 and grow.get_json()["seats_left"] == 0
    roster = sponsor.client.get(f"/api/v1/events/{event['id']}/enrollments",
                                headers=sponsor.headers).get_json()["items"]
    assert {r["status"] for r in roster} == {"enrolled"}


# --- the public calendar ---------------------------------------------------------------------


def test_calendar_is_public_and_filters(sponsor, tf):
    dld = sponsor.training(title="Supporting Dual Language Learners", competency_area="DLD",
                           language="es", hours="2")
    hsn = sponsor.training(title="Health and Safety Basics", competency_area="HSN",
                           language="zh-yue")
    near = sponsor.event(dld["id"], starts_at=iso(3), ends_at=iso(3, 2), capacity=4)
    online = sponsor.event(hsn["id"], starts_at=iso(10), ends_at=iso(10, 2), location=None,
                           online_url="https://meet.example.org/x")
    sponsor.event(hsn["id"], visibility="invite_only")
    fresno = make_sponsor(tf, county="Fresno", name="Valley Trainers")
    far = fresno.event(starts_at=iso(20), ends_at=iso(20, 2), location={
        "address": "1 Main", "city": "Fresno", "county": "fresno county", "zip": "93721"})
    client = tf.app.test_client()

    def ids(**params):
        response = client.get("/api/v1/calendar", query_string=params)
        assert response.status_code == 200, response.get_json()
        return [item["event_id"] for item in response.get_json()["items"]]

    assert ids() == [near["id"], online["id"], far["id"]]
    assert ids(county="Fresno") == [far["id"]]
    assert ids(county="online") == [online["id"]]
    assert ids(county="Alameda") == [near["id"]]
    assert ids(language="zh-yue") == [online["id"]]
    assert ids(competency_area="DLD") == [near["id"]]
    assert ids(sponsor=fresno.org.slug) == [far["id"]]
    assert ids(sponsor=str(sponsor.org.id)) == [near["id"], online["id"]]
    assert ids(sponsor="no-such-sponsor") == []
    assert ids(q="dual language") == [near["id"]]
    assert ids(q="valley") == [far["id"]]
    assert ids(q="100%") == []
    assert ids(**{"from": iso(5)[:10], "to": iso(15)[:10]}) == [online["id"]]
    assert ids(**{"from": iso(5)}) == [online["id"], far["id"]]
    item = client.get("/api/v1/calendar").get_json()["items"][0]
    assert set(item) >= {"event_id", "title", "sponsor", "starts_at", "ends_at", "county",
                         "language", "competency_area", "hours", "seats_left"}
    assert item["hours"] == "2.00" and item["seats_left"] == 4
    assert item["sponsor"] == sponsor.org.name
    page = client.get("/api/v1/calendar", query_string={"per_page": 2, "page": 2}).get_json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["per_page"] == 2


def test_calendar_rejects_bad_filters(sponsor):
    client = sponsor.client
    assert client.get("/api/v1/calendar?per_page=0").status_code == 422
    assert client.get("/api/v1/calendar?from=yesterday").status_code == 422
    assert client.get("/api/v1/calendar?bogus=1").status_code == 422
    reversed_range = client.get("/api/v1/calendar", query_string={"from": iso(5)[:10],
                                                                  "to": iso(2)[:10]})
    assert reversed_range.status_code == 422


def test_past_and_cancelled_events_leave_the_calendar_and_seats_left_counts(sponsor, tf):
    event = sponsor.event(capacity=3)
    gone = sponsor.event()
    shift_event(tf, gone["id"], -30)
    for _ in range(2):
        sponsor.enroll(event["id"], tf.participant().registry_id)
    items = sponsor.client.get("/api/v1/calendar").get_json()["items"]
    assert [(i["event_id"], i["seats_left"]) for i in items] == [(event["id"], 1)]


# --- enrollment ------------------------------------------------------------------------------


def test_enroll_waitlist_and_withdraw_promotes_the_first_waitlisted(make_app):
    log = EventLog()
    tf = Factory(make_app(plugins=["training"], extra_plugins=(log,)))
    sponsor = make_sponsor(tf)
    event = sponsor.event(capacity=2)
    people = [tf.participant() for _ in range(4)]
    results = [sponsor.enroll(event["id"], p.registry_id) for p in people]
    assert [r.status_code for r in results] == [201] * 4
    bodies = [r.get_json() for r in results]
    assert [b["status"] for b in bodies] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert [b["waitlist_position"] for b in bodies] == [None, None, 1, 2]
    created = log.of("enrollment.created")
    assert created[0] == {"registry_id": people[0].registry_id, "event_id": event["id"],
                          "enrollment_id": bodies[0]["enrollment_id"], "status": "enrolled"}
    tf.registry.sent_mail.clear()
    withdrawn = sponsor.client.patch(f"/api/v1/enrollments/{bodies[1]['enrollment_id']}",
                                     json={"status": "withdrawn"}, headers=sponsor.headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    roster = {r["registry_id"]: r["status"] for r in sponsor.client.get(
        f"/api/v1/events/{event['id']}/enrollments", headers=sponsor.headers).get_json()["items"]}
    assert roster == {people[0].registry_id: "enrolled", people[1].registry_id: "withdrawn",
                      people[2].registry_id: "enrolled", people[3].registry_id: "waitlisted"}
    updated = log.of("enrollment.updated")
    assert {"registry_id": people[2].registry_id, "event_id": event["id"],
            "enrollment_id": bodies[2]["enrollment_id"], "status": "enrolled"} in updated
    assert {u["status"] for u in updated} == {"withdrawn", "enrolled"}
    tf.registry.outbox.drain()
    assert any("A seat opened" in m["Subject"] for m in tf.registry.sent_mail)
    shown = sponsor.client.get(f"/api/v1/events/{event['id']}").get_json()
    assert shown["seats_taken"] == 2
    # withdrawing a waitlisted person frees nothing and promotes nobody
    waiting = sponsor.client.patch(f"/api/v1/enrollments/{bodies[3]['enrollment_id']}",
                                   json={"status": "withdrawn"}, headers=sponsor.headers)
    assert waiting.status_code == 200
    assert sponsor.client.get(f"/api/v1/events/{event['id']}").get_json()["seats_taken"] == 2
    twice = sponsor.client.patch(f"/api/v1/enrollments/{bodies[3]['enrollment_id']}",
                                 json={"status": "withdrawn"}, headers=sponsor.headers)
    assert twice.status_code == 409
    # re-enrolling reactivates the same row, at the back of the queue
    back = sponsor.enroll(event["id"], people[1].registry_id)
    assert back.status_code == 201
    assert back.get_json() == {**back.get_json(), "status": "waitlisted",
                               "enrollment_id": bodies[1]["enrollment_id"]}


def test_enrolling_twice_is_409(sponsor, tf):
    event = sponsor.event()
    person = tf.participant()
    assert sponsor.enroll(event["id"], person.registry_id).status_code == 201
    again = sponsor.enroll(event["id"], person.registry_id)
    assert again.status_code == 409
    assert again.get_json()["reason"] == "already_enrolled"
    assert sponsor.client.get(f"/api/v1/events/{event['id']}").get_json()["seats_taken"] == 1


def test_full_without_waitlist_is_409_with_a_reason(sponsor, tf):
    event = sponsor.event(capacity=1, waitlist=False)
    assert sponsor.enroll(event["id"], tf.participant().registry_id).status_code == 201
    full = sponsor.enroll(event["id"], tf.participant().registry_id)
    assert full.status_code == 409
    assert full.get_json()["reason"] == "full" and "full" in full.get_json()["detail"]


def test_ended_event_is_409(sponsor, tf):
    event = sponsor.event()
    shift_event(tf, event["id"], -10)
    ended = sponsor.enroll(event["id"], tf.participant().registry_id)
    assert ended.status_code == 409 and ended.get_json()["reason"] == "ended"


def test_bad_registry_ids_and_unknown_events(sponsor, tf):
    event = sponsor.event()
    assert sponsor.enroll(event["id"], "not-an-id").status_code == 422
    person = tf.participant()
    digits = person.registry_id
    mistyped = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert sponsor.enroll(event["id"], mistyped).status_code == 422
    assert sponsor.enroll(999_999, person.registry_id).status_code == 404
    no_body = sponsor.client.post(f"/api/v1/events/{event['id']}/enrollments",
                                  json={"registry_id": person.registry_id, "extra": 1},
                                  headers=sponsor.headers)
    assert no_body.status_code == 422
    bad_status = sponsor.client.patch("/api/v1/enrollments/1", json={"status": "enrolled"},
                                      headers=sponsor.headers)
    assert bad_status.status_code == 422
    missing = sponsor.client.patch("/api/v1/enrollments/999999", json={"status": "withdrawn"},
                                   headers=sponsor.headers)
    assert missing.status_code == 404


def test_client_credentials_act_for_their_organization_only(sponsor, tf):
    mine = sponsor.event()
    other = make_sponsor(tf)
    theirs = other.event()
    token = client_token(tf, sponsor.org, "training:read training:write enrollments:write")
    client = tf.app.test_client()
    person = tf.participant()
    ok = client.post(f"/api/v1/events/{mine['id']}/enrollments", headers=bearer(token),
                     json={"registry_id": person.registry_id})
    assert ok.status_code == 201, ok.get_json()
    foreign = client.post(f"/api/v1/events/{theirs['id']}/enrollments", headers=bearer(token),
                          json={"registry_id": person.registry_id})
    assert foreign.status_code == 404
    other_enrollment = other.enroll(theirs["id"], tf.participant().registry_id).get_json()
    withdraw = client.patch(f"/api/v1/enrollments/{other_enrollment['enrollment_id']}",
                            headers=bearer(token), json={"status": "withdrawn"})
    assert withdraw.status_code == 404
    created = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Via CRM", "hours": "1", "competency_area": "PROF", "language": "vi"})
    assert created.status_code == 201
    assert created.get_json()["organization_id"] == sponsor.org.id


def test_participant_enrolls_and_withdraws_themselves_within_the_window(sponsor, tf):
    from registry_plugins.training import services as svc

    from registry_kernel.db import unit_of_work

    event = sponsor.event()
    soon = sponsor.event(starts_at=iso(1), ends_at=iso(1, 2))
    account = tf.account()
    token = tf.token(account, "me enrollments:write")
    client = tf.app.test_client()
    rid = account.participant.registry_id
    for ev in (event, soon):
        response = client.post(f"/api/v1/events/{ev['id']}/enrollments", headers=bearer(token),
                               json={"registry_id": rid})
        assert response.status_code == 201
    someone_else = client.post(f"/api/v1/events/{event['id']}/enrollments",
                               headers=bearer(token),
                               json={"registry_id": tf.participant().registry_id})
    assert someone_else.status_code == 404
    with unit_of_work(tf.registry.sessions) as session:
        info = svc.ensure_sponsor_info(session, tf.registry, session.merge(sponsor.org))
        info.withdrawal_window_days = 3
        info.withdrawal_contact = "(510) 555-0100"
    mine = client.get("/api/v1/me/enrollments", headers=bearer(token)).get_json()
    by_event = {item["event_id"]: item for item in mine["items"]}
    assert mine["total"] == 2 and by_event[event["id"]]["status"] == "enrolled"
    refused = client.patch(f"/api/v1/enrollments/{by_event[soon['id']]['enrollment_id']}",
                           headers=bearer(token), json={"status": "withdrawn"})
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "withdrawal_window"
    assert "555-0100" in refused.get_json()["detail"]
    allowed = client.patch(f"/api/v1/enrollments/{by_event[event['id']]['enrollment_id']}",
                           headers=bearer(token), json={"status": "withdrawn"})
    assert allowed.status_code == 200
    # the sponsor is not bound by the self-withdrawal window
    staff = sponsor.client.patch(f"/api/v1/enrollments/{by_event[soon['id']]['enrollment_id']}",
                                 headers=sponsor.headers, json={"status": "withdrawn"})
    assert staff.status_code == 200


def test_enrollment_gives_the_sponsor_a_relationship_with_the_participant(sponsor, tf):
    event = sponsor.event()
    person = tf.participant()
    path = f"/api/v1/participants/{person.registry_id}"
    assert sponsor.client.get(path, headers=sponsor.headers).status_code == 404
    sponsor.enroll(event["id"], person.registry_id)
    response = sponsor.client.get(path, headers=sponsor.headers)
    assert response.status_code == 200 and response.get_json()["first_name"]
    other = make_sponsor(tf)
    assert other.client.get(path, headers=other.headers).status_code == 404


def test_confirmation_email_says_enrolled_or_waitlisted_with_position(sponsor, tf):
    event = sponsor.event(capacity=1)
    tf.registry.sent_mail.clear()
    sponsor.enroll(event["id"], tf.participant().registry_id)
    sponsor.enroll(event["id"], tf.participant().registry_id)
    tf.registry.outbox.drain()
    subjects = [m["Subject"] for m in tf.registry.sent_mail]
    assert any(s.startswith("Enrolled:") for s in subjects)
    waitlisted = [m for m in tf.registry.sent_mail if m["Subject"].startswith("Waitlisted:")]
    assert waitlisted and "position 1" in waitlisted[0].get_content()


def test_hours_are_decimal_with_two_places(sponsor):
    training = sponsor.training(hours=1.5)
    assert Decimal(training["hours"]) == Decimal("1.50")
