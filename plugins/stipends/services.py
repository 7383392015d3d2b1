"""Stipend programs, applications, review and payments: plain functions over a session.

Decisions documented here (see also the plugin README in ``__init__``):

* An ineligible application is **not stored**: applying answers 422 with every unmet rule
  (``unmet``: rule key and message) and nothing changes, so the person can fix their records
  (ask the employer to confirm a job, upload a transcript) and apply again within the window.
* The taxpayer ID (SSN or, where the program allows, ITIN) is sealed with the applicant's data
  key; only its blind index (HMAC) is stored beside it, used to refuse a second application to
  the same program under another profile. It is shown masked (``***-**-6789``); every opening
  of it by someone other than its owner is audited.
* The employer's funding types (CSPP, CCTR, ...) are not registry data: the applicant declares
  them and staff check them during review.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry_kernel import audit, clock, counties
from registry_kernel.app import MAX_DATABASE_INT
from registry_kernel.clock import local_today
from registry_kernel.db import utcnow
from registry_kernel.models import Organization, Participant

from .eligibility import FUNDING_TYPES, N_, Result, Rules, evaluate, gather_facts, unmet
from .models import Application, Note, Payment, Program

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

PLUGIN = "stipends"
TABLE = "stipends_applications"
STATUSES = ("submitted", "documents_requested", "approved", "denied")
MONEY = Decimal("0.01")


class StipendError(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None,
                 errors: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors, self.extra = (
            status, title, detail, errors, extra)
        self.results: list[Result] = []


def not_found(what: str = "stipend program") -> StipendError:
    return StipendError(404, "Not Found", f"no such {what}")


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(MONEY))


def _messages(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "body"
        out.setdefault(key, error["msg"].removeprefix("Value error, "))
    return out


# --- programs ----------------------------------------------------------------------------------

class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    label: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(ge=0, le=100000, decimal_places=2)
    rules: Rules = Field(default_factory=Rules)

    @field_validator("rules", mode="after")
    @classmethod
    def _vocab(cls, rules: Rules) -> Rules:
        check_vocabulary(rules)
        return rules


class ProgramData(BaseModel):
    """What a county administrator sets on a program (API body and web form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    funding_year: str = Field(min_length=4, max_length=16, pattern=r"^\d{4}(-\d{2,4})?$")
    opens_on: date
    closes_on: date
    amount: Decimal | None = Field(None, ge=0, le=100000, decimal_places=2)
    tiers: list[Tier] = Field(default_factory=list, max_length=20)
    rules: Rules = Field(default_factory=Rules)
    allow_itin: bool = True
    allow_payroll: bool = False

    @model_validator(mode="after")
    def _check(self) -> ProgramData:
        if self.closes_on < self.opens_on:
            raise ValueError("the application window must not close before it opens")
        if (self.amount is None) == (not self.tiers):
            raise ValueError("give either a fixed amount or tiers, not both")
        keys = [t.key for t in self.tiers]
        if len(set(keys)) != len(keys):
            raise ValueError("tier keys must be unique")
        return self

    @field_validator("rules", mode="after")
    @classmethod
    def _vocab(cls, rules: Rules) -> Rules:
        check_vocabulary(rules)
        return rules


def check_vocabulary(rules: Rules) -> None:
    from registry_plugins.documents.services import PERMIT_LEVELS
    from registry_plugins.profile.services import ROLE_CATEGORIES

    for name, values, allowed in (("permit_levels", rules.permit_levels, tuple(PERMIT_LEVELS)),
                                  ("role_categories", rules.role_categories, ROLE_CATEGORIES),
                                  ("funding_types", rules.funding_types, FUNDING_TYPES)):
        bad = [v for v in values or [] if v not in allowed]
        if bad:
            raise ValueError(f"{name}: unknown {', '.join(bad)} (allowed: {', '.join(allowed)})")


def parse_program(data: dict[str, Any]) -> ProgramData:
    try:
        return ProgramData.model_validate(data)
    except ValidationError as exc:
        raise StipendError(422, "Unprocessable Entity", "the program is not valid",
                           _messages(exc)) from exc


def county_orgs(session: Session, actor: Actor) -> list[Organization]:
    """The county organizations the actor administers (county_admin role)."""
    ids = actor.org_ids_for("county_admin")
    if actor.organization_id is not None:
        ids &= {actor.organization_id}
    if not ids:
        return []
    return list(session.scalars(select(Organization).where(
        Organization.id.in_(ids), Organization.kind == "county").order_by(Organization.name)))


def create_program(session: Session, registry: Registry, actor: Actor, data: ProgramData, *,
                   organization_id: int | None = None) -> Program:
    orgs = county_orgs(session, actor)
    if organization_id is not None:
        orgs = [o for o in orgs if o.id == organization_id]
    if not orgs:
        raise StipendError(403, "Forbidden", "only a county administrator defines programs")
    if len(orgs) > 1:
        raise StipendError(422, "Unprocessable Entity", "say which county",
                           {"organization_id": "you administer several counties"})
    org = orgs[0]
    if not org.county or not counties.is_active(session, registry, PLUGIN, org.county):
        raise StipendError(409, "Conflict",
                           f"stipends are not switched on for {org.county} County")
    program = Program(organization_id=org.id, county=org.county,
                      created_by_account_id=actor.account_id)
    _apply_data(program, data)
    session.add(program)
    session.flush()
    audit.record(session, actor=actor, action="stipends.program_create",
                 resource_type="stipend_program", resource_id=program.id)
    return program


def _apply_data(program: Program, data: ProgramData) -> None:
    program.name = data.name
    program.description = data.description
    program.funding_year = data.funding_year
    program.opens_on, program.closes_on = data.opens_on, data.closes_on
    program.amount = data.amount
    program.tiers = [t.model_dump(mode="json", exclude_none=True) for t in data.tiers]
    program.rules = data.rules.model_dump(mode="json", exclude_none=True)
    program.allow_itin = data.allow_itin
    program.allow_payroll = data.allow_payroll


def update_program(session: Session, actor: Actor, program: Program, data: ProgramData) -> Program:
    _apply_data(program, data)
    session.flush()
    audit.record(session, actor=actor, action="stipends.program_update",
                 resource_type="stipend_program", resource_id=program.id)
    return program


def admin_program(session: Session, actor: Actor, program_id: int) -> Program:
    """The program, if the actor administers its county; else 404 (existence not leaked)."""
    program = session.get(Program, program_id)
    if program is None or not (actor.is_superuser
                               or actor.has_role("county_admin", program.organization_id)):
        raise not_found()
    if actor.organization_id is not None and actor.organization_id != program.organization_id \
            and not actor.is_superuser:
        raise not_found()
    return program


def admin_programs(session: Session, actor: Actor) -> list[Program]:
    ids = [o.id for o in county_orgs(session, actor)]
    if not ids:
        return []
    return list(session.scalars(select(Program).where(Program.organization_id.in_(ids))
                                .order_by(Program.closes_on.desc(), Program.id.desc())))


def is_open(program: Program, today: date) -> bool:
    return program.opens_on <= today <= program.closes_on


def open_programs(session: Session, registry: Registry, today: date, *,
                  county: str | None = None) -> list[Program]:
    query = select(Program).where(Program.opens_on <= today, Program.closes_on >= today)
    if county is not None:
        query = query.where(Program.county == county)
    programs = list(session.scalars(query.order_by(Program.closes_on, Program.id)))
    active: dict[str, bool] = {}
    out = []
    for program in programs:
        if program.county not in active:
            active[program.county] = counties.is_active(session, registry, PLUGIN,
                                                        program.county)
        if active[program.county]:
            out.append(program)
    return out


def program_json(program: Program, today: date | None = None) -> dict[str, Any]:
    return {"id": program.id, "county": program.county, "name": program.name,
            "description": program.description, "funding_year": program.funding_year,
            "opens_on": program.opens_on.isoformat(), "closes_on": program.closes_on.isoformat(),
            "open": is_open(program, today) if today else None,
            "amount": money(program.amount),
            "tiers": [{"key": t["key"], "label": t["label"], "amount": money(Decimal(t["amount"])),
                       "rules": t.get("rules", {})} for t in program.tiers or []],
            "rules": program.rules or {}, "allow_itin": program.allow_itin,
            "allow_payroll": program.allow_payroll}


# --- taxpayer IDs ------------------------------------------------------------------------------

_TIN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")


def normalize_tin(kind: str, text: str) -> str:
    """The nine digits of a well-formed SSN or ITIN; ValueError (no digits echoed) if not."""
    match = _TIN.match((text or "").strip())
    if kind not in ("ssn", "itin"):
        raise ValueError("tin_kind must be ssn or itin")
    if match is None:
        raise ValueError(N_("must be nine digits, as 123-45-6789"))
    area, group, serial = match.groups()
    if kind == "ssn":
        if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
            raise ValueError(N_("is not a valid Social Security number"))
    else:
        middle = int(group)
        if not area.startswith("9") or not (50 <= middle <= 65 or 70 <= middle <= 88
                                            or 90 <= middle <= 92 or 94 <= middle <= 99):
            raise ValueError(N_("is not a valid ITIN (9XX-7X-XXXX and similar)"))
    return area + group + serial


def mask(digits: str | None) -> str | None:
    return None if not digits else f"***-**-{digits[-4:]}"


def open_tin(session: Session, registry: Registry, application: Application) -> str | None:
    return registry.vault.open(session, application.participant_id, TABLE, "tin",
                               str(application.id), application.tin_enc)


def masked_tin(session: Session, registry: Registry, application: Application, *,
               actor: Actor | None, reason: str) -> str | None:
    """The masked taxpayer ID; audited when someone other than the owner reads it."""
    if application.tin_enc is None:
        return None
    value = mask(open_tin(session, registry, application))
    if actor is None or actor.participant_id != application.participant_id:
        audit.record(session, actor=actor, action="stipends.tin_read",
                     subject_participant_id=application.participant_id,
                     resource_type="stipend_application", resource_id=application.id,
                     fields=["tin"], reason=reason)
    return value


# --- applying ----------------------------------------------------------------------------------

class ApplicationData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    program_id: int
    tin_kind: str = Field("ssn", pattern=r"^(ssn|itin|payroll)$")
    tin: str | None = Field(None, max_length=11)
    tier: str | None = Field(None, max_length=40)
    funding_types: list[str] = Field(default_factory=list, max_length=len(FUNDING_TYPES))

    @field_validator("funding_types")
    @classmethod
    def _funding(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if v not in FUNDING_TYPES]
        if bad:
            raise ValueError(f"unknown funding type(s); allowed: {', '.join(FUNDING_TYPES)}")
        return sorted(set(values))


def check_eligibility(session: Session, registry: Registry, program: Program,
                      participant_id: str, *, tier: dict[str, Any] | None = None,
                      funding_types: list[str] | None = None,
                      today: date, facts: Any = None) -> list[Result]:
    facts = facts or gather_facts(session, registry, participant_id, program.county,
                                  today=today, funding_types=funding_types)
    results = evaluate(program.rules or {}, facts)
    if tier is not None:
        results += [Result(f"tier.{r.rule}", r.met, r.message, r.template, r.values)
                    for r in evaluate(tier.get("rules") or {}, facts)]
    for found in registry.plugins.collect("stipend_eligibility", session=session,
                                          registry=registry, program=program,
                                          participant_id=participant_id, facts=facts):
        results += found if isinstance(found, list) else [found]
    return results


def _tier(program: Program, key: str | None) -> dict[str, Any] | None:
    if not program.tiers:
        if key is not None:
            raise StipendError(422, "Unprocessable Entity", "this program has no tiers",
                               {"tier": "this program pays a fixed amount"})
        return None
    for tier in program.tiers:
        if tier["key"] == key:
            return tier
    raise StipendError(422, "Unprocessable Entity", "choose a tier",
                       {"tier": "one of " + ", ".join(t["key"] for t in program.tiers)})


def apply(session: Session, registry: Registry, participant: Participant,
          data: ApplicationData, *, today: date) -> Application:
    program = session.get(Program, data.program_id)
    if program is None or not counties.is_active(session, registry, PLUGIN, program.county):
        raise not_found()
    if not is_open(program, today):
        raise StipendError(422, "Unprocessable Entity",
                           f"applications are accepted from {program.opens_on.isoformat()} to "
                           f"{program.closes_on.isoformat()}",
                           {"program_id": N_("the application window is closed")})
    if data.tin_kind == "itin" and not program.allow_itin:
        raise StipendError(422, "Unprocessable Entity", "this program needs an SSN",
                           {"tin_kind": N_("this program does not accept an ITIN")})
    digits: str | None = None
    if data.tin_kind == "payroll":
        if not program.allow_payroll:
            raise StipendError(422, "Unprocessable Entity", "this program needs a taxpayer ID",
                               {"tin_kind": N_("this program does not pay through employers' "
                                               "payroll")})
    else:
        try:
            digits = normalize_tin(data.tin_kind, data.tin or "")
        except ValueError as exc:
            raise StipendError(422, "Unprocessable Entity", "the taxpayer ID is not valid",
                               {"tin": str(exc)}) from None
    tier = _tier(program, data.tier)
    if session.scalar(select(Application.id).where(
            Application.program_id == program.id,
            Application.participant_id == participant.id)) is not None:
        raise StipendError(409, "Conflict", N_("you have already applied to this program"))
    index = registry.vault.index.ssn(digits) if digits else None
    if index and session.scalar(select(Application.id).where(
            Application.program_id == program.id, Application.tin_index == index)) is not None:
        raise StipendError(409, "Conflict",
                           "an application with this taxpayer ID already exists for this "
                           "program; contact the county if this is a mistake")
    facts = gather_facts(session, registry, participant.id, program.county, today=today,
                         funding_types=data.funding_types)
    results = check_eligibility(session, registry, program, participant.id, tier=tier,
                                today=today, facts=facts)
    main_job = max(facts.jobs, key=lambda j: (j.hours_per_week or 0, j.months), default=None)
    missing = unmet(results)
    if missing:
        error = StipendError(422, "Not eligible",
                             "you do not meet every eligibility rule of this program yet",
                             {r.rule: r.message for r in missing},
                             unmet=[r.as_json() for r in missing])
        error.results = missing  # for pages that show them in the reader's language
        raise error
    if data.tin_kind == "payroll" and main_job is None:
        raise StipendError(422, "Unprocessable Entity", "no employer to pay through",
                           {"tin_kind": N_("paying through your employer's payroll needs a "
                                           "confirmed current job in the county")})
    application = Application(
        program_id=program.id, participant_id=participant.id, status="submitted",
        tier=tier["key"] if tier else None,
        amount=Decimal(tier["amount"]) if tier else program.amount,
        funding_types=data.funding_types, tin_kind=data.tin_kind, tin_index=index,
        employer_id=main_job.employer_id if main_job else None,
        role_category=main_job.role_category if main_job else None,
        eligibility=[r.as_json() for r in results])
    session.add(application)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise StipendError(409, "Conflict", N_("you have already applied to this program")) from None
    application.tin_enc = registry.vault.seal(session, participant.id, TABLE, "tin",
                                              str(application.id), digits)
    session.flush()
    _mail(session, registry, participant.id, f"Stipend application received: {program.name}",
          f"We received your application to {program.name} ({program.county} County). "
          "County staff will review it; you can follow its status on the registry.")
    registry.emit(session, "stipend_application.submitted",
                  {"registry_id": participant.registry_id, "application_id": application.id})
    return application


def my_applications(session: Session, participant_id: str) -> list[Application]:
    return list(session.scalars(select(Application).where(
        Application.participant_id == participant_id).order_by(Application.id.desc())))


def application_json(session: Session, application: Application, *,
                     tin_masked: str | None = None, notes: bool = False,
                     staff: bool = False) -> dict[str, Any]:
    program = session.get(Program, application.program_id)
    payment = session.scalar(select(Payment).where(Payment.application_id == application.id))
    out: dict[str, Any] = {
        "id": application.id, "program_id": application.program_id,
        "program_name": program.name if program else None,
        "status": application.status, "tier": application.tier,
        "amount": money(application.amount), "funding_types": application.funding_types,
        "tin_kind": application.tin_kind, "eligibility": application.eligibility,
        "decision_reason": application.decision_reason,
        "decided_at": application.decided_at.isoformat() if application.decided_at else None,
        "submitted_at": application.submitted_at.isoformat(),
        "payment": payment_json(payment) if payment else None,
    }
    if tin_masked is not None:
        out["tin_masked"] = tin_masked
    if notes:
        rows = session.scalars(select(Note).where(Note.application_id == application.id)
                               .order_by(Note.id))
        out["notes"] = [{"id": n.id, "kind": n.kind, "text": n.text,
                         "created_at": n.created_at.isoformat()}
                        for n in rows if staff or n.kind == "request_documents"]
    return out


def payment_json(payment: Payment) -> dict[str, Any]:
    return {"id": payment.id, "amount": money(payment.amount), "status": payment.status,
            "paid_on": payment.paid_on.isoformat() if payment.paid_on else None}


# --- review ------------------------------------------------------------------------------------

def applications_query(program: Program, status: str | None = None) -> Any:
    query = select(Application).where(Application.program_id == program.id)
    if status:
        query = query.where(Application.status == status)
    return query.order_by(Application.submitted_at, Application.id)


def admin_application(session: Session, actor: Actor, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None:
        raise not_found("stipend application")
    try:
        admin_program(session, actor, application.program_id)
    except StipendError:
        raise not_found("stipend application") from None
    return application


def applicant_name(session: Session, registry: Registry, actor: Actor,
                   application: Application) -> dict[str, Any]:
    from registry_kernel.participants import personal_data

    participant = session.get(Participant, application.participant_id)
    if participant is None:
        return {"registry_id": None, "name": None}
    data = personal_data(session, registry, participant, actor=actor,
                         fields=("first_name", "last_name"), reason="stipend review")
    return {"registry_id": participant.registry_id,
            "name": " ".join(p for p in (data.first_name, data.last_name) if p)}


def add_note(session: Session, registry: Registry, actor: Actor, application: Application,
             kind: str, text: str) -> Note:
    if kind not in ("note", "request_documents"):
        raise StipendError(422, "Unprocessable Entity", "unknown note kind",
                           {"kind": "note or request_documents"})
    if application.status in ("approved", "denied") and kind == "request_documents":
        raise StipendError(409, "Conflict", "the application is already decided")
    note = Note(application_id=application.id, kind=kind, text=text,
                author_account_id=actor.account_id)
    session.add(note)
    if kind == "request_documents":
        application.status = "documents_requested"
        program = session.get(Program, application.program_id)
        _mail(session, registry, application.participant_id,
              f"More documents needed: {program.name}",
              f"County staff reviewing your application to {program.name} ask for more "
              f"documents:\n\n{text}\n\nUpload them on the registry; staff will see them once "
              "they are verified.")
    session.flush()
    audit.record(session, actor=actor, action=f"stipends.{kind}",
                 subject_participant_id=application.participant_id,
                 resource_type="stipend_application", resource_id=application.id)
    return note


def decide(session: Session, registry: Registry, actor: Actor, application: Application,
           decision: str, reason: str) -> Application:
    if decision not in ("approve", "deny"):
        raise StipendError(422, "Unprocessable Entity", "unknown decision",
                           {"decision": "approve or deny"})
    if not reason or not reason.strip():
        raise StipendError(422, "Unprocessable Entity", "a decision needs a reason",
                           {"reason": N_("give the reason for the decision")})
    if application.status in ("approved", "denied"):
        raise StipendError(409, "Conflict", f"the application is already {application.status}")
    program = session.get(Program, application.program_id)
    application.status = "approved" if decision == "approve" else "denied"
    application.decision_reason = reason.strip()
    application.decided_at = utcnow()
    application.decided_by_account_id = actor.account_id
    if decision == "approve":
        session.add(Payment(application_id=application.id, amount=application.amount,
                            status="pending"))
        _mail(session, registry, application.participant_id,
              f"Stipend approved: {program.name}",
              f"Your application to {program.name} was approved for "
              f"${money(application.amount)}.\n\n{application.decision_reason}")
    else:
        _mail(session, registry, application.participant_id,
              f"Stipend application denied: {program.name}",
              f"Your application to {program.name} was not approved.\n\nReason: "
              f"{application.decision_reason}")
    session.flush()
    audit.record(session, actor=actor, action=f"stipends.{decision}",
                 subject_participant_id=application.participant_id,
                 resource_type="stipend_application", resource_id=application.id,
                 reason=application.decision_reason)
    registry.emit(session, "stipend_application.decided", {"application_id": application.id})
    return application


def mark_paid(session: Session, registry: Registry, actor: Actor, payment: Payment,
              paid_on: date) -> Payment:
    if payment.status == "paid":
        raise StipendError(409, "Conflict", "the payment is already marked paid")
    payment.status, payment.paid_on = "paid", paid_on
    application = session.get(Application, payment.application_id)
    program = session.get(Program, application.program_id)
    session.flush()
    audit.record(session, actor=actor, action="stipends.paid",
                 subject_participant_id=application.participant_id,
                 resource_type="stipend_payment", resource_id=payment.id)
    _mail(session, registry, application.participant_id, f"Stipend paid: {program.name}",
          f"Your stipend of ${money(payment.amount)} from {program.name} was paid on "
          f"{paid_on.isoformat()}.")
    return payment


def admin_payment(session: Session, actor: Actor, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise not_found("stipend payment")
    try:
        admin_application(session, actor, payment.application_id)
    except StipendError:
        raise not_found("stipend payment") from None
    return payment


def payment_rows(session: Session, registry: Registry, actor: Actor,
                 params: dict[str, Any]) -> Any:
    """The ``stipend-payments`` report: approved awards of the actor's counties, masked IDs."""
    from registry_kernel.participants import personal_data

    for program in admin_programs(session, actor) if not actor.is_superuser else \
            list(session.scalars(select(Program).order_by(Program.id))):
        rows = session.execute(
            select(Payment, Application).join(Application,
                                              Application.id == Payment.application_id)
            .where(Application.program_id == program.id).order_by(Payment.id)).all()
        for payment, application in rows:
            created = payment.created_at.astimezone(clock.current_zone()).date()
            if params.get("from") and created < params["from"]:
                continue
            if params.get("to") and created > params["to"]:
                continue
            participant = session.get(Participant, application.participant_id)
            data = personal_data(session, registry, participant, actor=actor,
                                 fields=("first_name", "last_name"), reason="stipend payments")
            yield (payment.id, program.name, program.funding_year, participant.registry_id,
                   data.first_name or "", data.last_name or "", application.tin_kind,
                   masked_tin(session, registry, application, actor=actor,
                              reason="stipend payment export") or "",
                   application.tier or "", float(payment.amount), payment.status,
                   payment.paid_on.isoformat() if payment.paid_on else "",
                   _employer_name(session, application.employer_id)
                   if application.tin_kind == "payroll" else "")


def _employer_name(session: Session, organization_id: int | None) -> str:
    org = session.get(Organization, organization_id) if organization_id else None
    return org.name if org else ""


def payments_of(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Payments of the actor's counties for the staff page: ids, amounts and status only (no
    name, no taxpayer ID, so nothing personal is read)."""
    out = []
    for program in admin_programs(session, actor):
        rows = session.execute(
            select(Payment, Application, Participant.registry_id)
            .join(Application, Application.id == Payment.application_id)
            .join(Participant, Participant.id == Application.participant_id)
            .where(Application.program_id == program.id).order_by(Payment.id)).all()
        out += [{**payment_json(payment), "program": program.name,
                 "application_id": application.id, "registry_id": registry_id,
                 "tier": application.tier} for payment, application, registry_id in rows]
    return sorted(out, key=lambda p: p["id"])


PAYMENT_COLUMNS = ("payment_id", "program", "funding_year", "registry_id", "first_name",
                   "last_name", "tin_kind", "tin_masked", "tier", "amount", "status", "paid_on",
                   "pay_through_employer")


# --- mail and whole-record hooks ---------------------------------------------------------------

def _mail(session: Session, registry: Registry, participant_id: str, subject: str,
          text: str) -> None:
    from registry_kernel.mail import send_mail
    from registry_kernel.participants import personal_data

    participant = session.get(Participant, participant_id)
    if participant is None or participant.status != "active":
        return
    email = personal_data(session, registry, participant, fields=("email",)).email
    if email:
        send_mail(session, registry, participant_id=participant_id, to=email, subject=subject,
                  text=text)


def export(session: Session, registry: Registry, participant_id: str) -> dict[str, Any]:
    """The participant's applications (never the taxpayer ID) and pathways for their record
    export."""
    from .pathways import my_pathways, pathway_json

    today = local_today(registry)
    return {"applications": [application_json(session, a, notes=True) for a in
                             my_applications(session, participant_id)],
            "pathways": [pathway_json(session, registry, p, today=today)
                         for p in my_pathways(session, participant_id)]}


def erase(session: Session, participant_id: str) -> None:
    """The data key is gone: drop the sealed ID and its index, staff notes and pathways; keep
    anonymous award amounts."""
    from .pathways import erase_pathways

    erase_pathways(session, participant_id)
    for application in my_applications(session, participant_id):
        application.tin_enc = None
        application.tin_index = None
        for note in session.scalars(select(Note).where(Note.application_id == application.id)):
            session.delete(note)
    session.flush()


def _merge_rank(session: Session, application: Application) -> tuple[int, int, int]:
    payment = session.scalar(select(Payment).where(Payment.application_id == application.id))
    status_rank = {"approved": 3, "documents_requested": 2, "submitted": 2, "denied": 1}
    return (int(payment is not None and payment.status == "paid"), int(payment is not None),
            status_rank.get(application.status, 0))


def merge(session: Session, registry: Registry, survivor_id: str, merged_id: str) -> None:
    """Move the merged profile's applications and pathways to the survivor.

    The taxpayer ID is opened with the merged profile's data key (destroyed right after the
    merge) and sealed again under the survivor's, bound to the same row; its blind index does
    not depend on the owner, so it stays as it is and duplicates are still refused. Where both
    profiles applied to one program, the application further along is kept (a paid or pending
    payment first, then the status; the survivor's on a tie) and the other is deleted, audited.
    """
    survivor_apps = {a.program_id: a for a in my_applications(session, survivor_id)}
    for application in my_applications(session, merged_id):
        other = survivor_apps.get(application.program_id)
        if other is not None:
            if _merge_rank(session, application) > _merge_rank(session, other):
                application, other = other, application  # the survivor's own one goes
            from .pathways import pathway_of

            plan = pathway_of(session, application.id)
            if plan is not None and pathway_of(session, other.id) is None:
                plan.application_id = other.id  # the plan follows the kept award
                session.flush()
            audit.record(session, actor=None, action="stipends.merge_drop",
                         subject_participant_id=survivor_id,
                         resource_type="stipend_application", resource_id=application.id,
                         reason=f"duplicate of application {other.id} after a profile merge")
            session.delete(application)
            session.flush()
            if other.participant_id == survivor_id:
                continue
            application = other
        digits = open_tin(session, registry, application) if application.tin_enc else None
        application.participant_id = survivor_id
        application.tin_enc = registry.vault.seal(session, survivor_id, TABLE, "tin",
                                                  str(application.id), digits)
        survivor_apps[application.program_id] = application
    from .pathways import merge_pathways

    merge_pathways(session, survivor_id, merged_id)
    session.flush()


def visible_programs_for(session: Session, registry: Registry, participant: Participant,
                         today: date) -> list[Program]:
    """Open programs in the participant's county (the home page and the participant page)."""
    if not participant.county:
        return []
    return open_programs(session, registry, today, county=participant.county)


def program_for_public(session: Session, registry: Registry, program_id: int) -> Program:
    program = session.get(Program, program_id)
    if program is None or not counties.is_active(session, registry, PLUGIN, program.county):
        raise not_found()
    return program


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- the payment system's return file ----------------------------------------------------------

def read_return_file(data: bytes) -> list[dict[str, Any]]:
    """Rows of a return file (.xlsx or .csv) with columns ``payment_id``, ``paid_on`` and
    optionally ``amount``; each row carries its line number as ``_row``."""
    import csv
    import io

    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            table = [["" if c is None else c for c in row]
                     for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:
            raise StipendError(422, "Unprocessable Entity", "the workbook cannot be read",
                               {"file": "not a readable .xlsx file"}) from exc
    else:
        try:
            table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        except UnicodeDecodeError as exc:
            raise StipendError(422, "Unprocessable Entity", "the file is not UTF-8 text",
                               {"file": "upload the .xlsx or a UTF-8 .csv"}) from exc
        except csv.Error as exc:
            raise StipendError(422, "Unprocessable Entity", "the file is not a readable CSV",
                               {"file": f"not a readable .csv ({exc})"}) from exc
    if not table:
        raise StipendError(422, "Unprocessable Entity", "the file is empty", {"file": "empty"})
    header = [str(h).strip().lower() for h in table[0]]
    missing = [c for c in ("payment_id", "paid_on") if c not in header]
    if missing:
        raise StipendError(422, "Unprocessable Entity", "columns are missing",
                           {"file": "missing column(s): " + ", ".join(missing)})
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any(str(v).strip() for v in values):
            continue
        row = {name: values[i] if i < len(values) else "" for i, name in enumerate(header)}
        row["_row"] = number
        rows.append(row)
    return rows


def apply_return_file(session: Session, registry: Registry, actor: Actor,
                      rows: list[dict[str, Any]]) -> list[Payment]:
    """Mark the listed payments paid. Every row is checked first (unknown payment, another
    county's, duplicate, already paid, bad date, amount differing); any error: nothing applied
    and 422 with one message per row."""
    errors: dict[str, str] = {}
    seen: set[int] = set()
    planned: list[tuple[Payment, date]] = []
    for row in rows:
        key = f"row {row['_row']}"
        try:
            payment_id = int(str(row.get("payment_id", "")).strip().removesuffix(".0"))
        except ValueError:
            errors[key] = "payment_id is not a number"
            continue
        if not 1 <= payment_id <= MAX_DATABASE_INT:
            errors[key] = f"no payment {payment_id} of your county"
            continue
        if payment_id in seen:
            errors[key] = f"payment {payment_id} is listed twice"
            continue
        seen.add(payment_id)
        try:
            payment = admin_payment(session, actor, payment_id)
        except StipendError:
            errors[key] = f"no payment {payment_id} of your county"
            continue
        raw = row.get("paid_on")
        try:
            paid_on = raw.date() if isinstance(raw, datetime) else \
                raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            errors[key] = "paid_on must be a date, as 2026-11-28"
            continue
        amount = str(row.get("amount", "") or "").strip()
        if amount:
            try:
                if Decimal(amount).quantize(MONEY) != Decimal(payment.amount).quantize(MONEY):
                    errors[key] = (f"amount {amount} differs from the award "
                                   f"{money(payment.amount)}")
                    continue
            except ArithmeticError:
                errors[key] = "amount is not a number"
                continue
        if payment.status == "paid":
            errors[key] = f"payment {payment_id} is already marked paid"
            continue
        planned.append((payment, paid_on))
    if not rows:
        errors["file"] = "the file lists no payments"
    if errors:
        raise StipendError(422, "Unprocessable Entity",
                           "the return file has errors; nothing was applied", errors)
    for payment, paid_on in planned:
        mark_paid(session, registry, actor, payment, paid_on)
    return [p for p, _ in planned]


def program_summary(session: Session, program: Program) -> dict[str, Any]:
    """Counts by status and totals awarded and paid (no personal data)."""
    counts = dict.fromkeys(STATUSES, 0)
    awarded = paid = Decimal("0")
    groups: dict[str, dict[str, dict[str, Any]]] = {"by_tier": {}, "by_role": {}, "by_site": {}}
    sites: dict[int, str] = {}
    for application in session.scalars(applications_query(program)):
        counts[application.status] = counts.get(application.status, 0) + 1
        if application.employer_id is not None and application.employer_id not in sites:
            org = session.get(Organization, application.employer_id)
            sites[application.employer_id] = org.name if org else str(application.employer_id)
        keys = {"by_tier": application.tier or "fixed",
                "by_role": application.role_category or "unknown",
                "by_site": sites.get(application.employer_id or 0, "unknown")}
        payment = session.scalar(select(Payment).where(Payment.application_id == application.id))
        for group, key in keys.items():
            entry = groups[group].setdefault(key, {"count": 0, "awarded": Decimal(0)})
            entry["count"] += 1
            if payment is not None:
                entry["awarded"] += payment.amount
        if payment is not None:
            awarded += payment.amount
            if payment.status == "paid":
                paid += payment.amount
    return {"program_id": program.id, "counts": counts, "total": sum(counts.values()),
            "awarded": money(awarded), "paid": money(paid),
            **{group: {k: {"count": v["count"], "awarded": money(v["awarded"])}
                       for k, v in sorted(entries.items())}
               for group, entries in groups.items()}}
