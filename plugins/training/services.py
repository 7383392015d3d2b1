"""Training domain logic: plain functions over a SQLAlchemy session.

Views and API handlers stay thin; they call these and turn :class:`TrainingError` into a flash
message or a problem+json answer. Nothing here commits: the caller owns the transaction.

Capacity is never exceeded. A seat is taken with one conditional ``UPDATE ... SET seats_taken =
seats_taken + 1 WHERE seats_taken < capacity`` whose row count says whether it worked; a unique
constraint allows one row per person per event; withdrawals lock the event row (``FOR UPDATE``
on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serializes writers) and promote the first waitlisted
person in the same transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from registry_kernel import audit, clock
from registry_kernel.accounts import grant_role, revoke_role
from registry_kernel.counties import canonical_county
from registry_kernel.db import begin_write, utcnow
from registry_kernel.models import Account, Organization, Participant, RoleGrant

from .i18n import _
from .models import (
    ACTIVE_STATUSES,
    Enrollment,
    EventWord,
    Instructor,
    InstructorProfile,
    SavedEvent,
    Training,
    TrainingEvent,
    TrainingLanguage,
    TrainingSponsor,
)

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

# The 12 California Early Childhood Educator Competency areas (codes are ours, labels CDE's).
COMPETENCY_AREAS: dict[str, str] = {
    "CDL": "Child Development and Learning",
    "CDE": "Culture, Diversity and Equity",
    "RIG": "Relationships, Interactions, and Guidance",
    "FCE": "Family and Community Engagement",
    "DLD": "Dual-Language Development",
    "OSAD": "Observation, Screening, Assessment, and Documentation",
    "SNI": "Special Needs and Inclusion",
    "LEC": "Learning Environments and Curriculum",
    "HSN": "Health, Safety, and Nutrition",
    "LEAD": "Leadership in Early Childhood Education",
    "PROF": "Professionalism",
    "ADM": "Administration and Supervision",
}

# Seeded by the first migration; administrators add more (``registry training languages add``).
DEFAULT_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"), ("es", "Español (Spanish)"), ("zh-yue", "粵語 (Cantonese)"),
    ("cmn", "普通话 (Mandarin)"), ("vi", "Tiếng Việt (Vietnamese)"), ("ru", "Русский (Russian)"),
    ("hmn", "Hmoob (Hmong)"), ("fa", "فارسی (Farsi)"), ("ko", "한국어 (Korean)"),
    ("tl", "Tagalog"), ("ar", "العربية (Arabic)"), ("hy", "Հայերեն (Armenian)"),
)

SPONSOR_ROLES = ("sponsor_executive_director", "sponsor_contact_manager", "sponsor_manager")
BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
              b"GIF87a": "image/gif", b"GIF89a": "image/gif"}
MAX_LOGO_BYTES = 512 * 1024
MAX_HOURS = Decimal("1000")
MAX_CAPACITY = 10_000


# --- errors ----------------------------------------------------------------------------------

class TrainingError(Exception):
    """A request the training rules refuse; ``status`` maps to HTTP, ``errors`` to fields."""

    status = 422
    title = "Unprocessable Content"

    def __init__(self, detail: str, errors: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail, self.errors, self.extra = detail, errors, extra


class Invalid(TrainingError):
    status, title = 422, "Unprocessable Content"


class NotFound(TrainingError):
    status, title = 404, "Not Found"


class Conflict(TrainingError):
    status, title = 409, "Conflict"


class Forbidden(TrainingError):
    status, title = 403, "Forbidden"


# --- small helpers ---------------------------------------------------------------------------

def local_time(value: datetime | None) -> datetime | None:
    """A UTC time in the registry's time zone, for display."""
    return value.astimezone(clock.current_zone()) if value is not None else None


def format_local(value: datetime | None, fmt: str = "%a %b %d, %Y %I:%M %p") -> str:
    if value is None:
        return ""
    local = value.astimezone(clock.current_zone())
    return local.strftime(fmt).replace(" 0", " ") + " " + (local.tzname() or "")


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def parse_hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise Invalid(_("hours must be a number"), {"hours": _("must be a number")}) from exc
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise Invalid(_("hours must be more than 0 and at most 1000"),
                      {"hours": _("must be more than 0 and at most 1000")})
    if hours != hours.quantize(Decimal("0.01")):
        raise Invalid(_("hours take at most two decimal places"),
                      {"hours": _("at most two decimal places")})
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _search_text(*parts: str | None) -> str:
    return " ".join(" ".join(p.split()).casefold() for p in parts if p)[:600]


WORD = re.compile(r"\w+")
PREFIX_MIN, PREFIX_MAX = 3, 8


def words_of(text: str) -> list[str]:
    """Lower-case words, in order, without repeats."""
    return list(dict.fromkeys(WORD.findall(text.casefold())))


def tokens_of(text: str) -> list[str]:
    """What the keyword index stores for a text: each word's prefixes of 3 to 8 letters (a
    shorter word as it is), so that every keyword is one exact look-up."""
    tokens: dict[str, None] = {}
    for word in words_of(text):
        if len(word) < PREFIX_MIN:
            tokens[word] = None
        for n in range(PREFIX_MIN, min(len(word), PREFIX_MAX) + 1):
            tokens[word[:n]] = None
    return list(tokens)


def query_token(word: str) -> str:
    """The index token a typed keyword looks up: keywords match the words they begin."""
    return word[:PREFIX_MAX]


def _index_words(session: Session, event: TrainingEvent) -> None:
    session.execute(delete(EventWord).where(EventWord.event_id == event.id))
    words = tokens_of(event.search_text or "")
    listed = event.visibility == "published" and event.status == "scheduled"
    if words:
        session.execute(insert(EventWord), [{"word": w, "event_id": event.id, "listed": listed,
                                             "starts_at": event.starts_at} for w in words])


def settings(registry: Registry) -> Any:
    from . import TrainingConfig

    config = registry.plugin_config("training") if registry.plugins.is_enabled("training") \
        else None
    return config or TrainingConfig()


# --- who may do what -------------------------------------------------------------------------

def manages_org(actor: Actor | None, org_id: int) -> bool:
    """Sponsor staff of ``org_id`` (or registry staff), or a client of that organization."""
    if actor is None:
        return False
    if actor.via == "client":
        return actor.organization_id == org_id
    if actor.organization_id is not None and actor.organization_id != org_id \
            and not actor.is_staff:
        return False
    return actor.can("training.manage", org_id)


def leads_event(actor: Actor | None, event: TrainingEvent) -> bool:
    return (actor is not None and actor.via != "client" and actor.account_id is not None
            and event.instructor_account_id == actor.account_id
            and actor.has_role("instructor", event.organization_id))


def managed_org_ids(session: Session, actor: Actor) -> list[int]:
    """Organizations whose Training Module the actor may open."""
    if actor.via == "client":
        return [actor.organization_id] if actor.organization_id else []
    if actor.is_staff:
        return list(session.scalars(select(TrainingSponsor.organization_id)
                                    .where(TrainingSponsor.status == "approved")))
    ids = actor.org_ids_for(*SPONSOR_ROLES)
    if actor.organization_id is not None:
        ids &= {actor.organization_id}
    return sorted(ids)


def instructor_org_ids(actor: Actor) -> list[int]:
    return sorted(actor.org_ids_for("instructor")) if actor.via != "client" else []


def acting_org(session: Session, actor: Actor, requested: int | None = None) -> int:
    """The organization an API call acts for (the client's, the token's, or the only one)."""
    if requested is not None:
        if not manages_org(actor, requested):
            raise NotFound(_("no such organization"))
        return requested
    if actor.via == "client" or actor.organization_id is not None:
        if actor.organization_id is None or not manages_org(actor, actor.organization_id):
            raise Forbidden(_("this token does not act for a training sponsor"))
        return actor.organization_id
    candidates = managed_org_ids(session, actor) if not actor.is_staff else []
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and not actor.is_staff:
        raise Forbidden(_("you are not staff of a training sponsor"))
    raise Invalid(_("say which organization with organization_id"),
                  {"organization_id": _("required: you work for several organizations")})


# --- sponsors --------------------------------------------------------------------------------

def sponsor_record(session: Session, org_id: int, *, create: bool = False
                   ) -> TrainingSponsor | None:
    sponsor = session.scalar(select(TrainingSponsor)
                             .where(TrainingSponsor.organization_id == org_id))
    if sponsor is None and create:
        sponsor = TrainingSponsor(organization_id=org_id, status="pending")
        session.add(sponsor)
        session.flush()
    return sponsor


def is_approved_sponsor(session: Session, registry: Registry, org: Organization) -> bool:
    """Organizations of the configured kinds (training sponsors and R&R agencies by default,
    created by an operator) are sponsors; others become sponsors by an approved application."""
    if org.kind in settings(registry).sponsor_kinds:
        return True
    sponsor = sponsor_record(session, org.id)
    return sponsor is not None and sponsor.status == "approved"


def require_sponsor(session: Session, registry: Registry, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("no such organization"))
    if not is_approved_sponsor(session, registry, org):
        raise Forbidden(_("%(name)s is not an approved training sponsor; the executive "
                          "director can apply", name=org.name))
    return org


def ensure_sponsor_info(session: Session, registry: Registry, org: Organization
                        ) -> TrainingSponsor:
    """The sponsor row holding the information page (made on first use for implicit sponsors)."""
    sponsor = sponsor_record(session, org.id, create=True)
    assert sponsor is not None
    if sponsor.status != "approved" and org.kind in settings(registry).sponsor_kinds:
        sponsor.status = "approved"
    return sponsor


def apply_as_sponsor(session: Session, registry: Registry, org: Organization, actor: Actor,
                     note: str | None = None) -> TrainingSponsor:
    """The executive director applies for the organization to become a training sponsor."""
    if not actor.has_role("sponsor_executive_director", org.id):
        raise Forbidden(_("only the organization's executive director can apply"))
    if is_approved_sponsor(session, registry, org):
        raise Conflict(_("%(name)s is already a training sponsor", name=org.name))
    sponsor = sponsor_record(session, org.id, create=True)
    assert sponsor is not None
    if sponsor.status == "pending" and sponsor.applied_at is not None:
        raise Conflict(_("an application is already waiting for registry staff"))
    sponsor.status = "pending"
    sponsor.applied_at = utcnow()
    sponsor.applied_by_account_id = actor.account_id
    sponsor.application_note = (note or "").strip()[:2000] or None
    sponsor.decided_at = sponsor.decided_by_account_id = sponsor.decision_reason = None
    audit.record(session, actor=actor, action="training.sponsor.apply",
                 resource_type="organization", resource_id=org.id)
    return sponsor


def sponsor_contact_name(session: Session, registry: Registry, org_id: int) -> str | None:
    """The Training Sponsor Contact Manager's name, listed as the contact on the sponsor's
    trainings (the first one named, if several; Additional Managers are never listed). The
    role exists to be shown publicly, so this read is not audited."""
    from registry_kernel.participants import personal_data

    account = session.scalar(
        select(Account).join(RoleGrant, RoleGrant.account_id == Account.id)
        .where(RoleGrant.organization_id == org_id,
               RoleGrant.role == "sponsor_contact_manager", Account.is_active.is_(True))
        .order_by(RoleGrant.id).limit(1))
    if account is None or account.participant is None \
            or account.participant.status != "active":
        return None
    return personal_data(session, registry, account.participant,
                         fields=("first_name", "last_name")).full_name().strip() or None


def calendar_sponsors(session: Session) -> list[tuple[str, str]]:
    """``(slug, name)`` of the sponsors with upcoming events on the calendar, by name."""
    org_ids = select(TrainingEvent.organization_id).where(
        TrainingEvent.visibility == "published", TrainingEvent.status == "scheduled",
        TrainingEvent.starts_at >= utcnow()).distinct()
    return [(slug, name) for slug, name in session.execute(
        select(Organization.slug, Organization.name).where(Organization.id.in_(org_ids))
        .order_by(Organization.name))]


def pending_applications(session: Session) -> list[TrainingSponsor]:
    return list(session.scalars(select(TrainingSponsor).where(
        TrainingSponsor.status == "pending", TrainingSponsor.applied_at.is_not(None))
        .order_by(TrainingSponsor.applied_at)))


def decide_sponsor(session: Session, registry: Registry, sponsor: TrainingSponsor,
                   actor: Actor, *, approve: bool, reason: str | None = None) -> TrainingSponsor:
    if not actor.can("training.sponsors.decide"):
        raise Forbidden(_("only registry staff decide sponsor applications"))
    if sponsor.status != "pending":
        raise Conflict(_("this application was already decided"))
    if not approve and not (reason or "").strip():
        raise Invalid(_("say why the application is denied"), {"reason": _("required")})
    sponsor.status = "approved" if approve else "denied"
    sponsor.decided_at = utcnow()
    sponsor.decided_by_account_id = actor.account_id
    sponsor.decision_reason = (reason or "").strip()[:500] or None
    audit.record(session, actor=actor, action=f"training.sponsor.{sponsor.status}",
                 resource_type="organization", resource_id=sponsor.organization_id,
                 reason=sponsor.decision_reason)
    return sponsor


SPONSOR_INFO_FIELDS = ("contact_email", "contact_phone", "website", "logistics", "vendor_number",
                       "self_withdrawal_allowed", "withdrawal_window_days", "withdrawal_contact",
                       "instructors_may_manage_events")


def update_sponsor_info(session: Session, sponsor: TrainingSponsor, actor: Actor,
                        changes: dict[str, Any]) -> list[str]:
    unknown = set(changes) - set(SPONSOR_INFO_FIELDS)
    if unknown:
        raise Invalid(_("unknown fields"), dict.fromkeys(sorted(unknown), _("unknown field")))
    days = changes.get("withdrawal_window_days")
    if days is not None and not 0 <= int(days) <= 60:
        raise Invalid(_("the window is 0 to 60 days"),
                      {"withdrawal_window_days": _("0 to 60 days")})
    changed = [k for k, v in changes.items() if getattr(sponsor, k) != v]
    for key in changed:
        setattr(sponsor, key, changes[key])
    if changed:
        audit.record(session, actor=actor, action="training.sponsor.update",
                     resource_type="organization", resource_id=sponsor.organization_id,
                     fields=changed)
    return changed


def logo_type(data: bytes) -> str | None:
    """The image type by its magic bytes (PNG, JPEG, GIF, WebP), or ``None``."""
    for magic, mime in LOGO_TYPES.items():
        if data.startswith(magic):
            return mime
    if len(data) > 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def set_logo(session: Session, sponsor: TrainingSponsor, actor: Actor, data: bytes) -> str:
    """Store the sponsor's logo after checking its content (not its name or declared type)."""
    if not data:
        raise Invalid(_("choose an image file"), {"logo": _("required")})
    if len(data) > MAX_LOGO_BYTES:
        raise Invalid(_("the logo may be at most 512 KB"), {"logo": _("too large")})
    mime = logo_type(data)
    if mime is None:
        raise Invalid(_("the logo must be a PNG, JPEG, GIF or WebP image"),
                      {"logo": _("not a PNG, JPEG, GIF or WebP image")})
    import hashlib

    sponsor.logo, sponsor.logo_mime = data, mime
    sponsor.logo_sha256 = hashlib.sha256(data).hexdigest()
    audit.record(session, actor=actor, action="training.sponsor.logo",
                 resource_type="organization", resource_id=sponsor.organization_id)
    return mime


# --- languages -------------------------------------------------------------------------------

def languages(session: Session, *, active_only: bool = True) -> list[TrainingLanguage]:
    query = select(TrainingLanguage).order_by(TrainingLanguage.sort_order, TrainingLanguage.code)
    if active_only:
        query = query.where(TrainingLanguage.is_active.is_(True))
    return list(session.scalars(query))


def language_codes(session: Session) -> set[str]:
    return {lang.code for lang in languages(session)}


def add_language(session: Session, code: str, label: str) -> TrainingLanguage:
    code = code.strip()
    if not BCP47.match(code):
        raise Invalid(_("not a BCP 47 language code"), {"code": _("e.g. km or zh-yue")})
    if not label.strip():
        raise Invalid(_("give the language a label"), {"label": _("required")})
    existing = session.get(TrainingLanguage, code)
    if existing is not None:
        existing.label, existing.is_active = label.strip(), True
        return existing
    language = TrainingLanguage(code=code, label=label.strip()[:100], sort_order=200)
    session.add(language)
    session.flush()
    return language


def check_language(session: Session, code: str) -> str:
    if session.scalar(select(TrainingLanguage.code).where(
            TrainingLanguage.code == code, TrainingLanguage.is_active.is_(True))) is None:
        raise Invalid(_("unknown training language %(code)s", code=code),
                      {"language": _("not a language of the registry's list")})
    return code


def check_competency(code: str) -> str:
    if code not in COMPETENCY_AREAS:
        raise Invalid(_("unknown competency area %(code)s", code=code),
                      {"competency_area": _("one of %(codes)s",
                                            codes=", ".join(COMPETENCY_AREAS))})
    return code


# --- catalog ---------------------------------------------------------------------------------

def create_training(session: Session, registry: Registry, org_id: int, actor: Actor, *,
                    title: str, description: str = "", hours: Any, competency_area: str,
                    language: str, level: str | None = None, audience: str | None = None
                    ) -> Training:
    require_sponsor(session, registry, org_id)
    title = " ".join((title or "").split())
    if not 1 <= len(title) <= 200:
        raise Invalid(_("a title of 1 to 200 characters is required"), {"title": _("required")})
    training = Training(organization_id=org_id, title=title,
                        description=(description or "").strip()[:10000],
                        hours=parse_hours(hours), competency_area=check_competency(competency_area),
                        language=check_language(session, language),
                        level=(level or "").strip()[:40] or None,
                        audience=(audience or "").strip()[:200] or None)
    session.add(training)
    session.flush()
    audit.record(session, actor=actor, action="training.catalog.create",
                 resource_type="training", resource_id=training.id)
    return training


def update_training(session: Session, training: Training, actor: Actor,
                    changes: dict[str, Any]) -> list[str]:
    """Edit a catalog entry. Events keep the hours (and title) copied when they were made."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "title":
            value = " ".join((value or "").split())
            if not 1 <= len(value) <= 200:
                raise Invalid(_("a title of 1 to 200 characters is required"),
                              {"title": _("required")})
        elif key == "hours":
            value = parse_hours(value)
        elif key == "competency_area":
            value = check_competency(value)
        elif key == "language":
            value = check_language(session, value)
        elif key in ("description", "level", "audience"):
            value = (value or "").strip() or (None if key != "description" else "")
        elif key != "is_active":
            raise Invalid(_("unknown field"), {key: _("unknown field")})
        clean[key] = value
    changed = [k for k, v in clean.items() if getattr(training, k) != v]
    for key in changed:
        setattr(training, key, clean[key])
    if changed:
        audit.record(session, actor=actor, action="training.catalog.update",
                     resource_type="training", resource_id=training.id, fields=changed)
    return changed


def get_training(session: Session, training_id: int, actor: Actor | None = None) -> Training:
    training = session.get(Training, training_id)
    if training is None or (actor is not None and not manages_org(actor,
                                                                  training.organization_id)):
        raise NotFound(_("no such training"))
    return training


def catalog_query(org_id: int) -> Any:
    return select(Training).where(Training.organization_id == org_id).order_by(
        Training.title, Training.id)


# --- instructors -----------------------------------------------------------------------------

def request_instructor(session: Session, org: Organization, account: Account, actor: Actor,
                       message: str | None = None) -> Instructor:
    existing = session.scalar(select(Instructor).where(Instructor.organization_id == org.id,
                                                       Instructor.account_id == account.id))
    if existing is not None and existing.status in ("pending", "approved"):
        raise Conflict(_("you already asked this sponsor") if existing.status == "pending"
                       else _("you are already an instructor of this sponsor"))
    if existing is None:
        existing = Instructor(organization_id=org.id, account_id=account.id)
        session.add(existing)
    existing.status = "pending"
    existing.message = (message or "").strip()[:1000] or None
    existing.requested_at = utcnow()
    existing.decided_at = existing.decided_by_account_id = None
    session.flush()
    audit.record(session, actor=actor, action="training.instructor.request",
                 subject_participant_id=account.participant_id, resource_type="instructor",
                 resource_id=existing.id)
    return existing


def decide_instructor(session: Session, instructor: Instructor, actor: Actor, *,
                      approve: bool) -> Instructor:
    if not manages_org(actor, instructor.organization_id):
        raise NotFound(_("no such instructor request"))
    account = session.get(Account, instructor.account_id)
    org = session.get(Organization, instructor.organization_id)
    assert account is not None and org is not None
    instructor.status = "approved" if approve else "denied"
    instructor.decided_at = utcnow()
    instructor.decided_by_account_id = actor.account_id
    if approve:
        grant_role(session, account, "instructor", org, actor=actor)
    else:
        grant = session.scalar(select(RoleGrant).where(
            RoleGrant.account_id == account.id, RoleGrant.role == "instructor",
            RoleGrant.organization_id == org.id))
        if grant is not None:
            revoke_role(session, grant, actor=actor)
    audit.record(session, actor=actor, action=f"training.instructor.{instructor.status}",
                 subject_participant_id=account.participant_id, resource_type="instructor",
                 resource_id=instructor.id)
    return instructor


def instructors(session: Session, org_id: int, status: str | None = None) -> list[Instructor]:
    query = select(Instructor).where(Instructor.organization_id == org_id)
    if status:
        query = query.where(Instructor.status == status)
    return list(session.scalars(query.order_by(Instructor.requested_at)))


# --- events ----------------------------------------------------------------------------------

@dataclass
class Location:
    address: str
    city: str
    county: str
    zip: str


def _check_capacity(capacity: int) -> int:
    if not isinstance(capacity, int) or isinstance(capacity, bool) \
            or not 0 < capacity <= MAX_CAPACITY:
        raise Invalid(_("capacity must be a whole number from 1 to 10000"),
                      {"capacity": _("a whole number from 1 to 10000")})
    return capacity


def _check_place(location: Location | None, online_url: str | None) -> None:
    if location is None and not online_url:
        raise Invalid(_("give a location or an online URL"),
                      {"location": _("a location or an online_url is required")})
    if location is not None:
        errors = {}
        if canonical_county(location.county) is None:
            errors["location.county"] = _("not a California county")
        if not re.fullmatch(r"\d{5}(-\d{4})?", location.zip or ""):
            errors["location.zip"] = _("a 5-digit ZIP code")
        if not (location.address or "").strip():
            errors["location.address"] = _("required")
        if not (location.city or "").strip():
            errors["location.city"] = _("required")
        if errors:
            raise Invalid(_("the location is not valid"), errors)
    if online_url and not re.match(r"^https?://[^\s/]+\S*$", online_url):
        raise Invalid(_("the online URL must start with https://"),
                      {"online_url": _("an http(s) URL")})


MAX_SESSIONS = 60
MAX_SESSION_LENGTH = timedelta(days=31)
MAX_EVENT_SPAN = timedelta(days=366)


@dataclass(frozen=True)
class SessionTime:
    """One meeting of an event (a date and times), in UTC."""

    starts_at: datetime
    ends_at: datetime

    def as_json(self) -> dict[str, str]:
        return {"starts_at": iso(self.starts_at) or "", "ends_at": iso(self.ends_at) or ""}


def event_sessions(event: TrainingEvent) -> list[SessionTime]:
    """The event's sessions in order; an event stored without them is one session."""
    stored = [SessionTime(datetime.fromisoformat(s["starts_at"]),
                          datetime.fromisoformat(s["ends_at"])) for s in (event.sessions or [])]
    return stored or [SessionTime(event.starts_at.astimezone(UTC),
                                  event.ends_at.astimezone(UTC))]


def check_sessions(sessions: list[tuple[datetime, datetime]], *,
                   kept: frozenset[SessionTime] = frozenset()) -> list[SessionTime]:
    """Validate an event's sessions and return them in UTC, soonest first.

    Each ends after it starts, lasts at most 31 days and starts in the future (except a session
    in ``kept``: one the event already has, unchanged, which may have been held already); no
    two overlap; the whole event spans at most a year. Errors are keyed
    ``sessions.<n>.starts_at`` / ``sessions.<n>.ends_at`` by the position as given.
    """
    if not sessions:
        raise Invalid(_("give at least one session (date and times)"),
                      {"sessions": _("at least one session")})
    if len(sessions) > MAX_SESSIONS:
        raise Invalid(_("an event has at most %(n)s sessions", n=MAX_SESSIONS),
                      {"sessions": _("at most %(n)s sessions", n=MAX_SESSIONS)})
    errors: dict[str, str] = {}
    now = utcnow()
    clean: list[tuple[int, SessionTime]] = []
    for n, (starts_at, ends_at) in enumerate(sessions):
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            key = "starts_at" if starts_at.tzinfo is None else "ends_at"
            errors[f"sessions.{n}.{key}"] = _("give the time with its UTC offset")
            continue
        try:
            item = SessionTime(starts_at.astimezone(UTC), ends_at.astimezone(UTC))
        except OverflowError:
            errors[f"sessions.{n}.starts_at"] = _("the dates are not valid")
            continue
        if item.ends_at <= item.starts_at:
            errors[f"sessions.{n}.ends_at"] = _("must be after the start")
        elif item.ends_at - item.starts_at > MAX_SESSION_LENGTH:
            errors[f"sessions.{n}.ends_at"] = _("a session lasts at most 31 days")
        elif item.starts_at <= now and item not in kept:
            errors[f"sessions.{n}.starts_at"] = _("must be in the future")
        else:
            clean.append((n, item))
    clean.sort(key=lambda pair: (pair[1].starts_at, pair[1].ends_at))
    for (_n, before), (n, after) in pairwise(clean):
        if after.starts_at < before.ends_at:
            errors.setdefault(f"sessions.{n}.starts_at",
                              _("overlaps another session of this event"))
    if clean and not errors and clean[-1][1].ends_at - clean[0][1].starts_at > MAX_EVENT_SPAN:
        errors["sessions"] = _("an event spans at most a year")
    if errors:
        raise Invalid(_("the dates are not valid"), errors)
    return [item for _n, item in clean]


def _set_sessions(event: TrainingEvent, sessions: list[SessionTime]) -> None:
    event.sessions = [item.as_json() for item in sessions]
    event.starts_at, event.ends_at = sessions[0].starts_at, sessions[-1].ends_at


def _session_errors_as_single(exc: Invalid) -> Invalid:
    """A one-session event's errors under ``starts_at`` / ``ends_at``, as the API names them."""
    if exc.errors:
        exc.errors = {key.removeprefix("sessions.0."): value
                      for key, value in exc.errors.items()}
    return exc


def describe_sessions(event: TrainingEvent) -> list[str]:
    """Each session in Pacific time, for pages and emails: "Tue Dec 1, 2026 9:00 AM – 12:00 PM
    PST" (the end's date is repeated only when it differs)."""
    return _describe(event_sessions(event))


def _describe(sessions: list[SessionTime]) -> list[str]:
    lines = []
    for item in sessions:
        start, end = local_time(item.starts_at), local_time(item.ends_at)
        until = (format_local(item.ends_at, "%I:%M %p").lstrip("0")
                 if start.date() == end.date() else format_local(item.ends_at))
        lines.append(format_local(item.starts_at).rsplit(" ", 1)[0] + " – " + until)
    return lines


def _check_instructor(session: Session, org_id: int, account_id: int | None) -> None:
    if account_id is not None and session.scalar(select(Instructor.id).where(
            Instructor.organization_id == org_id, Instructor.account_id == account_id,
            Instructor.status == "approved")) is None:
        raise Invalid(_("that person is not an approved instructor of this sponsor"),
                      {"instructor": _("not an approved instructor")})


def create_event(session: Session, registry: Registry, training: Training, actor: Actor, *,
                 starts_at: datetime | None = None, ends_at: datetime | None = None,
                 capacity: int, waitlist: bool = True,
                 visibility: str = "published", location: Location | None = None,
                 online_url: str | None = None, funding_source: str | None = None,
                 instructor_account_id: int | None = None, notes: str | None = None,
                 sessions: list[tuple[datetime, datetime]] | None = None) -> TrainingEvent:
    """Schedule an event of a catalog entry; title, language, area and hours are copied.

    The schedule is ``sessions`` (one or more ``(starts_at, ends_at)``), or one session from
    ``starts_at`` to ``ends_at``."""
    org = require_sponsor(session, registry, training.organization_id)
    if sessions is None:
        if starts_at is None or ends_at is None:
            raise Invalid(_("give the start and end, or the sessions"),
                          {"starts_at": _("required")})
        try:
            schedule = check_sessions([(starts_at, ends_at)])
        except Invalid as exc:
            raise _session_errors_as_single(exc) from None
    else:
        schedule = check_sessions(sessions)
    _check_capacity(capacity)
    if visibility not in ("published", "invite_only"):
        raise Invalid(_("visibility is published or invite_only"),
                      {"visibility": _("published or invite_only")})
    _check_place(location, online_url)
    _check_instructor(session, org.id, instructor_account_id)
    event = TrainingEvent(
        training_id=training.id, organization_id=org.id, title=training.title,
        language=training.language, competency_area=training.competency_area,
        hours=training.hours, starts_at=schedule[0].starts_at,
        ends_at=schedule[-1].ends_at, capacity=capacity, seats_taken=0, waitlist=waitlist,
        visibility=visibility,
        invite_token=secrets.token_urlsafe(24) if visibility == "invite_only" else None,
        address=location.address.strip() if location else None,
        city=" ".join(location.city.split()) if location else None,
        county=canonical_county(location.county) if location else None,
        zip=location.zip if location else None, online_url=online_url or None,
        funding_source=(funding_source or "").strip()[:100] or None,
        notes=(notes or "").strip() or None, instructor_account_id=instructor_account_id,
        created_by_account_id=actor.account_id,
        sessions=[item.as_json() for item in schedule],
        search_text=_search_text(training.title, org.name,
                                 location.city if location else "online"))
    session.add(event)
    session.flush()
    _index_words(session, event)
    audit.record(session, actor=actor, action="training.event.create",
                 resource_type="training_event", resource_id=event.id)
    return event


def get_event(session: Session, event_id: int, actor: Actor | None = None, *,
              for_update: bool = False) -> TrainingEvent:
    """The event, if it exists and (with ``actor``) the actor manages or leads it; else 404."""
    query = select(TrainingEvent).where(TrainingEvent.id == event_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    event = session.scalar(query)
    if event is None or (actor is not None and not (
            manages_org(actor, event.organization_id) or leads_event(actor, event))):
        raise NotFound(_("no such event"))
    return event


def event_by_invite(session: Session, token: str) -> TrainingEvent:
    if not token or len(token) > 64:
        raise NotFound(_("this invitation link is not valid"))
    event = session.scalar(select(TrainingEvent).where(TrainingEvent.invite_token == token,
                                                       TrainingEvent.visibility == "invite_only"))
    if event is None:
        raise NotFound(_("this invitation link is not valid"))
    if event.status == "cancelled" or event.ends_at <= utcnow():
        raise Conflict(_("this invitation has expired: the event is over or cancelled"))
    return event


def update_event(session: Session, registry: Registry, event: TrainingEvent, actor: Actor,
                 changes: dict[str, Any]) -> list[str]:
    """Edit an event: its sessions (or, for a one-session event, ``starts_at``/``ends_at``),
    capacity (never below the seats taken), waitlist, visibility, place, funding, instructor.
    A larger capacity promotes waitlisted people at once; a new schedule is emailed to the
    people enrolled and waitlisted."""
    if event.status == "cancelled":
        raise Conflict(_("the event is cancelled"))
    changes = dict(changes)
    current = event_sessions(event)
    if "starts_at" in changes or "ends_at" in changes:
        if "sessions" in changes:
            raise Invalid(_("give either the sessions or the start and end, not both"),
                          {"sessions": _("not with starts_at or ends_at")})
        if len(current) > 1:
            raise Invalid(_("this event has %(n)s sessions: change them with sessions",
                            n=len(current)), {"starts_at": _("change the sessions instead")})
        start = changes.pop("starts_at", None) or current[0].starts_at
        end = changes.pop("ends_at", None) or current[0].ends_at
        try:
            schedule = check_sessions([(start, end)], kept=frozenset(current))
        except Invalid as exc:
            raise _session_errors_as_single(exc) from None
        changes["sessions"] = schedule
    elif "sessions" in changes:
        changes["sessions"] = check_sessions(changes["sessions"], kept=frozenset(current))
    if "instructor_account_id" in changes:
        _check_instructor(session, event.organization_id, changes["instructor_account_id"])
    if "capacity" in changes:
        _check_capacity(changes["capacity"])
        if changes["capacity"] < event.seats_taken:
            raise Conflict(_("%(n)s people are enrolled; capacity cannot go below that",
                             n=event.seats_taken),
                           errors={"capacity": _("below the seats taken")})
    if "visibility" in changes:
        if changes["visibility"] not in ("published", "invite_only"):
            raise Invalid(_("visibility is published or invite_only"),
                          {"visibility": _("published or invite_only")})
        if changes["visibility"] == "invite_only" and not event.invite_token:
            event.invite_token = secrets.token_urlsafe(24)
    if "location" in changes or "online_url" in changes:
        location = changes.pop("location", None)
        online_url = changes.pop("online_url", None)
        _check_place(location, online_url)
        event.address = location.address.strip() if location else None
        event.city = " ".join(location.city.split()) if location else None
        event.county = canonical_county(location.county) if location else None
        event.zip = location.zip if location else None
        event.online_url = online_url or None
        event.search_text = _search_text(event.title, event.organization.name,
                                         event.city or "online")
        changes["place"] = True
    changed = []
    for key, value in changes.items():
        if key == "place":
            changed.append("location")
            continue
        if key == "sessions":
            if value != current:
                _set_sessions(event, value)
                changed.append("sessions")
            continue
        if key not in ("capacity", "waitlist", "visibility", "funding_source", "notes",
                       "instructor_account_id"):
            raise Invalid(_("unknown field"), {key: _("unknown field")})
        if getattr(event, key) != value:
            setattr(event, key, value)
            changed.append(key)
    session.flush()
    if {"sessions", "visibility", "location"} & set(changed):
        _index_words(session, event)
    if "capacity" in changed:
        _lock_event(session, event.id)
        promote_waitlisted(session, registry, event)
    if "sessions" in changed:
        _mail_schedule_change(session, registry, event)
    if changed:
        audit.record(session, actor=actor, action="training.event.update",
                     resource_type="training_event", resource_id=event.id, fields=changed)
    return changed


def schedule_text(event: TrainingEvent) -> str:
    """The "When:" lines of an email: one line per session."""
    lines = describe_sessions(event)
    if len(lines) == 1:
        return _("When: %(when)s", when=lines[0])
    return _("When (%(n)s sessions):", n=len(lines)) + "\n" + "\n".join(
        f"  {n}. {line}" for n, line in enumerate(lines, start=1))


def _mail_schedule_change(session: Session, registry: Registry, event: TrainingEvent) -> None:
    for participant_id in session.scalars(select(Enrollment.participant_id).where(
            Enrollment.event_id == event.id, Enrollment.status.in_(("enrolled", "waitlisted")))):
        _mail(session, registry, participant_id,
              _("New schedule: %(title)s", title=event.title),
              _("The sponsor changed the schedule of \"%(title)s\".", title=event.title)
              + "\n\n" + schedule_text(event) + "\n")


def cancel_event(session: Session, registry: Registry, event: TrainingEvent, actor: Actor,
                 reason: str | None = None) -> int:
    """Cancel the event and tell every enrolled and waitlisted person by email."""
    if event.status == "cancelled":
        raise Conflict(_("the event is already cancelled"))
    event.status = "cancelled"
    event.cancelled_at = utcnow()
    session.flush()
    _index_words(session, event)
    people = list(session.scalars(select(Enrollment).where(
        Enrollment.event_id == event.id, Enrollment.status.in_(("enrolled", "waitlisted")))))
    for enrollment in people:
        _mail(session, registry, enrollment.participant_id,
              _("Cancelled: %(title)s", title=event.title),
              _("The training \"%(title)s\" on %(when)s has been cancelled by the sponsor.",
                title=event.title, when=format_local(event.starts_at))
              + ("\n\n" + reason if reason else ""))
    audit.record(session, actor=actor, action="training.event.cancel",
                 resource_type="training_event", resource_id=event.id, reason=reason)
    return len(people)


def invite_path(event: TrainingEvent) -> str | None:
    return f"/training/invite/{event.invite_token}" if event.invite_token else None


# --- the Training Calendar -------------------------------------------------------------------

@dataclass
class CalendarFilters:
    q: str | None = None
    county: str | None = None
    city: str | None = None
    language: str | None = None
    competency_area: str | None = None
    sponsor: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


def _sponsor_org_id(session: Session, sponsor: str) -> int | None:
    if sponsor.isdigit():
        return int(sponsor)
    return session.scalar(select(Organization.id).where(Organization.slug == sponsor))


def calendar(session: Session, filters: CalendarFilters, *, page: int = 1,
             per_page: int = 20) -> tuple[list[dict[str, Any]], int]:
    """Published, scheduled, upcoming events matching the filters, soonest first, and the
    total. Reads one table (the event carries its copied title, area, language and hours) plus
    the sponsor's name by primary key, over composite indexes ending in ``starts_at``."""
    now = utcnow()
    start = max(filters.date_from or now, now)
    conditions = [TrainingEvent.visibility == "published", TrainingEvent.status == "scheduled",
                  TrainingEvent.starts_at >= start]
    if filters.date_to is not None:
        conditions.append(TrainingEvent.starts_at < filters.date_to)
    if filters.county:
        county = canonical_county(filters.county)
        if county is None and filters.county.casefold() != "online":
            return [], 0
        conditions.append(TrainingEvent.county.is_(None) if county is None
                          else TrainingEvent.county == county)
    if filters.city:
        conditions.append(func.lower(TrainingEvent.city) == filters.city.strip().casefold())
    if filters.language:
        conditions.append(TrainingEvent.language == filters.language)
    if filters.competency_area:
        conditions.append(TrainingEvent.competency_area == filters.competency_area.upper())
    if filters.sponsor:
        org_id = _sponsor_org_id(session, filters.sponsor.strip())
        if org_id is None:
            return [], 0
        conditions.append(TrainingEvent.organization_id == org_id)
    narrowed = any((filters.county, filters.language, filters.competency_area, filters.sponsor))
    tokens: list[str] = []
    if filters.q:
        tokens = list(dict.fromkeys(query_token(w) for w in words_of(filters.q)))[:6]
        if not tokens:
            return [], 0
    if tokens and not narrowed:
        # Keywords alone: the keyword index holds each match's start and listing, so the
        # total and the page come from an index range of the first keyword, the others probed.
        first = select(EventWord.event_id).where(
            EventWord.word == tokens[0], EventWord.listed.is_(True),
            EventWord.starts_at >= start)
        if filters.date_to is not None:
            first = first.where(EventWord.starts_at < filters.date_to)
        for token in tokens[1:]:
            other = aliased(EventWord)
            first = first.where(select(other.event_id).where(
                other.event_id == EventWord.event_id, other.word == token).exists())
        if filters.city:
            first = first.where(select(TrainingEvent.id).where(
                TrainingEvent.id == EventWord.event_id,
                func.lower(TrainingEvent.city) == filters.city.strip().casefold()).exists())
        total = session.scalar(select(func.count()).select_from(first.subquery())) or 0
        page_ids = list(session.scalars(first.order_by(EventWord.starts_at, EventWord.event_id)
                                        .limit(per_page).offset((page - 1) * per_page)))
        return _calendar_rows(session, page_ids), total
    for token in tokens:  # with a narrowing filter: probe each candidate's keywords
        conditions.append(select(EventWord.event_id).where(
            EventWord.event_id == TrainingEvent.id, EventWord.word == token).exists())
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(TrainingEvent).where(where)) or 0
    if total == 0:
        return [], 0
    # The page's ids from an index alone, then those rows. With an equality filter, order by
    # an expression so the planner narrows by that filter's index and sorts the few matches,
    # instead of walking every upcoming event in date order looking for them.
    order = func.coalesce(TrainingEvent.starts_at, TrainingEvent.starts_at) if narrowed \
        else TrainingEvent.starts_at
    page_ids = list(session.scalars(
        select(TrainingEvent.id).where(where).order_by(order, TrainingEvent.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return _calendar_rows(session, page_ids), total


def _calendar_rows(session: Session, page_ids: list[int]) -> list[dict[str, Any]]:
    if not page_ids:
        return []
    rows = session.execute(
        select(TrainingEvent.id, TrainingEvent.title, TrainingEvent.starts_at,
               TrainingEvent.ends_at, TrainingEvent.county, TrainingEvent.city,
               TrainingEvent.language, TrainingEvent.competency_area, TrainingEvent.hours,
               TrainingEvent.capacity, TrainingEvent.seats_taken, TrainingEvent.waitlist,
               TrainingEvent.sessions,
               TrainingEvent.online_url.is_not(None).label("online"),
               Organization.name.label("sponsor"), Organization.slug.label("sponsor_slug"))
        .join(Organization, Organization.id == TrainingEvent.organization_id)
        .where(TrainingEvent.id.in_(page_ids), TrainingEvent.visibility == "published",
               TrainingEvent.status == "scheduled")
        .order_by(TrainingEvent.starts_at, TrainingEvent.id)).all()
    items = [{
        "event_id": r.id, "title": r.title, "sponsor": r.sponsor, "sponsor_slug": r.sponsor_slug,
        "starts_at": iso(r.starts_at), "ends_at": iso(r.ends_at), "county": r.county,
        "city": r.city, "online": bool(r.online), "language": r.language,
        "competency_area": r.competency_area, "hours": str(r.hours),
        "seats_left": max(0, r.capacity - r.seats_taken), "waitlist": r.waitlist,
        "starts_at_local": format_local(r.starts_at),
        "sessions": r.sessions or [{"starts_at": iso(r.starts_at), "ends_at": iso(r.ends_at)}],
    } for r in rows]
    for item in items:
        item["sessions_local"] = _describe(
            [SessionTime(datetime.fromisoformat(x["starts_at"]),
                         datetime.fromisoformat(x["ends_at"])) for x in item["sessions"]])
    return items


# --- enrollment ------------------------------------------------------------------------------

def _lock_event(session: Session, event_id: int) -> TrainingEvent:
    """Lock the event row (PostgreSQL ``FOR UPDATE``; SQLite already holds the write lock)."""
    return session.execute(select(TrainingEvent).where(TrainingEvent.id == event_id)
                           .with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def _take_seat(session: Session, event_id: int) -> bool:
    """One conditional UPDATE: ``True`` if a seat was free and is now taken."""
    result = session.execute(
        update(TrainingEvent)
        .where(TrainingEvent.id == event_id, TrainingEvent.seats_taken < TrainingEvent.capacity)
        .values(seats_taken=TrainingEvent.seats_taken + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def _free_seat(session: Session, event_id: int) -> None:
    session.execute(update(TrainingEvent)
                    .where(TrainingEvent.id == event_id, TrainingEvent.seats_taken > 0)
                    .values(seats_taken=TrainingEvent.seats_taken - 1)
                    .execution_options(synchronize_session=False))


def waitlist_position(session: Session, enrollment: Enrollment) -> int | None:
    if enrollment.status != "waitlisted":
        return None
    ahead = session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.event_id == enrollment.event_id, Enrollment.status == "waitlisted",
        or_(Enrollment.queued_at < enrollment.queued_at,
            and_(Enrollment.queued_at == enrollment.queued_at, Enrollment.id < enrollment.id))))
    return (ahead or 0) + 1


def _event_data(participant: Participant, enrollment: Enrollment) -> dict[str, Any]:
    return {"registry_id": participant.registry_id, "event_id": enrollment.event_id,
            "enrollment_id": enrollment.id, "status": enrollment.status}


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


def _confirmation(session: Session, registry: Registry, event: TrainingEvent,
                  enrollment: Enrollment) -> None:
    where = ", ".join(p for p in (event.address, event.city) if p)
    if event.online_url:
        where = (_("online: %(url)s", url=event.online_url) if enrollment.status == "enrolled"
                 else _("online (the link comes when you have a seat)"))
    if enrollment.status == "enrolled":
        subject = _("Enrolled: %(title)s", title=event.title)
        head = _("You are enrolled in \"%(title)s\".", title=event.title)
    else:
        position = waitlist_position(session, enrollment)
        subject = _("Waitlisted: %(title)s", title=event.title)
        head = _("You are on the waitlist for \"%(title)s\" (position %(n)s). We will email "
                 "you if a seat opens.", title=event.title, n=position)
    _mail(session, registry, enrollment.participant_id, subject,
          head + "\n\n" + schedule_text(event) + "\n"
          + _("Where: %(where)s", where=where) + "\n")


def enroll(session: Session, registry: Registry, event_id: int, participant: Participant, *,
           actor: Actor | None, source: str = "self", notify: bool = True) -> Enrollment:
    """Enroll ``participant``: a seat if one is free, else the waitlist (if the event has one).

    Raises :class:`Conflict` when the person already holds a place, the event is full without a
    waitlist, cancelled or over. On :class:`Conflict` the caller must roll back (a seat may have
    been taken before a concurrent duplicate was detected).
    """
    begin_write(session)
    event = session.get(TrainingEvent, event_id)
    if event is None:
        raise NotFound(_("no such event"))
    if participant.status != "active":
        raise Invalid(_("this Registry ID is not active"), {"registry_id": _("not active")})
    if event.status == "cancelled":
        raise Conflict(_("the event is cancelled"), reason="cancelled")
    if event.ends_at <= utcnow():
        raise Conflict(_("the event has ended"), reason="ended")
    existing = session.scalar(select(Enrollment).where(
        Enrollment.event_id == event.id, Enrollment.participant_id == participant.id))
    if existing is not None and existing.status in ACTIVE_STATUSES:
        raise Conflict(_("this person is already %(status)s in this event",
                         status=existing.status), reason="already_enrolled",
                       enrollment_id=existing.id)
    if _take_seat(session, event.id):
        status = "enrolled"
    elif not event.waitlist:
        # Full, and nobody waits for a seat: refuse without queueing on the event's row lock
        # (when a popular event fills, the many who still try are answered side by side).
        raise Conflict(_("the event is full and has no waitlist"), reason="full")
    else:
        # Full: lock the event so a withdrawal in flight either finishes first (and its seat
        # is ours) or sees this waitlist entry when it promotes.
        locked = _lock_event(session, event.id)
        if locked.seats_taken < locked.capacity and _take_seat(session, event.id):
            status = "enrolled"
        else:
            status = "waitlisted"
    now = utcnow()
    if existing is not None:
        existing.status, existing.queued_at, existing.withdrawn_at = status, now, None
        existing.source = source
        existing.enrolled_by_org_id = actor.organization_id if actor else None
        existing.hours_granted = existing.attendance_recorded_at = None
        enrollment, created = existing, False
        session.flush()
    else:
        enrollment = Enrollment(event_id=event.id, participant_id=participant.id, status=status,
                                queued_at=now, source=source,
                                enrolled_by_org_id=actor.organization_id if actor else None)
        try:
            with session.begin_nested():
                session.add(enrollment)
                session.flush()
        except IntegrityError as exc:
            raise Conflict(_("this person is already enrolled in this event"),
                           reason="already_enrolled") from exc
        created = True
    audit.record(session, actor=actor, action="training.enroll",
                 subject_participant_id=participant.id, resource_type="training_enrollment",
                 resource_id=enrollment.id, fields=[status])
    registry.emit(session, "enrollment.created" if created else "enrollment.updated",
                  _event_data(participant, enrollment))
    if notify:
        session.refresh(event)
        _confirmation(session, registry, event, enrollment)
    return enrollment


def self_withdrawal_refusal(session: Session, event: TrainingEvent) -> str | None:
    """Why a participant may not withdraw themselves now, or ``None`` if they may."""
    sponsor = sponsor_record(session, event.organization_id)
    contact = (sponsor.withdrawal_contact or sponsor.contact_phone or sponsor.contact_email
               if sponsor else None)
    call = (" " + _("To withdraw, contact the sponsor: %(who)s", who=contact)) if contact else ""
    if sponsor is not None and not sponsor.self_withdrawal_allowed:
        return _("This sponsor does not allow withdrawing online.") + call
    days = sponsor.withdrawal_window_days if sponsor else 0
    if utcnow() > event.starts_at - timedelta(days=days):
        if days:
            return _("Withdrawing online closes %(n)s days before the event.", n=days) + call
        return _("The event has started; withdrawing online is closed.") + call
    return None


def withdraw(session: Session, registry: Registry, enrollment_id: int, *, actor: Actor | None,
             self_service: bool) -> tuple[Enrollment, list[Enrollment]]:
    """Withdraw; frees the seat and promotes the first waitlisted person in this transaction.

    ``self_service``: the participant is withdrawing themselves, so the sponsor's
    self-withdrawal rules apply. Returns the enrollment and the people promoted.
    """
    begin_write(session)
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound(_("no such enrollment"))
    event = _lock_event(session, enrollment.event_id)
    session.refresh(enrollment)
    if enrollment.status == "withdrawn":
        raise Conflict(_("the enrollment is already withdrawn"), reason="already_withdrawn")
    if enrollment.status in ("attended", "no_show"):
        raise Conflict(_("attendance is recorded; the enrollment cannot be withdrawn"),
                       reason="attendance_recorded")
    if event.ends_at <= utcnow():
        raise Conflict(_("the event has ended"), reason="ended")
    if self_service:
        refusal = self_withdrawal_refusal(session, event)
        if refusal:
            raise Conflict(refusal, reason="withdrawal_window")
    was_enrolled = enrollment.status == "enrolled"
    enrollment.status = "withdrawn"
    enrollment.withdrawn_at = utcnow()
    session.flush()
    if was_enrolled:
        _free_seat(session, event.id)
    participant = session.get(Participant, enrollment.participant_id)
    assert participant is not None
    audit.record(session, actor=actor, action="training.withdraw",
                 subject_participant_id=participant.id, resource_type="training_enrollment",
                 resource_id=enrollment.id)
    registry.emit(session, "enrollment.updated", _event_data(participant, enrollment))
    promoted = promote_waitlisted(session, registry, event) if was_enrolled else []
    return enrollment, promoted


def promote_waitlisted(session: Session, registry: Registry, event: TrainingEvent
                       ) -> list[Enrollment]:
    """Give free seats to the waitlist, first come first served. Call with the event locked."""
    promoted: list[Enrollment] = []
    if event.status == "cancelled" or event.ends_at <= utcnow():
        return promoted
    while True:
        first = session.scalar(select(Enrollment).where(
            Enrollment.event_id == event.id, Enrollment.status == "waitlisted")
            .order_by(Enrollment.queued_at, Enrollment.id).limit(1))
        if first is None or not _take_seat(session, event.id):
            break
        first.status = "enrolled"
        session.flush()
        participant = session.get(Participant, first.participant_id)
        assert participant is not None
        registry.emit(session, "enrollment.updated", _event_data(participant, first))
        _mail(session, registry, first.participant_id,
              _("A seat opened: %(title)s", title=event.title),
              _("Good news: a seat opened in \"%(title)s\" on %(when)s and you are now "
                "enrolled.", title=event.title, when=format_local(event.starts_at))
              + "\n\n" + schedule_text(event)
              + ("\n" + _("Where: %(where)s", where=_("online: %(url)s", url=event.online_url))
                 if event.online_url else ""))
        promoted.append(first)
    session.refresh(event)
    return promoted


def get_enrollment(session: Session, enrollment_id: int) -> Enrollment:
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound(_("no such enrollment"))
    return enrollment


def participant_enrollments(session: Session, participant_id: str) -> list[Enrollment]:
    return list(session.scalars(
        select(Enrollment).join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
        .where(Enrollment.participant_id == participant_id)
        .order_by(TrainingEvent.starts_at.desc(), Enrollment.id)))


def enrollment_of(session: Session, event_id: int, participant_id: str) -> Enrollment | None:
    return session.scalar(select(Enrollment).where(Enrollment.event_id == event_id,
                                                   Enrollment.participant_id == participant_id))


def has_relationship(session: Session, participant_id: str, organization_id: int) -> bool:
    return session.scalar(
        select(Enrollment.id).join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
        .where(Enrollment.participant_id == participant_id,
               TrainingEvent.organization_id == organization_id).limit(1)) is not None


# --- saved events ----------------------------------------------------------------------------

def toggle_saved(session: Session, participant_id: str, event_id: int) -> bool:
    saved = session.scalar(select(SavedEvent).where(SavedEvent.participant_id == participant_id,
                                                    SavedEvent.event_id == event_id))
    if saved is not None:
        session.delete(saved)
        return False
    session.add(SavedEvent(participant_id=participant_id, event_id=event_id))
    session.flush()
    return True


def saved_events(session: Session, participant_id: str) -> list[TrainingEvent]:
    return list(session.scalars(
        select(TrainingEvent).join(SavedEvent, SavedEvent.event_id == TrainingEvent.id)
        .where(SavedEvent.participant_id == participant_id)
        .order_by(TrainingEvent.starts_at)))


# --- participant lifecycle (hooks) -----------------------------------------------------------

def export_participant(session: Session, participant_id: str) -> dict[str, Any]:
    rows = []
    for enrollment in participant_enrollments(session, participant_id):
        event = enrollment.event
        rows.append({"enrollment_id": enrollment.id, "event_id": event.id,
                     "title": event.title, "sponsor": event.organization.name,
                     "starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at),
                     "competency_area": event.competency_area, "language": event.language,
                     "hours": str(event.hours), "status": enrollment.status,
                     "hours_granted": (str(enrollment.hours_granted)
                                       if enrollment.hours_granted is not None else None)})
    saved = [event.id for event in saved_events(session, participant_id)]
    return {"enrollments": rows, "saved_event_ids": saved}


def erase_participant(session: Session, participant_id: str) -> None:
    """Drop bookmarks and instructor profile text; enrollment rows stay as anonymous counts."""
    for saved in session.scalars(select(SavedEvent)
                                 .where(SavedEvent.participant_id == participant_id)):
        session.delete(saved)
    account_id = session.scalar(select(Account.id).where(Account.participant_id == participant_id))
    if account_id is not None:
        for instructor in session.scalars(select(Instructor)
                                          .where(Instructor.account_id == account_id)):
            instructor.message = None
    for profile in session.scalars(select(InstructorProfile).where(
            InstructorProfile.participant_id == participant_id)):
        session.delete(profile)


def merge_participants(session: Session, registry: Registry, survivor_id: str,
                       merged_id: str) -> None:
    """Move enrollments and bookmarks to the survivor. Where both held a place in one event the
    survivor keeps the stronger one and a seat the duplicate held is given back."""
    rank = {"attended": 5, "no_show": 4, "enrolled": 3, "waitlisted": 2, "withdrawn": 1}
    for moved in list(session.scalars(select(Enrollment)
                                      .where(Enrollment.participant_id == merged_id))):
        kept = enrollment_of(session, moved.event_id, survivor_id)
        if kept is None:
            moved.participant_id = survivor_id
            continue
        event = _lock_event(session, moved.event_id)
        holds = ("enrolled", "attended", "no_show")
        both_hold = moved.status in holds and kept.status in holds
        if rank[moved.status] > rank[kept.status]:
            kept.status, kept.hours_granted = moved.status, moved.hours_granted
            kept.attendance_recorded_at, kept.queued_at = (moved.attendance_recorded_at,
                                                           moved.queued_at)
        session.delete(moved)
        session.flush()
        if both_hold:
            _free_seat(session, moved.event_id)
            promote_waitlisted(session, registry, event)
    session.flush()
    for saved in list(session.scalars(select(SavedEvent)
                                      .where(SavedEvent.participant_id == merged_id))):
        if session.scalar(select(SavedEvent.id).where(SavedEvent.participant_id == survivor_id,
                                                      SavedEvent.event_id == saved.event_id)):
            session.delete(saved)
        else:
            saved.participant_id = survivor_id
    session.flush()


def now_utc() -> datetime:
    return utcnow()


# --- attendance and hours (part 2) -----------------------------------------------------------

@dataclass
class AttendanceRecord:
    registry_id: str
    status: str  # attended | no_show


def record_attendance(session: Session, registry: Registry, event: TrainingEvent,
                      records: list[AttendanceRecord], *, actor: Actor | None
                      ) -> list[tuple[Participant, Enrollment]]:
    """Mark people Attended or No Show; Attended grants the event's hours (copied when the
    event was made). Someone with a valid Registry ID who is not on the event is a walk-in.
    Everything is checked first: one bad row and nothing is applied (:class:`Invalid` names
    each bad row). Corrections overwrite earlier marks and are audited."""
    from registry_kernel import registry_id as rid
    from registry_kernel.participants import ParticipantNotFound, get_by_registry_id

    begin_write(session)
    if event.status == "cancelled":
        raise Conflict(_("the event is cancelled"), reason="cancelled")
    if event.starts_at > utcnow():
        raise Conflict(_("attendance can be taken once the event has started"),
                       reason="not_started")
    errors: dict[str, str] = {}
    resolved: list[tuple[Participant, str]] = []
    seen: set[str] = set()
    for n, record in enumerate(records):
        if record.status not in ("attended", "no_show"):
            errors[f"records.{n}.status"] = _("attended or no_show")
            continue
        try:
            participant = get_by_registry_id(session, record.registry_id)
        except rid.InvalidRegistryId as exc:
            errors[f"records.{n}.registry_id"] = str(exc)
            continue
        except ParticipantNotFound:
            errors[f"records.{n}.registry_id"] = _("no participant has this Registry ID")
            continue
        if participant.id in seen:
            errors[f"records.{n}.registry_id"] = _("listed twice")
            continue
        seen.add(participant.id)
        resolved.append((participant, record.status))
    if not records:
        errors["records"] = _("give at least one record")
    if errors:
        raise Invalid(_("some attendance rows are not valid; nothing was recorded"), errors)
    _lock_event(session, event.id)
    now = utcnow()
    done = []
    for participant, status in resolved:
        enrollment = enrollment_of(session, event.id, participant.id)
        if enrollment is None:
            enrollment = Enrollment(event_id=event.id, participant_id=participant.id,
                                    status=status, queued_at=now, source="walk_in",
                                    enrolled_by_org_id=actor.organization_id if actor else None)
            session.add(enrollment)
            session.flush()
        previous = enrollment.status
        enrollment.status = status
        enrollment.hours_granted = event.hours if status == "attended" else None
        enrollment.attendance_recorded_at = now
        session.flush()
        audit.record(session, actor=actor, action=("training.attendance.correct"
                                                   if previous in ("attended", "no_show")
                                                   else "training.attendance"),
                     subject_participant_id=participant.id, resource_type="training_enrollment",
                     resource_id=enrollment.id, fields=[status])
        if status == "attended" and previous != "attended":
            _mail(session, registry, participant.id,
                  _("How was \"%(title)s\"?", title=event.title),
                  _("Thank you for attending. Your %(hours)s hours are on your Education & "
                    "Training Report. Please answer a short anonymous survey in My Training "
                    "Events.", hours=event.hours))
        registry.emit(session, "attendance.recorded", {
            **_event_data(participant, enrollment),
            "hours": str(enrollment.hours_granted) if enrollment.hours_granted else "0.00"})
        done.append((participant, enrollment))
    return done


def attended_trainings(session: Session, participant_id: str) -> list[dict[str, Any]]:
    """The participant's attended trainings, for the Education & Training Report."""
    rows = session.execute(
        select(Enrollment, TrainingEvent, Organization.name)
        .join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
        .join(Organization, Organization.id == TrainingEvent.organization_id)
        .where(Enrollment.participant_id == participant_id, Enrollment.status == "attended")
        .order_by(TrainingEvent.starts_at)).all()
    return [{"title": event.title, "hours": str(enrollment.hours_granted or event.hours),
             "completed_on": local_time(event.ends_at).date().isoformat(),
             "sponsor": sponsor, "competency_area": event.competency_area,
             "source": "training", "event_id": event.id}
            for enrollment, event, sponsor in rows]


def roster(session: Session, registry: Registry, event: TrainingEvent, actor: Actor | None,
           *, reason: str) -> list[dict[str, Any]]:
    """Everyone on the event with names (decrypted, each read audited), by last name."""
    from registry_kernel.participants import personal_data

    rows = session.execute(
        select(Enrollment, Participant).join(Participant,
                                             Participant.id == Enrollment.participant_id)
        .where(Enrollment.event_id == event.id)).all()
    result = []
    for enrollment, participant in rows:
        if participant.status == "erased":
            first = last = None
        else:
            data = personal_data(session, registry, participant, actor=actor,
                                 fields=("first_name", "last_name"), reason=reason)
            first, last = data.first_name, data.last_name
        result.append({"enrollment_id": enrollment.id, "registry_id": participant.registry_id,
                       "first_name": first, "last_name": last, "status": enrollment.status,
                       "hours_granted": (str(enrollment.hours_granted)
                                         if enrollment.hours_granted is not None else None)})
    order = {"enrolled": 0, "attended": 0, "no_show": 0, "waitlisted": 1, "withdrawn": 2}
    result.sort(key=lambda r: (order.get(r["status"], 3), (r["last_name"] or "").casefold(),
                               (r["first_name"] or "").casefold(), r["registry_id"]))
    return result


# --- anonymous feedback surveys (part 2) -----------------------------------------------------

# Questions, answers and summaries live in :mod:`.surveys` (configured per catalog entry).

def feedback_pending(session: Session, enrollment: Enrollment) -> bool:
    from .surveys import pending

    return pending(session, enrollment)


def answer_feedback(session: Session, enrollment: Enrollment, answers: dict[str, Any],
                    comment: str | None) -> None:
    """Store an anonymous answer to the catalog entry's survey (see :func:`surveys.answer`)."""
    from .surveys import answer

    answer(session, enrollment, answers, comment)
