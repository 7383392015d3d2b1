"""Webhooks: registration, org scoping, signed delivery to a live receiver, retries, redelivery."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from adapters_http_receiver import signatures, verify_standard_webhook
from sqlalchemy import select

from registry_kernel.testing import Factory, bearer

PLUGINS = ["webhooks"]


@pytest.fixture
def setup(make_app):
    def build(**overrides):
        app = make_app(plugins=PLUGINS, **overrides)
        factory = Factory(app)
        org = factory.org(name="Bay Area R&R")
        token = factory.client_token(org, "webhooks:write participants:write")
        return SimpleNamespace(app=app, factory=factory, org=org, token=token)
    return build


def register(client, token, url, events=("participant.created",)):
    response = client.post("/api/v1/webhooks", json={"url": url, "events": list(events)},
                           headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_participant(client, token, email="ana@example.org"):
    response = client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Reyes", "email": email})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["registry_id"]


def test_delivery_survives_two_failures_without_loss_or_doubling(setup, receiver, due):
    env = setup()
    app, token = env.app, env.token
    client = app.test_client()
    answers = iter([500, 503, 200, 200])
    receiver.responder = lambda r: (next(answers), {"seen": True})
    created = register(client, token, receiver.url + "/hooks")
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"][6:])) >= 24
    registry = app.extensions["registry"]

    registry_id = add_participant(client, token)
    assert receiver.requests == []  # nothing leaves before the outbox runs

    first = registry.outbox.drain()
    assert (first.delivered, first.retried) == (0, 1)
    assert registry.outbox.drain().retried == 0  # not due yet: backoff
    deliveries = client.get(f"/api/v1/webhooks/{created['id']}/deliveries",
                            headers=bearer(token)).get_json()
    assert deliveries["total"] == 1
    assert deliveries["items"][0]["status"] == "retrying"
    assert deliveries["items"][0]["last_status_code"] == 500

    due(app)
    assert registry.outbox.drain().retried == 1
    due(app)
    assert registry.outbox.drain().delivered == 1
    due(app)
    assert registry.outbox.drain().delivered == 0  # nothing left, nothing doubled

    assert len(receiver.requests) == 3
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1
    for request in receiver.requests:
        assert request.path == "/hooks"
        assert request.headers["content-type"] == "application/json"
        assert verify_standard_webhook(created["secret"], request.headers, request.body)
        assert int(request.headers["webhook-timestamp"]) > 1_700_000_000
        body = request.json()
        assert set(body) == {"type", "timestamp", "data"}
        assert body["type"] == "participant.created"
        assert body["data"] == {"registry_id": registry_id}
        assert b"Ana" not in request.body and b"example.org" not in request.body
    tampered = dict(receiver.requests[0].headers, **{"webhook-id": "other"})
    assert not verify_standard_webhook(created["secret"], tampered, receiver.requests[0].body)

    item = client.get(f"/api/v1/webhooks/{created['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert item["status"] == "delivered"
    assert item["attempts"] == 3
    assert item["last_status_code"] == 200
    assert item["webhook_id"] == ids.pop()
    assert '"seen"' in item["last_response"]


def test_after_the_last_attempt_it_is_failed_and_redeliver_keeps_the_id(setup, receiver, due):
    env = setup(plugin_sections={"webhooks": {"max_attempts": 2}})
    app, token = env.app, env.token
    client = app.test_client()
    receiver.responder = lambda r: (500, {"error": "down for maintenance"})
    endpoint = register(client, token, receiver.url)
    registry = app.extensions["registry"]
    add_participant(client, token)
    registry.outbox.drain()
    due(app)
    result = registry.outbox.drain()
    assert result.failed == 1
    item = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert item["status"] == "failed"
    assert item["attempts"] == 2
    assert "down for maintenance" in item["last_response"]
    assert item["last_error"] == "HTTP 500"

    receiver.responder = lambda r: (204, b"")
    again = client.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{item['id']}/redeliver",
                        headers=bearer(token))
    assert again.status_code == 202
    # redelivering something already queued is refused
    assert client.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{item['id']}/redeliver",
                       headers=bearer(token)).status_code == 409
    assert registry.outbox.drain().delivered == 1
    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert verify_standard_webhook(endpoint["secret"], receiver.requests[-1].headers,
                                   receiver.requests[-1].body)
    item = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert item["status"] == "delivered"
    assert item["attempts"] == 3


def test_an_unreachable_endpoint_is_retried(setup, receiver, due):
    env = setup()
    app, token = env.app, env.token
    client = app.test_client()
    endpoint = register(client, token, "http://127.0.0.1:9/nothing-listens-here")
    add_participant(client, token)
    result = app.extensions["registry"].outbox.drain()
    assert result.retried == 1
    item = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert item["status"] == "retrying"
    assert item["last_status_code"] is None
    assert item["last_error"]


def test_an_organization_gets_only_events_about_its_own_resources(setup, receiver, due):
    env = setup()
    app, factory, token = env.app, env.factory, env.token
    client = app.test_client()
    other = factory.org(name="Other agency")
    other_token = factory.client_token(other, "webhooks:write participants:write")
    mine = register(client, token, receiver.url + "/mine")
    theirs = register(client, other_token, receiver.url + "/theirs")
    add_participant(client, token, "one@example.org")
    app.extensions["registry"].outbox.drain()
    assert [r.path for r in receiver.requests] == ["/mine"]

    # another organization's endpoint does not exist for us
    for path in (f"/api/v1/webhooks/{theirs['id']}/deliveries",):
        assert client.get(path, headers=bearer(token)).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{theirs['id']}",
                         headers=bearer(token)).status_code == 404
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()
    assert [e["id"] for e in listed["items"]] == [mine["id"]]
    assert "secret" not in listed["items"][0]
    assert client.delete(f"/api/v1/webhooks/{mine['id']}", headers=bearer(token)
                         ).status_code == 204
    assert client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["total"] == 0
    add_participant(client, token, "two@example.org")
    assert app.extensions["registry"].outbox.drain().delivered == 0


def test_registration_rejects_bad_urls_and_events(setup):
    env = setup()
    app, token = env.app, env.token
    client = app.test_client()
    cases = [
        ({"url": "ftp://example.org/x", "events": ["participant.created"]}, "url"),
        ({"url": "http://example.org/x", "events": ["participant.created"]}, "url"),
        ({"url": "https://example.org/x", "events": ["participant.exploded"]}, "events"),
        ({"url": "https://example.org/x", "events": []}, "events"),
        ({"url": "https://example.org/x", "events": ["participant.created"], "x": 1}, "x"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/webhooks", json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], response.get_json()
    types = client.get("/api/v1/webhooks/event-types", headers=bearer(token)).get_json()
    assert "participant.created" in types["items"]


def test_scope_and_roles(setup):
    env = setup()
    app, factory, org = env.app, env.factory, env.org
    client = app.test_client()
    no_scope = factory.client_token(org, "participants:write")
    assert client.get("/api/v1/webhooks", headers=bearer(no_scope)).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401
    manager = factory.account(role="program_admin", org=org)
    manager_token = factory.token(manager, "webhooks:write")
    created = client.post("/api/v1/webhooks", headers=bearer(manager_token), json={
        "url": "https://example.org/hook", "events": ["participant.created"]})
    assert created.status_code == 201
    assert created.get_json()["organization_id"] == org.id


def test_production_refuses_private_and_plain_http_urls():
    from registry_adapters.webhooks.services import url_problem

    for url in ("http://127.0.0.1:8000/h", "https://127.0.0.1/h", "https://10.1.2.3/h",
                "https://[::1]/h", "https://169.254.169.254/latest", "https://localhost/h",
                "https://192.168.1.5/h", "https://user:pw@example.org/h"):
        assert url_problem(url, production=True, resolve=False), url
    assert url_problem("https://93.184.216.34/h", production=True, resolve=False) is None
    assert url_problem("https://hooks.example.org/h", production=True, resolve=False) is None
    assert url_problem("http://localhost:8080/h", production=False) is None
    assert url_problem("http://192.168.1.5/h", production=False)


def test_secret_is_not_stored_in_clear(setup):
    from registry_adapters.webhooks.models import WebhookEndpoint

    env = setup()
    app, token = env.app, env.token
    created = register(app.test_client(), token, "https://example.org/hook")
    secret_raw = base64.b64decode(created["secret"][6:])
    registry = app.extensions["registry"]
    with registry.sessions() as session:
        row = session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == created["id"]))
        dump = json.dumps({c.name: repr(getattr(row, c.name)) for c in row.__table__.columns})
        assert created["secret"] not in dump
        assert secret_raw not in row.secret_wrapped
        assert created["secret"][6:] not in dump


def test_enrollment_events_go_to_the_sponsor_of_the_event(make_app, receiver):
    """With training on, enrollment.created reaches the sponsor running the event only."""
    from datetime import UTC, datetime, timedelta

    app = make_app(plugins=["training", "webhooks"])
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Sponsor")
    employer = factory.org(kind="employer_center", name="Center")
    token = factory.client_token(sponsor, "webhooks:write training:write enrollments:write")
    employer_token = factory.client_token(employer, "webhooks:write")
    client = app.test_client()
    register(client, token, receiver.url + "/sponsor", ["enrollment.created"])
    register(client, employer_token, receiver.url + "/employer", ["enrollment.created"])
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Circle time", "hours": "2", "competency_area": "CDL", "language": "en"})
    assert training.status_code == 201, training.get_json()
    start = datetime.now(UTC) + timedelta(days=7)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 5,
        "visibility": "published", "online_url": "https://meet.example.org/x"})
    assert event.status_code == 201, event.get_json()
    person = factory.participant()
    enrolled = client.post(f"/api/v1/events/{event.get_json()['id']}/enrollments",
                           headers=bearer(token), json={"registry_id": person.registry_id})
    assert enrolled.status_code == 201, enrolled.get_json()
    app.extensions["registry"].outbox.drain()
    assert [r.path for r in receiver.requests] == ["/sponsor"]
    data = receiver.requests[0].json()["data"]
    assert data["registry_id"] == person.registry_id
    assert data["event_id"] == event.get_json()["id"]


def test_a_receiver_that_times_out_is_retried_and_then_delivered(setup, receiver, due):
    import time

    env = setup(plugin_sections={"webhooks": {"timeout_seconds": 0.5}})
    app, token = env.app, env.token
    client = app.test_client()
    slow = {"first": True}

    def responder(request):
        if slow.pop("first", False):
            time.sleep(1.5)
        return 200, {}

    receiver.responder = responder
    endpoint = register(client, token, receiver.url)
    add_participant(client, token)
    assert app.extensions["registry"].outbox.drain().retried == 1
    item = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert item["status"] == "retrying"
    assert "timed out" in item["last_error"].lower()
    due(app)
    assert app.extensions["registry"].outbox.drain().delivered == 1
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


def test_participant_and_employer_events_reach_only_the_organizations_concerned(setup, receiver):
    from registry_kernel.db import unit_of_work

    env = setup()
    app, factory, token = env.app, env.factory, env.token
    client = app.test_client()
    employer = factory.org(kind="employer_center", name="Center")
    employer_token = factory.client_token(employer, "webhooks:write")
    events = ["document.verified", "employment.confirmed"]
    registry = app.extensions["registry"]
    registry.event_types.update(events)  # declared by the documents and profile plugins
    register(client, token, receiver.url + "/agency", events)
    register(client, employer_token, receiver.url + "/employer", events)
    registry_id = add_participant(client, token)  # registered by the agency
    with unit_of_work(registry.sessions) as session:
        registry.emit(session, "document.verified", {"document_id": 5,
                                                     "registry_id": registry_id})
        registry.emit(session, "employment.confirmed", {
            "employment_id": 9, "organization_id": employer.id, "registry_id": registry_id})
    registry.outbox.drain()
    got = sorted((r.path, r.json()["type"]) for r in receiver.requests)
    assert got == [("/agency", "document.verified"), ("/employer", "employment.confirmed")]


def test_secret_rotation_signs_with_both_secrets_during_the_overlap(setup, receiver, due):
    """An agency rotates its secret: while its receiver is switched over, every delivery
    (retries included) carries a signature from the old and from the new secret; after the
    overlap only the new one signs, and the old one no longer verifies."""
    from registry_adapters.webhooks.models import WebhookEndpoint
    from sqlalchemy import update

    from registry_kernel.db import unit_of_work, utcnow

    env = setup()
    app, token = env.app, env.token
    client = app.test_client()
    registry = app.extensions["registry"]
    endpoint = register(client, token, receiver.url)
    old = endpoint["secret"]
    answers = iter([500, 200])
    receiver.responder = lambda r: (next(answers, 200), {})
    add_participant(client, token, "one@example.org")
    assert registry.outbox.drain().retried == 1  # a delivery in flight, signed with the old
    assert len(signatures(receiver.requests[0].headers)) == 1
    assert verify_standard_webhook(old, receiver.requests[0].headers, receiver.requests[0].body)

    rotated = client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret",
                          json={"overlap_hours": 24}, headers=bearer(token))
    assert rotated.status_code == 200, rotated.get_json()
    new = rotated.get_json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert rotated.get_json()["previous_secret_expires_at"]
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["items"][0]
    assert listed["previous_secret_expires_at"] == rotated.get_json()["previous_secret_expires_at"]
    assert "secret" not in listed

    due(app)
    assert registry.outbox.drain().delivered == 1  # the retry: both signatures, same id
    add_participant(client, token, "two@example.org")
    assert registry.outbox.drain().delivered == 1
    for request in receiver.requests[1:]:
        assert len(signatures(request.headers)) == 2
        assert verify_standard_webhook(old, request.headers, request.body)
        assert verify_standard_webhook(new, request.headers, request.body)
    assert receiver.requests[1].headers["webhook-id"] == receiver.requests[0].headers[
        "webhook-id"]

    # the overlap ends: only the new secret signs, and the old one is forgotten
    with unit_of_work(registry.sessions) as session:
        session.execute(update(WebhookEndpoint).values(
            previous_secret_expires_at=utcnow() - timedelta(seconds=1)))
    add_participant(client, token, "three@example.org")
    assert registry.outbox.drain().delivered == 1
    last = receiver.requests[-1]
    assert len(signatures(last.headers)) == 1
    assert verify_standard_webhook(new, last.headers, last.body)
    assert not verify_standard_webhook(old, last.headers, last.body)
    with registry.sessions() as session:
        row = session.get(WebhookEndpoint, endpoint["id"])
        assert row.previous_secret_wrapped is None and row.previous_secret_expires_at is None
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["items"][0]
    assert listed["previous_secret_expires_at"] is None
    assert listed["secret_rotated_at"]
    assert len(receiver.requests) == 4  # nothing lost, nothing doubled


def test_ending_the_overlap_early_and_rotating_without_overlap(setup, receiver):
    env = setup()
    app, token = env.app, env.token
    client = app.test_client()
    registry = app.extensions["registry"]
    endpoint = register(client, token, receiver.url)
    path = f"/api/v1/webhooks/{endpoint['id']}"
    assert client.delete(path + "/previous-secret", headers=bearer(token)).status_code == 409
    second = client.post(path + "/rotate-secret", json={}, headers=bearer(token)).get_json()
    assert second["previous_secret_expires_at"]  # 24 hours by default
    # a second rotation during the overlap: the first secret is retired at once
    third = client.post(path + "/rotate-secret", json={"overlap_hours": 1},
                        headers=bearer(token)).get_json()
    add_participant(client, token, "one@example.org")
    registry.outbox.drain()
    request = receiver.requests[-1]
    assert len(signatures(request.headers)) == 2
    assert verify_standard_webhook(third["secret"], request.headers, request.body)
    assert verify_standard_webhook(second["secret"], request.headers, request.body)
    assert not verify_standard_webhook(endpoint["secret"], request.headers, request.body)

    assert client.delete(path + "/previous-secret", headers=bearer(token)).status_code == 204
    add_participant(client, token, "two@example.org")
    registry.outbox.drain()
    request = receiver.requests[-1]
    assert len(signatures(request.headers)) == 1
    assert not verify_standard_webhook(second["secret"], request.headers, request.body)

    # overlap 0: the old secret stops at once (a leaked secret)
    fourth = client.post(path + "/rotate-secret", json={"overlap_hours": 0},
                         headers=bearer(token)).get_json()
    assert fourth["previous_secret_expires_at"] is None
    add_participant(client, token, "three@example.org")
    registry.outbox.drain()
    request = receiver.requests[-1]
    assert len(signatures(request.headers)) == 1
    assert verify_standard_webhook(fourth["secret"], request.headers, request.body)
    assert not verify_standard_webhook(third["secret"], request.headers, request.body)


def test_rotation_bad_input_and_other_organizations(setup):
    env = setup()
    app, factory, token = env.app, env.factory, env.token
    client = app.test_client()
    endpoint = register(client, token, "https://example.org/hook")
    path = f"/api/v1/webhooks/{endpoint['id']}/rotate-secret"
    for body in ({"overlap_hours": -1}, {"overlap_hours": 10_000}, {"overlap_hours": "x"},
                 {"overlap": 1}):
        response = client.post(path, json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    other = factory.client_token(factory.org(name="Other"), "webhooks:write")
    assert client.post(path, json={}, headers=bearer(other)).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{endpoint['id']}/previous-secret",
                         headers=bearer(other)).status_code == 404
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["items"][0]
    assert listed["secret_rotated_at"] is None  # nothing changed


def test_production_refuses_bad_urls_at_registration(setup):
    env = setup()
    app, token = env.app, env.token
    app.extensions["registry"].settings.production = True
    client = app.test_client()
    for url in ("http://hooks.example.org/h", "https://127.0.0.1/h", "https://10.0.0.7/h",
                "https://localhost:8443/h", "https://[::1]/h", "https://printer.local/h"):
        response = client.post("/api/v1/webhooks", json={
            "url": url, "events": ["participant.created"]}, headers=bearer(token))
        assert response.status_code == 422, url
        assert response.mimetype == "application/problem+json"
        assert "url" in response.get_json()["errors"], url
    assert client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["total"] == 0


def test_production_delivery_connects_to_the_address_it_checked(setup, monkeypatch, due):
    """DNS rebinding: the host name is resolved once per attempt and the connection goes to
    that vetted address; a name that resolves to a private address is refused (and retried
    later, so no event is lost)."""
    import socket

    from registry_adapters.webhooks import services

    env = setup()
    app, token = env.app, env.token
    client = app.test_client()
    registry = app.extensions["registry"]
    endpoint = register(client, token, "https://hooks.agency.example/in")
    registry.settings.production = True
    answers = {"hooks.agency.example": "10.1.2.3"}
    lookups: list[str] = []
    connections: list[tuple[str, int]] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        if address[0] in ("10.1.2.3", "93.184.216.34"):
            connections.append(address)
            raise ConnectionRefusedError("test: not really connecting")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(services.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(services.socket, "create_connection", create_connection)
    add_participant(client, token)
    assert registry.outbox.drain().retried == 1
    item = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert item["status"] == "retrying"
    assert item["last_error"] == "refused: points at a private or loopback address"
    assert connections == []  # never connected

    answers["hooks.agency.example"] = "93.184.216.34"
    due(app)
    lookups.clear()
    assert registry.outbox.drain().retried == 1
    assert lookups == ["hooks.agency.example"]  # resolved once
    assert connections == [("93.184.216.34", 443)]  # to the address that was checked
    item = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries",
                      headers=bearer(token)).get_json()["items"][0]
    assert "not really connecting" in item["last_error"]
