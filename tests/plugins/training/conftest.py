"""Helpers for the training plugin's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from registry_kernel.testing import Factory, bearer, sign_in_test_client


def iso(days: float = 7, hours: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(
        microsecond=0).isoformat()


@dataclass
class Sponsor:
    factory: Factory
    org: Any
    manager: Any
    token: str

    @property
    def client(self) -> Any:
        return self.factory.app.test_client()

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    def training(self, **overrides: Any) -> dict[str, Any]:
        body = {"title": "Positive Guidance", "description": "Guiding behavior",
                "hours": "3.00", "competency_area": "RIG", "language": "en", **overrides}
        response = self.client.post("/api/v1/trainings", json=body, headers=self.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def event(self, training_id: int | None = None, **overrides: Any) -> dict[str, Any]:
        if training_id is None:
            training_id = self.training()["id"]
        body = {"training_id": training_id, "starts_at": iso(7), "ends_at": iso(7, 3),
                "capacity": 10, "location": {"address": "1200 Broadway", "city": "Oakland",
                                             "county": "Alameda", "zip": "94612"},
                **overrides}
        response = self.client.post("/api/v1/events", json=body, headers=self.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def enroll(self, event_id: int, registry_id: str) -> Any:
        return self.client.post(f"/api/v1/events/{event_id}/enrollments",
                                json={"registry_id": registry_id}, headers=self.headers)


SCOPES = "training:read training:write enrollments:write reports:read participants:read"


def make_sponsor(factory: Factory, kind: str = "training_sponsor", **kw: Any) -> Sponsor:
    org = factory.org(kind=kind, **kw)
    manager = factory.account("sponsor_manager", org=org)
    token = factory.token(manager, SCOPES, org=org)
    return Sponsor(factory, org, manager, token)


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app(plugins=["training"])


@pytest.fixture
def tf(app: Any) -> Factory:
    return Factory(app)


@pytest.fixture
def sponsor(tf: Factory) -> Sponsor:
    return make_sponsor(tf)


def sign_in(client: Any, account: Any) -> None:
    sign_in_test_client(client, account)


def client_token(factory: Factory, org: Any, scopes: str) -> str:
    """A client-credentials token of ``org`` (rows written directly, like the OAuth server)."""
    from registry_kernel.crypto import new_token, token_hash
    from registry_kernel.db import unit_of_work, utcnow
    from registry_kernel.models import OAuthClient, OAuthToken

    plaintext = new_token()
    with unit_of_work(factory.registry.sessions) as session:
        client_id = "client-" + new_token()[:12]
        session.add(OAuthClient(client_id=client_id, client_secret_hash=token_hash("x"),
                                name="Agency CRM", organization_id=org.id, scopes=scopes,
                                redirect_uris=[], grant_types=["client_credentials"]))
        session.add(OAuthToken(client_id=client_id, organization_id=org.id,
                               access_token_hash=token_hash(plaintext), scope=scopes,
                               expires_at=utcnow() + timedelta(hours=1), source="oauth"))
    return plaintext


def shift_event(factory: Factory, event_id: int, days: float) -> None:
    """Move an event in time (e.g. into the past, which the API refuses to schedule)."""
    from registry_plugins.training.models import TrainingEvent

    from registry_kernel.db import unit_of_work

    with unit_of_work(factory.registry.sessions) as session:
        event = session.get(TrainingEvent, event_id)
        event.starts_at = event.starts_at + timedelta(days=days)
        event.ends_at = event.ends_at + timedelta(days=days)


class EventLog:
    """A throw-away plugin that records domain events."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    from registry_kernel.hookspecs import hookimpl

    @hookimpl
    def domain_event(self, session: Any, registry: Any, event: Any) -> None:
        self.events.append(event)

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.type == type_]
