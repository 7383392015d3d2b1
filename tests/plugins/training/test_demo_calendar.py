"""The demo data's Training Calendar is realistic: many sponsors, counties, languages and every
competency area, weekly series, invite-only events and an instructor with a public profile."""

from __future__ import annotations

from registry_kernel.testing import Factory


def test_demo_calendar_is_broad_and_has_series_invitations_and_an_instructor(make_app):
    from registry_plugins.training.models import TrainingEvent

    from registry_kernel.db import unit_of_work
    from registry_kernel.demo import load_demo

    app = make_app(plugins=["profile", "training"])
    logins = load_demo(app.extensions["registry"])
    assert "instructor" in logins["accounts"]
    client = app.test_client()
    items = client.get("/api/v1/calendar?per_page=100").get_json()
    everything = items["items"]
    for page in range(2, -(-items["total"] // 100) + 1):
        everything += client.get(f"/api/v1/calendar?per_page=100&page={page}").get_json()[
            "items"]
    assert len({i["sponsor"] for i in everything}) >= 9
    assert len({i["county"] for i in everything if i["county"]}) >= 9
    assert any(i["county"] is None for i in everything)  # online events
    assert len({i["language"] for i in everything}) >= 8
    assert len({i["competency_area"] for i in everything}) == 12
    assert sum(len(i["sessions"]) > 1 for i in everything) >= 9
    with unit_of_work(Factory(app).registry.sessions) as session:
        invite_only = session.query(TrainingEvent).filter_by(visibility="invite_only").count()
        led = session.query(TrainingEvent).filter(
            TrainingEvent.instructor_account_id.is_not(None)).first()
        assert invite_only >= 8 and led is not None
        led_id = led.id
    details = client.get(f"/training/events/{led_id}").get_data(as_text=True)
    assert "Lucía Ortega" in details and "/training/instructors/" in details
