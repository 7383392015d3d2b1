"""Printable PDFs (roster, sign-in sheet, certificate) and the sponsors' Excel reports.

PDFs use reportlab; Excel reports are ``ReportDefinition``s that the kernel serves under
``/api/v1/reports/<name>.xlsx`` (openpyxl write-only), built from generators that stream rows
with ``yield_per`` so a large sponsor's report needs little memory.
"""

from __future__ import annotations

import io
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from registry_kernel import clock
from registry_kernel.counties import canonical_county
from registry_kernel.extension import ReportDefinition
from registry_kernel.models import Organization, Participant

from . import dsp, surveys
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
#
# Each report is a generator of rows over a query scoped to the sponsors the actor reports on
# and to a date range (events starting in it), read with ``yield_per`` so a large sponsor's
# report needs little memory. The kernel writes them with openpyxl in write-only mode; the
# Training Module's report page (``report_views``) calls the same definitions.

MAX_RANGE = timedelta(days=3 * 366)
COMMON_PARAMS = frozenset({"from", "to", "organization_id"})
CHUNK = 1000


def is_registry_staff(actor: Actor) -> bool:
    """Registry staff (or a superuser) signed in as themselves: they report across sponsors."""
    return actor.via != "client" and actor.organization_id is None and (
        actor.is_superuser or actor.has_role("registry_staff"))


def report_orgs(session: Session, actor: Actor) -> list[int] | None:
    """The organizations whose data the actor may report on; ``None``: all (registry staff)."""
    if is_registry_staff(actor):
        return None
    return svc.managed_org_ids(session, actor)


def _orgs(session: Session, actor: Actor, params: dict[str, Any]) -> list[int] | None:
    orgs = report_orgs(session, actor)
    wanted = params.get("organization_id")
    if wanted is None:
        return orgs
    if orgs is not None and int(wanted) not in orgs:
        raise svc.NotFound(_("you do not report for this organization"))
    return [int(wanted)]


def _window(params: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The range as Pacific-time instants, ``to`` inclusive. Reversed or longer than three
    years: :class:`services.Invalid`."""
    start, end = params.get("from"), params.get("to")
    if start and end and start > end:
        raise svc.Invalid(_("'from' must not be after 'to'"),
                          {"to": _("on or after 'from'")})
    if isinstance(start, date):
        start = datetime.combine(start, time(0), tzinfo=clock.current_zone())
    if isinstance(end, date):
        end = datetime.combine(end, time(0), tzinfo=clock.current_zone()) + timedelta(
            days=1 if end < date.max else 0)
    if start and end and end - start > MAX_RANGE:
        raise svc.Invalid(_("a report covers at most three years"),
                          {"to": _("at most three years after 'from'")})
    return start, end


def _scoped(query: Any, session: Session, actor: Actor, params: dict[str, Any]) -> Any:
    orgs = _orgs(session, actor, params)
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


def _hours(value: Any) -> float:
    return float(Decimal(str(value or 0)).quantize(Decimal("0.01")))


def _chunks(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- what the profile plugin knows about a person ----------------------------------------------

ETHNICITY_LABELS = {"black": "Black/African-American", "native_american": "Native American/Alaskan",
                    "asian": "Asian", "white": "White/Caucasian", "latino": "Latino/Hispanic",
                    "pacific_islander": "Pacific Islander", "multiracial": "Multi-racial",
                    "other": "Other", "declined": "Declined to state"}
POSITION_LABELS = {"assistant": "Assistant/Aide", "associate_teacher": "Associate Teacher",
                   "teacher": "Teacher", "lead_teacher": "Lead Teacher",
                   "master_teacher": "Master Teacher", "site_supervisor": "Site Supervisor",
                   "program_director": "Program Director", "fcc_owner": "FCC Owner",
                   "fcc_assistant": "FCC Assistant", "support_staff": "Support Staff",
                   "other": "Other"}
SETTING_LABELS = {"employer_center": "Center", "employer_fcc": "Family child care home"}
PROFILE_FACTS = ("employment_setting", "primary_position", "ethnicity", "gender", "age_band",
                 "primary_language", "county_of_work")


_NO_FACTS: dict[str, str] = dict.fromkeys(PROFILE_FACTS, "")


class PeopleFacts:
    """Employment setting, primary position and demographics of participants, read only
    through the profile plugin's services when it is enabled (blank when it is not), a batch
    at a time in a short read session, with a bounded cache (people attend many events)."""

    def __init__(self, registry: Any, size: int = 20_000) -> None:
        self.registry = registry
        self.enabled = registry is not None and registry.plugins.is_enabled("profile")
        self.size = size
        self._cache: OrderedDict[str, dict[str, str]] = OrderedDict()

    def load(self, participant_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        wanted = list(dict.fromkeys(participant_ids))
        result: dict[str, dict[str, str]] = {}
        if not self.enabled:
            return dict.fromkeys(wanted, _NO_FACTS)
        missing = [pid for pid in wanted if pid not in self._cache]
        if missing:
            with self.registry.sessions() as reader:
                for pid in missing:
                    self._cache[pid] = self._read(reader, pid)
                    if len(self._cache) > self.size:
                        self._cache.popitem(last=False)
        for pid in wanted:
            facts = self._cache.get(pid)
            result[pid] = facts if facts is not None else _NO_FACTS
        return result

    def _read(self, session: Session, participant_id: str) -> dict[str, str]:
        from ..profile import services as profile

        participant = session.get(Participant, participant_id)
        facts = dict.fromkeys(PROFILE_FACTS, "")
        if participant is None or participant.status != "active":
            return facts
        demographics = profile.read_sections(session, self.registry,
                                             participant)["demographics"]
        facts["ethnicity"] = ETHNICITY_LABELS.get(demographics.get("ethnicity") or "", "")
        for key in ("gender", "age_band", "primary_language", "county_of_work"):
            value = demographics.get(key) or ""
            facts[key] = "Declined to state" if value == "declined" else str(value)
        today = clock.today()
        current = [r for r in profile.list_employment(session, participant_id)
                   if r.status != "rejected" and (r.end_date is None or r.end_date >= today)]
        job = next((r for r in current if r.status == "confirmed"), None) or next(
            iter(current), None)
        if job is not None:
            facts["primary_position"] = POSITION_LABELS.get(job.role_category, job.role_category)
            employer = session.get(Organization, job.employer_id) if job.employer_id else None
            facts["employment_setting"] = SETTING_LABELS.get(employer.kind, "") \
                if employer is not None else ""
        return facts


# --- attendance and funding ----------------------------------------------------------------------

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
    for row in session.execute(query.execution_options(yield_per=CHUNK)):
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


# --- Direct Service Profile ------------------------------------------------------------------

DSP_COLUMNS = ("ORGCODE", "Program", "Delivery type", "Delivery method", "Funding", "Training",
               "Event ID", "Event date", "Event county", "Registry ID", "Employment setting",
               "Primary position", "County", "Ethnicity", "Language", "Hours")


def _dsp_query(params: dict[str, Any]) -> Any:
    from .survey_models import DspCatalogCodes, DspSettings

    program = func.coalesce(DspCatalogCodes.program, DspSettings.program, dsp.DEFAULT_PROGRAM)
    query = (
        select(TrainingSponsor.vendor_number, Organization.county.label("org_county"),
               DspSettings.county.label("dsp_county"), program.label("program"),
               func.coalesce(DspCatalogCodes.delivery_type, DspSettings.delivery_type,
                             dsp.DEFAULT_TYPE).label("delivery_type"),
               func.coalesce(DspCatalogCodes.funding, DspSettings.funding,
                             dsp.DEFAULT_FUNDING).label("funding"),
               TrainingEvent.title, TrainingEvent.id, TrainingEvent.starts_at,
               TrainingEvent.online_url, TrainingEvent.county.label("event_county"),
               Participant.id.label("participant_id"), Participant.registry_id,
               Participant.county, Participant.preferred_language, Enrollment.hours_granted)
        .join(Enrollment, Enrollment.event_id == TrainingEvent.id)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .join(Organization, Organization.id == TrainingEvent.organization_id)
        .outerjoin(TrainingSponsor,
                   TrainingSponsor.organization_id == TrainingEvent.organization_id)
        .outerjoin(DspSettings, DspSettings.organization_id == TrainingEvent.organization_id)
        .outerjoin(DspCatalogCodes, DspCatalogCodes.training_id == TrainingEvent.training_id)
        .where(Enrollment.status == "attended")
        .order_by(TrainingEvent.starts_at, TrainingEvent.id, Participant.registry_id))
    if params.get("county"):
        query = query.where(TrainingEvent.county == params["county"])
    if params.get("program"):
        query = query.where(program == params["program"])
    return query


def dsp_rows(session: Session, registry: Any, actor: Actor,
             params: dict[str, Any]) -> Iterator[list[Any]]:
    """Direct Service Profile: one row per attended participant (ORGCODE first; see
    :mod:`.dsp`), filtered by date range, event county and program; employment and
    demographic columns through the profile plugin (blank when it is not enabled)."""
    facts = PeopleFacts(registry)
    rows = session.execute(_scoped(_dsp_query(params), session, actor, params)
                           .execution_options(yield_per=CHUNK))
    event_id, event_cells = None, []
    for chunk in _chunks(rows):
        people = facts.load(r.participant_id for r in chunk)
        for r in chunk:
            if r.id != event_id:  # rows come event by event: its cells once
                online = bool(r.online_url)
                event_id, event_cells = r.id, [
                    dsp.orgcode(r.vendor_number, r.dsp_county or r.org_county, r.program,
                                r.delivery_type, online, r.funding),
                    r.program, dsp.DELIVERY_TYPES.get(r.delivery_type, str(r.delivery_type)),
                    "Online" if online else "Classroom",
                    dsp.FUNDING.get(r.funding, str(r.funding)), r.title, r.id,
                    svc.format_local(r.starts_at, "%Y-%m-%d"), r.event_county or ""]
            person = people[r.participant_id]
            yield [*event_cells, r.registry_id, person["employment_setting"],
                   person["primary_position"], r.county or "", person["ethnicity"],
                   person["primary_language"] or r.preferred_language, _hours(r.hours_granted)]


# --- participant demographics ----------------------------------------------------------------

DEMOGRAPHICS_COLUMNS = ("Characteristic", "Value", "Participants", "Share (%)")
NOT_REPORTED = "Not reported"


def demographics_rows(session: Session, registry: Any, actor: Actor,
                      params: dict[str, Any]) -> Iterator[list[Any]]:
    """The people who attended in the range, each counted once: by registry county and
    language and, with the profile plugin, by ethnicity, gender, age band, primary language,
    county of work, position and employment setting. Each characteristic's rows add up to the
    total, the last row."""
    query = _scoped(select(Participant.id, Participant.county, Participant.preferred_language)
                    .join(Enrollment, Enrollment.participant_id == Participant.id)
                    .join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
                    .where(Enrollment.status == "attended").distinct(), session, actor, params)
    facts = PeopleFacts(registry, size=CHUNK)
    characteristics = ["County", "Language"] + (
        ["Ethnicity", "Gender", "Age band", "Primary language", "County of work",
         "Primary position", "Employment setting"] if facts.enabled else [])
    keys = {"Ethnicity": "ethnicity", "Gender": "gender", "Age band": "age_band",
            "Primary language": "primary_language", "County of work": "county_of_work",
            "Primary position": "primary_position", "Employment setting": "employment_setting"}
    counts: dict[str, Counter[str]] = {c: Counter() for c in characteristics}
    total = 0
    for chunk in _chunks(session.execute(query.execution_options(yield_per=CHUNK))):
        people = facts.load(r.id for r in chunk)
        for r in chunk:
            total += 1
            counts["County"][r.county or NOT_REPORTED] += 1
            counts["Language"][r.preferred_language or NOT_REPORTED] += 1
            for name in characteristics[2:]:
                counts[name][people[r.id][keys[name]] or NOT_REPORTED] += 1
    for name in characteristics:
        for value, n in sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0])):
            yield [name, value, n, round(100 * n / total, 1) if total else 0.0]
    yield ["Total participants", None, total, 100.0 if total else 0.0]


# --- feedback summary ------------------------------------------------------------------------

FEEDBACK_COLUMNS = ("Event ID", "Training", "Date", "Responses", "Question", "Scale",
                    "Answers", "Average", "Distribution", "Comment")


def feedback_rows(session: Session, registry: Any, actor: Actor,
                  params: dict[str, Any]) -> Iterator[list[Any]]:
    """Per event with answers: a row per question (answers, average, how many gave each
    rating) and a row per comment (sorted), or, under ``surveys.MIN_GROUP`` answers, one row
    that only counts them. Then a Total row of responses."""
    query = _scoped(select(TrainingEvent.id, TrainingEvent.training_id, TrainingEvent.title,
                           TrainingEvent.starts_at)
                    .order_by(TrainingEvent.starts_at, TrainingEvent.id), session, actor, params)
    events = surveys.event_rows(session, query)
    labels = surveys.question_labels(session, (e[1] for e in events))
    order = {key: n for n, key in enumerate(labels)}
    total = 0
    for summary in surveys.summarize(session, events):
        total += summary.responses
        head = [summary.event_id, summary.title,
                svc.format_local(summary.starts_at, "%Y-%m-%d"), summary.responses]
        if not summary.broken_down:
            yield [*head, f"(fewer than {surveys.MIN_GROUP} answers: not broken down)",
                   None, None, None, None, None]
            continue
        for key, (count, points, histogram) in sorted(
                summary.ratings.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
            question = labels.get(key)
            scale = question.scale_max if question else max(histogram)
            yield [*head, question.text if question else key, f"1-{scale}", count,
                   round(points / count, 2),
                   " ".join(f"{n}:{histogram.get(n, 0)}" for n in range(1, scale + 1)), None]
        for comment in summary.comments:
            yield [*head, "Comment", None, None, None, None, comment]
    yield ["Total", None, None, total, None, None, None, None, None, None]


# --- custom report ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomField:
    header: str
    source: str  # "event", "person", "profile"
    needs_profile: bool = False


CUSTOM_FIELDS: dict[str, CustomField] = {
    "sponsor": CustomField("Sponsor", "event"),
    "event_id": CustomField("Event ID", "event"),
    "catalog_id": CustomField("Catalog ID", "event"),
    "training": CustomField("Training", "event"),
    "starts_at": CustomField("Starts (Pacific)", "event"),
    "ends_at": CustomField("Ends (Pacific)", "event"),
    "competency_area": CustomField("Competency area", "event"),
    "event_language": CustomField("Event language", "event"),
    "delivery_method": CustomField("Delivery method", "event"),
    "event_county": CustomField("Event county", "event"),
    "event_city": CustomField("Event city", "event"),
    "funding_source": CustomField("Funding source", "event"),
    "capacity": CustomField("Capacity", "event"),
    "training_hours": CustomField("Training hours", "event"),
    "registry_id": CustomField("Registry ID", "person"),
    "county": CustomField("County", "person"),
    "language": CustomField("Language", "person"),
    "status": CustomField("Status", "person"),
    "source": CustomField("Enrolled through", "person"),
    "enrolled_on": CustomField("Enrolled on", "person"),
    "hours_granted": CustomField("Hours granted", "person"),
    "employment_setting": CustomField("Employment setting", "profile", True),
    "primary_position": CustomField("Primary position", "profile", True),
    "ethnicity": CustomField("Ethnicity", "profile", True),
    "gender": CustomField("Gender", "profile", True),
    "age_band": CustomField("Age band", "profile", True),
    "primary_language": CustomField("Primary language", "profile", True),
    "county_of_work": CustomField("County of work", "profile", True),
}


def custom_fields(registry: Any) -> dict[str, CustomField]:
    """The fields a sponsor may choose (the profile's only when that plugin is enabled)."""
    profile = registry is not None and registry.plugins.is_enabled("profile")
    return {k: f for k, f in CUSTOM_FIELDS.items() if profile or not f.needs_profile}


def parse_fields(registry: Any, raw: Any) -> list[str]:
    """``fields`` (comma-separated or a list) as known field names in the order given."""
    items = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
    names = list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))
    allowed = custom_fields(registry)
    if not names:
        raise svc.Invalid(_("choose at least one field"),
                          {"fields": _("allowed: %(names)s", names=", ".join(allowed))})
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise svc.Invalid(_("unknown fields: %(names)s", names=", ".join(unknown)),
                          {"fields": _("allowed: %(names)s", names=", ".join(allowed))})
    return names


def custom_rows(session: Session, registry: Any, actor: Actor,
                params: dict[str, Any]) -> Iterator[list[Any]]:
    """One row per enrollment (withdrawn ones too) of the events in the range, with the
    chosen fields; the header row first (the columns are the sponsor's choice)."""
    names = parse_fields(registry, params.get("fields"))
    yield [CUSTOM_FIELDS[n].header for n in names]
    query = _scoped(
        select(Organization.name.label("sponsor"), TrainingEvent.id.label("event_id"),
               TrainingEvent.training_id.label("catalog_id"),
               TrainingEvent.title.label("training"), TrainingEvent.starts_at,
               TrainingEvent.ends_at, TrainingEvent.competency_area,
               TrainingEvent.language.label("event_language"), TrainingEvent.online_url,
               TrainingEvent.county.label("event_county"), TrainingEvent.city.label("event_city"),
               TrainingEvent.funding_source, TrainingEvent.capacity,
               TrainingEvent.hours.label("training_hours"), Participant.id.label("pid"),
               Participant.registry_id, Participant.county,
               Participant.preferred_language.label("language"), Enrollment.status,
               Enrollment.source, Enrollment.queued_at, Enrollment.hours_granted)
        .join(Enrollment, Enrollment.event_id == TrainingEvent.id)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .join(Organization, Organization.id == TrainingEvent.organization_id)
        .order_by(TrainingEvent.starts_at, TrainingEvent.id, Participant.registry_id),
        session, actor, params)
    with_profile = any(CUSTOM_FIELDS[n].needs_profile for n in names)
    facts = PeopleFacts(registry if with_profile else None)
    computed = {
        "starts_at": lambda r: svc.format_local(r.starts_at, "%Y-%m-%d %H:%M"),
        "ends_at": lambda r: svc.format_local(r.ends_at, "%Y-%m-%d %H:%M"),
        "delivery_method": lambda r: "Online" if r.online_url else "Classroom",
        "training_hours": lambda r: _hours(r.training_hours),
        "hours_granted": lambda r: _hours(r.hours_granted) if r.hours_granted is not None
        else None,
        "enrolled_on": lambda r: svc.format_local(r.queued_at, "%Y-%m-%d"),
    }
    for chunk in _chunks(session.execute(query.execution_options(yield_per=CHUNK))):
        people = facts.load(r.pid for r in chunk) if with_profile else {}
        for r in chunk:
            out = []
            for name in names:
                if CUSTOM_FIELDS[name].needs_profile:
                    out.append(people[r.pid][name])
                elif name in computed:
                    out.append(computed[name](r))
                else:
                    value = getattr(r, name)
                    out.append("" if value is None else value)
            yield out


# --- definitions -----------------------------------------------------------------------------

REPORT_PARAMS: dict[str, frozenset[str]] = {
    "direct-service-profile": frozenset({"county", "program"}),
    "training-custom": frozenset({"fields"}),
}


def check_params(name: str, session: Session, registry: Any, actor: Actor,
                 params: dict[str, Any]) -> dict[str, Any]:
    """Every parameter checked before a row is written: unknown to this report, a reversed or
    too long range, an organization the actor does not report on, an unknown county, program
    or field (:class:`services.Invalid` or :class:`services.NotFound`)."""
    allowed = COMMON_PARAMS | REPORT_PARAMS.get(name, frozenset())
    extra = {k: _("this report does not take '%(name)s'", name=k)
             for k, v in params.items() if v not in (None, "") and k not in allowed}
    if extra:
        raise svc.Invalid(_("unknown report parameters"), extra)
    _window(params)
    _orgs(session, actor, params)
    clean = dict(params)
    if params.get("county"):
        county = canonical_county(params["county"])
        if county is None:
            raise svc.Invalid(_("not a California county"), {"county": _("unknown county")})
        clean["county"] = county
    if params.get("program") and params["program"] not in dsp.PROGRAMS:
        raise svc.Invalid(_("unknown program"), {"program": _(
            "one of %(names)s", names=", ".join(dsp.PROGRAMS))})
    if name == "training-custom":
        clean["fields"] = parse_fields(registry, params.get("fields"))
    return clean


def _checker(name: str) -> Callable[..., dict[str, Any]]:
    """``check_params`` for report ``name``, a bad parameter being a problem+json answer (422,
    or 404 for another sponsor); returns the checked parameters."""

    def check(session: Session, registry: Any, actor: Actor,
              params: dict[str, Any]) -> dict[str, Any]:
        from registry_kernel.api import ProblemError

        try:
            return check_params(name, session, registry, actor, params)
        except svc.NotFound as exc:
            raise ProblemError(404, "Not Found", exc.detail) from exc
        except svc.TrainingError as exc:
            raise ProblemError(422, "Unprocessable Content", exc.detail,
                               exc.errors or {}) from exc

    return check


def _checked(name: str, rows: Callable[..., Iterator[list[Any]]]) -> Callable[..., Any]:
    """Check the parameters before the kernel starts writing the workbook."""
    check = _checker(name)

    def build(session: Session, registry: Any, actor: Actor, params: dict[str, Any]) -> Any:
        return rows(session, registry, actor, check(session, registry, actor, params))

    return build


REPORTS: dict[str, tuple[str, Callable[..., Iterator[list[Any]]], tuple[str, ...]]] = {
    "direct-service-profile": ("Direct Service Profile", dsp_rows, DSP_COLUMNS),
    "attendance": ("Attendance", attendance_rows, ATTENDANCE_COLUMNS),
    "demographics": ("Participant demographics", demographics_rows, DEMOGRAPHICS_COLUMNS),
    "feedback": ("Feedback summary", feedback_rows, FEEDBACK_COLUMNS),
    "funding": ("Funding", funding_rows, FUNDING_COLUMNS),
    "training-custom": ("Custom training report", custom_rows, ()),
}


def definitions() -> list[ReportDefinition]:
    """The sponsors' reports (the custom report writes its own header row)."""
    return [ReportDefinition(name, title, "reports:read", _checked(name, rows), columns,
                             check=_checker(name))
            for name, (title, rows, columns) in REPORTS.items()]


ROSTER_COLUMNS = ("Registry ID", "Last name", "First name", "Status", "Hours")


def roster_xlsx(event: TrainingEvent, people: list[dict[str, Any]]) -> Any:
    """The roster as a workbook; its Registry ID and Status columns can be uploaded back."""
    from registry_kernel.reports import write_xlsx

    return write_xlsx(f"Roster {event.id}", ROSTER_COLUMNS,
                      ([p["registry_id"], p["last_name"], p["first_name"], p["status"],
                        p["hours_granted"]] for p in people
                       if p["status"] != "withdrawn"))


SIGN_IN_COLUMNS = ("Registry ID", "Last name", "First name", "Signature", "Time in", "Status")


def sign_in_xlsx(event: TrainingEvent, people: list[dict[str, Any]],
                 walk_in_lines: int = 10) -> Any:
    """The sign-in sheet as a workbook: a line per person expected, then empty lines for
    walk-ins. With Status filled in (attended, no_show) it uploads back as attendance."""
    from registry_kernel.reports import write_xlsx

    expected = ([p["registry_id"], p["last_name"], p["first_name"], None, None, None]
                for p in people if p["status"] in ("enrolled", "attended", "no_show"))
    blank = ([None] * len(SIGN_IN_COLUMNS) for _i in range(walk_in_lines))
    return write_xlsx(f"Sign-in {event.id}", SIGN_IN_COLUMNS, (*expected, *blank))


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
