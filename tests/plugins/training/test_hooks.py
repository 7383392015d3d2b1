"""Training's hooks: quick links, navigation, export, erase, merge, demo data, OpenAPI."""

from __future__ import annotations

from collections import Counter

from conftest import make_sponsor, sign_in

from registry_kernel.auth.actor import SYSTEM
from registry_kernel.db import unit_of_work
from registry_kernel.models import Participant
from registry_kernel.testing import Factory, bearer


def test_home_page_quick_links_and_sponsor_navigation(tf):
    participant = tf.account()
    client = tf.app.test_client()
    sign_in(client, participant)
    home = client.get("/").get_data(as_text=True)
    assert "Training Calendar" in home and "My Training Events" in home
    assert "/training/calendar" in home and "/training/my" in home
    assert "Training Module" not in home
    sponsor = make_sponsor(tf)
    staff_client = tf.app.test_client()
    sign_in(staff_client, sponsor.manager)
    page = staff_client.get("/training/calendar").get_data(as_text=True)
    assert "Training Module" in page and "/training/manage" in page


def test_declared_events_scopes_and_openapi(tf):
    registry = tf.registry
    assert {"enrollment.created", "enrollment.updated"} <= registry.event_types
    assert {"training:read", "training:write", "enrollments:write",
            "reports:read"} <= set(registry.scopes)
    paths = tf.app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/trainings", "/api/v1/events", "/api/v1/calendar",
                 "/api/v1/events/{event_id}/enrollments", "/api/v1/enrollments/{enrollment_id}",
                 "/api/v1/me/enrollments"):
        assert path in paths, path
    assert "security" not in paths["/api/v1/calendar"]["get"]


def test_export_erase_and_merge(tf):
    sponsor = make_sponsor(tf)
    first = sponsor.event(capacity=2)
    second = sponsor.event(capacity=5)
    survivor, duplicate, waiting = tf.participant(), tf.participant(), tf.participant()
    for person in (survivor, duplicate):
        assert sponsor.enroll(first["id"], person.registry_id).get_json()["status"] == "enrolled"
    assert sponsor.enroll(first["id"], waiting.registry_id).get_json()["status"] == "waitlisted"
    sponsor.enroll(second["id"], duplicate.registry_id)
    registry = tf.registry
    from registry_kernel.participants import erase_participant, merge_participants

    with unit_of_work(registry.sessions) as session:
        merge_participants(session, registry, session.get(Participant, survivor.id),
                           session.get(Participant, duplicate.id), actor=SYSTEM,
                           reason="duplicate profile")
    with unit_of_work(registry.sessions) as session:
        [exported] = [data for name, data in registry.plugins.hook.participant_export(
            session=session, registry=registry, participant=session.get(
                Participant, survivor.id)) if name == "training"]
    assert sorted(e["event_id"] for e in exported["enrollments"]) == sorted(
        [first["id"], second["id"]])
    roster = sponsor.client.get(f"/api/v1/events/{first['id']}/enrollments",
                                headers=sponsor.headers).get_json()["items"]
    # the duplicate's seat is given back and the first waitlisted person is promoted to it
    assert Counter(r["status"] for r in roster) == {"enrolled": 2}
    assert sponsor.client.get(f"/api/v1/events/{first['id']}").get_json()["seats_taken"] == 2
    assert {r["registry_id"] for r in roster} == {survivor.registry_id, waiting.registry_id}
    # erasing keeps the anonymous enrollment rows (counts, hours) but drops bookmarks
    from registry_plugins.training import services as svc

    with unit_of_work(registry.sessions) as session:
        svc.toggle_saved(session, waiting.id, second["id"])
    with unit_of_work(registry.sessions) as session:
        erase_participant(session, registry, session.get(Participant, waiting.id),
                          actor=SYSTEM, reason="asked to be forgotten")
    with unit_of_work(registry.sessions) as session:
        assert svc.saved_events(session, waiting.id) == []
        assert len(svc.participant_enrollments(session, waiting.id)) == 1


def test_demo_data_builds_a_realistic_calendar(make_app):
    app = make_app(plugins=["training"])
    from registry_kernel.demo import ACCOUNTS, load_demo

    load_demo(app.extensions["registry"])
    client = app.test_client()
    items = client.get("/api/v1/calendar?per_page=200").get_json()["items"]
    assert {"en", "es", "zh-yue"} <= {i["language"] for i in items}
    assert {"Alameda", None, "Fresno", "Los Angeles", "San Diego"} <= {i["county"] for i in items}
    assert len({i["sponsor"] for i in items}) >= 4
    assert len({i["competency_area"] for i in items}) >= 5
    factory = Factory(app)
    from registry_kernel.accounts import account_by_email

    with unit_of_work(factory.registry.sessions) as session:
        account = account_by_email(session, factory.registry, ACCOUNTS[0][1])
    token = factory.token(account, "me")
    mine = client.get("/api/v1/me/enrollments", headers=bearer(token)).get_json()
    assert mine["total"] >= 3
    assert {i["status"] for i in mine["items"]} <= {"enrolled", "waitlisted"}
