"""The CRM bridge + generic REST adapter against a small fake CRM (a real local HTTP server)."""

from __future__ import annotations

import base64
import json
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from registry_plugins.training.models import TrainingEvent
from sqlalchemy import func, select

from registry_kernel.cli import cli
from registry_kernel.config import ConfigError
from registry_kernel.db import unit_of_work
from registry_kernel.models import AuditEvent
from registry_kernel.testing import Factory, bearer


class FakeCrm:
    """Stores contacts by external id; OAuth2 client credentials; can fail on demand."""

    def __init__(self) -> None:
        self.contacts: dict[str, dict] = {}
        self.seen_keys: list[str] = []
        self.tokens_issued = 0
        self.fail_next = 0
        self.enrollments: list[dict] = []
        self.hours: list[dict] = []

    def __call__(self, request):
        if request.path == "/oauth/token":
            auth = base64.b64decode(request.headers["authorization"].split()[1]).decode()
            form = urllib.parse.parse_qs(request.body.decode())
            if auth != "registry:s3cret" or form["grant_type"] != ["client_credentials"]:
                return 401, {"error": "invalid_client"}
            self.tokens_issued += 1
            return 200, {"access_token": f"tok{self.tokens_issued}", "token_type": "Bearer",
                         "expires_in": 3600}
        if request.headers.get("authorization") != f"Bearer tok{self.tokens_issued}":
            return 401, {"error": "unauthorized"}
        if self.fail_next:
            self.fail_next -= 1
            return 502, {"error": "upstream"}
        if request.method == "GET" and request.path.startswith("/api/contacts/"):
            contact = self.contacts.get(request.path.rsplit("/", 1)[1])
            return (200, contact) if contact else (404, {"error": "not found"})
        body = request.json()
        self.seen_keys.append(request.headers.get("idempotency-key"))
        if request.path == "/api/contacts":
            self.contacts[body["ExternalId"]] = body  # an upsert: retries cannot double
            return 201, {"id": body["ExternalId"]}
        if request.path == "/api/enrollments":
            self.enrollments.append(body)
            return 201, {}
        if request.path == "/api/hours":
            self.hours.append(body)
            return 201, {}
        return 404, {}


def crm_config(url: str, org_slug: str) -> dict:
    return {"rest_crm": {
        "organization": org_slug, "base_url": url + "/api", "auth": "oauth2",
        "oauth2": {"token_url": url + "/oauth/token", "client_id": "registry",
                   "client_secret": "s3cret"},
        "paths": {"participant": "/contacts", "lookup": "/contacts/{registry_id}",
                  "hours": "/hours"},
        "field_map": {"participant": {"registry_id": "ExternalId", "first_name": "FirstName",
                                      "last_name": "LastName", "email": "Email"}},
    }}


@pytest.fixture
def crm(receiver):
    fake = FakeCrm()
    receiver.responder = fake
    fake.url = receiver.url
    return fake


def test_a_registered_participant_reaches_the_crm_once_despite_a_failure(make_app, crm, due):
    app = make_app(plugins=["crm", "rest_crm"],
                   plugin_sections=crm_config(crm.url, "valley-rr"))
    factory = Factory(app)
    org = factory.org(name="Valley RR", slug="valley-rr")
    other = factory.org(name="Other RR")
    token = factory.client_token(org, "participants:write")
    other_token = factory.client_token(other, "participants:write")
    client = app.test_client()
    crm.fail_next = 1
    created = client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Reyes", "email": "ana@example.org",
        "phone": "510-555-0101"})
    assert created.status_code == 201
    registry_id = created.get_json()["registry_id"]
    assert client.post("/api/v1/participants", headers=bearer(other_token), json={
        "first_name": "Bo", "last_name": "Tran", "email": "bo@example.org"}).status_code == 201

    outbox = app.extensions["registry"].outbox
    assert outbox.drain().retried == 1
    assert crm.contacts == {}
    due(app)
    assert outbox.drain().delivered == 1
    due(app)
    assert outbox.drain().delivered == 0
    # only the configured organization's participant, with the mapped field names only
    assert crm.contacts == {registry_id: {"ExternalId": registry_id, "FirstName": "Ana",
                                          "LastName": "Reyes", "Email": "ana@example.org"}}
    assert len(set(crm.seen_keys)) == 1  # the same idempotency key on the retry
    assert crm.tokens_issued == 1  # the token is reused
    with app.extensions["registry"].sessions() as session:
        reads = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.reason.like("pushed to the CRM%")))
    assert reads == 2  # each attempt decrypted (and audited) the record

    found = app.extensions["registry"].plugins.hook.crm_lookup(
        registry=app.extensions["registry"], organization_id=org.id, registry_id=registry_id)
    assert found["FirstName"] == "Ana"
    assert app.extensions["registry"].plugins.hook.crm_lookup(
        registry=app.extensions["registry"], organization_id=org.id,
        registry_id="NOPE") is None
    assert app.extensions["registry"].plugins.hook.crm_lookup(
        registry=app.extensions["registry"], organization_id=other.id,
        registry_id=registry_id) is None

    app.extensions["registry"].plugins.hook.cli_commands(cli=cli)
    result = CliRunner().invoke(cli, ["crm", "lookup", registry_id, "--org", "valley-rr"],
                                obj={"app": app})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ExternalId"] == registry_id


def test_enrollments_and_hours_are_pushed_for_the_sponsor(make_app, crm):
    app = make_app(plugins=["training", "crm", "rest_crm"],
                   plugin_sections=crm_config(crm.url, "sponsor-one"))
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Sponsor One", slug="sponsor-one")
    token = factory.client_token(sponsor, "training:write enrollments:write")
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Math talk", "hours": "2.5", "competency_area": "CDL", "language": "en"})
    start = datetime.now(UTC) + timedelta(minutes=30)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 3,
        "visibility": "published", "online_url": "https://meet.example.org/z"}).get_json()
    person = factory.participant()
    enrolled = client.post(f"/api/v1/events/{event['id']}/enrollments", headers=bearer(token),
                           json={"registry_id": person.registry_id})
    assert enrolled.status_code == 201
    with unit_of_work(app.extensions["registry"].sessions) as session:  # the event has begun
        session.get(TrainingEvent, event["id"]).starts_at = datetime.now(UTC) - timedelta(hours=1)
    attendance = client.post(f"/api/v1/events/{event['id']}/attendance", headers=bearer(token),
                             json={"records": [{"registry_id": person.registry_id,
                                                "status": "attended"}]})
    registry = app.extensions["registry"]
    registry.outbox.drain()
    assert [e["status"] for e in crm.enrollments] == ["enrolled", "attended"]
    assert crm.enrollments[0]["registry_id"] == person.registry_id
    assert crm.enrollments[0]["title"] == "Math talk"
    assert attendance.status_code == 200, attendance.get_json()
    assert [h["hours"] for h in crm.hours] == ["2.50"]
    assert crm.hours[0]["registry_id"] == person.registry_id
    assert crm.hours[0]["competency_area"] == "CDL"


def test_bad_configuration_stops_start_up(make_app):
    with pytest.raises(ConfigError, match="oauth2"):
        make_app(plugins=["crm", "rest_crm"], plugin_sections={"rest_crm": {
            "organization": "x", "base_url": "https://crm.example.org", "auth": "oauth2"}})
    with pytest.raises(ConfigError, match="unknown registry fields"):
        make_app(plugins=["crm", "rest_crm"], plugin_sections={"rest_crm": {
            "organization": "x", "base_url": "https://crm.example.org",
            "field_map": {"participant": {"ssn": "SSN"}}}})
    with pytest.raises(ConfigError, match="requires crm"):
        make_app(plugins=["rest_crm"])


def test_api_key_auth(make_app, receiver):
    seen = []

    def responder(request):
        seen.append(request)
        return (200, {}) if request.headers.get("x-crm-key") == "k123" else (403, {})

    receiver.responder = responder
    app = make_app(plugins=["crm", "rest_crm"], plugin_sections={"rest_crm": {
        "organization": "keyed", "base_url": receiver.url, "auth": "api_key",
        "api_key_header": "X-CRM-Key", "api_key": "k123"}})
    factory = Factory(app)
    org = factory.org(name="Keyed", slug="keyed")
    token = factory.client_token(org, "participants:write")
    assert app.test_client().post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Cy", "last_name": "Ng", "email": "cy@example.org"}).status_code == 201
    assert app.extensions["registry"].outbox.drain().delivered == 1
    assert seen[0].path == "/participants"
    assert seen[0].json()["first_name"] == "Cy"  # the default mapping keeps registry names
