"""Helpers for the stipends plugin's tests: a county with stipends on, a county administrator,
employers, and applicants whose employment is confirmed (profile plugin) and whose training and
permits are verified (documents API, as registry staff)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from registry_kernel import clock
from registry_kernel.testing import Factory, TestLogin, WebClient, bearer  # noqa: F401 (re-exported)

PLUGINS = ["profile", "documents", "stipends"]

def sample_pdf() -> bytes:
    from registry_plugins.documents.demo import sample_pdf as make

    return make("Training certificate", ["Health and safety 16 hours"])


def training(hours: str, *, days_ago: int = 30) -> dict[str, Any]:
    return {"sponsor": "Alameda R&R", "title": "Workshop",
            "completed_on": (clock.today() - timedelta(days=days_ago)).isoformat(),
            "hours": str(hours), "competency_area": "CDL"}


def permit(level: str) -> dict[str, Any]:
    return {"level": level, "number": f"P-{level[:6]}", "issued_on": "2022-01-01",
            "expires_on": (clock.today() + timedelta(days=700)).isoformat()}


def program_body(**overrides: Any) -> dict[str, Any]:
    today = clock.today()
    body = {"name": "Workforce Pathways", "funding_year": str(today.year),
            "opens_on": (today - timedelta(days=5)).isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
            "tiers": [{"key": "pd21", "label": "21 PD hours", "amount": "315.00",
                       "rules": {"min_training_hours": "21"}},
                      {"key": "hs16", "label": "16 health and safety hours",
                       "amount": "240.00", "rules": {"min_training_hours": "16"}}],
            "rules": {"min_hours_per_week": "20", "min_months_employed": 6,
                      "role_categories": ["teacher", "lead_teacher"],
                      "permit_levels": ["teacher", "master_teacher"]}}
    body.update(overrides)
    return body


@dataclass
class World:
    app: Any
    factory: Factory
    county_org: Any
    county_admin: Any
    admin_token: str
    center: Any
    program_admin: Any
    staff: Any
    staff_token: str

    @property
    def registry(self) -> Any:
        return self.app.extensions["registry"]

    def client(self) -> Any:
        return self.app.test_client()

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        return getattr(self.client(), method)(path, headers=bearer(self.admin_token), **kwargs)

    def program(self, **overrides: Any) -> dict[str, Any]:
        response = self.admin("post", "/api/v1/stipends/programs", json=program_body(**overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def person(self, *, role: str = "teacher", hours: str = "30", start: str = "2020-01-15",
               confirm: bool = True, employer: Any = None, permit_level: str | None = "teacher",
               training_hours: str | None = "24", county: str = "Alameda",
               **account_fields: Any) -> Any:
        account = self.factory.account("participant", county=county, **account_fields)
        token = self.factory.token(account, "me")
        account.me_token = token
        employer = employer or self.center
        response = self.client().post("/api/v1/me/employment", headers=bearer(token), json={
            "employer_id": employer.id, "position": role.title(), "role_category": role,
            "start_date": start, "hours_per_week": hours})
        assert response.status_code == 201, response.get_json()
        if confirm:
            self.confirm(response.get_json()["id"], employer)
        records: dict[str, Any] = {}
        if permit_level:
            records["permits"] = [permit(permit_level)]
        if training_hours:
            records["training"] = [training(training_hours)]
        if records:
            self.verify(account, **records)
        return account

    def confirm(self, employment_id: int, employer: Any) -> None:
        from registry_plugins.profile.services import confirm_employment

        from registry_kernel.auth.actor import actor_for_account
        from registry_kernel.db import unit_of_work
        from registry_kernel.models import Account, RoleGrant

        with unit_of_work(self.registry.sessions) as session:
            grant = session.query(RoleGrant).filter_by(role="program_admin",
                                                       organization_id=employer.id).first()
            actor = actor_for_account(session, session.get(Account, grant.account_id),
                                      permission_roles=self.registry.permission_roles)
            confirm_employment(session, self.registry, employment_id, actor=actor,
                               confirmed=True)

    def verify(self, account: Any, **records: Any) -> None:
        response = self.client().post(
            "/api/v1/me/documents", headers=bearer(account.me_token),
            data={"type": "training_certificate",
                  "file": (io.BytesIO(sample_pdf()), "t.pdf", "application/pdf")},
            content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        response = self.client().post(f"/api/v1/documents/{response.get_json()['id']}/verify",
                                      headers=bearer(self.staff_token), json=records)
        assert response.status_code == 200, response.get_json()

    def apply(self, account: Any, program_id: int, tin: str = "123-45-6789",
              **body: Any) -> Any:
        return self.client().post("/api/v1/me/stipend-applications",
                                  headers=bearer(account.me_token),
                                  json={"program_id": program_id, "tin": tin, **body})


def activate(app: Any, county: str) -> None:
    from registry_kernel import counties
    from registry_kernel.db import unit_of_work

    with unit_of_work(app.extensions["registry"].sessions) as session:
        counties.activate(session, "stipends", county, None)


def make_world(make_app: Any, *, active: bool = True, extra_plugins: tuple[Any, ...] = (),
               plugins: list[str] | None = None) -> World:
    app = make_app(plugins=plugins or PLUGINS, extra_plugins=(TestLogin(), *extra_plugins))
    factory = Factory(app)
    county_org = factory.org(kind="county", county="Alameda", name="Alameda County")
    county_admin = factory.account("county_admin", org=county_org)
    center = factory.org(kind="employer_center", county="Alameda", name="Sunshine Center")
    program_admin = factory.account("program_admin", org=center)
    staff = factory.account("registry_staff")
    world = World(app=app, factory=factory, county_org=county_org, county_admin=county_admin,
                  admin_token=factory.token(county_admin, "stipends:admin reports:read"),
                  center=center, program_admin=program_admin, staff=staff,
                  staff_token=factory.token(staff, "verification"))
    if active:
        activate(app, "Alameda")
    return world
