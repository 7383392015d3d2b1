"""``/api/v1`` for training: catalog, events, the public calendar, enrollments."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Blueprint, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from registry_kernel import clock
from registry_kernel import participants as kernel_participants
from registry_kernel import registry_id as rid
from registry_kernel.api import ApiModel, PageQuery, ProblemError, api_route, current_actor
from registry_kernel.api_views import me_participant
from registry_kernel.models import Organization, Participant
from registry_kernel.web import current_registry, registry_session

from . import services as svc
from .models import Enrollment, Training, TrainingEvent

bp = Blueprint("training_api", __name__, url_prefix="/api/v1")

Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Hours = Annotated[Decimal, Field(gt=0, le=1000, max_digits=6, decimal_places=2)]
CompetencyCode = Literal["CDL", "CDE", "RIG", "FCE", "DLD", "OSAD", "SNI", "LEC", "HSN",
                         "LEAD", "PROF", "ADM"]


def problems(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the services' errors into problem+json (rolling back whatever was started)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except svc.TrainingError as exc:
            registry_session().rollback()
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors,
                               **exc.extra) from exc

    return wrapper


# --- schemas ---------------------------------------------------------------------------------

class TrainingIn(ApiModel):
    """A catalog entry."""

    title: Title
    description: str = Field("", max_length=10000)
    hours: Hours
    competency_area: CompetencyCode
    language: str = Field(max_length=16, description="BCP 47 code from the registry's list "
                          "(GET /api/v1/training-languages)")
    level: str | None = Field(None, max_length=40)
    audience: str | None = Field(None, max_length=200)
    organization_id: int | None = Field(None, description="Only for accounts working for "
                                        "several sponsors")


class TrainingPatch(ApiModel):
    title: Title | None = None
    description: str | None = Field(None, max_length=10000)
    hours: Hours | None = None
    competency_area: CompetencyCode | None = None
    language: str | None = Field(None, max_length=16)
    level: str | None = Field(None, max_length=40)
    audience: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class TrainingOut(BaseModel):
    id: int
    organization_id: int
    title: str
    description: str
    hours: str
    competency_area: str
    language: str
    level: str | None
    audience: str | None
    is_active: bool


class LocationIn(ApiModel):
    address: str = Field(min_length=1, max_length=300)
    city: str = Field(min_length=1, max_length=100)
    county: str = Field(min_length=1, max_length=64)
    zip: str = Field(pattern=r"^\d{5}(-\d{4})?$")


class SessionIn(ApiModel):
    """One meeting of an event."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime


Sessions = Annotated[list[SessionIn], Field(min_length=1, max_length=svc.MAX_SESSIONS,
                                             description="the event's meetings, one or more; "
                                             "starts_at/ends_at are then the first start and "
                                             "the last end")]


class EventIn(ApiModel):
    """An event of a catalog entry: in person (``location``) or online (``online_url``), held
    from ``starts_at`` to ``ends_at`` or in several ``sessions``."""

    training_id: int
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    sessions: Sessions | None = None
    instructor_registry_id: str | None = Field(None, max_length=20, description="an approved "
                                               "instructor of the sponsor who leads the event")
    capacity: int = Field(gt=0, le=10000)
    waitlist: bool = True
    visibility: Literal["published", "invite_only"] = "published"
    location: LocationIn | None = None
    online_url: str | None = Field(None, max_length=500)
    funding_source: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=5000)


class EventPatch(ApiModel):
    starts_at: AwareDatetime | None = Field(None, description="only for a one-session event")
    ends_at: AwareDatetime | None = Field(None, description="only for a one-session event")
    sessions: Sessions | None = Field(None, description="the new schedule (replaces all)")
    instructor_registry_id: str | None = Field(None, max_length=20, description="the "
                                               "instructor who leads it; null for none")
    capacity: int | None = Field(None, gt=0, le=10000)
    waitlist: bool | None = None
    visibility: Literal["published", "invite_only"] | None = None
    location: LocationIn | None = None
    online_url: str | None = Field(None, max_length=500)
    funding_source: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=5000)
    status: Literal["cancelled"] | None = Field(None, description="cancel the event (enrolled "
                                                "people are emailed)")


class EventOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    training_id: int
    title: str
    sponsor: str
    starts_at: str
    ends_at: str
    capacity: int
    seats_taken: int
    seats_left: int
    waitlist: bool
    visibility: str
    status: str
    hours: str
    language: str
    competency_area: str
    sessions: list[dict[str, str]]
    instructor: dict[str, Any] | None = None
    invite_url: str | None = None


class CalendarQuery(PageQuery):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    q: str | None = Field(None, max_length=100, description="keywords in the title, sponsor or "
                          "city")
    county: str | None = Field(None, max_length=64, description="a California county, or "
                               "'online'")
    city: str | None = Field(None, max_length=100)
    language: str | None = Field(None, max_length=16)
    competency_area: str | None = Field(None, max_length=8)
    sponsor: str | None = Field(None, max_length=80, description="the sponsor's slug or id")
    date_from: datetime | None = Field(None, alias="from", description="ISO date or time")
    date_to: datetime | None = Field(None, alias="to", description="ISO date or time")


class CalendarItem(BaseModel):
    event_id: int
    title: str
    sponsor: str
    starts_at: str
    ends_at: str
    county: str | None
    language: str
    competency_area: str
    hours: str
    seats_left: int
    sessions: list[dict[str, str]]


class CalendarPage(BaseModel):
    items: list[CalendarItem]
    total: int
    page: int
    per_page: int
    time_zone: str = Field(description="The registry's time zone (IANA name): show times in it, "
                                       "as the registry's own pages do")


class EnrollmentIn(ApiModel):
    registry_id: str = Field(min_length=1, max_length=20)


class EnrollmentPatch(ApiModel):
    status: Literal["withdrawn"]


class EnrollmentOut(BaseModel):
    enrollment_id: int
    event_id: int
    registry_id: str
    status: str
    waitlist_position: int | None = None


class ListQuery(PageQuery):
    organization_id: int | None = None


# --- helpers ---------------------------------------------------------------------------------

def _training_json(training: Training) -> dict[str, Any]:
    return {"id": training.id, "organization_id": training.organization_id,
            "title": training.title, "description": training.description,
            "hours": str(training.hours), "competency_area": training.competency_area,
            "language": training.language, "level": training.level,
            "audience": training.audience, "is_active": training.is_active}


def _invite_url(event: TrainingEvent) -> str | None:
    path = svc.invite_path(event)
    return request.host_url.rstrip("/") + path if path else None


def event_json(event: TrainingEvent, *, manager: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": event.id, "training_id": event.training_id, "title": event.title,
        "sponsor": event.organization.name, "sponsor_slug": event.organization.slug,
        "starts_at": svc.iso(event.starts_at), "ends_at": svc.iso(event.ends_at),
        "starts_at_local": svc.format_local(event.starts_at),
        "capacity": event.capacity, "seats_taken": event.seats_taken,
        "seats_left": event.seats_left, "waitlist": event.waitlist,
        "visibility": event.visibility, "status": event.status, "hours": str(event.hours),
        "language": event.language, "competency_area": event.competency_area,
        "location": ({"address": event.address, "city": event.city, "county": event.county,
                      "zip": event.zip} if event.address else None),
        "online_url": event.online_url, "county": event.county,
        "sessions": [item.as_json() for item in svc.event_sessions(event)],
        "instructor": _instructor_json(event),
    }
    if manager:
        data["invite_url"] = _invite_url(event)
        data["funding_source"] = event.funding_source
    return data


def _instructor_json(event: TrainingEvent) -> dict[str, Any] | None:
    """The leading instructor's published profile (name and link), if there is one."""
    from .instructor_profiles import published_profile_of

    if event.instructor_account_id is None:
        return None
    profile = published_profile_of(registry_session(), current_registry(),
                                   event.instructor_account_id)
    if profile is None:
        return None
    return {"name": profile.display_name,
            "profile_url": request.host_url.rstrip("/") + f"/training/instructors/{profile.id}"}


def _sessions(body: Any) -> list[tuple[datetime, datetime]] | None:
    if body.sessions is None:
        return None
    return [(item.starts_at, item.ends_at) for item in body.sessions]


def _instructor_account(registry_id: str | None, field: str = "instructor_registry_id"
                        ) -> int | None:
    """The account of the person with ``registry_id`` (``None`` for none)."""
    from sqlalchemy import select

    from registry_kernel.models import Account

    if registry_id is None:
        return None
    try:
        participant = _participant(registry_id)
    except svc.Invalid as exc:
        raise svc.Invalid(exc.detail, {field: exc.detail}) from None
    account_id = registry_session().scalar(select(Account.id).where(
        Account.participant_id == participant.id))
    if account_id is None:
        raise svc.Invalid("that person is not an approved instructor of this sponsor",
                          {field: "not an approved instructor"})
    return account_id


@contextmanager
def _instructor_errors() -> Iterator[None]:
    """The services name the instructor ``instructor``; the API's field is
    ``instructor_registry_id``."""
    try:
        yield
    except svc.Invalid as exc:
        if exc.errors and "instructor" in exc.errors:
            exc.errors["instructor_registry_id"] = exc.errors.pop("instructor")
        raise


def _participant(text: str) -> Participant:
    try:
        return kernel_participants.get_by_registry_id(registry_session(), text)
    except rid.InvalidRegistryId as exc:
        raise svc.Invalid(str(exc), {"registry_id": str(exc)}) from exc
    except kernel_participants.ParticipantNotFound as exc:
        raise svc.Invalid("no participant has this Registry ID",
                          {"registry_id": "no participant has this Registry ID"}) from exc


def _enrollment_json(enrollment: Enrollment, registry_id: str) -> dict[str, Any]:
    return {"enrollment_id": enrollment.id, "event_id": enrollment.event_id,
            "registry_id": registry_id, "status": enrollment.status,
            "waitlist_position": svc.waitlist_position(registry_session(), enrollment)}


# --- catalog ---------------------------------------------------------------------------------

@api_route(bp, "/trainings", methods=["POST"], scope="training:write", body=TrainingIn,
           response=TrainingOut, status=201, errors=(403, 404), summary="Add a catalog entry",
           tags=["training"])
@problems
def create_training(body: TrainingIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    org_id = svc.acting_org(session, actor, body.organization_id)
    training = svc.create_training(
        session, registry, org_id, actor, title=body.title, description=body.description,
        hours=body.hours, competency_area=body.competency_area, language=body.language,
        level=body.level, audience=body.audience)
    session.commit()
    return _training_json(training)


@api_route(bp, "/trainings", scope="training:read", query=ListQuery,
           summary="The organization's catalog", tags=["training"])
@problems
def list_trainings(query: ListQuery) -> Any:
    from registry_kernel.api import paginate

    session, actor = registry_session(), current_actor()
    org_id = svc.acting_org(session, actor, query.organization_id)
    return paginate(session, svc.catalog_query(org_id), query, _training_json)


@api_route(bp, "/trainings/<int:training_id>", scope="training:read", response=TrainingOut,
           summary="A catalog entry", tags=["training"])
@problems
def get_training(training_id: int) -> Any:
    return _training_json(svc.get_training(registry_session(), training_id, current_actor()))


@api_route(bp, "/trainings/<int:training_id>", methods=["PATCH"], scope="training:write",
           body=TrainingPatch, response=TrainingOut,
           summary="Edit a catalog entry (events already scheduled keep their hours)",
           tags=["training"])
@problems
def patch_training(training_id: int, body: TrainingPatch) -> Any:
    session, actor = registry_session(), current_actor()
    training = svc.get_training(session, training_id, actor)
    svc.update_training(session, training, actor, body.model_dump(exclude_unset=True))
    session.commit()
    return _training_json(training)


@api_route(bp, "/training-languages", public=True, summary="Languages trainings are given in",
           tags=["training"])
def list_languages() -> Any:
    return {"items": [{"code": lang.code, "label": lang.label}
                      for lang in svc.languages(registry_session())]}


@api_route(bp, "/competency-areas", public=True,
           summary="The 12 California Early Childhood Educator Competency areas",
           tags=["training"])
def list_competency_areas() -> Any:
    return {"items": [{"code": code, "label": label}
                      for code, label in svc.COMPETENCY_AREAS.items()]}


# --- events ----------------------------------------------------------------------------------

def _location(body: Any) -> svc.Location | None:
    loc = body.location
    return svc.Location(loc.address, loc.city, loc.county, loc.zip) if loc else None


@api_route(bp, "/events", methods=["POST"], scope="training:write", body=EventIn,
           response=EventOut, status=201, errors=(403, 404), summary="Schedule an event",
           tags=["training"])
@problems
def create_event(body: EventIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    training = svc.get_training(session, body.training_id, actor)
    sessions = _sessions(body)
    if sessions is None and (body.starts_at is None or body.ends_at is None):
        raise svc.Invalid("give starts_at and ends_at, or sessions",
                          {"starts_at" if body.starts_at is None else "ends_at": "required"})
    if sessions is not None:
        first = min(start for start, _end in sessions)
        last = max(end for _start, end in sessions)
        if (body.starts_at and body.starts_at != first) or (body.ends_at
                                                            and body.ends_at != last):
            raise svc.Invalid("starts_at and ends_at, when given with sessions, are the first "
                              "session's start and the last one's end",
                              {"starts_at": "does not match the sessions"})
    with _instructor_errors():
        event = svc.create_event(
            session, registry, training, actor, starts_at=body.starts_at,
            ends_at=body.ends_at, sessions=sessions, capacity=body.capacity,
            waitlist=body.waitlist, visibility=body.visibility, location=_location(body),
            online_url=body.online_url, funding_source=body.funding_source, notes=body.notes,
            instructor_account_id=_instructor_account(body.instructor_registry_id))
    session.commit()
    return event_json(event, manager=True)


@api_route(bp, "/events", scope="training:read", query=ListQuery,
           summary="The organization's events, newest first (for an instructor who is not "
           "sponsor staff: the events they lead)", tags=["training"])
@problems
def list_events(query: ListQuery) -> Any:
    from sqlalchemy import select

    from registry_kernel.api import paginate

    session, actor = registry_session(), current_actor()
    try:
        org_id = svc.acting_org(session, actor, query.organization_id)
        where = TrainingEvent.organization_id == org_id
    except svc.Forbidden:
        if query.organization_id is not None or not svc.instructor_org_ids(actor):
            raise
        where = TrainingEvent.instructor_account_id == actor.account_id
    stmt = select(TrainingEvent).where(where).order_by(TrainingEvent.starts_at.desc(),
                                                       TrainingEvent.id)
    return paginate(session, stmt, query, lambda e: event_json(e, manager=True))


@api_route(bp, "/events/<int:event_id>", public=True, response=EventOut,
           summary="A published event (public)", tags=["training"])
@problems
def get_event(event_id: int) -> Any:
    session = registry_session()
    event = session.get(TrainingEvent, event_id)
    if event is None or event.visibility != "published":
        raise svc.NotFound("no such event")
    return event_json(event)


@api_route(bp, "/events/<int:event_id>", methods=["PATCH"], scope="training:write",
           body=EventPatch, response=EventOut, errors=(409,),
           summary="Edit, unpublish or cancel an event", tags=["training"])
@problems
def patch_event(event_id: int, body: EventPatch) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = svc.get_event(session, event_id, actor)
    if not svc.manages_org(actor, event.organization_id):
        raise svc.NotFound("no such event")
    changes = body.model_dump(exclude_unset=True)
    cancel = changes.pop("status", None) == "cancelled"
    if "location" in body.model_fields_set:
        changes["location"] = _location(body)
    if "sessions" in body.model_fields_set:
        if body.sessions is None:
            raise svc.Invalid("sessions cannot be null", {"sessions": "give one or more"})
        changes["sessions"] = _sessions(body)
    if "instructor_registry_id" in changes:
        changes["instructor_account_id"] = _instructor_account(
            changes.pop("instructor_registry_id"))
    if changes:
        with _instructor_errors():
            svc.update_event(session, registry, event, actor, changes)
    if cancel:
        svc.cancel_event(session, registry, event, actor)
    session.commit()
    return event_json(event, manager=True)


# --- the public calendar ---------------------------------------------------------------------

@api_route(bp, "/calendar", public=True, query=CalendarQuery, response=CalendarPage,
           summary="The public Training Calendar: published upcoming events",
           tags=["training"])
def calendar(query: CalendarQuery) -> Any:
    page_limit = svc.settings(current_registry()).calendar_max_per_page
    per_page = min(query.per_page, page_limit)
    filters = svc.CalendarFilters(
        q=query.q, county=query.county, city=query.city, language=query.language,
        competency_area=query.competency_area, sponsor=query.sponsor,
        date_from=_aware(query.date_from), date_to=_aware(query.date_to, end=True))
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise ProblemError(422, "Unprocessable Content", "'to' is before 'from'",
                           {"to": "must not be before 'from'"})
    items, total = svc.calendar(registry_session(), filters, page=query.page,
                                per_page=per_page)
    return {"items": items, "total": total, "page": query.page, "per_page": per_page,
            "time_zone": current_registry().settings.timezone}


def _aware(value: datetime | None, *, end: bool = False) -> datetime | None:
    """A date or naive time is read in the registry's time zone; ``to`` given as a date includes
    that whole day."""
    if value is None:
        return None
    if value.tzinfo is None:
        from datetime import timedelta

        raw = request.args.get("to" if end else "from", "")
        local = value.replace(tzinfo=clock.current_zone())
        if end and len(raw) == 10:
            local += timedelta(days=1)
        return local
    return value


# --- enrollment ------------------------------------------------------------------------------

def _may_enroll(actor: Any, event: TrainingEvent, participant: Participant) -> bool:
    if svc.manages_org(actor, event.organization_id):
        return True
    return (actor.via != "client" and actor.participant_id == participant.id
            and event.visibility == "published")


@api_route(bp, "/events/<int:event_id>/enrollments", methods=["POST"],
           scope="enrollments:write", body=EnrollmentIn, response=EnrollmentOut, status=201,
           errors=(409,), summary="Enroll a person by Registry ID (or waitlist them)",
           tags=["training"])
@problems
def enroll(event_id: int, body: EnrollmentIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = session.get(TrainingEvent, event_id)
    if event is None:
        raise svc.NotFound("no such event")
    participant = _participant(body.registry_id)
    if not _may_enroll(actor, event, participant):
        raise svc.NotFound("no such event")
    source = "self" if actor.participant_id == participant.id else (
        "api" if actor.via == "client" else "staff")
    enrollment = svc.enroll(session, registry, event.id, participant, actor=actor,
                            source=source)
    data = _enrollment_json(enrollment, participant.registry_id)
    session.commit()
    return data


@api_route(bp, "/events/<int:event_id>/enrollments", scope="training:read", query=PageQuery,
           summary="Enrollments of an event (Registry IDs and statuses)", tags=["training"])
@problems
def list_enrollments(event_id: int, query: PageQuery) -> Any:
    from sqlalchemy import select

    session, actor = registry_session(), current_actor()
    event = svc.get_event(session, event_id, actor)
    stmt = (select(Enrollment, Participant.registry_id)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .where(Enrollment.event_id == event.id).order_by(Enrollment.queued_at, Enrollment.id))
    from registry_kernel.api import paginate

    return paginate(session, stmt, query, lambda row: {
        "enrollment_id": row[0].id, "registry_id": row[1], "status": row[0].status,
        "hours_granted": (str(row[0].hours_granted) if row[0].hours_granted is not None
                          else None)}, scalars=False)


@api_route(bp, "/enrollments/<int:enrollment_id>", methods=["PATCH"],
           scope="enrollments:write", body=EnrollmentPatch, response=EnrollmentOut,
           errors=(409,), summary="Withdraw (frees the seat, promotes the first waitlisted)",
           tags=["training"])
@problems
def patch_enrollment(enrollment_id: int, body: EnrollmentPatch) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise svc.NotFound("no such enrollment")
    event = session.get(TrainingEvent, enrollment.event_id)
    manager = svc.manages_org(actor, event.organization_id)
    own = actor.via != "client" and actor.participant_id == enrollment.participant_id
    if not (manager or own):
        raise svc.NotFound("no such enrollment")
    enrollment, _promoted = svc.withdraw(session, registry, enrollment.id, actor=actor,
                                         self_service=not manager)
    participant = session.get(Participant, enrollment.participant_id)
    data = _enrollment_json(enrollment, participant.registry_id)
    session.commit()
    return data


@api_route(bp, "/me/enrollments", scope="me", query=PageQuery,
           summary="The participant's own enrollments", tags=["me"])
def my_enrollments(query: PageQuery) -> Any:
    session = registry_session()
    participant = me_participant()
    rows = svc.participant_enrollments(session, participant.id)
    start = (query.page - 1) * query.per_page
    items = []
    for enrollment in rows[start:start + query.per_page]:
        event = enrollment.event
        items.append({
            "enrollment_id": enrollment.id, "event_id": event.id, "title": event.title,
            "sponsor": event.organization.name, "starts_at": svc.iso(event.starts_at),
            "ends_at": svc.iso(event.ends_at), "status": enrollment.status,
            "event_status": event.status,
            "waitlist_position": svc.waitlist_position(session, enrollment),
            "hours": str(event.hours), "competency_area": event.competency_area,
            "language": event.language,
            "hours_granted": (str(enrollment.hours_granted)
                              if enrollment.hours_granted is not None else None),
            "county": event.county, "city": event.city, "online_url": event.online_url})
    return {"items": items, "total": len(rows), "page": query.page, "per_page": query.per_page}


def _org_name(org_id: int) -> str:
    org = registry_session().get(Organization, org_id)
    return org.name if org else ""


# --- attendance, rosters (part 2) ------------------------------------------------------------

class AttendanceRow(ApiModel):
    registry_id: str = Field(min_length=1, max_length=20)
    status: Literal["attended", "no_show"]


class AttendanceIn(ApiModel):
    records: list[AttendanceRow] = Field(min_length=1, max_length=2000)


def _attendance_event(event_id: int) -> TrainingEvent:
    """The event, if the actor manages it, or leads it and the sponsor lets instructors take
    attendance; 404 otherwise."""
    session, actor = registry_session(), current_actor()
    event = svc.get_event(session, event_id, actor)
    if not svc.manages_org(actor, event.organization_id):
        sponsor = svc.sponsor_record(session, event.organization_id)
        if not (sponsor and sponsor.instructors_may_manage_events):
            raise svc.Forbidden("this sponsor does not let instructors take attendance")
    return event


@api_route(bp, "/events/<int:event_id>/attendance", methods=["POST"], scope="training:write",
           body=AttendanceIn, errors=(409,),
           summary="Record attendance (Attended grants the hours; walk-ins by Registry ID)",
           tags=["training"])
@problems
def record_attendance(event_id: int, body: AttendanceIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = _attendance_event(event_id)
    done = svc.record_attendance(
        session, registry, event,
        [svc.AttendanceRecord(r.registry_id, r.status) for r in body.records], actor=actor)
    items = [{"registry_id": p.registry_id, "enrollment_id": e.id, "status": e.status,
              "hours_granted": str(e.hours_granted) if e.hours_granted is not None else None}
             for p, e in done]
    session.commit()
    return {"items": items, "recorded": len(items)}


@api_route(bp, "/events/<int:event_id>/roster", scope="training:read",
           summary="The event's roster with names, statuses and hours (reads are audited)",
           tags=["training"])
@problems
def event_roster(event_id: int) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = svc.get_event(session, event_id, actor)
    items = svc.roster(session, registry, event, actor, reason="api roster")
    session.commit()
    return {"items": items, "total": len(items), "event_id": event.id}


def _pdf_response(data: bytes, filename: str) -> Any:
    from flask import Response

    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@api_route(bp, "/events/<int:event_id>/roster.pdf", scope="training:read",
           produces="application/pdf", summary="Printable roster", tags=["training"])
@problems
def roster_pdf(event_id: int) -> Any:
    from .reports import roster_pdf as build

    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = svc.get_event(session, event_id, actor)
    data = build(event, svc.roster(session, registry, event, actor, reason="roster pdf"))
    session.commit()
    return _pdf_response(data, f"roster-{event.id}.pdf")


@api_route(bp, "/events/<int:event_id>/sign-in-sheet.pdf", scope="training:read",
           produces="application/pdf", summary="Printable sign-in sheet with walk-in lines",
           tags=["training"])
@problems
def sign_in_sheet_pdf(event_id: int) -> Any:
    from .reports import sign_in_sheet_pdf as build

    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = svc.get_event(session, event_id, actor)
    data = build(event, svc.roster(session, registry, event, actor, reason="sign-in sheet"))
    session.commit()
    return _pdf_response(data, f"sign-in-{event.id}.pdf")


@api_route(bp, "/events/<int:event_id>/roster.xlsx", scope="training:read",
           produces="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           summary="The roster as Excel (fill in Status and upload it back in the UI)",
           tags=["training"])
@problems
def roster_xlsx(event_id: int) -> Any:
    from .reports import roster_xlsx as build

    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = svc.get_event(session, event_id, actor)
    handle = build(event, svc.roster(session, registry, event, actor, reason="roster xlsx"))
    session.commit()
    from flask import Response

    response = Response(handle, mimetype="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="roster-{event.id}.xlsx"'
    return response
