"""Capacity is never exceeded: many people take the last seats at once, on a database that
really commits (SQLite with BEGIN IMMEDIATE, PostgreSQL with conditional updates and row locks).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from conftest import SCOPES, iso

from registry_kernel.app import create_app
from registry_kernel.testing import Factory, bearer, test_settings

pytestmark = pytest.mark.slow


def _setup(fresh_database: Any, tmp_path: Any, people: int, **event: Any) -> tuple[Any, ...]:
    url = fresh_database(plugins=["training"])
    app = create_app(test_settings(url, tmp_path / "inst", plugins=["training"]))
    app.config["TESTING"] = True
    factory = Factory(app)
    org = factory.org(kind="training_sponsor")
    manager = factory.account("sponsor_manager", org=org)
    token = factory.token(manager, SCOPES, org=org)
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Last seats", "hours": "2", "competency_area": "HSN", "language": "en"})
    assert training.status_code == 201, training.get_json()
    created = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": iso(5), "ends_at": iso(5, 2),
        "online_url": "https://meet.example.org/race", **event})
    assert created.status_code == 201, created.get_json()
    participants = [factory.participant() for _ in range(people)]
    return app, token, created.get_json()["id"], participants


def _in_parallel(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # surfaced by the assertions below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _enroll_call(app: Any, token: str, event_id: int, registry_id: str) -> Any:
    def call() -> tuple[int, Any]:
        client = app.test_client()  # one client per thread
        response = client.post(f"/api/v1/events/{event_id}/enrollments", headers=bearer(token),
                               json={"registry_id": registry_id})
        return response.status_code, response.get_json()

    return call


def _seats(app: Any, event_id: int) -> dict[str, Any]:
    return app.test_client().get(f"/api/v1/events/{event_id}").get_json()


def _roster(app: Any, token: str, event_id: int) -> list[dict[str, Any]]:
    response = app.test_client().get(f"/api/v1/events/{event_id}/enrollments?per_page=200",
                                     headers=bearer(token))
    return response.get_json()["items"]


def test_fifty_people_race_for_ten_seats_with_a_waitlist(fresh_database, tmp_path):
    app, token, event_id, people = _setup(fresh_database, tmp_path, 50, capacity=10)
    try:
        results = _in_parallel([_enroll_call(app, token, event_id, p.registry_id)
                                for p in people])
        assert all(isinstance(r, tuple) for r in results), results
        assert Counter(code for code, _ in results) == {201: 50}, results
        statuses = Counter(body["status"] for _, body in results)
        assert statuses == {"enrolled": 10, "waitlisted": 40}
        assert _seats(app, event_id)["seats_taken"] == 10
        roster = _roster(app, token, event_id)
        assert Counter(r["status"] for r in roster) == {"enrolled": 10, "waitlisted": 40}
        positions = sorted(body["waitlist_position"] for _, body in results
                           if body["status"] == "waitlisted")
        assert len(set(positions)) >= 1 and max(positions) <= 40
    finally:
        app.extensions["registry"].engine.dispose()


def test_thirty_people_race_for_ten_seats_without_a_waitlist(fresh_database, tmp_path):
    app, token, event_id, people = _setup(fresh_database, tmp_path, 30, capacity=10,
                                          waitlist=False)
    try:
        results = _in_parallel([_enroll_call(app, token, event_id, p.registry_id)
                                for p in people])
        assert all(isinstance(r, tuple) for r in results), results
        codes = Counter(code for code, _ in results)
        assert codes == {201: 10, 409: 20}, results
        assert all(body["reason"] == "full" for code, body in results if code == 409)
        assert _seats(app, event_id)["seats_taken"] == 10
        assert Counter(r["status"] for r in _roster(app, token, event_id)) == {"enrolled": 10}
    finally:
        app.extensions["registry"].engine.dispose()


def test_parallel_withdrawals_promote_the_waitlist_in_order(fresh_database, tmp_path):
    app, token, event_id, people = _setup(fresh_database, tmp_path, 16, capacity=8)
    try:
        client = app.test_client()
        bodies = []
        for person in people:  # one at a time: a known queue order
            response = client.post(f"/api/v1/events/{event_id}/enrollments",
                                   headers=bearer(token), json={"registry_id": person.registry_id})
            bodies.append(response.get_json())
        enrolled = [b for b in bodies if b["status"] == "enrolled"]
        waiting = [b for b in bodies if b["status"] == "waitlisted"]
        assert len(enrolled) == 8 and len(waiting) == 8

        def withdraw(enrollment_id: int) -> Any:
            def call() -> int:
                response = app.test_client().patch(f"/api/v1/enrollments/{enrollment_id}",
                                                   headers=bearer(token),
                                                   json={"status": "withdrawn"})
                return response.status_code
            return call

        def late_enroll(registry_id: str) -> Any:
            return _enroll_call(app, token, event_id, registry_id)

        newcomers = [Factory(app).participant() for _ in range(3)]
        calls = [withdraw(b["enrollment_id"]) for b in enrolled[:5]]
        calls += [late_enroll(p.registry_id) for p in newcomers]
        results = _in_parallel(calls)
        assert results[:5] == [200] * 5, results
        roster = {r["enrollment_id"]: r["status"] for r in _roster(app, token, event_id)}
        assert Counter(roster.values()) == {"enrolled": 8, "withdrawn": 5, "waitlisted": 6}
        # the first five of the original waitlist got the seats, in order
        assert [roster[b["enrollment_id"]] for b in waiting[:5]] == ["enrolled"] * 5
        assert _seats(app, event_id)["seats_taken"] == 8
    finally:
        app.extensions["registry"].engine.dispose()


def test_a_full_event_without_waitlist_answers_without_waiting_for_its_row_lock(
        fresh_database, tmp_path):
    """When a popular event is full, the many who still try are refused side by side: nobody
    queues on the event's row lock (held here by a long withdrawal-like transaction)."""
    app, token, event_id, people = _setup(fresh_database, tmp_path, 2, capacity=1,
                                          waitlist=False)
    engine = app.extensions["registry"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: on SQLite every write takes the one write lock anyway")
    assert _enroll_call(app, token, event_id, people[0].registry_id)()[0] == 201
    with engine.connect() as other:
        other.exec_driver_sql("SELECT id FROM training_events WHERE id = %s FOR UPDATE",
                              (event_id,))
        outcome: list[Any] = []
        late = threading.Thread(target=lambda: outcome.append(
            _enroll_call(app, token, event_id, people[1].registry_id)()))
        late.start()
        late.join(timeout=5)
        answered_while_locked = bool(outcome)
        other.rollback()
    late.join()
    assert answered_while_locked, "the refusal waited for the event's row lock"
    assert outcome[0][0] == 409
    assert outcome[0][1]["reason"] == "full"
    assert _seats(app, event_id)["seats_taken"] == 1
