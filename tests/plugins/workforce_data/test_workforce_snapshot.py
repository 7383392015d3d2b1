"""The release is built off the request path and stored sealed: the CLI's snapshot is what the
API and dashboard publish, every process publishes the same one, no snapshot means "being
prepared" (503 + Retry-After), the table holds no plaintext, and the outbox job refreshes it."""

from __future__ import annotations

import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from wf_helpers import LoginPlugin, many, refresh_cli

from registry_kernel.testing import Factory

PLUGINS = ["profile", "documents", "workforce_data"]


@pytest.fixture
def factory(make_app):
    return Factory(make_app(plugins=PLUGINS, extra_plugins=(LoginPlugin(),)))


def populate(factory: Factory) -> None:
    many(factory, 12, county="Alameda", role="teacher", wage="27.35")
    many(factory, 13, county="Fresno", role="assistant", wage="19.15", language="es")
    many(factory, 3, county="Yolo")


def statistics(app: Any) -> Any:
    response = app.test_client().get("/api/v1/workforce/statistics")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_without_a_snapshot_statistics_are_being_prepared(factory):
    populate(factory)
    client = factory.app.test_client()
    for path in ("/api/v1/workforce/statistics", "/api/v1/workforce/wages",
                 "/api/v1/workforce/summary?by=county"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0
        assert "being prepared" in response.get_json()["detail"]
    page = client.get("/workforce")
    assert page.status_code == 503 and page.headers["Retry-After"]
    html = page.get_data(as_text=True)
    assert 'id="wf-preparing"' in html and "wf-chart" not in html
    assert client.get("/workforce/export.csv").status_code == 503
    spanish = client.get("/workforce?lang=es").get_data(as_text=True)
    assert "Las estadísticas se están preparando" in spanish
    chinese = client.get("/workforce?lang=zh-Hant").get_data(as_text=True)
    assert "統計資料正在準備中" in chinese
    bad = client.get("/api/v1/workforce/statistics?county=Atlantis")
    assert bad.status_code == 422  # bad input is still a clear error first


def test_the_cli_snapshot_is_what_the_api_and_dashboard_publish(factory):
    populate(factory)
    result = refresh_cli(factory.app)
    assert result["released"] == 25 and result["as_of"]  # the 3 in Yolo are left out
    published = statistics(factory.app)
    counties = {i["group"]: i["count"] for i in published["tables"][0]["items"]}
    assert counties["Alameda"] == 12 and counties["Fresno"] == 13 and "Yolo" not in counties
    wages = {w["group"]: w for w in published["wages"]}
    assert wages["teacher"]["median"] == "27.35" and wages["assistant"]["median"] == "19.15"
    # the same figures as a release computed now (development mode's path)
    from registry_plugins.workforce_data import services as svc
    from registry_plugins.workforce_data.snapshot import latest

    with factory.registry.sessions() as session:
        stored = latest(session, factory.registry)
        computed = svc.released(session, factory.registry, min_cell_size=11)
    assert Counter(stored.records) == Counter(computed.records)
    assert stored.today == computed.today and len(stored.records) == 25
    assert svc.statistics_for(stored, {}) == svc.statistics_for(computed, {})
    html = factory.app.test_client().get("/workforce").get_data(as_text=True)
    assert f"Figures as of {result['as_of']}." in html and "wf-chart" in html
    spanish = factory.app.test_client().get("/workforce?lang=es").get_data(as_text=True)
    assert f"Cifras al {result['as_of']}." in spanish
    # people added later appear only in the next release: requests never compute
    many(factory, 11, county="Napa")
    assert statistics(factory.app) == published
    refresh_cli(factory.app)
    later = {i["group"]: i["count"] for i in statistics(factory.app)["tables"][0]["items"]}
    assert later["Napa"] == 11


def test_the_stored_snapshot_holds_no_plaintext(factory):
    populate(factory)
    refresh_cli(factory.app)
    registry = factory.registry
    with registry.sessions() as session:
        rows = session.execute(text(
            "SELECT kek_id, wrapped_key, payload FROM workforce_snapshots")).all()
    assert len(rows) == 1
    kek_id, wrapped, payload = rows[0][0], bytes(rows[0][1]), bytes(rows[0][2])
    assert kek_id == registry.vault.keyring.primary and len(wrapped) == 12 + 32 + 16
    for needle in (b"Alameda", b"Fresno", b"27.35", b"19.15", b"teacher", b"assistant"):
        assert needle not in payload and needle not in wrapped
    with pytest.raises(zlib.error):
        zlib.decompress(payload)  # not merely compressed
    with pytest.raises(zlib.error):
        zlib.decompress(payload[21:])
    # tampering is detected: the dashboard then says it is being prepared
    from registry_plugins.workforce_data.models import Snapshot

    with registry.sessions() as session:
        row = session.scalars(select(Snapshot)).one()
        row.payload = payload[:-1] + bytes([payload[-1] ^ 1])
        session.commit()
    registry.__dict__.pop("_workforce_snapshot", None)
    assert factory.app.test_client().get("/api/v1/workforce/statistics").status_code == 503


def test_a_refresh_replaces_the_previous_snapshot(factory):
    populate(factory)
    first = refresh_cli(factory.app)["snapshot_id"]
    second = refresh_cli(factory.app)["snapshot_id"]
    assert second > first
    with factory.registry.sessions() as session:
        ids = session.scalars(text("SELECT id FROM workforce_snapshots")).all()
    assert ids == [second]


def test_the_outbox_job_builds_the_snapshot_and_schedules_the_next(fresh_database,
                                                                   tmp_path: Path):
    from registry_kernel.app import create_app
    from registry_kernel.models import OutboxMessage
    from registry_kernel.testing import test_settings

    app = create_app(test_settings(fresh_database(plugins=PLUGINS), tmp_path / "i",
                                   plugins=PLUGINS))
    registry = app.extensions["registry"]
    try:
        populate(Factory(app))
        client = app.test_client()
        assert client.get("/api/v1/workforce/statistics").status_code == 503  # queues the job
        assert client.get("/workforce").status_code == 503  # only once

        def jobs() -> list[OutboxMessage]:
            with registry.sessions() as session:
                return list(session.scalars(select(OutboxMessage).where(
                    OutboxMessage.kind == "workforce_data.refresh").order_by(OutboxMessage.id)))

        assert [m.status for m in jobs()] == ["pending"]
        result = registry.outbox.drain()
        assert result.delivered == 1 and result.failed == 0
        queued = jobs()
        assert [m.status for m in queued] == ["done", "pending"]  # the next run, a day later
        assert (queued[1].next_attempt_at - queued[0].done_at).total_seconds() > 86000
        assert statistics(app)["tables"][0]["total"] == 25
    finally:
        registry.engine.dispose()


def test_two_processes_on_one_database_publish_the_same_release(fresh_database, tmp_path: Path):
    """Two apps (as two gunicorn workers would be) over one really committed database."""
    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    url = fresh_database(plugins=PLUGINS)
    first, second = (create_app(test_settings(url, tmp_path / name, plugins=PLUGINS))
                     for name in ("one", "two"))
    try:
        populate(Factory(first))
        refresh_cli(first)
        one = statistics(first)
        assert one["tables"][0]["total"] == 25
        assert statistics(second) == one
        many(Factory(second), 11, county="Napa")  # a change after the release...
        assert statistics(first) == statistics(second) == one  # ...is in neither process
        refresh_cli(second)
        assert statistics(first) == statistics(second) != one
        assert statistics(first)["tables"][0]["total"] == 36
    finally:
        for app in (first, second):
            app.extensions["registry"].engine.dispose()


def test_the_snapshot_survives_a_master_key_rotation(fresh_database, tmp_path: Path):
    """Add a new master key in front, restart: the snapshot still opens and its key is
    re-wrapped under the new primary key, so the old key can be retired."""
    from registry_kernel.app import create_app
    from registry_kernel.crypto import generate_key_text
    from registry_kernel.testing import TEST_KEYS, test_settings

    url = fresh_database(plugins=PLUGINS)
    old_ring = TEST_KEYS["master_key"]
    old = create_app(test_settings(url, tmp_path / "old", plugins=PLUGINS))
    populate(Factory(old))
    refresh_cli(old)
    before = statistics(old)
    rotated = create_app(test_settings(url, tmp_path / "new", plugins=PLUGINS,
                                       master_key=f"k9:{generate_key_text()},{old_ring}"))
    new_only = None
    try:
        page = rotated.test_client().get("/workforce")  # a web request (SQLite: write lock)
        assert page.status_code == 200 and "wf-chart" in page.get_data(as_text=True)
        assert statistics(rotated) == before
        with rotated.extensions["registry"].sessions() as session:
            assert session.scalar(text("SELECT kek_id FROM workforce_snapshots")) == "k9"
        ring = rotated.extensions["registry"].vault.keyring
        new_only = create_app(test_settings(url, tmp_path / "retired", plugins=PLUGINS,
                                            master_key=f"k9:{_key_text(ring.keys['k9'])}"))
        assert statistics(new_only) == before
    finally:
        for app in (old, rotated, new_only):
            if app is not None:
                app.extensions["registry"].engine.dispose()


def _key_text(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_status_command_reports_the_snapshot_without_figures(factory):
    import json

    from click.testing import CliRunner
    from registry_plugins.workforce_data.cli import workforce_data

    def status() -> dict[str, Any]:
        result = CliRunner().invoke(workforce_data, ["status"], obj={"app": factory.app})
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert status()["snapshot"] is None
    populate(factory)
    made = refresh_cli(factory.app)
    shown = status()["snapshot"]
    assert shown["id"] == made["snapshot_id"] and shown["as_of"] == made["as_of"]
    assert shown["kek_id"] == factory.registry.vault.keyring.primary
    assert "Alameda" not in json.dumps(status())


def test_one_thread_opens_a_new_snapshot_for_every_request_waiting(fresh_database,
                                                                  tmp_path: Path, monkeypatch):
    import threading

    from registry_plugins.workforce_data import snapshot

    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    app = create_app(test_settings(fresh_database(plugins=PLUGINS), tmp_path / "i",
                                   plugins=PLUGINS))
    registry = app.extensions["registry"]
    try:
        populate(Factory(app))
        refresh_cli(app)
        opened: list[int] = []
        real = snapshot.open_snapshot

        def counting(registry: Any, row: Any) -> Any:
            opened.append(row.id)
            return real(registry, row)

        monkeypatch.setattr(snapshot, "open_snapshot", counting)
        results: list[Any] = []

        def request() -> None:
            with registry.sessions() as session:
                results.append(snapshot.latest(session, registry))

        threads = [threading.Thread(target=request) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(opened) == 1 and len(results) == 4
        assert all(r is results[0] for r in results) and len(results[0].records) == 25
    finally:
        registry.engine.dispose()
