"""Printable PDFs (roster, sign-in sheet, certificate) and the sponsors' Excel reports.

PDFs use reportlab; Excel reports are ``ReportDefinition``s that the kernel serves under
``/api/v1/reports/<name>.xlsx`` (openpyxl write-only), built from generators that stream rows
with ``yield_per`` so a large sponsor's report needs little memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from registry_kernel.extension import ReportDefinition
from registry_kernel.models import Organization, Participant

from . import services as svc
from .i18n import _
from .models import Enrollment, TrainingEvent, TrainingSponsor

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor

# --- PDFs ------------------------------------------------------------------------------------

_CJK_FONT = "STSong-Light"


def _font_for(text: str) -> str:
    try:
        text.encode("latin-1")
        return "Helvetica"
    except UnicodeEncodeError:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if _CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))
        return _CJK_FONT


def _cell(text: Any, size: int = 9) -> Any:
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    value = "" if text is None else str(text)
    style = ParagraphStyle("cell", fontName=_font_for(value), fontSize=size, leading=size + 2)
    return Paragraph(escape(value), style)


def _event_heading(event: TrainingEvent) -> list[Any]:
    where = event.online_url or ", ".join(p for p in (event.address, event.city,
                                                      event.zip) if p)
    return [_cell(event.title, 14), _cell(event.organization.name, 10),
            _cell(f"{svc.format_local(event.starts_at)} – {svc.format_local(event.ends_at)}"),
            _cell(f"{where} · {event.hours} h · {event.competency_area} · {event.language}")]


def _pdf(flowables: list[Any], title: str) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=letter, title=title, leftMargin=36, rightMargin=36,
                            topMargin=36, bottomMargin=36)
    doc.build(flowables)
    return buffer.getvalue()


def _table(rows: list[list[Any]], widths: list[float], *, height: float | None = None) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1,
                  rowHeights=None if height is None else [None] + [height] * (len(rows) - 1))
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def roster_pdf(event: TrainingEvent, people: list[dict[str, Any]]) -> bytes:
    from reportlab.platypus import Spacer

    rows = [[_cell(_("Registry ID")), _cell(_("Last name")), _cell(_("First name")),
             _cell(_("Status")), _cell(_("Hours"))]]
    for person in people:
        rows.append([_cell(person["registry_id"]), _cell(person["last_name"]),
                     _cell(person["first_name"]), _cell(person["status"]),
                     _cell(person["hours_granted"] or "")])
    return _pdf([*_event_heading(event), Spacer(1, 12),
                 _table(rows, [90, 130, 130, 90, 60])], _("Roster"))


def sign_in_sheet_pdf(event: TrainingEvent, people: list[dict[str, Any]],
                      walk_in_lines: int = 10) -> bytes:
    from reportlab.platypus import Spacer

    rows = [[_cell(_("Registry ID")), _cell(_("Name")), _cell(_("Signature")),
             _cell(_("Time in"))]]
    for person in people:
        if person["status"] not in ("enrolled", "attended", "no_show"):
            continue
        name = " ".join(p for p in (person["first_name"], person["last_name"]) if p)
        rows.append([_cell(person["registry_id"]), _cell(name), "", ""])
    rows += [["", "", "", ""] for _i in range(walk_in_lines)]
    return _pdf([*_event_heading(event), _cell(_("Walk-ins: write your Registry ID and name "
                                                 "on an empty line.")), Spacer(1, 12),
                 _table(rows, [90, 170, 180, 60], height=26)], _("Sign-in sheet"))


def certificate_pdf(event: TrainingEvent, name: str, registry_id: str,
                    hours: Decimal) -> bytes:
    from reportlab.platypus import Spacer

    area = svc.COMPETENCY_AREAS.get(event.competency_area, event.competency_area)
    return _pdf([
        _cell(_("Certificate of Completion"), 22), Spacer(1, 24),
        _cell(_("This certifies that"), 12), _cell(name, 18),
        _cell(_("Registry ID %(id)s", id=registry_id), 10), Spacer(1, 12),
        _cell(_("completed %(hours)s clock hours of professional development:", hours=hours),
              12),
        _cell(event.title, 16), _cell(area, 11),
        _cell(_("on %(date)s, offered by %(sponsor)s.",
                date=svc.format_local(event.starts_at, "%B %d, %Y"),
                sponsor=event.organization.name), 11),
        Spacer(1, 24),
        _cell(_("Recorded in the registry; verify with the Registry ID and event %(id)s.",
                id=event.id), 8)], _("Certificate of Completion"))


# --- Excel reports ---------------------------------------------------------------------------

def _report_orgs(session: Session, actor: Actor) -> list[int] | None:
    """The organizations whose data the actor may report on; ``None``: all (registry staff)."""
    if actor.via != "client" and actor.organization_id is None and actor.is_staff:
        return None
    return svc.managed_org_ids(session, actor)


def _window(params: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    start, end = params.get("from"), params.get("to")
    if isinstance(start, date):
        start = datetime.combine(start, time(0), tzinfo=svc.LOCAL_TZ)
    if isinstance(end, date):
        end = datetime.combine(end, time(0), tzinfo=svc.LOCAL_TZ) + timedelta(days=1)
    if start and end and end - start > timedelta(days=3 * 366):
        from registry_kernel.api import ProblemError

        raise ProblemError(422, "Unprocessable Content", "a report covers at most three years",
                           {"to": "at most three years after 'from'"})
    return start, end


def _scoped(query: Any, session: Session, actor: Actor, params: dict[str, Any]) -> Any:
    orgs = _report_orgs(session, actor)
    if orgs is not None:
        query = query.where(TrainingEvent.organization_id.in_(orgs or [-1]))
    start, end = _window(params)
    if start is not None:
        query = query.where(TrainingEvent.starts_at >= start)
    if end is not None:
        query = query.where(TrainingEvent.starts_at < end)
    return query


def _count(status: str) -> Any:
    return func.sum(case((Enrollment.status == status, 1), else_=0))


ATTENDANCE_COLUMNS = ("Sponsor", "Event ID", "Training", "Starts (Pacific)", "Competency area",
                      "Language", "Funding source", "Capacity", "Enrolled", "Waitlisted",
                      "Withdrawn", "Attended", "No show", "Hours per attendee",
                      "Hours granted")


def attendance_rows(session: Session, registry: Any, actor: Actor,
                    params: dict[str, Any]) -> Iterator[list[Any]]:
    """One row per event (enrollment counts and hours granted), then a Total row."""
    query = _scoped(
        select(Organization.name, TrainingEvent.id, TrainingEvent.title, TrainingEvent.starts_at,
               TrainingEvent.competency_area, TrainingEvent.language,
               TrainingEvent.funding_source, TrainingEvent.capacity, _count("enrolled"),
               _count("waitlisted"), _count("withdrawn"), _count("attended"),
               _count("no_show"), TrainingEvent.hours,
               func.coalesce(func.sum(Enrollment.hours_granted), 0))
        .join(Organization, Organization.id == TrainingEvent.organization_id)
        .outerjoin(Enrollment, Enrollment.event_id == TrainingEvent.id)
        .group_by(Organization.name, TrainingEvent.id)
        .order_by(TrainingEvent.starts_at, TrainingEvent.id), session, actor, params)
    totals = [0] * 5
    hours_total = Decimal("0.00")
    for row in session.execute(query.execution_options(yield_per=1000)):
        counts = [int(v or 0) for v in row[8:13]]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        granted = Decimal(str(row[14] or 0)).quantize(Decimal("0.01"))
        hours_total += granted
        yield [row[0], row[1], row[2], svc.format_local(row[3], "%Y-%m-%d %H:%M"), row[4],
               row[5], row[6] or "", row[7], *counts, float(row[13]), float(granted)]
    yield ["Total", None, None, None, None, None, None, None, *totals, None, float(hours_total)]


FUNDING_COLUMNS = ("Funding source", "Events", "Attended", "Hours granted")


def funding_rows(session: Session, registry: Any, actor: Actor,
                 params: dict[str, Any]) -> Iterator[list[Any]]:
    """Events, attendees and hours by funding source, then a Total row."""
    source = func.coalesce(TrainingEvent.funding_source, "(none)")
    query = _scoped(
        select(source, func.count(func.distinct(TrainingEvent.id)), _count("attended"),
               func.coalesce(func.sum(Enrollment.hours_granted), 0))
        .outerjoin(Enrollment, Enrollment.event_id == TrainingEvent.id)
        .group_by(source).order_by(source), session, actor, params)
    events = attended = 0
    hours = Decimal("0.00")
    for name, n_events, n_attended, granted in session.execute(query):
        granted = Decimal(str(granted or 0)).quantize(Decimal("0.01"))
        events, attended, hours = events + n_events, attended + int(n_attended or 0), \
            hours + granted
        yield [name, n_events, int(n_attended or 0), float(granted)]
    yield ["Total", events, attended, float(hours)]


DSP_COLUMNS = ("ORGCODE", "Training", "Event ID", "Event date", "Delivery method",
               "Registry ID", "County", "Language", "Hours")


def dsp_rows(session: Session, registry: Any, actor: Actor,
             params: dict[str, Any]) -> Iterator[list[Any]]:
    """Direct Service Profile: one row per attended participant. ORGCODE starts with the
    sponsor's vendor number; the program-code tables are settings not yet configured here, so
    the rest of the code is left for the sponsor to complete."""
    query = _scoped(
        select(TrainingSponsor.vendor_number, TrainingEvent.title, TrainingEvent.id,
               TrainingEvent.starts_at, TrainingEvent.online_url, Participant.registry_id,
               Participant.county, Participant.preferred_language, Enrollment.hours_granted)
        .join(Enrollment, Enrollment.event_id == TrainingEvent.id)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .outerjoin(TrainingSponsor,
                   TrainingSponsor.organization_id == TrainingEvent.organization_id)
        .where(Enrollment.status == "attended")
        .order_by(TrainingEvent.starts_at, TrainingEvent.id, Participant.registry_id),
        session, actor, params)
    for row in session.execute(query.execution_options(yield_per=2000)):
        method = "O" if row.online_url else "C"
        yield [(row.vendor_number or "") + method, row.title, row.id,
               svc.format_local(row.starts_at, "%Y-%m-%d"), method, row.registry_id,
               row.county or "", row.preferred_language, float(row.hours_granted or 0)]


def _checked(rows: Any) -> Any:
    """Check the parameters before the kernel starts writing the workbook."""

    def build(session: Session, registry: Any, actor: Actor, params: dict[str, Any]) -> Any:
        _window(params)
        return rows(session, registry, actor, params)

    return build


def definitions() -> list[ReportDefinition]:
    return [
        ReportDefinition("attendance", "Attendance", "reports:read", _checked(attendance_rows),
                         ATTENDANCE_COLUMNS),
        ReportDefinition("funding", "Funding", "reports:read", _checked(funding_rows),
                         FUNDING_COLUMNS),
        ReportDefinition("direct-service-profile", "Direct Service Profile", "reports:read",
                         _checked(dsp_rows), DSP_COLUMNS),
        ReportDefinition("feedback", "Feedback", "reports:read", _checked(feedback_rows),
                         FEEDBACK_COLUMNS),
    ]


ROSTER_COLUMNS = ("Registry ID", "Last name", "First name", "Status", "Hours")


def roster_xlsx(event: TrainingEvent, people: list[dict[str, Any]]) -> Any:
    """The roster as a workbook; its Registry ID and Status columns can be uploaded back."""
    from registry_kernel.reports import write_xlsx

    return write_xlsx(f"Roster {event.id}", ROSTER_COLUMNS,
                      ([p["registry_id"], p["last_name"], p["first_name"], p["status"],
                        p["hours_granted"]] for p in people
                       if p["status"] != "withdrawn"))


def read_attendance_upload(data: bytes) -> list[svc.AttendanceRecord]:
    """Rows of an uploaded roster: columns ``Registry ID`` and ``Status`` (attended, no_show;
    rows with another status are skipped). Raises :class:`services.Invalid` naming each bad
    row; nothing is applied unless every row is valid."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise svc.Invalid(_("the file is not an Excel workbook (.xlsx)"),
                          {"file": _("not an .xlsx workbook")}) from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().casefold() for c in next(rows, ())]
    if "registry id" not in header or "status" not in header:
        raise svc.Invalid(_("the first row must name the columns Registry ID and Status"),
                          {"file": _("columns Registry ID and Status are required")})
    id_col, status_col = header.index("registry id"), header.index("status")
    records, errors = [], {}
    for n, row in enumerate(rows, start=2):
        if n > 5002:
            raise svc.Invalid(_("at most 5000 rows"), {"file": _("too many rows")})
        registry_id = str(row[id_col] or "").strip() if len(row) > id_col else ""
        status = str(row[status_col] or "").strip().casefold().replace(" ", "_") \
            if len(row) > status_col else ""
        if not registry_id and not status:
            continue
        if status in ("enrolled", "waitlisted", "withdrawn", ""):
            continue
        if status not in ("attended", "no_show"):
            errors[f"row {n}"] = _("status must be attended or no_show, not %(s)s", s=status)
            continue
        records.append(svc.AttendanceRecord(registry_id, status))
    if errors:
        raise svc.Invalid(_("some rows are not valid; nothing was recorded"), errors)
    return records


FEEDBACK_COLUMNS = ("Event ID", "Training", "Date", "Responses",
                    *(f"Average: {key}" for key in svc.FEEDBACK_QUESTIONS), "Note")


def feedback_rows(session: Session, registry: Any, actor: Actor,
                  params: dict[str, Any]) -> Iterator[list[Any]]:
    """Per event: the number of answers and each question's average; groups smaller than
    ``MIN_GROUP`` are counted but never broken down."""
    from .models import FeedbackResponse

    query = _scoped(select(TrainingEvent.id, TrainingEvent.title, TrainingEvent.starts_at)
                    .where(select(FeedbackResponse.id).where(
                        FeedbackResponse.event_id == TrainingEvent.id).exists())
                    .order_by(TrainingEvent.starts_at, TrainingEvent.id), session, actor, params)
    for event_id, title, starts_at in session.execute(query).all():
        answers = list(session.scalars(select(FeedbackResponse.answers)
                                       .where(FeedbackResponse.event_id == event_id)))
        row = [event_id, title, svc.format_local(starts_at, "%Y-%m-%d"), len(answers)]
        if len(answers) < svc.MIN_GROUP:
            yield [*row, *([None] * len(svc.FEEDBACK_QUESTIONS)),
                   f"fewer than {svc.MIN_GROUP} answers: not broken down"]
            continue
        yield [*row, *(round(sum(a[key] for a in answers) / len(answers), 2)
                       for key in svc.FEEDBACK_QUESTIONS), ""]
