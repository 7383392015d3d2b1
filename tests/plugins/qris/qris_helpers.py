"""Helpers for the qris plugin's tests: a county with QRIS on, sites, staff whose employment is
confirmed through the profile plugin and whose education is verified through the documents API
(as registry staff)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from registry_kernel import clock
from registry_kernel.testing import Factory, TestLogin, WebClient, bearer  # noqa: F401 (re-exported)

PLUGINS = ["profile", "documents", "training", "qris"]


def sample_pdf() -> bytes:
    from registry_plugins.documents.demo import sample_pdf as make

    return make("Official transcript", ["ECE 101 Child Growth and Development 3.0 A"])


CORE = ("child_growth", "child_family_community", "curriculum")


def ece_courses(total: str | Decimal, *, core: bool = True, unit_system: str = "semester"
                ) -> list[dict[str, Any]]:
    """ECE courses worth ``total`` semester units (the three core courses first)."""
    remaining = Decimal(str(total))
    courses = []
    n = 0
    if unit_system == "quarter":  # the three core courses of 4 quarter units each
        return [course(f"CHDEV {i}", Decimal(4), area=area, unit_system="quarter")
                for i, area in enumerate(CORE, 1)]
    if core:
        for area in CORE:
            units = Decimal(3) if unit_system == "semester" else Decimal(4)
            semester = units if unit_system == "semester" else (units * 2 / 3)
            if remaining < semester:
                break
            n += 1
            courses.append(course(f"CHDEV {n}", units, area=area, unit_system=unit_system))
            remaining -= semester
    while remaining > 0:
        chunk = min(remaining, Decimal(12))
        n += 1
        courses.append(course(f"ECE {100 + n}", chunk))
        remaining -= chunk
    return courses


def course(number: str, units: Decimal | str, *, area: str | None = None,
           category: str = "ece", unit_system: str = "semester", grade: str = "B",
           ge_area: str | None = None) -> dict[str, Any]:
    body = {"institution": "Laney College", "course_number": number, "title": f"Course {number}",
            "units": str(units), "unit_system": unit_system, "grade": grade,
            "completed_on": "2019-05-20", "category": category}
    if area:
        body["core_area"] = area
    if ge_area:
        body["ge_area"] = ge_area
    return body


def ge_courses(total: str | Decimal) -> list[dict[str, Any]]:
    remaining, out, n = Decimal(str(total)), [], 0
    while remaining > 0:
        chunk = min(remaining, Decimal(8))
        n += 1
        out.append(course(f"ENGL {n}", chunk, category="ge", ge_area="english"))
        remaining -= chunk
    return out


def training(hours: str | Decimal, *, days_ago: int = 30, title: str = "Workshop"
             ) -> dict[str, Any]:
    return {"sponsor": "Alameda R&R", "title": title,
            "completed_on": (clock.today() - timedelta(days=days_ago)).isoformat(),
            "hours": str(hours), "competency_area": "CDL"}


def permit(level: str) -> dict[str, Any]:
    return {"level": level, "number": f"P-{level[:6]}", "issued_on": "2022-01-01",
            "expires_on": (clock.today() + timedelta(days=700)).isoformat()}


def degree(level: str, *, ece: bool = False, accredited: bool = True) -> dict[str, Any]:
    return {"level": level, "major": "Child Development" if ece else "History",
            "ece_related": ece, "institution": "Cal State East Bay", "accredited": accredited,
            "conferred_on": "2018-06-01"}


@dataclass
class World:
    app: Any
    factory: Factory
    county_org: Any
    county_admin: Any
    center: Any
    fcc: Any
    program_admin: Any
    staff: Any
    staff_token: str
    people: dict[str, Any] = field(default_factory=dict)

    @property
    def registry(self) -> Any:
        return self.app.extensions["registry"]

    def client(self) -> Any:
        return self.app.test_client()

    def token(self, account: Any, scopes: str = "qris:read", org: Any = None) -> str:
        return self.factory.token(account, scopes, org=org)

    def scores(self, org: Any, token: str | None = None) -> Any:
        token = token or self.token(self.program_admin, org=self.center)
        return self.client().get(f"/api/v1/qris/sites/{org.slug}", headers=bearer(token))

    def element(self, org: Any, number: int, token: str | None = None) -> dict[str, Any]:
        response = self.scores(org, token or (self.token(self.staff)))
        assert response.status_code == 200, response.get_json()
        return next(e for e in response.get_json()["elements"] if e["element"] == number)

    def person(self, org: Any, role: str = "lead_teacher", *, confirm: bool = True,
               start: str = "2015-08-15", **employment: Any) -> Any:
        """A participant who reports a job at ``org`` (profile API), confirmed by its program
        administrator (profile service)."""
        account = self.factory.account("participant")
        token = self.factory.token(account, "me")
        body = {"employer_id": org.id, "position": role.replace("_", " ").title(),
                "role_category": role, "start_date": start, **employment}
        response = self.client().post("/api/v1/me/employment", json=body, headers=bearer(token))
        assert response.status_code == 201, response.get_json()
        if confirm:
            self.confirm(response.get_json()["id"], org)
        account.me_token = token
        return account

    def confirm(self, employment_id: int, org: Any) -> None:
        from registry_plugins.profile.services import confirm_employment

        from registry_kernel.auth.actor import actor_for_account
        from registry_kernel.db import unit_of_work
        from registry_kernel.models import Account, RoleGrant

        with unit_of_work(self.registry.sessions) as session:
            grant = session.query(RoleGrant).filter_by(role="program_admin",
                                                       organization_id=org.id).first()
            admin = session.get(Account, grant.account_id) if grant else None
            if admin is None:
                admin = session.get(Account, self.staff.id)
            actor = actor_for_account(session, admin,
                                      permission_roles=self.registry.permission_roles)
            confirm_employment(session, self.registry, employment_id, actor=actor,
                               confirmed=True)

    def upload(self, account: Any, type_: str = "transcript") -> str:
        response = self.client().post(
            "/api/v1/me/documents", headers=bearer(account.me_token),
            data={"type": type_, "file": (io.BytesIO(sample_pdf()), "t.pdf", "application/pdf")},
            content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def verify(self, account: Any, **records: Any) -> Any:
        """Upload a document as ``account`` and verify it as registry staff with ``records``."""
        document_id = self.upload(account)
        response = self.client().post(f"/api/v1/documents/{document_id}/verify",
                                      headers=bearer(self.staff_token), json=records)
        assert response.status_code == 200, response.get_json()
        return response


def activate(app: Any, county: str) -> None:
    from registry_kernel import counties
    from registry_kernel.db import unit_of_work

    with unit_of_work(app.extensions["registry"].sessions) as session:
        counties.activate(session, "qris", county, None)


def make_world(make_app: Any, *, active: bool = True, extra_plugins: tuple = (),
               **settings: Any) -> World:
    app = make_app(plugins=PLUGINS, extra_plugins=(TestLogin(), *extra_plugins), **settings)
    factory = Factory(app)
    county_org = factory.org(kind="county", county="Alameda", name="Alameda County")
    county_admin = factory.account("county_admin", org=county_org)
    center = factory.org(kind="employer_center", county="Alameda", name="Sunshine Center")
    fcc = factory.org(kind="employer_fcc", county="Alameda", name="Rosa Family Child Care")
    program_admin = factory.account("program_admin", org=center)
    staff = factory.account("registry_staff")
    world = World(app=app, factory=factory, county_org=county_org, county_admin=county_admin,
                  center=center, fcc=fcc, program_admin=program_admin, staff=staff,
                  staff_token=factory.token(staff, "verification qris:read"))
    if active:
        activate(app, "Alameda")
    return world
