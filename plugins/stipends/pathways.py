"""Pathways: professional development plans of stipend recipients, as plain functions.

A pathway belongs to one approved application (one plan per award) and holds goals:

* ``permit_level``: reach a Child Development Permit level (DOMAIN.md's matrix, kept in the
  documents plugin as ``PERMIT_EDUCATION``); met when a current verified permit of that level or
  a higher one is on record. Each education requirement of the level (ECE units, GE units, each
  core course, specialization / administration / adult supervision units, degree) and the
  permit itself count equally towards the percentage.
* ``units``: N verified semester units in an area (``ece``, ``ge`` or a core area such as
  ``administration``), from courses completed on or after the goal's ``since`` (default: the
  pathway's ``starts_on``).
* ``training_hours``: N verified training hours, optionally in one competency area, from
  verified certificates (documents plugin) and attended trainings (training plugin, through the
  ``education_report_sections`` hook) completed on or after ``since``.

``steps`` are the concrete courses and trainings a goal needs; a step is marked done when a
verified course (same course number, or same title) or training (same title) is on record.
Progress is computed on every read from verified records only; nothing self-reported counts.

Who writes it: county staff of the program's county (``active`` at once), or the recipient, who
proposes (``proposed``); staff approve it (``active``) or return it with a reason
(``returned``), after which the recipient edits and proposes again. An active plan is changed
by staff only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.db import utcnow
from registry_kernel.models import Participant

from .models import Application, Pathway, PathwayGoal, Program

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

GOAL_KINDS = ("permit_level", "units", "training_hours")
PATHWAY_STATUSES = ("proposed", "returned", "active")
UNIT_AREAS = ("ece", "ge", "child_growth", "child_family_community", "curriculum",
              "administration", "adult_supervision", "specialization",
              "supervised_field_experience")
STEP_KINDS = ("course", "training")
HUNDRED = Decimal(100)


def N_(text: str) -> str:
    """Mark a message for translation (extracted with ``-k N_``; translated where shown)."""
    return text


def _error(status: int, title: str, detail: str, errors: dict[str, str] | None = None) -> Any:
    from .services import StipendError

    return StipendError(status, title, detail, errors)


def _permit_levels() -> tuple[str, ...]:
    from registry_plugins.documents.services import PERMIT_EDUCATION

    return tuple(level for level, _ in PERMIT_EDUCATION)


def _competency_areas() -> tuple[str, ...]:
    from registry_plugins.documents.services import COMPETENCY_AREAS

    return tuple(COMPETENCY_AREAS)


# --- what staff or the recipient write -----------------------------------------------------

class StepData(BaseModel):
    """A course or training a goal needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(pattern=r"^(course|training)$")
    title: str = Field(min_length=1, max_length=200)
    amount: Decimal | None = Field(None, gt=0, le=1000, decimal_places=2,
                                   description="units of a course, hours of a training")


class GoalData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(pattern=r"^(permit_level|units|training_hours)$")
    permit_level: str | None = Field(None, max_length=32)
    area: str | None = Field(None, max_length=40)
    amount: Decimal | None = Field(None, gt=0, le=10000, decimal_places=2)
    since: date | None = None
    due_on: date | None = None
    steps: list[StepData] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _check(self) -> GoalData:
        if self.kind == "permit_level":
            if self.permit_level not in _permit_levels():
                raise ValueError("permit_level must be one of " + ", ".join(_permit_levels()))
            if self.amount is not None or self.area is not None:
                raise ValueError("a permit goal takes no amount or area")
            return self
        if self.permit_level is not None:
            raise ValueError("permit_level belongs to permit goals only")
        if self.amount is None:
            raise ValueError("give the number of units or hours (amount)")
        if self.kind == "units" and self.area not in UNIT_AREAS:
            raise ValueError("area must be one of " + ", ".join(UNIT_AREAS))
        if self.kind == "training_hours" and self.area is not None \
                and self.area not in _competency_areas():
            raise ValueError("area must be a competency area: " + ", ".join(_competency_areas()))
        return self


class PathwayData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    starts_on: date | None = None
    target_date: date | None = None
    goals: list[GoalData] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _dates(self) -> PathwayData:
        if self.starts_on and self.target_date and self.target_date < self.starts_on:
            raise ValueError("the target date must not come before the start")
        return self


def parse_pathway(data: dict[str, Any]) -> PathwayData:
    from .services import _messages

    try:
        return PathwayData.model_validate(data)
    except ValidationError as exc:
        raise _error(422, "Unprocessable Entity", "the pathway is not valid",
                     _messages(exc)) from exc


# --- finding -------------------------------------------------------------------------------

def pathway_of(session: Session, application_id: int) -> Pathway | None:
    return session.scalar(select(Pathway).where(Pathway.application_id == application_id))


def goals_of(session: Session, pathway: Pathway) -> list[PathwayGoal]:
    return list(session.scalars(select(PathwayGoal).where(PathwayGoal.pathway_id == pathway.id)
                                .order_by(PathwayGoal.position, PathwayGoal.id)))


def my_pathways(session: Session, participant_id: str) -> list[Pathway]:
    return list(session.scalars(select(Pathway).where(Pathway.participant_id == participant_id)
                                .order_by(Pathway.id.desc())))


def my_pathway(session: Session, participant_id: str, pathway_id: int) -> Pathway:
    pathway = session.get(Pathway, pathway_id)
    if pathway is None or pathway.participant_id != participant_id:
        raise _error(404, "Not Found", "no such pathway of yours")
    return pathway


def recipient_application(session: Session, participant_id: str,
                          application_id: int) -> Application:
    """The participant's own approved application (a pathway is for stipend recipients)."""
    application = session.get(Application, application_id)
    if application is None or application.participant_id != participant_id:
        raise _error(404, "Not Found", "no such stipend application of yours")
    if application.status != "approved":
        raise _error(409, "Conflict", "a pathway is for an approved stipend",
                     {"application_id": "this application is not approved"})
    return application


def admin_pathway(session: Session, actor: Actor, pathway_id: int) -> Pathway:
    """The pathway, if the actor administers the county of its program; else 404."""
    from .services import StipendError, admin_application

    pathway = session.get(Pathway, pathway_id)
    if pathway is None:
        raise _error(404, "Not Found", "no such pathway")
    try:
        admin_application(session, actor, pathway.application_id)
    except StipendError:
        raise _error(404, "Not Found", "no such pathway") from None
    return pathway


def program_pathways(session: Session, program: Program) -> list[Pathway]:
    return list(session.scalars(
        select(Pathway).join(Application, Application.id == Pathway.application_id)
        .where(Application.program_id == program.id).order_by(Pathway.id)))


# --- writing -------------------------------------------------------------------------------

def _store_goals(session: Session, pathway: Pathway, data: PathwayData) -> None:
    session.execute(delete(PathwayGoal).where(PathwayGoal.pathway_id == pathway.id))
    for position, goal in enumerate(data.goals):
        session.add(PathwayGoal(
            pathway_id=pathway.id, position=position, kind=goal.kind,
            permit_level=goal.permit_level, area=goal.area, amount=goal.amount,
            since=goal.since, due_on=goal.due_on,
            steps=[s.model_dump(mode="json", exclude_none=True) for s in goal.steps]))


def create_pathway(session: Session, registry: Registry, actor: Actor,
                   application: Application, data: PathwayData, *, by_staff: bool,
                   today: date) -> Pathway:
    """Staff create an active plan; the recipient proposes one. One plan per award (409)."""
    if application.status != "approved":
        raise _error(409, "Conflict", "a pathway is for an approved stipend",
                     {"application_id": "this application is not approved"})
    if pathway_of(session, application.id) is not None:
        raise _error(409, "Conflict", "this stipend already has a pathway; change that one")
    pathway = Pathway(application_id=application.id, participant_id=application.participant_id,
                      title=data.title, starts_on=data.starts_on or today,
                      target_date=data.target_date,
                      status="active" if by_staff else "proposed",
                      created_by_account_id=actor.account_id)
    if by_staff:
        pathway.reviewed_by_account_id, pathway.reviewed_at = actor.account_id, utcnow()
    session.add(pathway)
    session.flush()
    _store_goals(session, pathway, data)
    session.flush()
    audit.record(session, actor=actor, action="stipends.pathway_create",
                 subject_participant_id=pathway.participant_id, resource_type="stipend_pathway",
                 resource_id=pathway.id)
    if by_staff:
        _mail_pathway(session, registry, pathway, "A professional development plan for you",
                      "County staff wrote a professional development plan for you: "
                      f"{pathway.title}. Follow your progress on the registry's Stipends page.")
    return pathway


def update_pathway(session: Session, actor: Actor, pathway: Pathway, data: PathwayData, *,
                   by_staff: bool) -> Pathway:
    """Staff change any plan (its status stays); the recipient changes a proposed or returned
    plan only, which proposes it again."""
    if not by_staff:
        if pathway.status == "active":
            raise _error(409, "Conflict",
                         "an approved plan is changed by county staff; ask them")
        pathway.status = "proposed"
    pathway.title = data.title
    pathway.starts_on = data.starts_on or pathway.starts_on
    pathway.target_date = data.target_date
    _store_goals(session, pathway, data)
    session.flush()
    audit.record(session, actor=actor, action="stipends.pathway_update",
                 subject_participant_id=pathway.participant_id, resource_type="stipend_pathway",
                 resource_id=pathway.id)
    return pathway


def review_pathway(session: Session, registry: Registry, actor: Actor, pathway: Pathway,
                   decision: str, reason: str) -> Pathway:
    """Approve a proposed plan, or return it with a reason (the recipient is emailed)."""
    if decision not in ("approve", "return"):
        raise _error(422, "Unprocessable Entity", "unknown decision",
                     {"decision": "approve or return"})
    reason = (reason or "").strip()
    if decision == "return" and not reason:
        raise _error(422, "Unprocessable Entity", "say why the plan is returned",
                     {"reason": "give the reason, so the recipient can change the plan"})
    if pathway.status != "proposed":
        raise _error(409, "Conflict", f"the plan is {pathway.status}, not waiting for approval")
    pathway.status = "active" if decision == "approve" else "returned"
    pathway.review_reason = reason or None
    pathway.reviewed_by_account_id, pathway.reviewed_at = actor.account_id, utcnow()
    session.flush()
    audit.record(session, actor=actor, action=f"stipends.pathway_{decision}",
                 subject_participant_id=pathway.participant_id, resource_type="stipend_pathway",
                 resource_id=pathway.id, reason=reason or None)
    if decision == "approve":
        _mail_pathway(session, registry, pathway, "Your professional development plan is approved",
                      f"County staff approved your plan \"{pathway.title}\".\n\n{reason}".strip())
    else:
        _mail_pathway(session, registry, pathway, "Your professional development plan needs "
                      "changes", f"County staff returned your plan \"{pathway.title}\":\n\n"
                      f"{reason}\n\nChange it on the registry's Stipends page and propose it "
                      "again.")
    return pathway


def _mail_pathway(session: Session, registry: Registry, pathway: Pathway, subject: str,
                  text: str) -> None:
    from .services import _mail

    _mail(session, registry, pathway.participant_id, subject, text)


def merge_pathways(session: Session, survivor_id: str, merged_id: str) -> None:
    """Pathways follow their applications to the survivor (no sealed values in them)."""
    for pathway in my_pathways(session, merged_id):
        pathway.participant_id = survivor_id
    session.flush()


def erase_pathways(session: Session, participant_id: str) -> None:
    session.execute(delete(Pathway).where(Pathway.participant_id == participant_id))


# --- progress from verified records --------------------------------------------------------

@dataclass
class Records:
    """Verified education (documents plugin) and training hours (documents and, when
    enabled, the training plugin through ``education_report_sections``)."""

    education: Any
    training: list[dict[str, Any]]
    guidance: dict[str, Any]


def verified_records(session: Session, registry: Registry, participant_id: str,
                     today: date) -> Records:
    from registry_plugins.documents.services import (
        permit_guidance,
        training_from_plugins,
        verified_education,
    )

    participant = session.get(Participant, participant_id)
    education = verified_education(session, participant_id, today=today,
                                   grade_threshold=registry.settings.grade_threshold_permit)
    training = list(education.training)
    if participant is not None:
        training += training_from_plugins(session, registry, participant)
    return Records(education, training, permit_guidance(education, training, today))


def _day(value: Any) -> date | None:
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _norm(text: str | None) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", (text or "").casefold()))


def _course_matches(step: str, course: dict[str, Any]) -> bool:
    number, title = _norm(course.get("course_number")), _norm(course.get("title"))
    return bool(step) and (step in (number, title, f"{number} {title}".strip())
                           or (bool(number) and step.startswith(number + " ")))


def _fraction(have: Decimal, need: Decimal) -> Decimal:
    return min(Decimal(1), have / need) if need > 0 else Decimal(1)


def _two(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _permit_progress(goal: PathwayGoal, records: Records) -> dict[str, Any]:
    from registry_plugins.documents.services import CORE_COURSES, PERMIT_EDUCATION

    order = [level for level, _ in PERMIT_EDUCATION]
    requirements = dict(PERMIT_EDUCATION)[goal.permit_level or ""]
    education = records.education
    rank = order.index(goal.permit_level)
    held = any(level in order and order.index(level) >= rank
               for level in education.current_permit_levels())
    parts: list[Decimal] = []
    for key, have in (("ece", education.ece_units), ("ge", education.ge_units)):
        if key in requirements:
            parts.append(_fraction(have, Decimal(requirements[key])))
    if requirements.get("core"):
        parts += [Decimal(int(education.core_course_met(area))) for area in CORE_COURSES]
    for area in ("specialization", "administration", "adult_supervision"):
        if area in requirements:
            parts.append(_fraction(education.units_by_core_area.get(area, Decimal(0)),
                                   Decimal(requirements[area])))
    level = next(item for item in records.guidance["levels"]
                 if item["level"] == goal.permit_level)
    if "degree" in requirements:
        parts.append(Decimal(int(not any("degree" in m["values"]
                                         for m in level["missing_items"]))))
    parts.append(Decimal(int(held)))
    percent = HUNDRED if held else (HUNDRED * sum(parts) / len(parts))
    needs = [] if held else list(level["missing_items"])
    if not held and level["meets_education"]:
        needs.append({"message": N_("apply to the Commission on Teacher Credentialing for "
                                    "the %(label)s Permit (experience is not checked here)"),
                      "values": {"label": level["label"]}})
    return {"met": held, "percent": int(percent), "have": None, "need": None,
            "needs": needs, "permit_held": held,
            "meets_education": bool(level["meets_education"])}


def _units_progress(goal: PathwayGoal, records: Records, since: date) -> dict[str, Any]:
    have = Decimal("0.00")
    for course in records.education.courses:
        done = _day(course.get("completed_on"))
        if done is None or done < since:
            continue
        area = goal.area
        if (area in ("ece", "ge") and course.get("category") == area) or \
                course.get("core_area") == area:
            have += Decimal(course["semester_units"])
    need = Decimal(goal.amount or 0)
    left = max(Decimal(0), need - have)
    return {"met": have >= need, "percent": int(HUNDRED * _fraction(have, need)),
            "have": _two(have), "need": _two(need),
            "needs": [] if have >= need else [{
                "message": N_("%(units)s more verified semester units (%(area)s) completed "
                              "since %(since)s"), "values": {"units": _two(left), "area": goal.area,
                                                   "since": since.isoformat()}}]}


def _training_progress(goal: PathwayGoal, records: Records, since: date) -> dict[str, Any]:
    have = Decimal("0.00")
    for item in records.training:
        done = _day(item.get("completed_on"))
        if done is None or done < since:
            continue
        if goal.area and item.get("competency_area") != goal.area:
            continue
        have += Decimal(str(item["hours"]))
    need = Decimal(goal.amount or 0)
    left = max(Decimal(0), need - have)
    area = f" ({goal.area})" if goal.area else ""
    return {"met": have >= need, "percent": int(HUNDRED * _fraction(have, need)),
            "have": _two(have), "need": _two(need),
            "needs": [] if have >= need else [{
                "message": N_("%(hours)s more verified training hours%(area)s completed "
                              "since %(since)s"), "values": {"hours": _two(left), "area": area,
                                                   "since": since.isoformat()}}]}


def _steps(goal: PathwayGoal, records: Records) -> list[dict[str, Any]]:
    out = []
    for step in goal.steps or []:
        wanted = _norm(step.get("title"))
        if step.get("kind") == "course":
            done = any(_course_matches(wanted, c) for c in records.education.courses)
        else:
            done = any(_norm(t.get("title")) == wanted for t in records.training)
        out.append({**step, "done": done})
    return out


def goal_progress(goal: PathwayGoal, pathway: Pathway, records: Records) -> dict[str, Any]:
    since = goal.since or pathway.starts_on
    if goal.kind == "permit_level":
        result = _permit_progress(goal, records)
    elif goal.kind == "units":
        result = _units_progress(goal, records, since)
    else:
        result = _training_progress(goal, records, since)
    result["needs_text"] = [n["message"] % n["values"] for n in result["needs"]]
    return {"id": goal.id, "kind": goal.kind, "permit_level": goal.permit_level,
            "area": goal.area, "amount": _two(goal.amount) if goal.amount is not None else None,
            "since": since.isoformat() if goal.kind != "permit_level" else None,
            "due_on": goal.due_on.isoformat() if goal.due_on else None,
            "steps": _steps(goal, records), **result}


def pathway_json(session: Session, registry: Registry, pathway: Pathway, *,
                 today: date, progress: bool = True) -> dict[str, Any]:
    """The plan with each goal's progress computed now from verified records."""
    records = verified_records(session, registry, pathway.participant_id, today) \
        if progress else None
    goals = goals_of(session, pathway)
    application = session.get(Application, pathway.application_id)
    program = session.get(Program, application.program_id) if application else None
    participant = session.get(Participant, pathway.participant_id)
    out: dict[str, Any] = {
        "id": pathway.id, "application_id": pathway.application_id,
        "registry_id": participant.registry_id if participant else None,
        "program_id": program.id if program else None,
        "program_name": program.name if program else None,
        "title": pathway.title, "status": pathway.status,
        "starts_on": pathway.starts_on.isoformat(),
        "target_date": pathway.target_date.isoformat() if pathway.target_date else None,
        "review_reason": pathway.review_reason,
        "reviewed_at": pathway.reviewed_at.isoformat() if pathway.reviewed_at else None,
    }
    if records is None:
        out["goals"] = [{"id": g.id, "kind": g.kind, "permit_level": g.permit_level,
                         "area": g.area, "amount": _two(g.amount) if g.amount else None}
                        for g in goals]
        return out
    out["goals"] = [goal_progress(g, pathway, records) for g in goals]
    out["percent"] = int(sum(g["percent"] for g in out["goals"]) / len(out["goals"])) \
        if out["goals"] else 0
    out["completed"] = bool(out["goals"]) and all(g["met"] for g in out["goals"])
    return out


def pathway_data_of(session: Session, pathway: Pathway) -> dict[str, Any]:
    """The stored plan in the shape :class:`PathwayData` accepts (to prefill a form)."""
    return {"title": pathway.title, "starts_on": pathway.starts_on,
            "target_date": pathway.target_date,
            "goals": [{"kind": g.kind, "permit_level": g.permit_level, "area": g.area,
                       "amount": g.amount, "since": g.since, "due_on": g.due_on,
                       "steps": list(g.steps or [])} for g in goals_of(session, pathway)]}


def read_by_staff(session: Session, actor: Actor, pathway: Pathway) -> None:
    """Staff opening a plan see what a person's verified records prove: audited."""
    audit.record(session, actor=actor, action="stipends.pathway_read",
                 subject_participant_id=pathway.participant_id, resource_type="stipend_pathway",
                 resource_id=pathway.id, reason="stipend pathway")
