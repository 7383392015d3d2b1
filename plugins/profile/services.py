"""Profile domain logic: the four profile sections, employment history, confirmation by the
employer, email change with re-verification, and the participant's export/erase/merge.

Plain functions over a SQLAlchemy session; callers commit. Personal values are sealed with the
participant's data key (``registry.vault``); the kernel's participant service handles the
fields that live on the participant row (email, phone, address, birth date).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from registry_kernel import audit, clock
from registry_kernel import participants as kernel_participants
from registry_kernel.clock import local_today
from registry_kernel.counties import canonical_county
from registry_kernel.db import utcnow
from registry_kernel.mail import send_mail
from registry_kernel.models import Account, Organization, Participant

from .models import EmailChange, Employment, ProfileDetails

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

DETAILS = "profile_details"
EMPLOYMENTS = "profile_employments"
EMAIL_CHANGES = "profile_email_changes"

DECLINED = "declined"  # "prefer not to say"

ROLE_CATEGORIES = ("assistant", "associate_teacher", "teacher", "lead_teacher", "master_teacher",
                   "site_supervisor", "program_director", "fcc_owner", "fcc_assistant",
                   "support_staff", "other")
AGE_GROUPS = ("infant", "toddler", "preschool", "school_age")
EMPLOYER_KINDS = ("employer_center", "employer_fcc")
ETHNICITIES = ("black", "native_american", "asian", "white", "latino", "pacific_islander",
               "multiracial", "other")
GENDERS = ("female", "male", "nonbinary", "other")
AGE_BANDS = ("under_20", "20_29", "30_39", "40_49", "50_59", "60_plus")
HOURS_BANDS = ("under_10", "10_19", "20_29", "30_39", "40_plus")
LANGUAGES = ("en", "es", "zh-yue", "cmn", "vi", "ru", "hmn", "fa", "ko", "tl", "ar", "hy",
             "other")
EDUCATION_LEVELS = ("high_school", "some_college", "aa", "ba", "ma", "doctorate", "other")
UI_LANGUAGES = ("en", "es", "zh-Hant")

EMAIL_TOKEN_TTL = timedelta(hours=48)
EMAIL_CHANGES_PER_DAY = 5
MIN_WAGE, MAX_WAGE = Decimal("1.00"), Decimal("250.00")
MAX_HOURS = Decimal("80")
EARLIEST_START = date(1940, 1, 1)


class ProfileError(ValueError):
    """Bad input: ``errors`` maps each field to a message (shown next to the field)."""

    def __init__(self, errors: dict[str, str], detail: str = "the request has invalid fields"):
        super().__init__(detail)
        self.errors = errors
        self.detail = detail


class TooManyRequests(RuntimeError):
    """Too many email changes asked for in a day (each one sends mail to two addresses)."""


class EmploymentNotFound(LookupError):
    """No employment record with this id belongs to the participant (or exists)."""


class EmploymentLocked(RuntimeError):
    """The record is confirmed by its employer: only the end date can change."""


class NotAllowed(PermissionError):
    """The actor may not confirm employment at this employer."""


def _messages(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = prefix + (".".join(str(p) for p in err["loc"]) or "(section)")
        message = "unknown field" if err["type"] == "extra_forbidden" else \
            err["msg"].removeprefix("Value error, ")
        errors.setdefault(loc, message)
    return errors


# --- sections ---------------------------------------------------------------------------------

class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _one_of(value: Any, allowed: tuple[str, ...], *, declinable: bool = True) -> Any:
    if value is None:
        return None
    choices = (*allowed, DECLINED) if declinable else allowed
    if value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    return value


def _many_of(value: Any, allowed: tuple[str, ...]) -> Any:
    """A list of codes, or ``"declined"`` for prefer not to say."""
    if value is None or value == DECLINED:
        return value
    if not isinstance(value, list):
        raise ValueError(f"must be a list of {', '.join(allowed)} or \"declined\"")
    bad = [v for v in value if v not in allowed]
    if bad:
        raise ValueError(f"unknown value(s) {', '.join(map(str, bad))}; use {', '.join(allowed)}")
    return list(dict.fromkeys(value))


class ExperienceSection(Section):
    """Experience: the year the person began in the ECE field and their current roles."""

    first_year_in_field: int | Literal["declined"] | None = None
    current_roles: list[str] | None = None

    @field_validator("first_year_in_field")
    @classmethod
    def _year(cls, value: Any) -> Any:
        this_year = clock.today().year
        if isinstance(value, int) and not 1940 <= value <= this_year:
            raise ValueError(f"must be a year between 1940 and {this_year}")
        return value

    @field_validator("current_roles")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        return _many_of(value, ROLE_CATEGORIES)


class EducationSection(Section):
    """Self-Reported Education, as the person reports it (verified records live elsewhere)."""

    highest_level: str | None = None
    ece_units: Decimal | None = Field(None, ge=0, le=400, decimal_places=1)
    degree_field: str | None = Field(None, max_length=200)

    @field_validator("highest_level")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return _one_of(value, EDUCATION_LEVELS)


class DemographicsSection(Section):
    """Self-reported demographics (DOMAIN.md), each with "declined" (prefer not to say)."""

    ethnicity: str | None = None
    gender: str | None = None
    age_band: str | None = None
    primary_language: str | None = None
    other_languages: list[str] | Literal["declined"] | None = None
    county_of_residence: str | None = None
    county_of_work: str | None = None
    hours_per_week: str | None = None
    ages_served: list[str] | Literal["declined"] | None = None

    @field_validator("ethnicity")
    @classmethod
    def _ethnicity(cls, value: Any) -> Any:
        return _one_of(value, ETHNICITIES)

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: Any) -> Any:
        return _one_of(value, GENDERS)

    @field_validator("age_band")
    @classmethod
    def _age_band(cls, value: Any) -> Any:
        return _one_of(value, AGE_BANDS)

    @field_validator("primary_language")
    @classmethod
    def _language(cls, value: Any) -> Any:
        return _one_of(value, LANGUAGES)

    @field_validator("other_languages")
    @classmethod
    def _languages(cls, value: Any) -> Any:
        return _many_of(value, LANGUAGES)

    @field_validator("hours_per_week")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        return _one_of(value, HOURS_BANDS)

    @field_validator("ages_served")
    @classmethod
    def _ages(cls, value: Any) -> Any:
        return _many_of(value, AGE_GROUPS)

    @field_validator("county_of_residence", "county_of_work")
    @classmethod
    def _county(cls, value: Any) -> Any:
        if value is None or value == DECLINED:
            return value
        canonical = canonical_county(value)
        if canonical is None:
            raise ValueError('not a California county (or "declined")')
        return canonical


SECTIONS: dict[str, type[Section]] = {"experience": ExperienceSection,
                                      "education": EducationSection,
                                      "demographics": DemographicsSection}


def _details(session: Session, participant_id: str, *, create: bool = False
             ) -> ProfileDetails | None:
    row = session.get(ProfileDetails, participant_id)
    if row is None and create:
        row = ProfileDetails(participant_id=participant_id)
        session.add(row)
    return row


def _open_json(session: Session, registry: Registry, participant_id: str, table: str,
               column: str, row: str, blob: bytes | None) -> Any:
    text = registry.vault.open(session, participant_id, table, column, row, blob)
    return None if text is None else json.loads(text)


def _seal_json(session: Session, registry: Registry, participant_id: str, table: str,
               column: str, row: str, value: Any) -> bytes | None:
    if value is None:
        return None
    return registry.vault.seal(session, participant_id, table, column, row,
                               json.dumps(value, sort_keys=True, default=str))


def read_sections(session: Session, registry: Registry, participant: Participant
                  ) -> dict[str, dict[str, Any]]:
    """The Experience, Education and Demographics sections, every field present (None unset)."""
    row = _details(session, participant.id)
    result: dict[str, dict[str, Any]] = {}
    for name, model in SECTIONS.items():
        stored = {} if row is None else _open_json(
            session, registry, participant.id, DETAILS, f"{name}_enc", participant.id,
            getattr(row, f"{name}_enc")) or {}
        result[name] = {field: stored.get(field) for field in model.model_fields}
    return result


def validate_section(name: str, data: dict[str, Any]) -> Section:
    try:
        return SECTIONS[name].model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_messages(exc, f"{name}.")) from exc


def update_sections(session: Session, registry: Registry, participant: Participant,
                    changes: dict[str, dict[str, Any]], *, actor: Actor | None,
                    replace: bool = False) -> list[str]:
    """Merge (or with ``replace``, overwrite) sections; a field set to ``None`` is cleared.

    Returns the changed field names (``section.field``); audited by field name only.
    """
    validated = {name: validate_section(name, data) for name, data in changes.items()}
    current = read_sections(session, registry, participant)
    row = _details(session, participant.id, create=True)
    changed: list[str] = []
    for name, section in validated.items():
        given = section.model_dump(mode="json", exclude_unset=not replace)
        merged = dict.fromkeys(SECTIONS[name].model_fields) if replace else dict(current[name])
        merged.update(given)
        changed += [f"{name}.{k}" for k in merged if merged[k] != current[name].get(k)]
        stored = {k: v for k, v in merged.items() if v is not None}
        setattr(row, f"{name}_enc", _seal_json(session, registry, participant.id, DETAILS,
                                               f"{name}_enc", participant.id, stored or None))
    if changed:
        session.flush()
        audit.record(session, actor=actor, action="profile.update",
                     subject_participant_id=participant.id, resource_type="profile",
                     resource_id=participant.registry_id, fields=changed)
    return changed


def resume_summary(session: Session, registry: Registry, participant: Participant) -> str:
    row = _details(session, participant.id)
    if row is None:
        return ""
    return registry.vault.open(session, participant.id, DETAILS, "resume_summary_enc",
                               participant.id, row.resume_summary_enc) or ""


# --- personal information (on the kernel's participant row) ----------------------------------

@dataclass
class PersonalChange:
    """What the participant asked to change in Personal Information."""

    phone: str | None = None
    birth_date: date | None = None
    address: dict[str, str] | None = None
    preferred_language: str | None = None
    county: str | None = None
    fields_set: frozenset[str] = frozenset()


def update_personal(session: Session, registry: Registry, participant: Participant,
                    change: PersonalChange, *, actor: Actor | None) -> list[str]:
    """Change phone, birth date, address (sealed by the kernel), language and county."""
    sealed = {name: getattr(change, name) for name in ("phone", "birth_date", "address")
              if name in change.fields_set}
    changed = kernel_participants.update_personal_data(session, registry, participant, sealed,
                                                       actor=actor) if sealed else []
    if "preferred_language" in change.fields_set and change.preferred_language \
            and change.preferred_language != participant.preferred_language:
        participant.preferred_language = change.preferred_language
        changed.append("preferred_language")
    if "county" in change.fields_set and change.county != participant.county:
        participant.county = change.county
        changed.append("county")
    session.flush()
    return changed


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_email_change(session: Session, registry: Registry, participant: Participant,
                         new_email: str, *, actor: Actor | None, verify_url: str) -> str | None:
    """Start an email change: mail a single-use link to the new address and tell the old one.

    The log-in email changes only when the link is followed. ``verify_url`` holds ``{token}``.
    Returns the token (``None`` if the address is unchanged); raises ``DuplicateEmail``.
    """
    new_email = new_email.strip()
    current = kernel_participants.personal_data(session, registry, participant,
                                                fields=("email", "first_name"))
    if current.email and current.email.casefold() == new_email.casefold():
        return None
    if kernel_participants.email_taken(session, registry, new_email):
        raise kernel_participants.DuplicateEmail(new_email)
    recent = session.scalar(select(func.count()).select_from(EmailChange).where(
        EmailChange.participant_id == participant.id,
        EmailChange.created_at > utcnow() - timedelta(days=1)))
    if (recent or 0) >= EMAIL_CHANGES_PER_DAY:
        raise TooManyRequests("too many email changes today")
    session.execute(update(EmailChange).where(EmailChange.participant_id == participant.id,
                                              EmailChange.used_at.is_(None))
                    .values(used_at=utcnow()))  # an older pending request is void
    token = secrets.token_urlsafe(32)
    change = EmailChange(participant_id=participant.id, new_email_enc=b"",
                         token_hash=_token_hash(token), expires_at=utcnow() + EMAIL_TOKEN_TTL)
    session.add(change)
    session.flush()
    change.new_email_enc = registry.vault.seal(session, participant.id, EMAIL_CHANGES,
                                               "new_email", str(change.id), new_email) or b""
    name = registry.settings.registry_name
    greeting = f"Hello {current.first_name}," if current.first_name else "Hello,"
    send_mail(session, registry, participant_id=participant.id, to=new_email,
              subject=f"{name}: confirm your new email address",
              text=f"{greeting}\n\nTo use this address to sign in to the {name}, open this link "
                   f"within 48 hours:\n\n{verify_url.format(token=token)}\n\n"
                   "If you did not ask for this, ignore this message.\n")
    if current.email:
        send_mail(session, registry, participant_id=participant.id, to=current.email,
                  subject=f"{name}: a change of your sign-in email was requested",
                  text=f"{greeting}\n\nSomeone signed in to your {name} account asked to change "
                       "its sign-in email to another address. The change happens only when the "
                       "new address is confirmed. If this was not you, contact the help desk "
                       "and change your password.\n")
    audit.record(session, actor=actor, action="profile.email_change_requested",
                 subject_participant_id=participant.id, resource_type="participant",
                 resource_id=participant.registry_id, fields=["email"])
    return token


def pending_email(session: Session, registry: Registry, participant: Participant) -> str | None:
    change = session.scalar(select(EmailChange).where(
        EmailChange.participant_id == participant.id, EmailChange.used_at.is_(None),
        EmailChange.expires_at > utcnow()).order_by(EmailChange.id.desc()).limit(1))
    if change is None:
        return None
    return registry.vault.open(session, participant.id, EMAIL_CHANGES, "new_email",
                               str(change.id), change.new_email_enc)


def confirm_email_change(session: Session, registry: Registry, token: str, *,
                         participant_id: str | None = None) -> Participant | None:
    """Apply the change a token stands for; ``None`` for an unknown, used or expired token.

    Raises ``DuplicateEmail`` if someone registered the address meanwhile.
    """
    change = session.scalar(select(EmailChange).where(EmailChange.token_hash == _token_hash(token)))
    if change is None or change.used_at is not None or change.expires_at <= utcnow():
        return None
    if participant_id is not None and change.participant_id != participant_id:
        return None
    participant = session.get(Participant, change.participant_id)
    if participant is None or participant.status != "active":
        return None
    new_email = registry.vault.open(session, participant.id, EMAIL_CHANGES, "new_email",
                                    str(change.id), change.new_email_enc)
    old = kernel_participants.personal_data(session, registry, participant, fields=("email",))
    kernel_participants.update_personal_data(session, registry, participant,
                                             {"email": new_email}, actor=None,
                                             reason="email change verified by link")
    change.used_at = utcnow()
    account = session.scalar(select(Account).where(Account.participant_id == participant.id))
    if account is not None:
        account.email_verified_at = utcnow()
    name = registry.settings.registry_name
    if old.email:
        send_mail(session, registry, participant_id=participant.id, to=old.email,
                  subject=f"{name}: your sign-in email was changed",
                  text=f"Your {name} account now signs in with a different email address. "
                       "If this was not you, contact the help desk right away.\n")
    return participant


# --- employment ------------------------------------------------------------------------------

class EmploymentInput(BaseModel):
    """Fields of an employment record (all optional here; ``create_employment`` checks the
    required ones). Validated again as a whole after a change is merged in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employer_id: int | None = None
    employer_name: str | None = Field(None, min_length=1, max_length=200)
    position: str | None = Field(None, min_length=1, max_length=100)
    role_category: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    hours_per_week: Decimal | None = Field(None, decimal_places=2)
    hourly_wage: Decimal | None = Field(None, decimal_places=2)
    age_groups: list[str] | None = None
    responsibilities: list[str] | None = None
    include_in_resume: bool | None = None

    @field_validator("role_category")
    @classmethod
    def _role(cls, value: Any) -> Any:
        return _one_of(value, ROLE_CATEGORIES, declinable=False)

    @field_validator("age_groups")
    @classmethod
    def _ages(cls, value: Any) -> Any:
        if value is None:
            return None
        return _many_of(value, AGE_GROUPS)

    @field_validator("hours_per_week")
    @classmethod
    def _hours(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not Decimal(0) < value <= MAX_HOURS:
            raise ValueError(f"hours per week must be more than 0 and at most {MAX_HOURS}")
        return value

    @field_validator("hourly_wage")
    @classmethod
    def _wage(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not MIN_WAGE <= value <= MAX_WAGE:
            raise ValueError(f"hourly wage must be between {MIN_WAGE} and {MAX_WAGE} dollars")
        return value

    @field_validator("responsibilities")
    @classmethod
    def _bullets(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        bullets = [" ".join(b.split()) for b in value if b and b.strip()]
        if len(bullets) > 30 or any(len(b) > 300 for b in bullets):
            raise ValueError("at most 30 responsibilities of at most 300 characters each")
        return bullets


def parse_employment(data: dict[str, Any], *, registry: Registry | None = None,
                     session: Session | None = None) -> EmploymentInput:
    """Validate fields. Given a registry and session (a whole record from a form), the
    whole-record rules run on the valid fields too, so every problem is reported at once."""
    try:
        return EmploymentInput.model_validate(data)
    except ValidationError as exc:
        errors = _messages(exc)
        if registry is not None and session is not None:
            bad = {key.split(".")[0] for key in errors}
            try:
                rest = EmploymentInput.model_validate(
                    {k: v for k, v in data.items() if k not in bad}).model_dump()
                _check(registry, session, rest)
            except (ValidationError, ProfileError) as more:
                extra = more.errors if isinstance(more, ProfileError) else {}
                for key, message in extra.items():
                    if key not in bad:
                        errors.setdefault(key, message)
        raise ProfileError(errors) from exc


def find_employers(session: Session, text: str, limit: int = 20) -> list[Organization]:
    """Employers (centers and FCC homes) by license number (exact) or name (contains)."""
    text = " ".join(text.split())
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(session.scalars(
        select(Organization).where(Organization.kind.in_(EMPLOYER_KINDS),
                                   Organization.is_active.is_(True),
                                   or_(Organization.license_number == text,
                                       Organization.name.ilike(pattern, escape="\\")))
        .order_by(Organization.name).limit(limit)))


def _check(registry: Registry, session: Session, values: dict[str, Any], *,
           check_employer: bool = True) -> dict[str, Any]:
    """Whole-record rules; returns the employer organization (or None) under ``employer``."""
    errors: dict[str, str] = {}
    today = local_today(registry)
    if values.get("employer_id") is not None and values.get("employer_name"):
        errors["employer_id"] = "give either employer_id (a listed employer) or employer_name, " \
                                "not both"
        errors["employer_name"] = errors["employer_id"]
    elif values.get("employer_id") is None and not values.get("employer_name"):
        errors["employer_id"] = "choose a listed employer (employer_id) or name one (employer_name)"
    employer = None
    if values.get("employer_id") is not None and "employer_id" not in errors and check_employer:
        employer = session.get(Organization, values["employer_id"])
        if employer is None or employer.kind not in EMPLOYER_KINDS or not employer.is_active:
            errors["employer_id"] = "no listed employer has this id"
            employer = None
    for name in ("position", "role_category", "start_date"):
        if values.get(name) in (None, ""):
            errors[name] = "this field is required"
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None:
        if start > today:
            errors["start_date"] = "the start date cannot be in the future"
        elif start < EARLIEST_START:
            errors["start_date"] = f"the start date cannot be before {EARLIEST_START.isoformat()}"
    if end is not None:
        if end > today:
            errors["end_date"] = "the end date cannot be in the future"
        elif start is not None and end < start:
            errors["end_date"] = "the end date cannot be before the start date"
    if errors:
        raise ProfileError(errors)
    return {"employer": employer}


def _seal_employment(session: Session, registry: Registry, record: Employment,
                     wage: Decimal | Literal["keep"] | None, bullets: list[str] | str | None
                     ) -> None:
    if wage != "keep":
        record.hourly_wage_enc = registry.vault.seal(
            session, record.participant_id, EMPLOYMENTS, "hourly_wage", str(record.id),
            None if wage is None else str(wage))
    if bullets != "keep":
        record.responsibilities_enc = _seal_json(session, registry, record.participant_id,
                                                 EMPLOYMENTS, "responsibilities", str(record.id),
                                                 bullets or None)


def employment_wage(session: Session, registry: Registry, record: Employment) -> Decimal | None:
    text = registry.vault.open(session, record.participant_id, EMPLOYMENTS, "hourly_wage",
                               str(record.id), record.hourly_wage_enc)
    return None if text is None else Decimal(text)


def employment_responsibilities(session: Session, registry: Registry,
                                record: Employment) -> list[str]:
    return _open_json(session, registry, record.participant_id, EMPLOYMENTS, "responsibilities",
                      str(record.id), record.responsibilities_enc) or []


def create_employment(session: Session, registry: Registry, participant: Participant,
                      data: EmploymentInput, *, actor: Actor | None) -> Employment:
    values = data.model_dump()
    _check(registry, session, values)
    record = Employment(participant_id=participant.id, employer_id=data.employer_id,
                        employer_name=data.employer_name if data.employer_id is None else None,
                        position=data.position, role_category=data.role_category,
                        start_date=data.start_date, end_date=data.end_date,
                        hours_per_week=data.hours_per_week, age_groups=data.age_groups or [],
                        include_in_resume=True if data.include_in_resume is None
                        else data.include_in_resume, status="pending")
    session.add(record)
    session.flush()
    _seal_employment(session, registry, record, data.hourly_wage, data.responsibilities)
    session.flush()
    audit.record(session, actor=actor, action="employment.create",
                 subject_participant_id=participant.id, resource_type="employment",
                 resource_id=record.id,
                 fields=[k for k, v in values.items() if v is not None])
    return record


def get_employment(session: Session, participant: Participant, employment_id: int) -> Employment:
    record = session.get(Employment, employment_id)
    if record is None or record.participant_id != participant.id:
        raise EmploymentNotFound(employment_id)
    return record


def update_employment(session: Session, registry: Registry, participant: Participant,
                      employment_id: int, data: EmploymentInput, *, actor: Actor | None
                      ) -> Employment:
    """Change a record. A confirmed record only takes ``end_date`` (:class:`EmploymentLocked`).

    A rejected record that is edited goes back to pending, for the employer to look at again.
    """
    record = get_employment(session, participant, employment_id)
    given = data.model_dump(exclude_unset=True)
    if record.status == "confirmed" and set(given) - {"end_date"}:
        raise EmploymentLocked(sorted(set(given) - {"end_date"}))
    current = {"employer_id": record.employer_id, "employer_name": record.employer_name,
               "position": record.position, "role_category": record.role_category,
               "start_date": record.start_date, "end_date": record.end_date}
    merged = {**current, **{k: v for k, v in given.items() if k in current}}
    if "employer_id" in given and given["employer_id"] is not None and "employer_name" not in given:
        merged["employer_name"] = None
    if "employer_name" in given and given["employer_name"] and "employer_id" not in given:
        merged["employer_id"] = None
    # A confirmed record keeps its employer even if that organization later leaves the registry
    _check(registry, session, merged, check_employer=record.status != "confirmed")
    for name, value in merged.items():
        setattr(record, name, value)
    cleared = {"hours_per_week": None, "age_groups": [], "include_in_resume": True}
    for name, empty in cleared.items():
        if name in given:
            setattr(record, name, empty if given[name] is None else given[name])
    _seal_employment(session, registry, record, given.get("hourly_wage", "keep"),
                     given.get("responsibilities", "keep"))
    if record.status == "rejected":
        record.status = "pending"
        record.confirmed_at = None
        record.confirmed_by_account_id = None
    session.flush()
    audit.record(session, actor=actor, action="employment.update",
                 subject_participant_id=participant.id, resource_type="employment",
                 resource_id=record.id, fields=sorted(given))
    return record


def delete_employment(session: Session, participant: Participant, employment_id: int, *,
                      actor: Actor | None) -> None:
    """Remove a record entered by mistake; a confirmed record stays (:class:`EmploymentLocked`)."""
    record = get_employment(session, participant, employment_id)
    if record.status == "confirmed":
        raise EmploymentLocked(["id"])
    audit.record(session, actor=actor, action="employment.delete",
                 subject_participant_id=participant.id, resource_type="employment",
                 resource_id=record.id)
    session.delete(record)
    session.flush()


def save_resume(session: Session, registry: Registry, participant: Participant, *,
                summary: str, jobs: dict[int, tuple[bool, list[str]]],
                actor: Actor | None) -> None:
    """Resume Builder: the Summary of Qualifications and, per job, include/exclude and bullets.

    Resume choices are presentation, so they may change on confirmed records too.
    """
    summary = summary.strip()
    if len(summary) > 4000:
        raise ProfileError({"summary": "at most 4000 characters"})
    row = _details(session, participant.id, create=True)
    row.resume_summary_enc = registry.vault.seal(session, participant.id, DETAILS,
                                                 "resume_summary_enc", participant.id,
                                                 summary or None)
    for employment_id, (include, bullets) in jobs.items():
        record = get_employment(session, participant, employment_id)
        checked = parse_employment({"responsibilities": bullets}).responsibilities
        record.include_in_resume = include
        _seal_employment(session, registry, record, "keep", checked)
    session.flush()
    audit.record(session, actor=actor, action="profile.resume_saved",
                 subject_participant_id=participant.id, resource_type="profile",
                 resource_id=participant.registry_id, fields=["resume"])


def list_employment(session: Session, participant_id: str) -> list[Employment]:
    """The participant's records, newest first (current jobs, then by start date)."""
    rows = session.scalars(select(Employment).where(Employment.participant_id == participant_id))
    return sorted(rows, key=lambda r: (r.end_date is None, r.end_date or date.max, r.start_date,
                                       r.id), reverse=True)


def employer_label(session: Session, record: Employment) -> str:
    if record.employer_id is not None:
        org = session.get(Organization, record.employer_id)
        if org is not None:
            return org.name
    return record.employer_name or ""


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def employment_json(session: Session, registry: Registry, record: Employment) -> dict[str, Any]:
    """The owner's view of a record (wage included)."""
    wage = employment_wage(session, registry, record)
    org = session.get(Organization, record.employer_id) if record.employer_id else None
    return {
        "id": record.id, "employer_id": record.employer_id,
        "employer_name": org.name if org else record.employer_name,
        "employer_listed": org is not None,
        "employer_license_number": org.license_number if org else None,
        "position": record.position, "role_category": record.role_category,
        "start_date": record.start_date.isoformat(),
        "end_date": record.end_date.isoformat() if record.end_date else None,
        "current": record.end_date is None,
        "hours_per_week": _money(record.hours_per_week),
        "hourly_wage": _money(wage),
        "age_groups": list(record.age_groups or []),
        "responsibilities": employment_responsibilities(session, registry, record),
        "include_in_resume": record.include_in_resume,
        "status": record.status,
        "confirmed": record.status == "confirmed",
        "confirmed_at": record.confirmed_at.isoformat() if record.confirmed_at else None,
        "editable_fields": ["end_date"] if record.status == "confirmed" else "all",
    }


# --- employer side (called by the jobs plugin) -------------------------------------------------

def employments_at(session: Session, org_id: int, *, status: str | None = None
                   ) -> list[Employment]:
    """Employment records naming ``org_id`` as employer (no personal data), newest first.

    The caller (the employer's program administrator's page) reads names through the kernel,
    audited, and checks the actor's right to act for the organization.
    """
    query = select(Employment).where(Employment.employer_id == org_id)
    if status is not None:
        query = query.where(Employment.status == status)
    return list(session.scalars(query.order_by(Employment.start_date.desc(),
                                               Employment.id.desc())))


def _employer_record(session: Session, employment_id: int, actor: Actor) -> Employment:
    """The record, if ``actor`` may act on it for its employer (see :func:`confirm_employment`)."""
    record = session.get(Employment, employment_id)
    if record is None or record.employer_id is None:
        raise EmploymentNotFound(employment_id)
    org_id = record.employer_id
    if actor.organization_id is not None and actor.organization_id != org_id \
            and not actor.is_staff:
        raise EmploymentNotFound(employment_id)  # a token bound to another organization
    if not actor.can("employment.confirm", org_id):
        if actor.acts_for_org(org_id):
            raise NotAllowed("only the employer's program administrator can confirm employment")
        raise EmploymentNotFound(employment_id)
    return record


def confirm_employment(session: Session, registry: Registry, employment_id: int, *,
                       actor: Actor, confirmed: bool) -> Employment:
    """The employer's program administrator confirms (or rejects) a record naming their
    organization. Confirming again records a periodic reconfirmation.

    Raises :class:`EmploymentNotFound` for an unknown id or a record of another employer (so
    existence does not leak) and :class:`NotAllowed` when the actor cannot confirm for it.
    Emits ``employment.confirmed`` (ids only) on confirmation.
    """
    record = _employer_record(session, employment_id, actor)
    record.status = "confirmed" if confirmed else "rejected"
    record.confirmed_at = utcnow()
    record.confirmed_by_account_id = actor.account_id
    session.flush()
    audit.record(session, actor=actor,
                 action="employment.confirm" if confirmed else "employment.reject",
                 subject_participant_id=record.participant_id, resource_type="employment",
                 resource_id=record.id)
    if confirmed:
        participant = session.get(Participant, record.participant_id)
        registry.emit(session, "employment.confirmed", {
            "employment_id": record.id, "organization_id": record.employer_id,
            "registry_id": participant.registry_id if participant else None})
    return record


def set_end_date_by_employer(session: Session, registry: Registry, employment_id: int, *,
                             end_date: date, actor: Actor) -> Employment:
    """The employer's program administrator records the day someone left (the one field an
    employer may set; added for the jobs plugin).

    Same refusals as :func:`confirm_employment` (:class:`EmploymentNotFound` for another
    employer's record, :class:`NotAllowed`); a date in the future or before the start is a
    :class:`ProfileError` on ``end_date``. Audited.
    """
    record = session.get(Employment, employment_id)
    if record is None or record.employer_id is None:
        raise EmploymentNotFound(employment_id)
    org_id = record.employer_id
    if actor.organization_id is not None and actor.organization_id != org_id \
            and not actor.is_staff:
        raise EmploymentNotFound(employment_id)
    if not actor.can("employment.confirm", org_id):
        if actor.acts_for_org(org_id):
            raise NotAllowed("only the employer's program administrator can end employment")
        raise EmploymentNotFound(employment_id)
    if end_date > local_today(registry):
        raise ProfileError({"end_date": "the end date cannot be in the future"})
    if end_date < record.start_date:
        raise ProfileError({"end_date": "the end date cannot be before the start date"})
    record.end_date = end_date
    session.flush()
    audit.record(session, actor=actor, action="employment.end_by_employer",
                 subject_participant_id=record.participant_id, resource_type="employment",
                 resource_id=record.id, fields=["end_date"])
    return record


def has_confirmed_employment(session: Session, participant_id: str, org_id: int) -> bool:
    return session.scalar(select(Employment.id).where(
        Employment.participant_id == participant_id, Employment.employer_id == org_id,
        Employment.status == "confirmed").limit(1)) is not None


# --- whole-record hooks ------------------------------------------------------------------------

def export(session: Session, registry: Registry, participant: Participant) -> dict[str, Any]:
    return {
        **read_sections(session, registry, participant),
        "resume_summary": resume_summary(session, registry, participant),
        "employment": [employment_json(session, registry, r)
                       for r in list_employment(session, participant.id)],
    }


def erase(session: Session, participant_id: str) -> None:
    """Delete every personal row of the plugin (employment records included)."""
    for model in (Employment, EmailChange, ProfileDetails):
        session.execute(delete(model).where(model.participant_id == participant_id))


def merge(session: Session, registry: Registry, survivor_id: str, merged_id: str) -> None:
    """Move the merged profile's rows to the survivor.

    Sealed values are bound to their owner's data key, which a merge shreds right after, so
    they are opened with the merged profile's key and re-sealed under the survivor's; the
    survivor's own profile sections win over the merged one's.
    """
    records = list(session.scalars(select(Employment).where(
        Employment.participant_id == merged_id)))
    for record in records:
        wage = employment_wage(session, registry, record)
        bullets = employment_responsibilities(session, registry, record)
        record.participant_id = survivor_id
        _seal_employment(session, registry, record, wage, bullets)
    session.execute(delete(EmailChange).where(EmailChange.participant_id == merged_id))
    merged_row = session.get(ProfileDetails, merged_id)
    if merged_row is not None:
        if session.get(ProfileDetails, survivor_id) is None:
            merged_p = session.get(Participant, merged_id)
            survivor_p = session.get(Participant, survivor_id)
            if merged_p is not None and survivor_p is not None:
                sections = read_sections(session, registry, merged_p)
                summary = resume_summary(session, registry, merged_p)
                update_sections(session, registry, survivor_p, sections, actor=None)
                if summary:
                    row = _details(session, survivor_id, create=True)
                    row.resume_summary_enc = registry.vault.seal(
                        session, survivor_id, DETAILS, "resume_summary_enc", survivor_id, summary)
        session.delete(merged_row)
    session.flush()
