"""Two staff never work on one document: racing claims and verifications on a really-committing
database (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from documents_helpers import COURSE, World, bearer

from registry_kernel.testing import Factory


def _live_world(fresh_database: Any, tmp_path: Path) -> World:
    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    url = fresh_database(plugins=["documents"])
    app = create_app(test_settings(url, tmp_path / "race", plugins=["documents"]))
    factory = Factory(app)
    participant = factory.account("participant")
    staff = factory.account("registry_staff")
    return World(factory=factory, participant=participant, token=factory.token(participant, "me"),
                 staff=staff, staff_token=factory.token(staff, "verification"))


def _race(world: World, tokens: list[str], call: Any) -> list[int]:
    barrier = threading.Barrier(len(tokens))
    codes: list[int] = []

    def run(token: str) -> None:
        client = world.app.test_client()
        barrier.wait()
        codes.append(call(client, token).status_code)

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def test_racing_claims_and_verifications(fresh_database, tmp_path):
    world = _live_world(fresh_database, tmp_path)
    try:
        tokens = [world.factory.token(world.factory.account("registry_staff"), "verification")
                  for _ in range(6)]
        first = world.upload().get_json()["id"]
        codes = _race(world, tokens, lambda client, token: client.post(
            f"/api/v1/documents/{first}/claim", headers=bearer(token)))
        assert sorted(codes) == [200] + [409] * 5

        second = world.upload().get_json()["id"]
        codes = _race(world, tokens, lambda client, token: client.post(
            f"/api/v1/documents/{second}/verify", headers=bearer(token),
            json={"courses": [COURSE]}))
        assert sorted(codes) == [200] + [409] * 5
        report = world.client().get("/api/v1/me/education-report",
                                    headers=bearer(world.token)).get_json()
        assert len(report["courses"]) == 1  # one verification stored its records, once
    finally:
        world.registry.engine.dispose()
