"""CSV exchange: import the participants an agency already has, export what it works with.

Import layout (UTF-8, header row, comma separated; ``docs/adapters.md``)::

    first_name,last_name,email,birth_date,phone,county,preferred_language

``first_name``, ``last_name`` and ``email`` are required columns; the rest may be left out or
empty. ``birth_date`` is ``YYYY-MM-DD``. Each row is validated exactly as
``POST /api/v1/participants`` validates a body, then matched, never duplicated:

1. the email's blind index (``find_by_email``) -> ``exists``;
2. else first name + last name + birth date (``find_by_name_and_birth_date``): one match ->
   ``exists``; several -> an error for the help desk to resolve;
3. a row repeating an earlier row's email or name + birth date -> ``duplicate_in_file``;
4. otherwise ``create`` (a new participant registered by the organization).

An existing person's Registry ID is reported only when the organization already has a
relationship with them (it registered them, employs them, enrolled them); otherwise the report
says only that they are already registered, so an import cannot be used to look people up.
A dry run does everything except writing. A real import creates the valid rows and reports the
others with their line numbers; running it again after fixing the file creates nothing twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import participants as kp
from registry_kernel.api_views import ParticipantIn
from registry_kernel.crypto import normalize_email, normalize_name
from registry_kernel.models import Participant

from .._shared import local_date

if TYPE_CHECKING:
    from registry_kernel.runtime import Registry

COLUMNS = ("first_name", "last_name", "email", "birth_date", "phone", "county",
           "preferred_language")
REQUIRED = ("first_name", "last_name", "email")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024


class CsvError(ValueError):
    """The file as a whole cannot be read (encoding, columns, size)."""


@dataclass
class RowResult:
    line: int
    action: str  # create | exists | duplicate_in_file | error
    registry_id: str | None = None
    matched_on: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "action": self.action}
        for name in ("registry_id", "matched_on", "detail"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "exists": 0, "duplicate_in_file": 0, "error": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "counts": self.counts(),
                "rows": [row.as_json() for row in self.rows]}


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Decode and parse; ``(line number, row)`` pairs. Raises :class:`CsvError`."""
    if len(data) > MAX_BYTES:
        raise CsvError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(f"the file is not UTF-8 text (byte {exc.start} cannot be read); save "
                       "it as \"CSV UTF-8\" and try again") from exc
    if "\x00" in text:
        raise CsvError("the file is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("the file is empty") from None
    except csv.Error as exc:
        raise CsvError(f"line 1: {exc}") from exc
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [n for n in REQUIRED if n not in names]
    if unknown or missing or len(set(names)) != len(names):
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s): " + ", ".join(unknown))
        if len(set(names)) != len(names):
            parts.append("a column appears twice")
        raise CsvError("; ".join(parts) + ". Expected the header: " + ",".join(COLUMNS))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvError(f"more than {MAX_ROWS} rows; split the file")
            row = {name: (values[i].strip() if i < len(values) else "")
                   for i, name in enumerate(names)}
            if len(values) > len(names):
                row["__extra__"] = "x"
            rows.append((line, row))
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from exc
    return rows


def _validate(row: dict[str, str]) -> tuple[ParticipantIn | None, dict[str, str]]:
    if row.pop("__extra__", None):
        return None, {"(row)": "more values than columns"}
    body = {k: v for k, v in row.items() if v != ""}
    try:
        return ParticipantIn.model_validate(body), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "(row)"
            errors.setdefault(name, err["msg"])
        return None, errors


def _has_relationship(session: Session, registry: Registry, participant: Participant,
                      org_id: int) -> bool:
    if participant.registered_by_org_id == org_id:
        return True
    return any(registry.plugins.hook.participant_visible_to_org(
        session=session, participant_id=participant.id, organization_id=org_id))


def import_participants(session: Session, registry: Registry, *, organization_id: int,
                        data: bytes, dry_run: bool, actor: Any = None) -> ImportReport:
    """Import (or, with ``dry_run``, describe importing) a CSV of participants.

    The caller commits (a real import) or rolls back (a dry run writes nothing anyway).
    """
    report = ImportReport(dry_run=dry_run)
    seen_email: dict[str, int] = {}
    seen_name: dict[tuple[str, str, str], int] = {}
    for line, row in read_rows(data):
        body, errors = _validate(row)
        if body is None:
            report.rows.append(RowResult(line, "error", errors=errors))
            continue
        email_key = normalize_email(str(body.email))
        name_key = ((normalize_name(body.first_name), normalize_name(body.last_name),
                     body.birth_date.isoformat()) if body.birth_date else None)
        earlier = seen_email.get(email_key) or (seen_name.get(name_key) if name_key else None)
        if earlier:
            report.rows.append(RowResult(line, "duplicate_in_file",
                                         detail=f"the same person as line {earlier}"))
            continue
        seen_email[email_key] = line
        if name_key:
            seen_name[name_key] = line
        existing = kp.find_by_email(session, registry, str(body.email))
        matched_on = "email" if existing is not None else None
        if existing is None and body.birth_date is not None:
            found = kp.find_by_name_and_birth_date(session, registry, body.first_name,
                                                   body.last_name, body.birth_date)
            if len(found) > 1:
                report.rows.append(RowResult(
                    line, "error", errors={"(row)": "several registered people have this name "
                                           "and birth date; ask the help desk"}))
                continue
            if found:
                existing, matched_on = found[0], "name_and_birth_date"
        if existing is not None:
            visible = _has_relationship(session, registry, existing, organization_id)
            report.rows.append(RowResult(
                line, "exists", matched_on=matched_on,
                registry_id=existing.registry_id if visible else None,
                detail=None if visible else "already registered; the person can share their "
                "Registry ID with you"))
            continue
        result = RowResult(line, "create")
        if not dry_run:
            try:
                with session.begin_nested():
                    participant = kp.create_participant(
                        session, registry, first_name=body.first_name,
                        last_name=body.last_name, email=str(body.email),
                        birth_date=body.birth_date, phone=body.phone,
                        preferred_language=body.preferred_language, county=body.county,
                        registered_by_org_id=organization_id, actor=actor)
            except kp.DuplicateEmail:
                report.rows.append(RowResult(line, "exists", matched_on="email",
                                             detail="registered meanwhile"))
                continue
            result.registry_id = participant.registry_id
        report.rows.append(result)
    return report


# --- export ------------------------------------------------------------------------------------

def org_participants(session: Session, registry: Registry, organization_id: int
                     ) -> list[Participant]:
    """Participants the organization registered or enrolled in its training events."""
    ids = set(session.scalars(select(Participant.id).where(
        Participant.registered_by_org_id == organization_id, Participant.status == "active")))
    if registry.plugins.is_enabled("training"):
        from registry_plugins.training.models import Enrollment, TrainingEvent

        ids |= set(session.scalars(select(Enrollment.participant_id).join(
            TrainingEvent, TrainingEvent.id == Enrollment.event_id).where(
            TrainingEvent.organization_id == organization_id)))
    if not ids:
        return []
    return list(session.scalars(select(Participant).where(
        Participant.id.in_(ids), Participant.status == "active")
        .order_by(Participant.registry_id)))


def export_participants(session: Session, registry: Registry, organization_id: int, *,
                        actor: Any) -> str:
    """``registry_id`` + the import columns, one row a participant (each read audited)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("registry_id", *COLUMNS))
    for participant in org_participants(session, registry, organization_id):
        data = kp.personal_data(session, registry, participant, actor=actor,
                                reason="CSV export by the organization",
                                fields=("first_name", "last_name", "email", "birth_date",
                                        "phone"))
        writer.writerow([participant.registry_id, data.first_name or "", data.last_name or "",
                         data.email or "",
                         data.birth_date.isoformat() if data.birth_date else "",
                         data.phone or "", participant.county or "",
                         participant.preferred_language or ""])
    return out.getvalue()


ENROLLMENT_COLUMNS = ("registry_id", "event_id", "training_id", "training_title", "starts_at",
                      "status", "hours_granted")


def export_enrollments(session: Session, registry: Registry, organization_id: int) -> str:
    """Enrollments in the organization's training events (ids, no personal data)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ENROLLMENT_COLUMNS)
    if not registry.plugins.is_enabled("training"):
        return out.getvalue()
    from registry_plugins.training.models import Enrollment, TrainingEvent

    rows = session.execute(
        select(Participant.registry_id, TrainingEvent.id, TrainingEvent.training_id,
               TrainingEvent.title,
               TrainingEvent.starts_at, Enrollment.status, Enrollment.hours_granted)
        .join(Enrollment, Enrollment.participant_id == Participant.id)
        .join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
        .where(TrainingEvent.organization_id == organization_id)
        .order_by(TrainingEvent.starts_at, Participant.registry_id))
    for registry_id, event_id, training_id, title, starts_at, status, hours in rows:
        writer.writerow([registry_id, event_id, training_id, title,
                         starts_at.isoformat() if starts_at else "", status,
                         "" if hours is None else str(hours)])
    return out.getvalue()


ROSTER_COLUMNS = ("registry_id", "first_name", "last_name", "email", "status", "hours_granted")
HOURS_COLUMNS = ("registry_id", "event_id", "training_id", "training_title", "competency_area",
                 "completed_on", "hours")


class NotFound(LookupError):
    """No such resource for this organization."""


def export_roster(session: Session, registry: Registry, organization_id: int, event_id: int, *,
                  actor: Any) -> str:
    """One of the organization's training events: everyone enrolled, waitlisted or past, with
    names and email (each read audited) and the hours granted."""
    if not registry.plugins.is_enabled("training"):
        raise NotFound("training is not enabled")
    from registry_plugins.training.models import Enrollment, TrainingEvent

    event = session.get(TrainingEvent, event_id)
    if event is None or event.organization_id != organization_id:
        raise NotFound("no such event")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROSTER_COLUMNS)
    rows = session.execute(select(Participant, Enrollment).join(
        Enrollment, Enrollment.participant_id == Participant.id)
        .where(Enrollment.event_id == event.id)
        .order_by(Enrollment.queued_at, Enrollment.id)).all()
    for participant, enrollment in rows:
        data = kp.personal_data(session, registry, participant, actor=actor,
                                reason=f"CSV roster of training event {event.id}",
                                fields=("first_name", "last_name", "email"))
        writer.writerow([participant.registry_id, data.first_name or "", data.last_name or "",
                         data.email or "", enrollment.status,
                         "" if enrollment.hours_granted is None else str(
                             enrollment.hours_granted)])
    return out.getvalue()


def export_hours(session: Session, registry: Registry, organization_id: int) -> str:
    """Training hours granted in the organization's events (attended, ids only)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HOURS_COLUMNS)
    if not registry.plugins.is_enabled("training"):
        return out.getvalue()
    from registry_plugins.training.models import Enrollment, TrainingEvent

    rows = session.execute(
        select(Participant.registry_id, TrainingEvent.id, TrainingEvent.training_id,
               TrainingEvent.title, TrainingEvent.competency_area, TrainingEvent.ends_at,
               Enrollment.hours_granted)
        .join(Enrollment, Enrollment.participant_id == Participant.id)
        .join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
        .where(TrainingEvent.organization_id == organization_id,
               Enrollment.status == "attended", Enrollment.hours_granted.is_not(None))
        .order_by(TrainingEvent.ends_at, Participant.registry_id))
    for registry_id, event_id, training_id, title, area, ends_at, hours in rows:
        writer.writerow([registry_id, event_id, training_id, title, area,
                         local_date(registry, ends_at).isoformat(), str(hours)])
    return out.getvalue()
