"""Jobs domain logic: Administrative Access, confirming employment, staff qualifications, the
verified staff report and the Job Board.

Plain functions over a SQLAlchemy session; callers commit. Employment records belong to the
profile plugin and are read and changed only through :mod:`registry_plugins.profile.services`;
verified education comes from the documents plugin's services, and training hours from the
``education_report_sections`` hook (sections keyed ``training``), each only when enabled.
Employers cannot search participants: nothing here looks people up except the staff who
reported employment at the employer's own program.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from registry_kernel import accounts as kernel_accounts
from registry_kernel import audit, clock
from registry_kernel import participants as kernel_participants
from registry_kernel.clock import local_today
from registry_kernel.counties import canonical_county
from registry_kernel.db import utcnow
from registry_kernel.extension import EnrollmentOutcome, EnrollmentRefused, TrainingOffering
from registry_kernel.mail import send_mail
from registry_kernel.models import Account, Organization, Participant, RoleGrant
from registry_kernel.read_only import side_write

from ..profile import services as profile
from .models import (
    AccessRequest,
    JobPosting,
    ProgramMinimum,
    SavedSearch,
    StaffReconfirmation,
    StaffReport,
)

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

EMPLOYER_KINDS = ("employer_center", "employer_fcc")
ROLE_CATEGORIES = profile.ROLE_CATEGORIES
AGE_GROUPS = profile.AGE_GROUPS
SCHEDULES = ("full_time", "part_time", "substitute")
PERMIT_RANK = {"assistant": 1, "associate_teacher": 2, "teacher": 3, "master_teacher": 4,
               "site_supervisor": 5, "program_director": 6}
RENEWAL_HOURS = Decimal("105.00")
MAX_LETTER_BYTES = 5 * 1024 * 1024  # the refusal says "5 MB"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_SAVED_SEARCHES = 10  # the refusal says "10"
PROGRAM_TYPES = {"employer_center": "center", "employer_fcc": "family_child_care"}


def N_(text: str) -> str:
    """Mark ``text`` for the catalog. Messages stay English in the API; pages and mails show
    them in the reader's language."""
    return text


class JobsError(Exception):
    """A refusal the API turns into problem+json and the UI into a message."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class Invalid(JobsError):
    status, title = 422, "Unprocessable Content"

    def __init__(self, errors: dict[str, str], detail: str = N_("the request has invalid fields")
                 ) -> None:
        super().__init__(detail, errors)


class NotFound(JobsError):
    status, title = 404, "Not Found"


class Conflict(JobsError):
    status, title = 409, "Conflict"


class Forbidden(JobsError):
    status, title = 403, "Forbidden"


def settings(registry: Registry) -> Any:
    from . import JobsConfig

    return registry.plugin_config("jobs") or JobsConfig()


_PYDANTIC_MESSAGES = {
    "extra_forbidden": N_("unknown field"), "missing": N_("this field is required"),
    "string_too_short": N_("this field is required"),
    "literal_error": N_("choose one of the listed values"),
    "string_too_long": N_("this is too long"), "date_parsing": N_("give a valid date"),
    "date_from_datetime_parsing": N_("give a valid date"), "date_type": N_("give a valid date"),
    "decimal_parsing": N_("give an amount in dollars, such as 22.50"),
    "decimal_type": N_("give an amount in dollars, such as 22.50"),
    "greater_than_equal": N_("give an amount from 0 to 500"),
    "less_than_equal": N_("give an amount from 0 to 500"),
    "decimal_max_places": N_("give at most 2 decimals"),
    "decimal_max_digits": N_("give an amount from 0 to 500"),
}


def _messages(exc: ValidationError) -> dict[str, str]:
    """Field -> message for a refused posting (catalog messages where pydantic's are generic,
    so a page can show them in its language)."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(body)"
        message = _PYDANTIC_MESSAGES.get(err["type"]) or err["msg"].removeprefix(
            "Value error, ")
        errors.setdefault(loc, message)
    return errors


# --- who may act for a program ----------------------------------------------------------------

def administers(actor: Actor | None, org_id: int) -> bool:
    """A program administrator of ``org_id`` (or that organization's own agency client)."""
    if actor is None:
        return False
    if actor.via == "client":
        return actor.organization_id == org_id
    if actor.organization_id is not None and actor.organization_id != org_id:
        return False  # a token bound to another organization
    return actor.is_superuser or (actor.has_role("program_admin", org_id)
                                  and actor.can("jobs.program.admin", org_id))


def admin_org_ids(actor: Actor | None) -> list[int]:
    if actor is None:
        return []
    if actor.via == "client":
        return [actor.organization_id] if actor.organization_id is not None else []
    ids = sorted(actor.org_ids_for("program_admin"))
    if actor.organization_id is not None:
        ids = [i for i in ids if i == actor.organization_id]
    return ids


def program(session: Session, org_id: int, actor: Actor | None) -> Organization:
    """The employer ``org_id`` if the actor administers it; :class:`NotFound` otherwise (so
    another program's existence does not leak)."""
    org = session.get(Organization, org_id)
    if org is None or org.kind not in EMPLOYER_KINDS or not administers(actor, org_id):
        raise NotFound(N_("no such program"))
    return org


def find_programs(session: Session, text: str) -> list[Organization]:
    """Centers and FCC homes by license number (exact) or name (contains)."""
    return profile.find_employers(session, text)


# --- Administrative Access --------------------------------------------------------------------

def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def letter_aad(participant_id: str, request_id: int) -> bytes:
    return f"jobs|access_letter|{participant_id}|{request_id}".encode()


def _norm_license(text: str | None) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


def request_access(session: Session, registry: Registry, account: Account, org_id: int | None,
                   *, actor: Actor | None, job_title: str | None = None,
                   license_number: str | None = None, letter: bytes | None = None
                   ) -> AccessRequest:
    """Ask for Administrative Access to a program, with a letter on the agency's letterhead
    (PDF, JPEG or PNG, sealed with the requester's data key) or the FCC license number."""
    errors: dict[str, str] = {}
    org = session.get(Organization, org_id) if org_id is not None else None
    if org is None or org.kind not in EMPLOYER_KINDS or not org.is_active:
        errors["organization_id"] = N_("choose a listed center or family child care home")
    license_number = " ".join((license_number or "").split()) or None
    job_title = " ".join((job_title or "").split()) or None
    if job_title and len(job_title) > 100:
        errors["job_title"] = N_("at most 100 characters")
    if license_number and len(license_number) > 32:
        errors["license_number"] = N_("at most 32 characters")
    elif license_number and org is not None and org.license_number and \
            _norm_license(license_number) != _norm_license(org.license_number):
        errors["license_number"] = N_("this is not the program's license number")
    media_type = None
    if letter:
        media_type = _sniff(letter)
        if len(letter) > MAX_LETTER_BYTES:
            errors["letter"] = N_("the file is larger than 5 MB")
        elif media_type is None:
            errors["letter"] = N_("only PDF, JPEG or PNG files are accepted")
    if not letter and not license_number and "letter" not in errors:
        message = N_("upload a letter on the agency's letterhead, or give the family child "
                     "care license number")
        errors.setdefault("letter", message)
        errors.setdefault("license_number", message)
    if errors:
        raise Invalid(errors)
    assert org is not None
    if session.scalar(select(RoleGrant.id).where(
            RoleGrant.account_id == account.id, RoleGrant.role == "program_admin",
            RoleGrant.organization_id == org.id)) is not None:
        raise Conflict(N_("you already administer this program"))
    if session.scalar(select(AccessRequest.id).where(
            AccessRequest.account_id == account.id, AccessRequest.organization_id == org.id,
            AccessRequest.status == "pending")) is not None:
        raise Conflict(N_("you already asked for access to this program; registry staff will "
                          "decide soon"))
    request = AccessRequest(account_id=account.id, participant_id=account.participant_id,
                            organization_id=org.id, job_title=job_title,
                            license_number=license_number, letter_media_type=media_type,
                            status="pending")
    session.add(request)
    session.flush()
    if letter:
        request.letter_enc = registry.vault.seal_bytes(
            session, account.participant_id, letter_aad(account.participant_id, request.id),
            letter)
    session.flush()
    audit.record(session, actor=actor, action="jobs.access.request",
                 subject_participant_id=account.participant_id, resource_type="access_request",
                 resource_id=request.id,
                 fields=[f for f, v in (("letter", letter), ("license_number", license_number),
                                        ("job_title", job_title)) if v])
    return request


def access_requests(session: Session, *, status: str | None = "pending") -> list[AccessRequest]:
    query = select(AccessRequest).order_by(AccessRequest.created_at, AccessRequest.id)
    if status is not None:
        query = query.where(AccessRequest.status == status)
    return list(session.scalars(query))


def my_access_requests(session: Session, account_id: int) -> list[AccessRequest]:
    return list(session.scalars(select(AccessRequest).where(
        AccessRequest.account_id == account_id).order_by(AccessRequest.created_at.desc())))


def get_access_request(session: Session, request_id: int, actor: Actor) -> AccessRequest:
    request = session.get(AccessRequest, request_id)
    if request is None or not actor.can("jobs.access.decide"):
        raise NotFound(N_("no such access request"))
    return request


def requester_name(session: Session, registry: Registry, request: AccessRequest, *,
                   actor: Actor) -> str:
    participant = session.get(Participant, request.participant_id)
    if participant is None:
        return ""
    data = kernel_participants.personal_data(
        session, registry, participant, actor=actor, fields=("first_name", "last_name"),
        reason=f"administrative access request {request.id}")
    return data.full_name()


def read_letter(session: Session, registry: Registry, request: AccessRequest, *,
                actor: Actor) -> tuple[bytes, str]:
    """The evidence letter (staff only), audited."""
    if request.letter_enc is None:
        raise NotFound(N_("this request has no letter"))
    data = registry.vault.open_bytes(session, request.participant_id,
                                     letter_aad(request.participant_id, request.id),
                                     request.letter_enc)
    audit.record(session, actor=actor, action="jobs.access.letter_read",
                 subject_participant_id=request.participant_id, resource_type="access_request",
                 resource_id=request.id, fields=["letter"])
    return data, request.letter_media_type or "application/octet-stream"


def _translated(language: str, text: str, **values: Any) -> str:
    """``text`` in ``language`` when Flask-Babel is set up (web, worker), else in English."""
    try:
        from flask import current_app
        from flask_babel import force_locale, gettext

        if "babel" in current_app.extensions:
            with force_locale(language):
                return gettext(text, **values)
    except (ImportError, RuntimeError):
        pass
    return text % values if values else text


def _mail_participant(session: Session, registry: Registry, participant_id: str, subject: str,
                      text: str, **values: Any) -> None:
    """Mail a participant (through the outbox) in their preferred language: ``subject`` and
    ``text`` are catalog messages, ``values`` fill their ``%(name)s`` places."""
    participant = session.get(Participant, participant_id)
    if participant is None or participant.status != "active":
        return
    email = kernel_participants.personal_data(session, registry, participant,
                                              fields=("email",)).email
    if email:
        language = participant.preferred_language or "en"
        send_mail(session, registry, participant_id=participant_id, to=email,
                  subject=_translated(language, subject, **values),
                  text=_translated(language, text, **values))


def decide_access(session: Session, registry: Registry, request_id: int, *, actor: Actor,
                  approve: bool, reason: str | None = None) -> AccessRequest:
    """Registry staff approve (granting ``program_admin`` in the organization) or deny."""
    request = get_access_request(session, request_id, actor)
    reason = " ".join((reason or "").split()) or None
    if request.status != "pending":
        raise Conflict(N_("this request was already approved") if request.status == "approved"
                       else N_("this request was already denied"))
    if not approve and not reason:
        raise Invalid({"reason": N_("say why, so the person knows what to send instead")})
    if reason and len(reason) > 500:
        raise Invalid({"reason": N_("at most 500 characters")})
    org = session.get(Organization, request.organization_id)
    account = session.get(Account, request.account_id)
    if org is None or account is None:
        raise NotFound(N_("no such access request"))
    request.status = "approved" if approve else "denied"
    request.decision_reason = reason
    request.decided_by_account_id = actor.account_id
    request.decided_at = utcnow()
    if approve:
        kernel_accounts.grant_role(session, account, "program_admin", org, actor=actor)
    audit.record(session, actor=actor,
                 action="jobs.access.approve" if approve else "jobs.access.deny",
                 subject_participant_id=request.participant_id, resource_type="access_request",
                 resource_id=request.id, reason=reason)
    if approve:
        _mail_participant(session, registry, request.participant_id,
                          N_("Administrative Access approved"),
                          N_("Your request for Administrative Access to %(program)s was "
                             "approved. Sign in and open Program Administration to confirm "
                             "your staff and post jobs."), program=org.name)
    else:
        _mail_participant(session, registry, request.participant_id,
                          N_("Administrative Access not approved"),
                          N_("Your request for Administrative Access to %(program)s was not "
                             "approved.\n\nReason: %(reason)s\n\nYou can ask again with other "
                             "evidence."), program=org.name, reason=reason)
    session.flush()
    return request


@dataclass
class AdminRow:
    grant_id: int
    account_id: int
    registry_id: str
    name: str
    granted_at: datetime


def program_admins(session: Session, registry: Registry, org_id: int, *, actor: Actor
                   ) -> list[AdminRow]:
    """The program's administrators (names read audited)."""
    rows = session.execute(select(RoleGrant, Account).join(
        Account, Account.id == RoleGrant.account_id).where(
        RoleGrant.role == "program_admin", RoleGrant.organization_id == org_id)
        .order_by(RoleGrant.granted_at, RoleGrant.id)).all()
    result = []
    for grant, account in rows:
        participant = session.get(Participant, account.participant_id)
        name = kernel_participants.personal_data(
            session, registry, participant, actor=actor, fields=("first_name", "last_name"),
            reason=f"administrators of organization {org_id}").full_name() if participant else ""
        result.append(AdminRow(grant.id, account.id, participant.registry_id if participant
                               else "", name, grant.granted_at))
    return result


def remove_admin(session: Session, org_id: int, grant_id: int, *, actor: Actor) -> None:
    """Remove an administrator: registry staff, or a fellow administrator of the program."""
    grant = session.get(RoleGrant, grant_id)
    allowed = actor.can("jobs.access.decide") or administers(actor, org_id)
    if grant is None or grant.role != "program_admin" or grant.organization_id != org_id \
            or not allowed:
        raise NotFound(N_("no such administrator"))
    kernel_accounts.revoke_role(session, grant, actor=actor)
    session.flush()


# --- confirming employment --------------------------------------------------------------------

@dataclass
class StaffRow:
    employment_id: int
    participant_id: str
    registry_id: str
    name: str
    position: str
    role_category: str
    start_date: date
    end_date: date | None
    status: str
    confirmed_at: datetime | None

    @property
    def current(self) -> bool:
        return self.end_date is None or self.end_date >= clock.today()

    def as_json(self) -> dict[str, Any]:
        return {"employment_id": self.employment_id, "registry_id": self.registry_id,
                "name": self.name, "position": self.position,
                "role_category": self.role_category,
                "start_date": self.start_date.isoformat(),
                "end_date": self.end_date.isoformat() if self.end_date else None,
                "status": self.status, "confirmed": self.status == "confirmed",
                "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None}


def staff_list(session: Session, registry: Registry, org_id: int, *, actor: Actor,
               status: str | None = None) -> list[StaffRow]:
    """Employment records reported at the program, with each person's name (read audited)."""
    rows = []
    for record in profile.employments_at(session, org_id, status=status):
        participant = session.get(Participant, record.participant_id)
        if participant is None or participant.status != "active":
            continue
        name = kernel_participants.personal_data(
            session, registry, participant, actor=actor, fields=("first_name", "last_name"),
            reason=f"staff list of organization {org_id}").full_name()
        rows.append(StaffRow(record.id, participant.id, participant.registry_id, name,
                             record.position, record.role_category, record.start_date,
                             record.end_date, record.status, record.confirmed_at))
    order = {"pending": 0, "confirmed": 1, "rejected": 2}
    return sorted(rows, key=lambda r: (not r.current, order.get(r.status, 3), r.name.lower()))


def _employment_at(session: Session, org_id: int, employment_id: int) -> Any:
    for record in profile.employments_at(session, org_id):
        if record.id == employment_id:
            return record
    raise NotFound(N_("nobody reported this employment at your program"))


def confirm(session: Session, registry: Registry, org_id: int, employment_id: int, *,
            actor: Actor, confirmed: bool) -> Any:
    """Confirm (or decline) a record reported at the program (the profile plugin's rule)."""
    program(session, org_id, actor)
    _employment_at(session, org_id, employment_id)
    try:
        return profile.confirm_employment(session, registry, employment_id, actor=actor,
                                          confirmed=confirmed)
    except profile.EmploymentNotFound as exc:
        raise NotFound(N_("nobody reported this employment at your program")) from exc
    except profile.NotAllowed as exc:
        raise Forbidden(str(exc)) from exc


def end_employment(session: Session, registry: Registry, org_id: int, employment_id: int,
                   end_date: date | None, *, actor: Actor) -> Any:
    """Record the date someone left the program."""
    program(session, org_id, actor)
    _employment_at(session, org_id, employment_id)
    if end_date is None:
        raise Invalid({"end_date": N_("give the last day of work")})
    try:
        return profile.set_end_date_by_employer(session, registry, employment_id,
                                                end_date=end_date, actor=actor)
    except profile.ProfileError as exc:
        raise Invalid(exc.errors) from exc
    except profile.EmploymentNotFound as exc:
        raise NotFound(N_("nobody reported this employment at your program")) from exc
    except profile.NotAllowed as exc:
        raise Forbidden(str(exc)) from exc


def _reconfirmation(session: Session, org_id: int, *, create: bool = False
                    ) -> StaffReconfirmation | None:
    row = session.get(StaffReconfirmation, org_id)
    if row is None and create:
        row = StaffReconfirmation(organization_id=org_id)
        session.add(row)
    return row


def reconfirm_staff(session: Session, registry: Registry, org_id: int, *, actor: Actor) -> int:
    """The yearly reconfirmation: every current confirmed record is confirmed again."""
    program(session, org_id, actor)
    today = local_today(registry)
    count = 0
    for record in profile.employments_at(session, org_id, status="confirmed"):
        if record.end_date is None or record.end_date >= today:
            profile.confirm_employment(session, registry, record.id, actor=actor, confirmed=True)
            count += 1
    row = _reconfirmation(session, org_id, create=True)
    assert row is not None
    row.reconfirmed_at = utcnow()
    row.reconfirmed_by_account_id = actor.account_id
    session.flush()
    audit.record(session, actor=actor, action="jobs.staff.reconfirm",
                 resource_type="organization", resource_id=org_id, reason=f"{count} staff")
    return count


def last_reconfirmed(session: Session, org_id: int) -> datetime | None:
    """When the staff list was last (re)confirmed: the yearly reconfirmation, else the oldest
    confirmation of a current staff member."""
    row = _reconfirmation(session, org_id)
    if row is not None and row.reconfirmed_at is not None:
        return row.reconfirmed_at
    confirmed = [r.confirmed_at for r in profile.employments_at(session, org_id,
                                                                status="confirmed")
                 if r.end_date is None and r.confirmed_at is not None]
    return min(confirmed) if confirmed else None


def reconfirmation_due(session: Session, registry: Registry, org_id: int,
                       now: datetime | None = None) -> bool:
    now = now or utcnow()
    if not any(r.end_date is None for r in profile.employments_at(session, org_id,
                                                                 status="confirmed")):
        return False
    last = last_reconfirmed(session, org_id)
    return last is None or now - last > timedelta(days=settings(registry).reconfirm_days)


def pending_count(session: Session, org_id: int) -> int:
    return len(profile.employments_at(session, org_id, status="pending"))


def send_reconfirmation_reminders(session: Session, registry: Registry,
                                  now: datetime | None = None) -> int:
    """Mail (through the outbox) every administrator of a program whose staff list is due for
    its yearly reconfirmation; at most one reminder a month per program. Returns mails sent."""
    now = now or utcnow()
    sent = 0
    org_ids = session.scalars(select(RoleGrant.organization_id).where(
        RoleGrant.role == "program_admin").distinct())
    for org_id in sorted(i for i in org_ids if i is not None):
        org = session.get(Organization, org_id)
        if org is None or not reconfirmation_due(session, registry, org_id, now):
            continue
        row = _reconfirmation(session, org_id, create=True)
        assert row is not None
        if row.reminded_at is not None and now - row.reminded_at < timedelta(days=30):
            continue
        admins = session.scalars(select(Account).join(
            RoleGrant, RoleGrant.account_id == Account.id).where(
            RoleGrant.role == "program_admin", RoleGrant.organization_id == org_id))
        for account in admins:
            _mail_participant(
                session, registry, account.participant_id,
                N_("Please reconfirm your staff at %(program)s"),
                N_("Once a year the registry asks program administrators to reconfirm their "
                   "staff list. Sign in, open Program Administration for %(program)s, check who "
                   "still works there (record an end date for anyone who left) and press "
                   "\"Reconfirm staff list\": %(url)s"), program=org.name,
                url=registry.settings.base_url.rstrip("/") + f"/jobs/admin/{org_id}")
            sent += 1
        row.reminded_at = now
    session.flush()
    return sent


# --- staff qualifications ---------------------------------------------------------------------

def _training_items(session: Session, registry: Registry, participant: Participant,
                    education: Any) -> list[dict[str, Any]]:
    items = list(education.training) if education is not None else []
    for section in registry.plugins.collect("education_report_sections", session=session,
                                            registry=registry, participant=participant):
        if getattr(section, "key", None) != "training":
            continue
        data = section.data if isinstance(section.data, list) else \
            (section.data or {}).get("items", [])
        for item in data:
            if item.get("hours") is not None:
                items.append({"title": item.get("title"), "hours": str(item["hours"]),
                              "completed_on": item.get("completed_on") or item.get("date")})
    return items


def _hours_between(items: list[dict[str, Any]], start: date, end: date) -> Decimal:
    total = Decimal("0.00")
    for item in items:
        day = str(item.get("completed_on") or "")[:10]
        if day and start.isoformat() <= day <= end.isoformat():
            total += Decimal(str(item["hours"]))
    return total.quantize(Decimal("0.01"))


def _without_hidden(education: Any, hidden: set[str]) -> Any:
    """A copy of verified education without the records of hidden documents (totals redone)."""
    import dataclasses

    def keep(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [i for i in items if i.get("document_id") not in hidden]

    courses = keep(education.courses)
    ece = sum((Decimal(c["semester_units"]) for c in courses if c["category"] == "ece"),
              Decimal("0.00"))
    ge = sum((Decimal(c["semester_units"]) for c in courses if c["category"] != "ece"),
             Decimal("0.00"))
    training = keep(education.training)
    return dataclasses.replace(
        education, courses=courses, ece_units=ece, ge_units=ge,
        degrees=keep(education.degrees), permits=keep(education.permits), training=training,
        training_hours=sum((Decimal(t["hours"]) for t in training), Decimal("0.00")))


def program_minimums(session: Session, registry: Registry, org_id: int) -> dict[str, str]:
    """Minimum permit level per role category: the registry's defaults
    (``[plugins.jobs] minimum_permits``) overridden by the program's own."""
    result = dict(settings(registry).minimum_permits)
    for row in session.scalars(select(ProgramMinimum).where(
            ProgramMinimum.organization_id == org_id)):
        result[row.role_category] = row.permit_level
    return result


def set_program_minimums(session: Session, org_id: int, minimums: dict[str, str | None], *,
                         actor: Actor) -> dict[str, str]:
    """Set (or with an empty value, clear) the program's minimum permit level per role."""
    program(session, org_id, actor)
    errors = {role: N_("not a role category") for role in minimums if role not in ROLE_CATEGORIES}
    errors.update({role: N_("not a permit level") for role, level in minimums.items()
                   if level and level not in PERMIT_RANK})
    if errors:
        raise Invalid(errors)
    for role, level in minimums.items():
        row = session.get(ProgramMinimum, (org_id, role))
        if not level:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(ProgramMinimum(organization_id=org_id, role_category=role,
                                       permit_level=level))
        else:
            row.permit_level = level
    session.flush()
    audit.record(session, actor=actor, action="jobs.minimums.update",
                 resource_type="organization", resource_id=org_id, fields=sorted(minimums))
    return {r.role_category: r.permit_level for r in session.scalars(
        select(ProgramMinimum).where(ProgramMinimum.organization_id == org_id))}


def qualifications_of(session: Session, registry: Registry, org_id: int, row: StaffRow, *,
                      actor: Actor, today: date, minimums: dict[str, str] | None = None
                      ) -> dict[str, Any]:
    """One confirmed staff member's verified qualifications, with flags. Audited."""
    participant = session.get(Participant, row.participant_id)
    assert participant is not None
    documents_on = registry.plugins.is_enabled("documents")
    education = None
    verified_documents: list[dict[str, Any]] = []
    if documents_on:
        from ..documents import services as documents

        education = documents.verified_education(
            session, participant.id, grade_threshold=registry.settings.grade_threshold_permit,
            today=today)
        own = documents.own_documents(session, participant.id)
        hidden = {d.id for d in own if d.hidden_from_employers}
        if hidden:  # records from documents the person hid from employers are not shown
            education = _without_hidden(education, hidden)
        # which documents were verified (type and day), never the files themselves
        verified_documents = [
            {"id": d.id, "type": d.type,
             "type_label": documents.DOCUMENT_TYPE_LABELS.get(d.type, d.type),
             "verified_on": (d.decided_at.astimezone(clock.current_zone()).date().isoformat()
                             if d.decided_at else None)}
            for d in sorted(own, key=lambda d: (d.decided_at is None, d.decided_at))
            if d.status == "verified" and not d.hidden_from_employers]
    training = _training_items(session, registry, participant, education)
    expiring_days = settings(registry).expiring_days
    permits = []
    flags: list[str] = []
    for permit in (education.permits if education else []):
        expires = date.fromisoformat(permit["expires_on"]) if permit["expires_on"] else None
        state = "current"
        if expires is not None and expires < today:
            state = "expired"
            flags.append("permit_expired")
        elif expires is not None and (expires - today).days <= expiring_days:
            state = "expiring"
            flags.append("permit_expiring")
        permits.append({"kind": permit["kind"], "level": permit["level"],
                        "name": permit["name"], "number": permit["number"],
                        "issued_on": permit["issued_on"], "expires_on": permit["expires_on"],
                        "state": state,
                        "days_left": (expires - today).days if expires else None})
    renewal = None
    current = sorted((p for p in permits if p["kind"] == "cd_permit" and p["expires_on"]
                      and p["state"] != "expired"), key=lambda p: p["expires_on"], reverse=True)
    if current:
        permit = current[0]
        expires = date.fromisoformat(permit["expires_on"])
        start = date.fromisoformat(permit["issued_on"]) if permit["issued_on"] else \
            expires.replace(year=expires.year - 5)
        hours = _hours_between(training, start, expires)
        renewal = {"level": permit["level"], "window_start": start.isoformat(),
                   "window_end": expires.isoformat(), "hours": str(hours),
                   "required_hours": str(RENEWAL_HOURS)}
    levels = [p["level"] for p in permits if p["kind"] == "cd_permit" and p["level"]
              and p["state"] != "expired"]
    best = max((PERMIT_RANK.get(level, 0) for level in levels), default=0)
    minimum = (minimums if minimums is not None else
               program_minimums(session, registry, org_id)).get(row.role_category)
    if minimum and best < PERMIT_RANK.get(minimum, 0):
        flags.append("below_minimum")
    result = {
        **row.as_json(),
        "documents_enabled": documents_on,
        "ece_units": str(education.ece_units.quantize(Decimal("0.01"))) if education else None,
        "ge_units": str(education.ge_units.quantize(Decimal("0.01"))) if education else None,
        "degrees": [{"level": d["level"], "major": d["major"], "institution": d["institution"],
                     "conferred_on": d["conferred_on"]} for d in education.degrees]
        if education else [],
        "highest_degree": education.highest_degree() if education else None,
        "permits": permits,
        "training_hours_12_months": str(_hours_between(training, today - timedelta(days=365),
                                                       today)),
        "renewal": renewal,
        "minimum_permit": minimum,
        "flags": sorted(set(flags)),
        "verified_documents": verified_documents,
    }
    audit.record(session, actor=actor, action="jobs.staff_qualifications.view",
                 subject_participant_id=participant.id, resource_type="employment",
                 resource_id=row.employment_id,
                 fields=["degrees", "courses", "permits", "training", "documents"],
                 reason=f"staff qualifications of organization {org_id}")
    return result


def staff_qualifications(session: Session, registry: Registry, org_id: int, *, actor: Actor,
                         today: date | None = None) -> list[dict[str, Any]]:
    """Verified qualifications of the program's current confirmed staff (never of pending or
    declined records). Every person shown is audited."""
    program(session, org_id, actor)
    today = today or local_today(registry)
    seen: set[str] = set()
    result = []
    minimums = program_minimums(session, registry, org_id)
    for row in staff_list(session, registry, org_id, actor=actor, status="confirmed"):
        if (row.end_date is not None and row.end_date < today) or row.participant_id in seen:
            continue
        seen.add(row.participant_id)
        result.append(qualifications_of(session, registry, org_id, row, actor=actor,
                                        today=today, minimums=minimums))
    return result


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def normalize_code(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def issue_staff_report(session: Session, org_id: int, rows: list[dict[str, Any]], *,
                       actor: Actor) -> StaffReport:
    """Record an issued staff report (its digest and a verification code)."""
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    report = StaffReport(code=new_code(), organization_id=org_id, digest=digest,
                         staff_count=len(rows), issued_by_account_id=actor.account_id)
    with side_write(session) as writer:  # a reading request's: committed at once
        writer.add(report)
        writer.flush()
        audit.record(writer, actor=actor, action="jobs.staff_report.issue",
                     resource_type="staff_report", resource_id=report.code,
                     reason=f"organization {org_id}, {len(rows)} staff")
    return report


def check_staff_report(session: Session, code: str) -> dict[str, Any] | None:
    """What a verification code stands for (program, date, staff count), or ``None``."""
    report = session.scalar(select(StaffReport).where(StaffReport.code == normalize_code(code)))
    if report is None:
        return None
    org = session.get(Organization, report.organization_id)
    return {"code": report.code, "program": org.name if org else "",
            "license_number": org.license_number if org else None,
            "issued_at": report.issued_at, "staff_count": report.staff_count}


# --- the Job Board ----------------------------------------------------------------------------

Money = Field(ge=0, le=500, max_digits=6, decimal_places=2)


class PostingInput(BaseModel):
    """A job posting, as the API and the form both send it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    position: Literal[ROLE_CATEGORIES] = Field(  # type: ignore[valid-type]
        description="a role category code (DOMAIN.md)")
    county: str = Field(min_length=1, max_length=64)
    city: str = Field(min_length=1, max_length=100)
    schedule: Literal["full_time", "part_time", "substitute"]
    pay_min: Decimal = Money
    pay_max: Decimal = Money
    description: str = Field(min_length=1, max_length=10000,
                             description="plain text (HTML is shown as text)")
    closing_date: date
    age_groups: list[Literal[AGE_GROUPS]] | None = None  # type: ignore[valid-type]
    required_permit: Literal[tuple(PERMIT_RANK)] | None = None  # type: ignore[valid-type]
    how_to_apply: str | None = Field(None, max_length=2000)

    @field_validator("county")
    @classmethod
    def _county(cls, value: str) -> str:
        canonical = canonical_county(value)
        if canonical is None:
            raise ValueError(N_("not a California county"))
        return canonical

    @field_validator("age_groups")
    @classmethod
    def _ages(cls, value: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(value)) if value else value


def parse_posting(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate a posting (or, with ``partial``, the given fields of one); returns the values."""
    if partial:
        fields = PostingInput.model_fields
        unknown = {k: "unknown field" for k in data if k not in fields}
        if unknown:
            raise Invalid(unknown)
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        try:
            full = PostingInput.model_validate({**_PLACEHOLDER, **data})
        except ValidationError as exc:
            errors = {k: v for k, v in _messages(exc).items() if k.split(".")[0] in data}
            if errors:
                raise Invalid(errors) from exc
            raise
        values = {k: getattr(full, k) for k in data}
        return values
    try:
        return PostingInput.model_validate(data).model_dump()
    except ValidationError as exc:
        raise Invalid(_messages(exc)) from exc


_PLACEHOLDER = {"title": "x", "position": "teacher", "county": "Alameda", "city": "x",
                "schedule": "full_time", "pay_min": "0", "pay_max": "500",
                "description": "x", "closing_date": "2999-12-31"}


def _check_posting(registry: Registry, values: dict[str, Any], *, new: bool) -> None:
    errors: dict[str, str] = {}
    if values["pay_min"] > values["pay_max"]:
        errors["pay_max"] = N_("the highest pay cannot be below the lowest (pay_min <= pay_max)")
    if "closing_date" in values and values["closing_date"] < local_today(registry) and new:
        errors["closing_date"] = N_("the closing date cannot be in the past")
    if errors:
        raise Invalid(errors)


def create_posting(session: Session, registry: Registry, org_id: int, values: dict[str, Any],
                   *, actor: Actor) -> JobPosting:
    org = program(session, org_id, actor)
    _check_posting(registry, values, new=True)
    posting = JobPosting(organization_id=org.id, status="open",
                         created_by_account_id=actor.account_id, client_id=actor.client_id,
                         **{**values, "age_groups": values.get("age_groups") or []})
    session.add(posting)
    session.flush()
    audit.record(session, actor=actor, action="jobs.posting.create", resource_type="job_posting",
                 resource_id=posting.id)
    notify_saved_searches(session, registry, posting)
    return posting


def get_posting_for_admin(session: Session, posting_id: int, actor: Actor | None) -> JobPosting:
    posting = session.get(JobPosting, posting_id)
    if posting is None or not administers(actor, posting.organization_id):
        raise NotFound(N_("no such job posting"))
    return posting


def update_posting(session: Session, registry: Registry, posting: JobPosting,
                   changes: dict[str, Any], *, actor: Actor) -> JobPosting:
    if posting.status == "closed":
        raise Conflict(N_("this posting is closed"))
    merged = {"pay_min": posting.pay_min, "pay_max": posting.pay_max, **changes}
    errors: dict[str, str] = {}
    if merged["pay_min"] > merged["pay_max"]:
        errors["pay_max" if "pay_max" in changes else "pay_min"] = \
            N_("the highest pay cannot be below the lowest (pay_min <= pay_max)")
    if "closing_date" in changes and changes["closing_date"] < local_today(registry):
        errors["closing_date"] = N_("the closing date cannot be in the past")
    if errors:
        raise Invalid(errors)
    for name, value in changes.items():
        setattr(posting, name, value if name != "age_groups" else (value or []))
    session.flush()
    audit.record(session, actor=actor, action="jobs.posting.update", resource_type="job_posting",
                 resource_id=posting.id, fields=sorted(changes))
    return posting


def close_posting(session: Session, posting: JobPosting, *, actor: Actor) -> JobPosting:
    if posting.status != "closed":
        posting.status = "closed"
        posting.closed_at = utcnow()
        session.flush()
        audit.record(session, actor=actor, action="jobs.posting.close",
                     resource_type="job_posting", resource_id=posting.id)
    return posting


def is_open(posting: JobPosting, today: date) -> bool:
    return posting.status == "open" and posting.closing_date >= today


def org_postings(session: Session, org_id: int) -> list[JobPosting]:
    return list(session.scalars(select(JobPosting).where(JobPosting.organization_id == org_id)
                                .order_by(JobPosting.created_at.desc(), JobPosting.id.desc())))


@dataclass
class SearchFilters:
    q: str | None = None
    county: str | None = None
    position: str | None = None
    schedule: str | None = None
    required_permit: str | None = None


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_query(filters: SearchFilters, today: date) -> Select[Any]:
    """Open postings whose closing date has not passed, newest first."""
    query = (select(JobPosting, Organization)
             .join(Organization, Organization.id == JobPosting.organization_id)
             .where(JobPosting.status == "open", JobPosting.closing_date >= today,
                    Organization.is_active.is_(True)))
    for word in (filters.q or "").split()[:8]:
        pattern = _like(word)
        query = query.where(or_(JobPosting.title.ilike(pattern, escape="\\"),
                                JobPosting.description.ilike(pattern, escape="\\"),
                                JobPosting.city.ilike(pattern, escape="\\"),
                                Organization.name.ilike(pattern, escape="\\")))
    if filters.county:
        county = canonical_county(filters.county) or filters.county
        query = query.where(JobPosting.county == county)
    if filters.position:
        query = query.where(JobPosting.position == filters.position)
    if filters.schedule:
        query = query.where(JobPosting.schedule == filters.schedule)
    if filters.required_permit:
        query = query.where(JobPosting.required_permit == filters.required_permit)
    return query.order_by(JobPosting.created_at.desc(), JobPosting.id.desc())


def search(session: Session, filters: SearchFilters, today: date, *, page: int = 1,
           per_page: int = 20) -> tuple[list[tuple[JobPosting, Organization]], int]:
    query = search_query(filters, today)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [(r[0], r[1]) for r in rows], total or 0


def public_posting(session: Session, posting_id: int, today: date
                   ) -> tuple[JobPosting, Organization]:
    posting = session.get(JobPosting, posting_id)
    org = session.get(Organization, posting.organization_id) if posting else None
    if posting is None or org is None or not is_open(posting, today) or not org.is_active:
        raise NotFound(N_("no such job posting (it may have closed)"))
    return posting, org


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def posting_json(posting: JobPosting, org: Organization | None, today: date | None = None
                 ) -> dict[str, Any]:
    return {
        "id": posting.id, "title": posting.title, "position": posting.position,
        "organization_id": posting.organization_id,
        "employer": org.name if org else None,
        "program_type": PROGRAM_TYPES.get(org.kind if org else ""),
        "county": posting.county, "city": posting.city, "schedule": posting.schedule,
        "pay_min": _money(posting.pay_min), "pay_max": _money(posting.pay_max),
        "description": posting.description, "how_to_apply": posting.how_to_apply,
        "closing_date": posting.closing_date.isoformat(),
        "age_groups": list(posting.age_groups or []),
        "required_permit": posting.required_permit,
        "status": ("closed" if posting.status == "closed" else
                   "expired" if today and posting.closing_date < today else "open"),
        "posted_at": posting.created_at.isoformat() if posting.created_at else None,
    }


# --- saved searches ---------------------------------------------------------------------------

def save_search(session: Session, participant_id: str, filters: SearchFilters) -> SavedSearch:
    """Keep a Job Board search; new postings it matches are mailed to the participant."""
    if not any((filters.q and filters.q.strip(), filters.county, filters.position,
                filters.schedule, filters.required_permit)):
        raise Invalid({"q": N_("choose at least one filter to save")})
    if filters.q and len(filters.q.strip()) > 100:
        raise Invalid({"q": N_("at most 100 characters")})
    count = session.scalar(select(func.count()).select_from(SavedSearch).where(
        SavedSearch.participant_id == participant_id)) or 0
    if count >= MAX_SAVED_SEARCHES:
        raise Conflict(N_("you can keep at most 10 saved searches"))
    county = canonical_county(filters.county) if filters.county else None
    if filters.county and county is None:
        raise Invalid({"county": N_("not a California county")})
    if filters.position and filters.position not in ROLE_CATEGORIES:
        raise Invalid({"position": N_("not a role category")})
    if filters.schedule and filters.schedule not in SCHEDULES:
        raise Invalid({"schedule": N_("not a schedule")})
    if filters.required_permit and filters.required_permit not in PERMIT_RANK:
        raise Invalid({"required_permit": N_("not a permit level")})
    saved = SavedSearch(participant_id=participant_id, q=(filters.q or "").strip()[:100] or None,
                        county=county, position=filters.position or None,
                        schedule=filters.schedule or None,
                        required_permit=filters.required_permit or None)
    session.add(saved)
    session.flush()
    return saved


def saved_search_json(saved: SavedSearch) -> dict[str, Any]:
    return {"id": saved.id, "q": saved.q, "county": saved.county, "position": saved.position,
            "schedule": saved.schedule, "required_permit": saved.required_permit,
            "created_at": saved.created_at.isoformat() if saved.created_at else None}


def saved_searches(session: Session, participant_id: str) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(
        SavedSearch.participant_id == participant_id).order_by(SavedSearch.id)))


def delete_saved_search(session: Session, participant_id: str, search_id: int) -> None:
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.participant_id != participant_id:
        raise NotFound(N_("no such saved search"))
    session.delete(saved)
    session.flush()


def _matches(saved: SavedSearch, posting: JobPosting, org: Organization) -> bool:
    if saved.county and saved.county != posting.county:
        return False
    if saved.position and saved.position != posting.position:
        return False
    if saved.schedule and saved.schedule != posting.schedule:
        return False
    if saved.required_permit and saved.required_permit != posting.required_permit:
        return False
    text = " ".join((posting.title, posting.description, posting.city, org.name)).lower()
    return all(word.lower() in text for word in (saved.q or "").split())


def notify_saved_searches(session: Session, registry: Registry, posting: JobPosting) -> int:
    """Mail (through the outbox) each participant with a saved search the new posting matches."""
    org = session.get(Organization, posting.organization_id)
    if org is None:
        return 0
    query = select(SavedSearch).where(or_(SavedSearch.county.is_(None),
                                          SavedSearch.county == posting.county))
    notified: set[str] = set()
    for saved in session.scalars(query):
        if saved.participant_id in notified or not _matches(saved, posting, org):
            continue
        notified.add(saved.participant_id)
        _mail_participant(
            session, registry, saved.participant_id, N_("New job: %(title)s"),
            N_("A new job matches your saved search on the registry's Job Board:\n\n"
               "%(title)s\n%(employer)s, %(city)s (%(county)s County)\n"
               "$%(pay_min)s-$%(pay_max)s an hour\nApply by %(closing)s.\n\n"
               "Read more and see how to apply: %(url)s"),
            title=posting.title, employer=org.name, city=posting.city, county=posting.county,
            pay_min=_money(posting.pay_min), pay_max=_money(posting.pay_max),
            closing=posting.closing_date.isoformat(),
            url=registry.settings.base_url.rstrip("/") + f"/jobs/{posting.id}")
    return len(notified)


# --- whole-record hooks -----------------------------------------------------------------------

def export_participant(session: Session, participant_id: str) -> dict[str, Any]:
    return {
        "saved_searches": [saved_search_json(s) for s in saved_searches(session,
                                                                        participant_id)],
        "access_requests": [{"organization_id": r.organization_id, "status": r.status,
                             "requested_at": r.created_at.isoformat()}
                            for r in session.scalars(select(AccessRequest).where(
                                AccessRequest.participant_id == participant_id))],
    }


def erase_participant(session: Session, participant_id: str) -> None:
    session.execute(delete(SavedSearch).where(SavedSearch.participant_id == participant_id))
    session.execute(delete(AccessRequest).where(AccessRequest.participant_id == participant_id))


def merge_participants(session: Session, registry: Registry, survivor_id: str,
                       merged_id: str) -> None:
    """Move saved searches and access requests; a letter is re-sealed under the survivor's key
    (the merged profile's key is shredded right after)."""
    for saved in session.scalars(select(SavedSearch).where(
            SavedSearch.participant_id == merged_id)):
        saved.participant_id = survivor_id
    for request in session.scalars(select(AccessRequest).where(
            AccessRequest.participant_id == merged_id)):
        if request.letter_enc is not None:
            data = registry.vault.open_bytes(session, merged_id,
                                             letter_aad(merged_id, request.id),
                                             request.letter_enc)
            request.letter_enc = registry.vault.seal_bytes(
                session, survivor_id, letter_aad(survivor_id, request.id), data)
        request.participant_id = survivor_id
    session.flush()


# --- enrolling staff in trainings (through the kernel's training hooks) ----------------------

def upcoming_trainings(session: Session, registry: Registry, limit: int = 50
                       ) -> list[TrainingOffering]:
    """Upcoming published trainings staff can be enrolled in; none when no plugin offers any
    (the ``training_offerings`` hook answers ``None``)."""
    offerings = registry.plugins.hook.training_offerings(session=session, registry=registry,
                                                         limit=limit)
    return list(offerings or [])


def enroll_staff(session: Session, registry: Registry, org_id: int, employment_id: int,
                 event_id: int, *, actor: Actor) -> EnrollmentOutcome:
    """Enroll a confirmed, current staff member in a training event through the
    ``enroll_in_training`` hook (the trainings plugin's rules: a seat or the waitlist)."""
    program(session, org_id, actor)
    record = _employment_at(session, org_id, employment_id)
    today = local_today(registry)
    if record.status != "confirmed" or (record.end_date is not None and record.end_date < today):
        raise Conflict("only current, confirmed staff can be enrolled by their program")
    participant = session.get(Participant, record.participant_id)
    if participant is None:
        raise NotFound("nobody reported this employment at your program")
    try:
        outcome = registry.plugins.hook.enroll_in_training(
            session=session, registry=registry, event_id=event_id, participant=participant,
            actor=actor, source="staff")
    except EnrollmentRefused as exc:
        session.rollback()
        if exc.status == 422:
            raise Invalid(exc.errors or {"event_id": exc.detail}) from exc
        raise (NotFound if exc.status == 404 else Conflict)(exc.detail) from exc
    if outcome is None:
        raise NotFound("trainings are not enabled on this registry")
    audit.record(session, actor=actor, action="jobs.staff.enroll",
                 subject_participant_id=participant.id, resource_type="training_event",
                 resource_id=event_id)
    return outcome
