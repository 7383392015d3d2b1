"""Helpers shared by the widget's tests here and its real-browser test in tests/browser/
(a unique module name, unlike conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from registry_kernel.testing import Factory, bearer


def sponsor_with_event(app: Any, slug: str = "valley-rr", title: str = "Outdoor play",
                       capacity: int = 12) -> dict:
    """A training sponsor with one published event in ten days, made through the API."""
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
