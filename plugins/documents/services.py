"""Domain logic of the documents plugin: My Documents, the verification queue, verified records,
the Education & Training Report, and what other plugins (qris, jobs) ask about a person's education.

Plain functions over a SQLAlchemy session; the API and the UI stay thin. Files are sealed under
the participant's data key with ``aad = b"file|<participant_id>|<document_id>"`` and stored by
the ciphertext's SHA-256 (:mod:`.storage`). A blob written for a transaction that rolls back is
deleted; a blob whose row is deleted goes only after the deletion commits.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from registry_kernel import audit, clock
from registry_kernel.db import new_uuid, utcnow
from registry_kernel.models import Participant
from registry_kernel.read_only import side_write

from .models import Course, Degree, Document, Permit, ReportIssue, TrainingRecord
from .report_cache import ReportCache, report_key
from .storage import FileStorage, LocalFileStorage

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

# --- vocabularies (DOMAIN.md) ---------------------------------------------------------------

def N_(text: str) -> str:
    """Mark a string for translation (extracted with ``-k N_``; translated where shown)."""
    return text


DOCUMENT_TYPE_LABELS = {
    "transcript": N_("Transcript"),
    "degree": N_("Degree or diploma"),
    "permit": N_("Child Development Permit"),
    "credential": N_("Teaching or other credential"),
    "training_certificate": N_("Training certificate"),
    "registry_report": N_("Report from another registry"),
    "other": N_("Other"),
}
PERMIT_LEVELS = {
    "assistant": N_("Assistant"),
    "associate_teacher": N_("Associate Teacher"),
    "teacher": N_("Teacher"),
    "master_teacher": N_("Master Teacher"),
    "site_supervisor": N_("Site Supervisor"),
    "program_director": N_("Program Director"),
    "childrens_center": N_("Children's Center (pre-1997)"),
}
CREDENTIAL_KINDS = {
    "teaching_credential": N_("Teaching credential"),
    "administrative_services_credential": N_("Administrative Services Credential"),
    "cda": N_("Child Development Associate (CDA)"),
    "other": N_("Other credential"),
}
DEGREE_LEVELS = ("AA", "AS", "BA", "BS", "MA", "MS", "PhD", "EdD", "other")
CORE_AREAS = ("child_growth", "child_family_community", "curriculum", "administration",
              "adult_supervision", "specialization", "supervised_field_experience")
GE_AREAS = ("english", "math_science", "social_sciences", "humanities_fine_arts", "other")
COMPETENCY_AREAS = ("CDL", "CDE", "RIG", "FCE", "DLD", "OSAD", "SNI", "LEC", "HSN", "LEAD",
                    "PROF", "ADM")

# Letter grades best first; pass/credit count as passing; the rest never count.
LETTER_GRADES = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F")
PASS_GRADES = ("P", "CR")
OTHER_GRADES = ("NP", "NC", "W", "I", "IP")
GRADE_ALIASES = {"PASS": "P", "CREDIT": "CR", "NO PASS": "NP", "NO CREDIT": "NC"}
TWO_PLACES = Decimal("0.01")

MEDIA_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
CLAIM_MINUTES = 30


class DocumentError(Exception):
    """A request the documents plugin refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field_name


# --- grades and units ----------------------------------------------------------------------

def normalize_grade(text: str) -> str:
    """``"c-"`` -> ``"C-"``, ``"pass"`` -> ``"P"``; ``ValueError`` for anything not a grade."""
    grade = " ".join(str(text).upper().split())
    grade = GRADE_ALIASES.get(grade, grade)
    if grade not in (*LETTER_GRADES, *PASS_GRADES, *OTHER_GRADES):
        raise ValueError(f"{text!r} is not a grade (A+ to F, P, CR, NP, NC, W, I, IP)")
    return grade


def grade_meets(grade: str, threshold: str) -> bool:
    """Whether ``grade`` is ``threshold`` or better; pass/credit always count."""
    if grade in PASS_GRADES:
        return True
    if grade not in LETTER_GRADES:
        return False
    return LETTER_GRADES.index(grade) <= LETTER_GRADES.index(normalize_grade(threshold))


def semester_units(units: Decimal, unit_system: str) -> Decimal:
    """Units in semester units, two places: a quarter unit counts 2/3 of a semester unit."""
    value = Decimal(units)
    if unit_system == "quarter":
        value = value * 2 / 3
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def hours2(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# --- record schemas (validated once, used by the API and the staff form) ----------------------

Text200 = Field(min_length=1, max_length=200)


class RecordModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _two_places(value: Decimal) -> Decimal:
    if value != value.quantize(TWO_PLACES):
        raise ValueError("at most two decimal places")
    return value


class DegreeIn(RecordModel):
    level: Literal["AA", "AS", "BA", "BS", "MA", "MS", "PhD", "EdD", "other"]
    major: str = Text200
    ece_related: bool = False
    institution: str = Text200
    accredited: bool = True
    conferred_on: date


class CourseIn(RecordModel):
    institution: str = Text200
    course_number: str = Field(min_length=1, max_length=40)
    title: str = Text200
    units: Decimal = Field(gt=0, le=30)
    unit_system: Literal["semester", "quarter"]
    grade: str = Field(min_length=1, max_length=12)
    completed_on: date
    category: Literal["ece", "ge"]
    ge_area: Literal["english", "math_science", "social_sciences", "humanities_fine_arts",
                     "other"] | None = None
    core_area: Literal["child_growth", "child_family_community", "curriculum", "administration",
                       "adult_supervision", "specialization",
                       "supervised_field_experience"] | None = None

    _units = field_validator("units")(_two_places)

    @field_validator("grade")
    @classmethod
    def _grade(cls, value: str) -> str:
        return normalize_grade(value)


class _Dated(RecordModel):
    @model_validator(mode="after")
    def _order(self) -> Any:
        issued, expires = getattr(self, "issued_on", None), getattr(self, "expires_on", None)
        if issued and expires and expires <= issued:
            raise ValueError("expires_on must be after issued_on")
        return self


class PermitIn(_Dated):
    level: Literal["assistant", "associate_teacher", "teacher", "master_teacher",
                   "site_supervisor", "program_director", "childrens_center"]
    number: str = Field(min_length=1, max_length=64)
    issued_on: date
    expires_on: date
    school_age_emphasis: bool = False


class CredentialIn(_Dated):
    type: Literal["teaching_credential", "administrative_services_credential", "cda", "other"]
    title: str | None = Field(None, max_length=200)
    number: str = Field(min_length=1, max_length=64)
    issued_on: date
    expires_on: date | None = None


class TrainingIn(RecordModel):
    sponsor: str = Text200
    title: str = Text200
    completed_on: date
    hours: Decimal = Field(gt=0, le=2000)
    competency_area: Literal["CDL", "CDE", "RIG", "FCE", "DLD", "OSAD", "SNI", "LEC", "HSN",
                             "LEAD", "PROF", "ADM"] | None = None

    _hours = field_validator("hours")(_two_places)


class VerificationIn(RecordModel):
    """What one document proves. Every list may be empty (e.g. a transcript of failed courses)."""

    degrees: list[DegreeIn] = Field(default_factory=list, max_length=50)
    courses: list[CourseIn] = Field(default_factory=list, max_length=400)
    permits: list[PermitIn] = Field(default_factory=list, max_length=20)
    credentials: list[CredentialIn] = Field(default_factory=list, max_length=20)
    training: list[TrainingIn] = Field(default_factory=list, max_length=400)


# --- storage and the registry behind a session ---------------------------------------------

_REGISTRIES: weakref.WeakKeyDictionary[Any, Registry] = weakref.WeakKeyDictionary()
_STORAGES: weakref.WeakKeyDictionary[Any, FileStorage] = weakref.WeakKeyDictionary()
_REPORT_CACHES: weakref.WeakKeyDictionary[Any, ReportCache] = weakref.WeakKeyDictionary()
_NEW_BLOBS = "documents_new_blobs"
_DOOMED_BLOBS = "documents_doomed_blobs"


def bind_registry(registry: Registry, storage: FileStorage | None = None) -> None:
    """Remember the registry of an engine (hooks such as ``participant_erased`` get only a
    session) and its file storage."""
    _REGISTRIES[registry.engine] = registry
    if storage is not None:
        _STORAGES[registry] = storage


def registry_for(session: Session) -> Registry | None:
    bind = session.get_bind()
    return _REGISTRIES.get(getattr(bind, "engine", bind))


def storage_for(registry: Registry) -> FileStorage:
    storage = _STORAGES.get(registry)
    if storage is None:
        config = registry.plugin_config("documents")
        if config and config.storage_backend:
            storage = _STORAGES[registry] = _load_backend(config.storage_backend, registry)
            return storage
        root = Path(config.storage_path) if config and config.storage_path else \
            registry.settings.instance_path / "files"
        storage = _STORAGES[registry] = LocalFileStorage(root)
    return storage


def _load_backend(spec: str, registry: Registry) -> FileStorage:
    """Build the configured ``storage_backend`` (``"package.module:factory"``)."""
    import importlib

    from registry_kernel.config import ConfigError

    module_name, _, attribute = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"[plugins.documents] storage_backend {spec!r} cannot be loaded: "
                          f"{exc}") from exc
    storage = factory(registry)
    missing = [name for name in ("put", "open", "delete", "exists")
               if not callable(getattr(storage, name, None))]
    if missing:
        raise ConfigError(f"[plugins.documents] storage_backend {spec!r} returned a storage "
                          f"without {', '.join(missing)}")
    return storage


def report_cache_for(registry: Registry) -> ReportCache:
    """This process's cache of rendered report PDFs (see :mod:`.report_cache`)."""
    cache = _REPORT_CACHES.get(registry)
    if cache is None:
        config = registry.plugin_config("documents")
        cache = _REPORT_CACHES[registry] = ReportCache(
            entries=config.report_cache_entries if config else 256,
            max_age=config.report_cache_seconds if config else 3600)
    return cache


def _put(session: Session, storage: FileStorage, ciphertext: bytes) -> str:
    address = storage.put(ciphertext)
    session.info.setdefault(_NEW_BLOBS, []).append((storage, address))
    return address


def _delete_after_commit(session: Session, storage: FileStorage, address: str) -> None:
    session.info.setdefault(_DOOMED_BLOBS, []).append((storage, address))


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_NEW_BLOBS, None)
    for storage, address in session.info.pop(_DOOMED_BLOBS, None) or ():
        storage.delete(address)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DOOMED_BLOBS, None)
    for storage, address in session.info.pop(_NEW_BLOBS, None) or ():
        storage.delete(address)


# --- files -----------------------------------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """The media type by magic bytes (never the client's claim), or ``None``."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def check_file(data: bytes, max_bytes: int) -> str:
    """Validate an upload by content; returns its media type or raises :class:`DocumentError`."""
    if not data:
        raise DocumentError(422, N_("the file is empty"), "file")
    if len(data) > max_bytes:
        raise DocumentError(413, f"the file is larger than {max_bytes // (1024 * 1024)} MB", "file")
    media_type = sniff(data)
    if media_type is None:
        raise DocumentError(415, N_("only PDF, JPEG or PNG files are accepted"), "file")
    if media_type == "application/pdf":
        if b"%%EOF" not in data[-4096:]:
            raise DocumentError(422, N_("the PDF file is damaged or incomplete"), "file")
    else:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
                Image.DecompressionBombError) as exc:
            raise DocumentError(422, N_("the image file is damaged or unreadable"), "file") from exc
    return media_type


def safe_filename(name: str | None, media_type: str) -> str:
    """A download name from the uploader's file name: no path, no odd characters."""
    base = Path((name or "").replace("\\", "/")).name
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(base).stem).strip(" ._")[:80] or "document"
    return stem + MEDIA_TYPES[media_type]


def file_aad(participant_id: str, document_id: str) -> bytes:
    return f"file|{participant_id}|{document_id}".encode()


def _seal_meta(session: Session, registry: Registry, participant_id: str, document_id: str,
               meta: dict[str, Any]) -> bytes:
    blob = registry.vault.seal(session, participant_id, "documents_documents", "meta",
                               document_id, json.dumps(meta, sort_keys=True))
    assert blob is not None
    return blob


def document_meta(session: Session, registry: Registry, document: Document) -> dict[str, Any]:
    text = registry.vault.open(session, document.participant_id, "documents_documents", "meta",
                               document.id, document.meta_enc)
    return json.loads(text or "{}")


def _validate_details(type_: str, level: str | None, number: str | None,
                      issued_on: date | None, expires_on: date | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if type_ not in DOCUMENT_TYPE_LABELS:
        errors["type"] = N_("not a document type")
    if type_ in ("permit", "credential"):
        if not level:
            errors["level"] = N_("this field is required for a permit or credential")
        elif type_ == "permit" and level not in PERMIT_LEVELS:
            errors["level"] = N_("not a Child Development Permit level")
        elif type_ == "credential" and level not in CREDENTIAL_KINDS:
            errors["level"] = N_("not a credential type")
        if not number:
            errors["number"] = N_("this field is required for a permit or credential")
        if issued_on is None:
            errors["issued_on"] = N_("this field is required for a permit or credential")
        if expires_on is None and type_ == "permit":
            errors["expires_on"] = N_("this field is required for a permit")
    if issued_on and expires_on and expires_on <= issued_on:
        errors["expires_on"] = N_("the expiration date must be after the issue date")
    return errors


class InvalidDetails(DocumentError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(422, "the document details are invalid")
        self.errors = errors


def max_upload_bytes(registry: Registry) -> int:
    config = registry.plugin_config("documents")
    megabytes = config.max_upload_mb if config is not None else 10
    return int(megabytes * 1024 * 1024)


def upload_document(session: Session, registry: Registry, participant: Participant, *,
                    data: bytes, filename: str | None, type_: str, level: str | None = None,
                    number: str | None = None, issued_on: date | None = None,
                    expires_on: date | None = None, hidden_from_employers: bool = False,
                    actor: Actor | None = None) -> Document:
    """Check, seal and store a file and list it as ``unverified``. Raises :class:`DocumentError`.

    The caller commits; if it rolls back instead, the stored blob is deleted again.
    """
    errors = _validate_details(type_, level, number, issued_on, expires_on)
    if errors:
        raise InvalidDetails(errors)
    media_type = check_file(data, max_upload_bytes(registry))
    document = Document(id=new_uuid(), participant_id=participant.id, type=type_,
                        level=level if type_ in ("permit", "credential") else None,
                        number=number or None, issued_on=issued_on, expires_on=expires_on,
                        media_type=media_type, size=len(data), status="unverified",
                        hidden_from_employers=hidden_from_employers, uploaded_at=utcnow(),
                        uploaded_by_account_id=actor.account_id if actor else None)
    ciphertext = registry.vault.seal_bytes(session, participant.id,
                                           file_aad(participant.id, document.id), data)
    document.blob = _put(session, storage_for(registry), ciphertext)
    document.meta_enc = _seal_meta(session, registry, participant.id, document.id, {
        "filename": safe_filename(filename, media_type),
        "sha256": hashlib.sha256(data).hexdigest()})
    session.add(document)
    session.flush()
    if actor is not None and actor.participant_id != participant.id:
        audit.record(session, actor=actor, action="document.upload_on_behalf",
                     subject_participant_id=participant.id, resource_type="document",
                     resource_id=document.id)
    return document


@dataclass
class FileContent:
    data: bytes
    filename: str
    media_type: str


def read_file(session: Session, registry: Registry, document: Document, *,
              actor: Actor | None, reason: str | None = None) -> FileContent:
    """Decrypt a document's file; audited when anyone but its owner reads it."""
    if actor is not None and actor.participant_id != document.participant_id:
        audit.record(session, actor=actor, action="document.file.read",
                     subject_participant_id=document.participant_id, resource_type="document",
                     resource_id=document.id, fields=["file"], reason=reason)
    ciphertext = storage_for(registry).open(document.blob)
    data = registry.vault.open_bytes(session, document.participant_id,
                                     file_aad(document.participant_id, document.id), ciphertext)
    meta = document_meta(session, registry, document)
    if meta.get("sha256") and hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise DocumentError(500, "the stored file does not match its digest")
    return FileContent(data=data, filename=meta.get("filename") or "document",
                       media_type=document.media_type)


def own_documents(session: Session, participant_id: str) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.participant_id == participant_id)
                                .order_by(Document.uploaded_at.desc(), Document.id)))


def own_document(session: Session, participant_id: str, document_id: str) -> Document | None:
    document = session.get(Document, document_id)
    if document is None or document.participant_id != participant_id:
        return None
    return document


def delete_document(session: Session, registry: Registry, document: Document) -> None:
    """A participant deletes an unverified (or rejected) document; never a verified one."""
    if document.status == "verified":
        raise DocumentError(409, N_("a verified document cannot be deleted"))
    result = session.execute(delete(Document).where(Document.id == document.id,
                                                    Document.status != "verified"))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DocumentError(409, N_("a verified document cannot be deleted"))
    session.expunge(document)
    _delete_after_commit(session, storage_for(registry), document.blob)


def set_hidden(document: Document, hidden: bool) -> None:
    document.hidden_from_employers = hidden


def document_json(document: Document, filename: str | None = None) -> dict[str, Any]:
    return {
        "id": document.id, "type": document.type, "status": document.status,
        "level": document.level, "number": document.number,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "expires_on": document.expires_on.isoformat() if document.expires_on else None,
        "media_type": document.media_type, "size": document.size,
        "filename": filename,
        "hidden_from_employers": document.hidden_from_employers,
        "uploaded_at": document.uploaded_at.isoformat(),
        "decided_at": document.decided_at.isoformat() if document.decided_at else None,
        "reject_reason": document.reject_reason,
    }


# --- verification queue --------------------------------------------------------------------

def queue_query(*, type_: str | None = None, county: str | None = None,
                min_waiting_days: int | None = None, now: datetime | None = None
                ) -> Select[Any]:
    """Unverified documents, oldest first, with the owner's Registry ID and county."""
    query = (select(Document, Participant.registry_id, Participant.county)
             .join(Participant, Participant.id == Document.participant_id)
             .where(Document.status == "unverified", Participant.status == "active")
             .order_by(Document.uploaded_at, Document.id))
    if type_:
        query = query.where(Document.type == type_)
    if county:
        query = query.where(func.lower(Participant.county) == county.strip().lower())
    if min_waiting_days:
        query = query.where(Document.uploaded_at <= (now or utcnow())
                            - timedelta(days=min_waiting_days))
    return query


def waiting_days(document: Document, now: datetime | None = None) -> int:
    return max(0, ((now or utcnow()) - document.uploaded_at).days)


def queue_item(row: Any, now: datetime | None = None) -> dict[str, Any]:
    document, registry_id, county = row
    now = now or utcnow()
    claim_active = (document.claimed_by_account_id is not None and document.claimed_at
                    and document.claimed_at > now - timedelta(minutes=CLAIM_MINUTES))
    return {**document_json(document), "registry_id": registry_id, "county": county,
            "waiting_days": waiting_days(document, now),
            "claimed_by_account_id": document.claimed_by_account_id if claim_active else None}


def queue_stats(session: Session, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    count, oldest = session.execute(
        select(func.count(Document.id), func.min(Document.uploaded_at))
        .join(Participant, Participant.id == Document.participant_id)
        .where(Document.status == "unverified", Participant.status == "active")).one()
    if oldest is not None and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return {"waiting": count or 0,
            "oldest_waiting_days": max(0, (now - oldest).days) if oldest else 0}


def _claimable(actor: Actor, now: datetime) -> Any:
    return or_(Document.claimed_by_account_id.is_(None),
               Document.claimed_by_account_id == actor.account_id,
               Document.claimed_at < now - timedelta(minutes=CLAIM_MINUTES))


def claim_document(session: Session, document: Document, actor: Actor) -> None:
    """Claim a document for ``CLAIM_MINUTES`` so two staff never work on one document."""
    now = utcnow()
    result = session.execute(update(Document).where(
        Document.id == document.id, Document.status == "unverified", _claimable(actor, now))
        .values(claimed_by_account_id=actor.account_id, claimed_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(document)
        if document.status != "unverified":
            raise DocumentError(409, N_("this document is already verified")
                                if document.status == "verified"
                                else N_("this document is already rejected"))
        raise DocumentError(409, N_("another staff member is working on this document"))
    session.refresh(document)


def release_claim(session: Session, document: Document, actor: Actor) -> None:
    session.execute(update(Document).where(Document.id == document.id,
                                           Document.claimed_by_account_id == actor.account_id)
                    .values(claimed_by_account_id=None, claimed_at=None)
                    .execution_options(synchronize_session=False))
    session.refresh(document)


def _decide(session: Session, document: Document, actor: Actor, status: str,
            reason: str | None = None) -> None:
    now = utcnow()
    result = session.execute(update(Document).where(
        Document.id == document.id, Document.status == "unverified", _claimable(actor, now))
        .values(status=status, decided_at=now, decided_by_account_id=actor.account_id,
                reject_reason=reason, claimed_by_account_id=None, claimed_at=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(document)
        if document.status != "unverified":
            raise DocumentError(409, N_("this document is already verified")
                                if document.status == "verified"
                                else N_("this document is already rejected"))
        raise DocumentError(409, N_("another staff member is working on this document"))
    session.refresh(document)


def _participant_email(session: Session, registry: Registry, participant_id: str
                       ) -> tuple[Participant, str | None]:
    from registry_kernel.participants import personal_data

    participant = session.get(Participant, participant_id)
    assert participant is not None
    data = personal_data(session, registry, participant, fields=("first_name", "email"))
    return participant, data.email


def _translate(language: str, text: str, **values: Any) -> str:
    """Translate mail text into the participant's language when the UI's Babel is set up."""
    try:
        from flask import current_app
        from flask_babel import force_locale, gettext

        if "babel" in current_app.extensions:
            with force_locale(language):
                return gettext(text, **values)
    except (ImportError, RuntimeError):
        pass
    return text % values if values else text


def verify_document(session: Session, registry: Registry, document: Document,
                    records: VerificationIn, *, actor: Actor) -> dict[str, int]:
    """Turn a document into verified records; the participant is told and
    ``document.verified`` fires. Raises :class:`DocumentError` (409) if the document is not
    waiting or another staff member holds it."""
    _decide(session, document, actor, "verified")
    common = {"participant_id": document.participant_id, "document_id": document.id,
              "verified_by_account_id": actor.account_id}
    for degree in records.degrees:
        session.add(Degree(**common, **degree.model_dump()))
    for course in records.courses:
        session.add(Course(**common, **course.model_dump()))
    for permit in records.permits:
        session.add(Permit(**common, kind="cd_permit", **permit.model_dump()))
    for credential in records.credentials:
        values = credential.model_dump()
        kind = values.pop("type")
        session.add(Permit(**common, kind=kind, level=None, **values))
    for training in records.training:
        session.add(TrainingRecord(**common, **training.model_dump()))
    session.flush()
    counts = {"degrees": len(records.degrees), "courses": len(records.courses),
              "permits": len(records.permits), "credentials": len(records.credentials),
              "training": len(records.training)}
    audit.record(session, actor=actor, action="document.verify",
                 subject_participant_id=document.participant_id, resource_type="document",
                 resource_id=document.id, fields=[k for k, v in counts.items() if v])
    participant, email = _participant_email(session, registry, document.participant_id)
    if email:
        from registry_kernel.mail import send_mail

        language = participant.preferred_language or "en"
        send_mail(session, registry, participant_id=participant.id, to=email,
                  subject=_translate(language, N_("Your document was verified")),
                  text=_translate(
                      language, N_("Registry staff verified your %(type)s. The records it proves "
                                 "now appear on your Education & Training Report: %(url)s"),
                      type=_translate(language, DOCUMENT_TYPE_LABELS.get(document.type, document.type)),
                      url=registry.settings.base_url.rstrip("/") + "/documents/report"))
    registry.emit(session, "document.verified", {
        "document_id": document.id, "registry_id": participant.registry_id,
        "type": document.type})
    return counts


def reject_document(session: Session, registry: Registry, document: Document, reason: str, *,
                    actor: Actor) -> None:
    """Reject a document with a reason; the participant is emailed to resubmit."""
    _decide(session, document, actor, "rejected", reason)
    audit.record(session, actor=actor, action="document.reject",
                 subject_participant_id=document.participant_id, resource_type="document",
                 resource_id=document.id, reason=reason)
    participant, email = _participant_email(session, registry, document.participant_id)
    if email:
        from registry_kernel.mail import send_mail

        language = participant.preferred_language or "en"
        send_mail(session, registry, participant_id=participant.id, to=email,
                  subject=_translate(language, N_("Please resubmit your document")),
                  text=_translate(
                      language, N_("Registry staff could not verify your %(type)s.\n\nReason: "
                                 "%(reason)s\n\nPlease upload it again under My Documents: %(url)s"),
                      type=_translate(language, DOCUMENT_TYPE_LABELS.get(document.type,
                                                                         document.type)),
                      reason=reason,
                      url=registry.settings.base_url.rstrip("/") + "/documents/"))


def institution_courses(session: Session, institution: str, limit: int = 50) -> list[dict[str, Any]]:
    """Courses already entered for an institution (suggestions for the staff form)."""
    rows = session.execute(
        select(Course.course_number, Course.title, Course.units, Course.unit_system,
               Course.category, Course.core_area, func.count(Course.id))
        .where(func.lower(Course.institution) == institution.strip().lower())
        .group_by(Course.course_number, Course.title, Course.units, Course.unit_system,
                  Course.category, Course.core_area)
        .order_by(func.count(Course.id).desc(), Course.course_number).limit(limit)).all()
    return [{"course_number": r[0], "title": r[1], "units": str(r[2]), "unit_system": r[3],
             "category": r[4], "core_area": r[5]} for r in rows]


# --- verified records --------------------------------------------------------------------------

def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def degree_json(d: Degree) -> dict[str, Any]:
    return {"id": d.id, "level": d.level, "major": d.major, "ece_related": d.ece_related,
            "institution": d.institution, "accredited": d.accredited,
            "conferred_on": _iso(d.conferred_on), "document_id": d.document_id}


def course_json(c: Course) -> dict[str, Any]:
    return {"id": c.id, "institution": c.institution, "course_number": c.course_number,
            "title": c.title, "units": str(hours2(c.units)), "unit_system": c.unit_system,
            "semester_units": str(semester_units(c.units, c.unit_system)), "grade": c.grade,
            "completed_on": _iso(c.completed_on), "category": c.category, "ge_area": c.ge_area,
            "core_area": c.core_area, "document_id": c.document_id}


def permit_json(p: Permit, today: date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    if p.kind == "cd_permit":
        name = "Child Development Permit: " + PERMIT_LEVELS.get(p.level or "", p.level or "")
    else:
        name = p.title or CREDENTIAL_KINDS.get(p.kind, p.kind)
    return {"id": p.id, "kind": p.kind, "level": p.level, "name": name, "number": p.number,
            "issued_on": _iso(p.issued_on), "expires_on": _iso(p.expires_on),
            "school_age_emphasis": p.school_age_emphasis,
            "current": p.expires_on is None or p.expires_on >= today,
            "document_id": p.document_id}


def training_json(t: TrainingRecord) -> dict[str, Any]:
    return {"id": t.id, "sponsor": t.sponsor, "title": t.title,
            "completed_on": _iso(t.completed_on), "hours": str(hours2(t.hours)),
            "competency_area": t.competency_area, "source": "documents",
            "document_id": t.document_id}


def _records(session: Session, model: Any, participant_id: str, *order: Any) -> list[Any]:
    return list(session.scalars(select(model).where(model.participant_id == participant_id)
                                .order_by(*order, model.id)))


@dataclass
class VerifiedEducation:
    """What verified documents prove about a person, for other plugins (qris, jobs, stipends).

    Units are semester units of courses passed at ``grade_threshold`` (default the CTC's "C");
    ``units_by_core_area`` sums ECE units per core area. Permits and credentials carry
    ``current``; training comes from verified certificates only (the training plugin reports
    its own attended events).
    """

    ece_units: Decimal = Decimal("0.00")
    ge_units: Decimal = Decimal("0.00")
    units_by_core_area: dict[str, Decimal] = field(default_factory=dict)
    quarter_units_by_core_area: dict[str, Decimal] = field(default_factory=dict)
    core_areas: set[str] = field(default_factory=set)
    courses: list[dict[str, Any]] = field(default_factory=list)
    degrees: list[dict[str, Any]] = field(default_factory=list)
    permits: list[dict[str, Any]] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)
    training_hours: Decimal = Decimal("0.00")

    def core_course_met(self, area: str) -> bool:
        """A core area is covered by at least 3 semester or 4 quarter units (DOMAIN.md)."""
        return (self.units_by_core_area.get(area, Decimal(0)) >= 3
                or self.quarter_units_by_core_area.get(area, Decimal(0)) >= 4)

    def highest_degree(self) -> str | None:
        rank = {"AA": 1, "AS": 1, "BA": 2, "BS": 2, "MA": 3, "MS": 3, "PhD": 4, "EdD": 4}
        levels = [d["level"] for d in self.degrees if d["level"] in rank]
        return max(levels, key=lambda level: rank[level]) if levels else None

    def current_permit_levels(self) -> list[str]:
        return [p["level"] for p in self.permits
                if p["kind"] == "cd_permit" and p["current"] and p["level"]]


@dataclass
class _EducationRecords:
    """One participant's verified rows, read once (the report and its guidance share them)."""

    courses: list[Course]  # by completion date, course number
    degrees: list[Degree]
    permits: list[Permit]
    training: list[TrainingRecord]


def _education_records(session: Session, participant_id: str) -> _EducationRecords:
    return _EducationRecords(
        courses=_records(session, Course, participant_id, Course.completed_on,
                         Course.course_number),
        degrees=_records(session, Degree, participant_id, Degree.conferred_on),
        permits=_records(session, Permit, participant_id, Permit.issued_on),
        training=_records(session, TrainingRecord, participant_id, TrainingRecord.completed_on))


def verified_education(session: Session, participant_id: str, *, grade_threshold: str = "C",
                       today: date | None = None, records: _EducationRecords | None = None
                       ) -> VerifiedEducation:
    """Verified units, degrees, permits and certificate training hours of one participant
    (``records``: rows already read by the caller, to save the queries)."""
    records = records or _education_records(session, participant_id)
    result = VerifiedEducation()
    for course in sorted(records.courses, key=lambda c: (c.completed_on, c.id)):
        if not grade_meets(course.grade, grade_threshold):
            continue
        units = semester_units(course.units, course.unit_system)
        result.courses.append(course_json(course))
        if course.category == "ece":
            result.ece_units += units
        else:
            result.ge_units += units
        if course.core_area:
            result.core_areas.add(course.core_area)
            result.units_by_core_area[course.core_area] = (
                result.units_by_core_area.get(course.core_area, Decimal("0.00")) + units)
            if course.unit_system == "quarter":
                result.quarter_units_by_core_area[course.core_area] = (
                    result.quarter_units_by_core_area.get(course.core_area, Decimal("0.00"))
                    + Decimal(course.units))
    result.degrees = [degree_json(d) for d in records.degrees]
    result.permits = [permit_json(p, today) for p in records.permits]
    result.training = [training_json(t) for t in records.training]
    result.training_hours = sum((Decimal(t["hours"]) for t in result.training), Decimal("0.00"))
    return result


# --- the Education & Training Report -----------------------------------------------------------

def _section_training(section: Any) -> list[dict[str, Any]]:
    items = section.data if isinstance(section.data, list) else \
        (section.data or {}).get("items", [])
    out = []
    for item in items:
        hours = item.get("hours")
        if hours is None:
            continue
        out.append({"sponsor": item.get("sponsor"), "title": item.get("title"),
                    "completed_on": item.get("completed_on") or item.get("date"),
                    "hours": str(hours2(Decimal(str(hours)))),
                    "competency_area": item.get("competency_area"),
                    "source": item.get("source") or section.key})
    return out


def build_report(session: Session, registry: Registry, participant: Participant) -> dict[str, Any]:
    """The Education & Training Report as JSON-ready data.

    Courses are shown only with ``settings.grade_threshold_report`` (default C-) or better;
    D and F stay stored but never appear. Units are semester units; totals are the sums of the
    shown courses. Other plugins add sections through ``education_report_sections``; a section
    whose ``key`` is ``"training"`` lists training records (``title``, ``hours``,
    ``completed_on``, ``sponsor``, ``competency_area``) that join the report's training list.
    """
    threshold = registry.settings.grade_threshold_report
    records = _education_records(session, participant.id)
    courses = [course_json(c) for c in records.courses if grade_meets(c.grade, threshold)]
    degrees = [degree_json(d) for d in records.degrees]
    permits = [permit_json(p) for p in records.permits]
    training = [training_json(t) for t in records.training]
    sections = []
    for section in registry.plugins.collect("education_report_sections", session=session,
                                            registry=registry, participant=participant):
        if section.key == "training":
            training.extend(_section_training(section))
        else:
            sections.append(section)
    training.sort(key=lambda t: (t.get("completed_on") or "", t.get("title") or ""))
    ece = sum((Decimal(c["semester_units"]) for c in courses if c["category"] == "ece"),
              Decimal("0.00"))
    ge = sum((Decimal(c["semester_units"]) for c in courses if c["category"] == "ge"),
             Decimal("0.00"))
    hours = sum((Decimal(t["hours"]) for t in training), Decimal("0.00"))
    education = verified_education(session, participant.id,
                                   grade_threshold=registry.settings.grade_threshold_permit,
                                   records=records)
    guidance = permit_guidance(education, education.training + [
        t for t in training if t.get("source") != "documents"])
    return {
        "permit_guidance": guidance,
        "registry_id": participant.registry_id,
        "generated_at": utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "grade_threshold": threshold,
        "degrees": degrees, "courses": courses, "permits": permits, "training": training,
        "totals": {"ece_units": str(hours2(ece)), "ge_units": str(hours2(ge)),
                   "training_hours": str(hours2(hours))},
        "sections": [{"key": s.key, "title": str(s.title), "order": s.order, "data": s.data,
                      "columns": [str(c) for c in s.columns], "rows": s.rows,
                      "totals": s.totals} for s in sorted(sections, key=lambda s: s.order)],
    }


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def normalize_code(text: str) -> str | None:
    raw = re.sub(r"[\s-]+", "", text or "").upper()
    if len(raw) != 12 or any(ch not in _CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def report_digest(report: dict[str, Any]) -> str:
    content = {k: v for k, v in report.items() if k not in ("generated_at", "verification")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def issue_report(session: Session, participant: Participant, report: dict[str, Any]) -> ReportIssue:
    """Record an issued report under a fresh public verification code (committed at once when
    ``session`` is a reading request's)."""
    issue = ReportIssue(code=new_code(), participant_id=participant.id,
                        registry_id=participant.registry_id, issued_at=utcnow(),
                        digest=report_digest(report), summary=json.dumps(report["totals"]))
    with side_write(session) as writer:
        writer.add(issue)
        writer.flush()
    report["verification"] = {"code": issue.code,
                              "issued_at": issue.issued_at.replace(microsecond=0).isoformat()}
    return issue


def report_pdf(session: Session, registry: Registry, participant: Participant,
               report: dict[str, Any], *, name: str, verify_base: str) -> bytes:
    """The report as a PDF, from this process's cache when the same content was already
    rendered (same verification code), else issued under a new code, rendered and cached."""
    registry_name = registry.settings.registry_name
    cache = report_cache_for(registry)
    key = report_key(participant.id, report_digest(report), name=name,
                     registry_name=registry_name, verify_base=verify_base)
    cached = cache.get(key)
    if cached is not None:
        issue = session.get(ReportIssue, cached.code)
        if issue is not None and issue.participant_id == participant.id:
            report["verification"] = {
                "code": issue.code, "issued_at": issue.issued_at.replace(microsecond=0).isoformat()}
            return cached.pdf
        cache.forget(key)  # the issue is gone (an erased record): issue a new one
    issue = issue_report(session, participant, report)
    from .reports import render_pdf

    pdf = render_pdf(report, name=name, registry_name=registry_name,
                 verify_url=f"{verify_base}{issue.code}")
    cache.put(key, issue.code, pdf)
    return pdf


def check_code(session: Session, text: str) -> dict[str, Any] | None:
    """What the public may learn about a report code: that it is genuine, when it was issued
    and for which Registry ID (never a name)."""
    code = normalize_code(text)
    issue = session.get(ReportIssue, code) if code else None
    if issue is None:
        return None
    return {"valid": True, "code": issue.code, "document": "Education & Training Report",
            "registry_id": issue.registry_id,
            "issued_at": issue.issued_at.replace(microsecond=0).isoformat(),
            "digest": issue.digest, "totals": json.loads(issue.summary or "{}")}


# --- whole-record hooks ------------------------------------------------------------------------

_RECORD_MODELS = (Degree, Course, Permit, TrainingRecord)


def export_participant(session: Session, registry: Registry, participant: Participant
                       ) -> dict[str, Any]:
    documents = []
    for document in own_documents(session, participant.id):
        meta = document_meta(session, registry, document)
        documents.append({**document_json(document, meta.get("filename")),
                          "sha256": meta.get("sha256")})
    return {
        "documents": documents,
        "degrees": [degree_json(d) for d in _records(session, Degree, participant.id)],
        "courses": [course_json(c) for c in _records(session, Course, participant.id)],
        "permits": [permit_json(p) for p in _records(session, Permit, participant.id)],
        "training": [training_json(t) for t in _records(session, TrainingRecord, participant.id)],
        "report_issues": [
            {"code": i.code, "issued_at": i.issued_at.isoformat()}
            for i in session.scalars(select(ReportIssue).where(
                ReportIssue.participant_id == participant.id).order_by(ReportIssue.issued_at))],
    }


def erase_participant(session: Session, participant_id: str) -> None:
    """Delete the participant's documents, files, records and issued report codes."""
    registry = registry_for(session)
    blobs = list(session.scalars(select(Document.blob).where(
        Document.participant_id == participant_id)))
    for model in (*_RECORD_MODELS, ReportIssue, Document):
        session.execute(delete(model).where(model.participant_id == participant_id)
                        .execution_options(synchronize_session=False))
    if registry is not None:
        storage = storage_for(registry)
        for blob in blobs:
            _delete_after_commit(session, storage, blob)


def merge_participants(session: Session, survivor_id: str, merged_id: str) -> None:
    """Move documents and records to the survivor; files are re-sealed under the survivor's
    data key (the merged profile's key is destroyed right after)."""
    registry = registry_for(session)
    for model in (*_RECORD_MODELS, ReportIssue):
        session.execute(update(model).where(model.participant_id == merged_id)
                        .values(participant_id=survivor_id)
                        .execution_options(synchronize_session=False))
    documents = list(session.scalars(select(Document).where(Document.participant_id == merged_id)))
    if documents and registry is None:
        raise RuntimeError("documents: no registry bound to this session's engine")
    for document in documents:
        assert registry is not None
        storage = storage_for(registry)
        data = registry.vault.open_bytes(session, merged_id, file_aad(merged_id, document.id),
                                         storage.open(document.blob))
        meta = document_meta(session, registry, document)
        old_blob = document.blob
        document.blob = _put(session, storage, registry.vault.seal_bytes(
            session, survivor_id, file_aad(survivor_id, document.id), data))
        document.meta_enc = _seal_meta(session, registry, survivor_id, document.id, meta)
        document.participant_id = survivor_id
        _delete_after_commit(session, storage, old_blob)
    session.flush()


# --- permit renewal and next step (guidance) ---------------------------------------------------

RENEWAL_HOURS = Decimal("105.00")
CORE_COURSES = ("child_growth", "child_family_community", "curriculum")
# Education (option 1) of each Child Development Permit level, lowest first (DOMAIN.md; CTC).
# Experience is not verified by the registry, so the result is guidance only.
PERMIT_EDUCATION: tuple[tuple[str, dict[str, Any]], ...] = (
    ("assistant", {"ece": 6}),
    ("associate_teacher", {"ece": 12, "core": True}),
    ("teacher", {"ece": 24, "core": True, "ge": 16}),
    ("master_teacher", {"ece": 24, "core": True, "ge": 16, "specialization": 6,
                        "adult_supervision": 2}),
    ("site_supervisor", {"ece": 24, "core": True, "ge": 16, "administration": 6,
                         "adult_supervision": 2, "degree": "AA", "or_total_units": 60}),
    ("program_director", {"ece": 24, "core": True, "administration": 6,
                          "adult_supervision": 2, "degree": "BA"}),
)
CORE_AREA_LABELS = {  # English words inside translated sentences (kept short)
    "child_growth": "child growth", "child_family_community": "child, family and community",
    "curriculum": "curriculum", "administration": "administration",
    "adult_supervision": "adult supervision", "specialization": "specialization",
}
_DEGREE_RANK = {"AA": 1, "AS": 1, "BA": 2, "BS": 2, "MA": 3, "MS": 3, "PhD": 4, "EdD": 4}


def _missing_for(requirements: dict[str, Any], education: VerifiedEducation
                 ) -> list[tuple[str, dict[str, str]]]:
    """What is still missing for a level, as ``(message, values)`` pairs (translatable)."""
    missing: list[tuple[str, dict[str, str]]] = []
    for key in ("ece", "ge"):
        need = Decimal(requirements.get(key, 0))
        have = education.ece_units if key == "ece" else education.ge_units
        if have < need:
            message = N_("%(units)s more ECE/CD units") if key == "ece" else \
                N_("%(units)s more general education units")
            missing.append((message, {"units": str(hours2(need - have))}))
    if requirements.get("core"):
        for area in CORE_COURSES:  # each at least 3 semester or 4 quarter units
            if not education.core_course_met(area):
                missing.append((N_("core course: %(area)s (3 units)"),
                                {"area": CORE_AREA_LABELS[area]}))
    for area in ("specialization", "administration", "adult_supervision"):
        need = Decimal(requirements.get(area, 0))
        have = education.units_by_core_area.get(area, Decimal(0))
        if have < need:
            missing.append((N_("%(units)s more %(area)s units"),
                            {"units": str(hours2(need - have)), "area": CORE_AREA_LABELS[area]}))
    degree = requirements.get("degree")
    if degree:
        best = max((_DEGREE_RANK.get(d["level"], 0) for d in education.degrees
                    if d.get("accredited", True)), default=0)
        total = education.ece_units + education.ge_units
        alternative = requirements.get("or_total_units")
        if best < _DEGREE_RANK[degree] and not (alternative and total >= alternative):
            if alternative:
                missing.append((N_("%(degree)s degree or higher (or %(units)s units in all)"),
                                {"degree": degree, "units": str(alternative)}))
            else:
                missing.append((N_("%(degree)s degree or higher"), {"degree": degree}))
    return missing


def permit_guidance(education: VerifiedEducation, training: list[dict[str, Any]],
                    today: date | None = None) -> dict[str, Any]:
    """Renewal progress of the current Child Development Permit (105 hours of professional
    growth in its five-year window) and which levels the verified education appears to meet."""
    today = today or clock.today()
    levels = []
    for level, requirements in PERMIT_EDUCATION:
        missing = _missing_for(requirements, education)
        levels.append({"level": level, "label": PERMIT_LEVELS[level],
                       "meets_education": not missing,
                       "missing": [message % values for message, values in missing],
                       "missing_items": [{"message": message, "values": values}
                                         for message, values in missing]})
    renewal = None
    current = sorted((p for p in education.permits if p["kind"] == "cd_permit" and p["current"]
                      and p["expires_on"]), key=lambda p: p["expires_on"], reverse=True)
    if current:
        permit = current[0]
        expires = date.fromisoformat(permit["expires_on"])
        start = date.fromisoformat(permit["issued_on"]) if permit["issued_on"] else \
            expires.replace(year=expires.year - 5)
        hours = sum((Decimal(t["hours"]) for t in training if t.get("completed_on")
                     and start.isoformat() <= str(t["completed_on"])[:10] <= expires.isoformat()),
                    Decimal("0.00"))
        renewal = {"level": permit["level"], "label": PERMIT_LEVELS.get(permit["level"] or "", ""),
                   "number": permit["number"], "window_start": start.isoformat(),
                   "expires_on": permit["expires_on"], "hours": str(hours2(hours)),
                   "required_hours": str(RENEWAL_HOURS),
                   "remaining_hours": str(hours2(max(Decimal(0), RENEWAL_HOURS - hours))),
                   "days_left": (expires - today).days,
                   "note": (N_("An Associate Teacher Permit renews once, with 15 more units toward "
                               "the Teacher Permit.") if permit["level"] == "associate_teacher"
                            else None)}
    return {"renewal": renewal, "levels": levels,
            "disclaimer": N_("Guidance from verified education only; experience is not checked.")}


def training_from_plugins(session: Session, registry: Registry, participant: Participant
                          ) -> list[dict[str, Any]]:
    """Training records other plugins contribute (sections keyed ``training``)."""
    items: list[dict[str, Any]] = []
    for section in registry.plugins.collect("education_report_sections", session=session,
                                            registry=registry, participant=participant):
        if section.key == "training":
            items.extend(_section_training(section))
    return items


def participant_guidance(session: Session, registry: Registry, participant: Participant,
                         today: date | None = None) -> dict[str, Any]:
    education = verified_education(session, participant.id,
                                   grade_threshold=registry.settings.grade_threshold_permit,
                                   today=today)
    training = education.training + training_from_plugins(session, registry, participant)
    return permit_guidance(education, training, today)


def documents_for_employers(session: Session, participant_id: str) -> list[dict[str, Any]]:
    """Verified documents an employer the participant works with may list (never the files):
    everything except what the participant chose to hide from employers. For the jobs and
    profile plugins, which decide which employers have a relationship with the participant."""
    rows = session.scalars(select(Document).where(
        Document.participant_id == participant_id, Document.status == "verified",
        Document.hidden_from_employers.is_(False)).order_by(Document.uploaded_at))
    return [{"id": d.id, "type": d.type, "level": d.level, "number": d.number,
             "issued_on": _iso(d.issued_on), "expires_on": _iso(d.expires_on),
             "verified_at": d.decided_at.isoformat() if d.decided_at else None} for d in rows]
