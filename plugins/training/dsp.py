"""Direct Service Profile (DSP) coding: the ORGCODE tables and a sponsor's settings.

ORGCODE (DOMAIN.md) = the sponsor's vendor number (Training Sponsor Information)
+ the CDE/First 5 program code, which is the county number (two digits, :data:`COUNTY_NUMBERS`)
followed by the program digit (:data:`PROGRAMS`)
+ the delivery type digit (:data:`DELIVERY_TYPES`)
+ the delivery method letter (``C`` classroom, ``O`` online: from the event)
+ the funding digit (:data:`FUNDING`).

A sponsor sets its county, default program, delivery type and funding once
(``training_dsp_settings``); a catalog entry may override program, delivery type or funding
(``training_dsp_catalog``). The program digits are *unconfirmed* (DOMAIN.md): they are this
table, in one place, to be corrected when the Consortium confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.counties import CALIFORNIA_COUNTIES, canonical_county
from registry_kernel.models import Organization

from .i18n import _
from .models import Training
from .services import Invalid
from .survey_models import DspCatalogCodes, DspSettings

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor

# program key -> (digit, label). *Unconfirmed* digits (see the module docstring).
PROGRAMS: dict[str, tuple[str, str]] = {
    "CCIP": ("1", "Child Care Initiative Project (CCIP)"),
    "RR": ("2", "Resource & Referral (R&R)"),
    "HST": ("3", "Health and Safety Training (HST)"),
    "BRIDGE": ("4", "Emergency Child Care Bridge"),
    "SF": ("5", "Strengthening Families"),
    "PHS": ("6", "PHS"),
}
DELIVERY_TYPES: dict[int, str] = {0: "Peer-to-peer", 1: "Training", 2: "Training of trainers",
                                  3: "Technical assistance", 5: "Coaching", 6: "Mentoring"}
FUNDING: dict[int, str] = {0: "CDE/First 5 funded", 8: "Fee-for-service"}
METHODS: dict[str, str] = {"C": "Classroom", "O": "Online"}
# California counties are numbered 01-58 in alphabetical order.
COUNTY_NUMBERS: dict[str, str] = {name: f"{n:02d}"
                                  for n, name in enumerate(CALIFORNIA_COUNTIES, start=1)}
DEFAULT_PROGRAM, DEFAULT_TYPE, DEFAULT_FUNDING = "RR", 1, 0


@dataclass(frozen=True)
class Codes:
    county: str | None
    program: str
    delivery_type: int
    funding: int


def orgcode(vendor_number: str | None, county: str | None, program: str, delivery_type: int,
            online: bool, funding: int) -> str:
    """The ORGCODE of one event's row; an unknown county leaves ``##`` for the number."""
    return (f"{vendor_number or ''}{COUNTY_NUMBERS.get(county or '', '##')}"
            f"{PROGRAMS.get(program, ('#',))[0]}{delivery_type}{'O' if online else 'C'}"
            f"{funding}")


def sponsor_codes(session: Session, org_id: int) -> Codes:
    """The sponsor's settings, or the defaults (its organization's county, R&R, training,
    CDE/First 5 funded)."""
    row = session.get(DspSettings, org_id)
    if row is not None:
        return Codes(row.county, row.program, row.delivery_type, row.funding)
    org = session.get(Organization, org_id)
    return Codes(canonical_county(org.county) if org and org.county else None,
                 DEFAULT_PROGRAM, DEFAULT_TYPE, DEFAULT_FUNDING)


def catalog_codes(session: Session, org_id: int) -> dict[int, DspCatalogCodes]:
    return {row.training_id: row for row in session.scalars(
        select(DspCatalogCodes).join(Training, Training.id == DspCatalogCodes.training_id)
        .where(Training.organization_id == org_id))}


def _check(program: Any, delivery_type: Any, funding: Any, prefix: str, *,
           optional: bool) -> tuple[str | None, int | None, int | None, dict[str, str]]:
    errors: dict[str, str] = {}

    def number(value: Any, allowed: dict[int, str], name: str) -> int | None:
        if value in (None, "") and optional:
            return None
        try:
            parsed = int(value)
        except (TypeError, ValueError):
            parsed = -1
        if parsed not in allowed:
            errors[prefix + name] = _("choose one of %(values)s",
                                      values=", ".join(str(k) for k in allowed))
        return parsed

    if program in (None, "") and optional:
        program = None
    elif program not in PROGRAMS:
        errors[prefix + "program"] = _("choose one of %(values)s", values=", ".join(PROGRAMS))
    return (program, number(delivery_type, DELIVERY_TYPES, "delivery_type"),
            number(funding, FUNDING, "funding"), errors)


def save_codes(session: Session, org_id: int, values: dict[str, Any],
               catalog: dict[int, dict[str, Any]], *, actor: Actor | None) -> None:
    """Set the sponsor's county, program, delivery type and funding, and each catalog entry's
    overrides (blank: the sponsor's). Everything is checked first; nothing changes on error."""
    county = (values.get("county") or "").strip()
    errors: dict[str, str] = {}
    canonical = canonical_county(county) if county else None
    if county and canonical is None:
        errors["county"] = _("not a California county")
    program, delivery_type, funding, more = _check(values.get("program"),
                                                   values.get("delivery_type"),
                                                   values.get("funding"), "", optional=False)
    errors.update(more)
    own = set(session.scalars(select(Training.id).where(Training.organization_id == org_id)))
    checked: dict[int, tuple[str | None, int | None, int | None]] = {}
    for training_id, row in catalog.items():
        if training_id not in own:
            errors[f"catalog.{training_id}"] = _("not in this sponsor's catalog")
            continue
        p, d, f, more = _check(row.get("program"), row.get("delivery_type"),
                               row.get("funding"), f"catalog.{training_id}.", optional=True)
        errors.update(more)
        checked[training_id] = (p, d, f)
    if errors:
        raise Invalid(_("the Direct Service Profile codes are not valid; nothing was changed"),
                      errors)
    settings = session.get(DspSettings, org_id)
    if settings is None:
        settings = DspSettings(organization_id=org_id)
        session.add(settings)
    settings.county, settings.program = canonical, program
    settings.delivery_type, settings.funding = delivery_type, funding
    for training_id, (p, d, f) in checked.items():
        row = session.get(DspCatalogCodes, training_id)
        if p is None and d is None and f is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = DspCatalogCodes(training_id=training_id)
            session.add(row)
        row.program, row.delivery_type, row.funding = p, d, f
    session.flush()
    audit.record(session, actor=actor, action="training.dsp.configure",
                 resource_type="organization", resource_id=org_id)
