"""The calendar's keyword table is rebuilt from the events a database already holds when
``training_0002`` runs on it (a registry upgraded from the first release)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from conftest import SCOPES, iso
from sqlalchemy import select, text

from registry_kernel.app import create_app
from registry_kernel.migrate import alembic_config, upgrade
from registry_kernel.testing import Factory, bearer, test_settings

pytestmark = pytest.mark.slow


def _words(registry: Any) -> list[tuple[Any, ...]]:
    with registry.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT word, event_id, listed FROM training_event_words ORDER BY word, event_id"))]


def test_upgrade_rebuilds_every_events_keywords(fresh_database, tmp_path):
    url = fresh_database(plugins=["training"])
    app = create_app(test_settings(url, tmp_path / "inst", plugins=["training"]))
    registry = app.extensions["registry"]
    try:
        factory = Factory(app)
        org = factory.org(kind="training_sponsor")
        token = factory.token(factory.account("sponsor_manager", org=org), SCOPES, org=org)
        client = app.test_client()
        titles = ["Outdoor play and science", "Bilingual storytime", "Outdoor risk and safety"]
        for day, title in enumerate(titles, start=3):
            course = client.post("/api/v1/trainings", headers=bearer(token), json={
                "title": title, "hours": "2", "competency_area": "HSN", "language": "en"})
            created = client.post("/api/v1/events", headers=bearer(token), json={
                "training_id": course.get_json()["id"], "starts_at": iso(day),
                "ends_at": iso(day, 2), "capacity": 20,
                "online_url": "https://meet.example.org/k"})
            assert created.status_code == 201, created.get_json()
        before = _words(registry)
        assert any(word == "outdoor" for word, *_ in before)

        config = alembic_config(registry)
        with registry.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "training@training_0001")
        with registry.engine.connect() as connection:
            tables = connection.execute(select(text("1")).select_from(text(
                "training_events")).limit(1)).all()
        assert tables  # the events stayed; their keyword table went with the revision
        upgrade(registry, plugins=["training"])

        assert _words(registry) == before
        found = client.get("/api/v1/calendar?q=outdoor").get_json()["items"]
        assert sorted(e["title"] for e in found) == sorted(t for t in titles if "Outdoor" in t)
    finally:
        registry.engine.dispose()
