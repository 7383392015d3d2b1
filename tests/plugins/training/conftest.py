"""Helpers for the training plugin's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from registry_kernel.testing import Factory, bearer


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
    with client.session_transaction() as session:
        session["account_id"] = account.id
        session["epoch"] = account.session_epoch
