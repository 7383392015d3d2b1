"""The CSV CRM adapter: participants, enrollments and hours upserted into CSV files in the
CRM's import folder through the outbox; lookups read them back."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from registry_plugins.training.models import TrainingEvent
from sqlalchemy import update

from registry_kernel.cli import cli
from registry_kernel.config import ConfigError
from registry_kernel.db import unit_of_work
from registry_kernel.testing import Factory, bearer

PLUGINS = ["training", "crm", "csv_crm"]


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_participants_enrollments_and_hours_reach_the_files_once(make_app, tmp_path):
    folder = tmp_path / "crm-drop"
    folder.mkdir()
    app = make_app(plugins=PLUGINS, plugin_sections={"csv_crm": {
        "organization": "valley-rr", "folder": str(folder)}})
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Valley R&R", slug="valley-rr")
    other = factory.org(kind="training_sponsor", name="Other", slug="other")
    token = factory.client_token(sponsor, "participants:write training:write enrollments:write")
    other_token = factory.client_token(other, "participants:write")
    client = app.test_client()
    registry = app.extensions["registry"]

    made = client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Reyes", "email": "ana@example.org"})
    assert made.status_code == 201
    registry_id = made.get_json()["registry_id"]
    assert client.post("/api/v1/participants", headers=bearer(other_token), json={
        "first_name": "Bo", "last_name": "Li", "email": "bo@example.org"}).status_code == 201
    assert not (folder / "participants.csv").exists()  # nothing before the outbox runs
    registry.outbox.drain()
    people = rows(folder, "participants.csv")
    assert [(p["registry_id"], p["first_name"], p["email"]) for p in people] == [
        (registry_id, "Ana", "ana@example.org")]  # the other organization's person is not
    assert people[0]["registry_event_id"] and people[0]["updated_at"].endswith("Z")

    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Circle time", "hours": "2", "competency_area": "CDL", "language": "en"})
    start = datetime.now(UTC) + timedelta(days=2)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 5,
        "visibility": "published", "online_url": "https://meet.example.org/z"}).get_json()
    assert client.post(f"/api/v1/events/{event['id']}/enrollments", headers=bearer(token),
                       json={"registry_id": registry_id}).status_code == 201
    with unit_of_work(registry.sessions) as session:
        past = datetime.now(UTC) - timedelta(days=1)
        session.execute(update(TrainingEvent).where(TrainingEvent.id == event["id"]).values(
            starts_at=past, ends_at=past + timedelta(hours=2)))
    assert client.post(f"/api/v1/events/{event['id']}/attendance", headers=bearer(token),
                       json={"records": [{"registry_id": registry_id, "status": "attended"}]}
                       ).status_code in (200, 201)
    registry.outbox.drain()
    enrollments = rows(folder, "enrollments.csv")
    assert len(enrollments) == 1  # created, then attended: one row, upserted
    assert enrollments[0]["status"] == "attended"
    assert enrollments[0]["title"] == "Circle time"
    hours = rows(folder, "hours.csv")
    assert [(h["registry_id"], h["hours"]) for h in hours] == [(registry_id, "2.00")]
    assert len(rows(folder, "participants.csv")) == 1

    # a push retried (at least once delivery) replaces its row, never doubles it
    from registry_adapters.csv_crm.services import upsert

    upsert(folder, "participant", {"registry_id": registry_id, "first_name": "Ana María",
                                   "last_name": "Reyes", "email": "ana@example.org"}, "e2")
    assert [p["first_name"] for p in rows(folder, "participants.csv")] == ["Ana María"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".participants")]

    app.extensions["registry"].plugins.hook.cli_commands(cli=cli)
    found = CliRunner().invoke(cli, ["crm", "lookup", registry_id, "--org", "valley-rr"],
                               obj={"app": app})
    assert found.exit_code == 0, found.output
    assert "Ana Mar" in found.output


def test_an_unwritable_folder_is_retried_without_losing_the_event(make_app, tmp_path, due):
    folder = tmp_path / "not-yet"
    app = make_app(plugins=PLUGINS, plugin_sections={"csv_crm": {
        "organization": "valley-rr", "folder": str(folder)}})
    factory = Factory(app)
    org = factory.org(name="Valley R&R", slug="valley-rr")
    token = factory.client_token(org, "participants:write")
    client = app.test_client()
    registry = app.extensions["registry"]
    assert client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Reyes", "email": "ana@example.org"}
    ).status_code == 201
    assert registry.outbox.drain().retried == 1  # the folder does not exist (yet)
    folder.mkdir()
    due(app)
    assert registry.outbox.drain().delivered == 1
    assert [p["first_name"] for p in rows(folder, "participants.csv")] == ["Ana"]


def test_concurrent_pushes_keep_every_row(tmp_path):
    from registry_adapters.csv_crm.services import upsert

    def push(n: int) -> None:
        upsert(tmp_path, "enrollment", {"registry_id": f"R{n}", "enrollment_id": n,
                                        "status": "enrolled"}, f"event-{n}")

    threads = [threading.Thread(target=push, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(int(r["enrollment_id"]) for r in rows(tmp_path, "enrollments.csv")) == list(
        range(20))


def test_bad_configuration_stops_start_up(make_app, tmp_path):
    for section, message in (({"organization": "x"}, "both"),
                             ({"organization": "x", "folder": "relative/path"}, "absolute"),
                             ({"organization": "x", "folder": str(tmp_path), "extra": 1},
                              "extra")):
        with pytest.raises(ConfigError, match=message):
            make_app(plugins=PLUGINS, plugin_sections={"csv_crm": section})
