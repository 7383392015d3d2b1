"""The embeddable enrollment widget: assets, CORS for registered origins only (the real-browser
test is tests/browser/test_browser_widget.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from registry_kernel.testing import Factory, bearer

AGENCY = "https://www.valley-rr.example"
PLUGINS = ["training", "widget"]


def sponsor_with_event(app: Any, slug: str = "valley-rr", title: str = "Outdoor play",
                       capacity: int = 12) -> dict:
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Valley R&R", slug=slug)
    token = factory.client_token(sponsor, "training:write")
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": title, "hours": "3", "competency_area": "CDL", "language": "en"})
    assert training.status_code == 201, training.get_json()
    start = datetime.now(UTC) + timedelta(days=10)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": capacity,
        "visibility": "published", "location": {"address": "1 Main St", "city": "Oakland",
                                                "county": "Alameda", "zip": "94601"}})
    assert event.status_code == 201, event.get_json()
    return {"sponsor": sponsor, "event_id": event.get_json()["id"]}


def test_script_and_style_are_served(make_app):
    app = make_app(plugins=PLUGINS)
    client = app.test_client()
    js = client.get("/widget/registry-enroll.js")
    assert js.status_code == 200
    assert js.mimetype == "text/javascript"
    source = js.get_data(as_text=True)
    assert "/api/v1/calendar?sponsor=" in source
    assert "/widget/enroll/" in source
    assert "innerHTML" not in source  # network data is never parsed as HTML
    assert js.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    css = client.get("/widget/registry-enroll.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert client.get("/widget/enroll/7").headers["Location"].startswith(
        "/login?next=/training/events/7")
    demo = client.get("/widget/?sponsor=valley-rr")
    assert demo.status_code == 200
    assert b'data-sponsor="valley-rr"' in demo.data


def test_cors_only_for_registered_origins_and_only_on_the_calendar(make_app):
    app = make_app(plugins=PLUGINS, plugin_sections={"widget": {"allowed_origins": [AGENCY]}})
    made = sponsor_with_event(app)
    client = app.test_client()
    ok = client.get("/api/v1/calendar?sponsor=valley-rr", headers={"Origin": AGENCY})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == AGENCY
    assert "Origin" in ok.headers.get("Vary", "")
    items = ok.get_json()["items"]
    assert [i["event_id"] for i in items] == [made["event_id"]]
    assert items[0]["seats_left"] == 12
    other = client.get("/api/v1/calendar?sponsor=valley-rr",
                       headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    elsewhere = client.get("/api/v1/health", headers={"Origin": AGENCY})
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


def test_bad_origin_configuration_is_refused(make_app):
    from registry_kernel.config import ConfigError

    with pytest.raises(ConfigError, match="not an origin"):
        make_app(plugins=PLUGINS, plugin_sections={"widget": {
            "allowed_origins": ["https://agency.example/page"]}})
