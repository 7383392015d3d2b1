"""QRIS domain logic: which rule set applies in a county, who is scored at a site, what
verified records prove about them, and the site's element scores (recorded with the rule set
and version). Plain functions over a SQLAlchemy session.

Data comes from other plugins through their services only: confirmed employment and role
categories from ``profile``, verified education from ``documents``, attended training hours
from ``training`` when it is enabled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import weakref
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import audit, clock, counties
from registry_kernel.clock import local_today
from registry_kernel.counties import canonical_county
from registry_kernel.db import utcnow
from registry_kernel.models import Organization, Participant
from registry_kernel.read_only import side_write

from . import rules as R
from .models import CountyRules, LeadTeacherCorrection, Score, ValidationDate

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

log = logging.getLogger(__name__)

PLUGIN = "qris"
SITE_KINDS = tuple(R.ORG_SITE_KIND)
MAX_RULE_FILE_BYTES = 256 * 1024


class QrisConfig(BaseModel):
    """``[plugins.qris]``: ``statewide_file`` replaces the shipped statewide rules;
    ``county_rule_files`` maps a county to its rule file (checked at start-up)."""

    model_config = ConfigDict(extra="forbid")

    statewide_file: str | None = None
    county_rule_files: dict[str, str] = {}


class QrisError(Exception):
    """A refusal: the API answers problem+json (``extra`` adds members such as ``line``), the
    UI a message."""

    def __init__(self, status: int, title: str, detail: str,
                 errors: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors
        self.extra = extra


def N_(text: str) -> str:
    """Mark ``text`` for the catalog: English in the API, translated on the pages."""
    return text


def not_found(what: str = "site") -> QrisError:
    return QrisError(404, "Not Found", f"no such {what}")


# --- rule sets ------------------------------------------------------------------------------

@dataclass
class _Loaded:
    statewide: R.RuleSet
    statewide_data: dict[str, Any]
    county_files: dict[str, R.RuleSet] = field(default_factory=dict)


_LOADED: weakref.WeakKeyDictionary[Any, _Loaded] = weakref.WeakKeyDictionary()


def load_rules(registry: Registry) -> _Loaded:
    """Read and check the statewide file and every configured county file (start-up)."""
    cfg: QrisConfig = registry.plugin_config(PLUGIN) or QrisConfig()
    statewide, data = R.load_statewide(Path(cfg.statewide_file) if cfg.statewide_file else None)
    loaded = _Loaded(statewide, data)
    for county_name, path in cfg.county_rule_files.items():
        county = canonical_county(county_name)
        if county is None:
            raise R.RuleFileError(path, None, f"{county_name!r} is not a California county")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise R.RuleFileError(path, None, f"cannot read the rule file: {exc}") from exc
        loaded.county_files[county] = R.load_county_text(text, path, data, county)
    _LOADED[registry] = loaded
    return loaded


def _loaded(registry: Registry) -> _Loaded:
    return _LOADED.get(registry) or load_rules(registry)


def statewide_rules(registry: Registry) -> R.RuleSet:
    return _loaded(registry).statewide


def rule_set_for(session: Session, registry: Registry, county: str | None) -> R.RuleSet:
    """The county's rules: a plugin's ``qris_rule_set`` hook, else the file the county
    administrator uploaded, else the configured county file, else the statewide rules."""
    loaded = _loaded(registry)
    if county is None:
        return loaded.statewide
    hooked = registry.plugins.hook.qris_rule_set(county=county, registry=registry)
    if isinstance(hooked, R.RuleSet):
        return hooked
    if isinstance(hooked, dict):
        extends = (hooked.get("rule_set") or {}).get("extends")
        data = R.merge_override(loaded.statewide_data, hooked) if extends == "statewide" \
            else hooked
        return R.build_rule_set(data, source=f"qris_rule_set hook ({county})")
    row = session.scalar(select(CountyRules).where(CountyRules.county == county))
    if row is not None:
        return R.load_county_text(row.source_text, row.filename, loaded.statewide_data, county)
    return loaded.county_files.get(county, loaded.statewide)


def rule_source(session: Session, registry: Registry, county: str) -> str:
    """Where the county's rules come from: ``hook``, ``uploaded``, ``configured`` or
    ``statewide``."""
    if registry.plugins.hook.qris_rule_set(county=county, registry=registry) is not None:
        return "hook"
    if uploaded_rules(session, county) is not None:
        return "uploaded"
    return "configured" if county in _loaded(registry).county_files else "statewide"


def county_rules_info(session: Session, registry: Registry, county: str) -> dict[str, Any]:
    """The rule set in use in ``county``: name, county, version, where it comes from, and the
    uploaded file (name, when, text) if there is one."""
    rules = rule_set_for(session, registry, county)
    row = uploaded_rules(session, county)
    return {"county": county, "active": counties.is_active(session, registry, PLUGIN, county),
            "rule_set": rules.describe(), "source": rule_source(session, registry, county),
            "uploaded": None if row is None else {
                "filename": row.filename, "version": row.version,
                "uploaded_at": row.uploaded_at.isoformat(), "text": row.source_text}}


def _rule_file_refused(exc: R.RuleFileError) -> QrisError:
    return QrisError(422, "Unprocessable Content", str(exc), {"file": str(exc)},
                     source=exc.source, line=exc.line or 1, reason=exc.reason)


def upload_county_rules(session: Session, registry: Registry, actor: Actor, county: str,
                        filename: str, data: bytes) -> R.RuleSet:
    """Check and keep a county's rule file (replacing the previous one), exactly as start-up
    checks a configured file. Raises :class:`QrisError` 422 with ``file:line: reason`` (and
    ``line``, ``reason``) for a bad file, 409 when a different file reuses the version in use,
    so a recorded score's version always names one set of rules. Nothing changes on error."""
    require_county_admin(session, actor, county)
    name = (filename or "rules.toml").replace("\\", "/").rsplit("/", 1)[-1][:200] \
        or "rules.toml"
    if len(data) > MAX_RULE_FILE_BYTES:
        raise QrisError(422, "Unprocessable Content", f"{name}: the rule file is too large",
                        {"file": "the rule file is larger than 256 KB"}, source=name,
                        line=None, reason="the rule file is larger than 256 KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QrisError(422, "Unprocessable Content", f"{name}: the rule file is not UTF-8 "
                        "text", {"file": "the rule file is not UTF-8 text"}, source=name,
                        line=None, reason="the rule file is not UTF-8 text") from exc
    try:
        rule_set = R.load_county_text(text, name, _loaded(registry).statewide_data, county)
    except R.RuleFileError as exc:
        raise _rule_file_refused(exc) from exc
    row = session.scalar(select(CountyRules).where(CountyRules.county == county))
    if row is not None and row.version == rule_set.version and row.source_text != text:
        raise QrisError(409, "Conflict", f"version {rule_set.version!r} is already in use in "
                        f"{county} with other rules; give the changed file a new version",
                        {"file": "give the changed file a new rule_set.version"})
    if row is None:
        row = CountyRules(county=county)
        session.add(row)
    row.version, row.source_text, row.filename = rule_set.version, text, name
    row.uploaded_by_account_id, row.uploaded_at = actor.account_id, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="qris.rules_upload", resource_type="county",
                 resource_id=county, reason=f"version {rule_set.version}")
    return rule_set


def remove_county_rules(session: Session, actor: Actor, county: str) -> bool:
    """Drop the county's uploaded file (its configured file or the statewide rules apply
    again). Returns whether there was one."""
    require_county_admin(session, actor, county)
    row = session.scalar(select(CountyRules).where(CountyRules.county == county))
    if row is None:
        return False
    session.delete(row)
    audit.record(session, actor=actor, action="qris.rules_remove", resource_type="county",
                 resource_id=county, reason=f"version {row.version}")
    return True


def uploaded_rules(session: Session, county: str) -> CountyRules | None:
    return session.scalar(select(CountyRules).where(CountyRules.county == county))


# --- who may see what -----------------------------------------------------------------------

def admin_counties(session: Session, actor: Actor) -> set[str]:
    """Counties where the actor is a county administrator (through a county organization)."""
    org_ids = actor.org_ids_for("county_admin")
    if not org_ids:
        return set()
    return {c for c in session.scalars(select(Organization.county)
                                       .where(Organization.id.in_(org_ids))) if c}


def is_registry_staff(actor: Actor) -> bool:
    return actor.is_superuser or actor.has_role("registry_staff")


def require_county_admin(session: Session, actor: Actor, county: str) -> None:
    if actor.is_superuser:
        return
    if county not in admin_counties(session, actor) or \
            not actor.can("plugins.activate_county"):
        raise QrisError(403, "Forbidden", "only the county's administrator can do this")


def can_view_site(session: Session, actor: Actor, org: Organization) -> bool:
    if is_registry_staff(actor):
        return True
    if actor.via == "client":  # an agency system: its own site, or a county's whole county
        if actor.organization_id == org.id:
            return True
        client_org = session.get(Organization, actor.organization_id) \
            if actor.organization_id else None
        return bool(client_org is not None and client_org.kind == "county" and org.county
                    and client_org.county == org.county)
    if org.county and org.county in admin_counties(session, actor):
        return True
    if actor.organization_id is not None and actor.organization_id != org.id:
        return False
    return actor.has_role("program_admin", org.id)


def can_correct(actor: Actor, org: Organization) -> bool:
    if actor.via == "client":
        return False
    if actor.organization_id is not None and actor.organization_id != org.id:
        return False
    return actor.can("qris.correct", org.id) and (
        actor.has_role("program_admin", org.id) or is_registry_staff(actor))


def is_active(session: Session, registry: Registry, org: Organization) -> bool:
    return counties.is_active(session, registry, PLUGIN, org.county)


def site_for(session: Session, registry: Registry, actor: Actor, slug: str) -> Organization:
    """The site ``slug`` if the actor may see it and QRIS is on in its county (404 otherwise,
    so existence does not leak)."""
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None or org.kind not in SITE_KINDS or not can_view_site(session, actor, org):
        raise not_found()
    if not is_active(session, registry, org):
        raise QrisError(404, "Not Found", "QRIS is not switched on in this site's county")
    return org


def visible_sites(session: Session, registry: Registry, actor: Actor, *,
                  county: str | None = None) -> list[Organization]:
    """Sites the actor may see, in counties where QRIS is on, by name."""
    query = select(Organization).where(Organization.kind.in_(SITE_KINDS),
                                       Organization.is_active.is_(True))
    if county:
        query = query.where(Organization.county == county)
    if not is_registry_staff(actor):
        own = actor.org_ids_for("program_admin")
        mine = admin_counties(session, actor)
        conditions = []
        if own:
            conditions.append(Organization.id.in_(own))
        if mine:
            conditions.append(Organization.county.in_(mine))
        if not conditions:
            return []
        from sqlalchemy import or_

        query = query.where(or_(*conditions))
    return [org for org in session.scalars(query.order_by(Organization.name, Organization.id))
            if is_active(session, registry, org)]


# --- facts from other plugins ---------------------------------------------------------------

def _months_back(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 - months, 12)
    year, month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def validation_dates(session: Session, org_id: int) -> list[date]:
    return list(session.scalars(select(ValidationDate.validated_on)
                                .where(ValidationDate.organization_id == org_id)
                                .order_by(ValidationDate.validated_on)))


def pd_year(session: Session, rules: R.RuleSet, org_id: int, today: date) -> tuple[date, date]:
    """The PD year scored: from the validation date before the latest one (on or before today)
    to the latest; one year before the latest when there is no earlier one; the 12 months
    before today when the site has no validation date."""
    dates = [d for d in validation_dates(session, org_id) if d <= today]
    if not dates:
        return _months_back(today, rules.pd_year_months) + timedelta(days=1), today
    end = dates[-1]
    start = dates[-2] if len(dates) > 1 else _months_back(end, rules.pd_year_months)
    return start, end


def add_validation_date(session: Session, actor: Actor, org: Organization, day: date) -> None:
    if not can_correct(actor, org) and org.county not in admin_counties(session, actor):
        raise QrisError(403, "Forbidden", "only the program or county administrator can do this")
    exists = session.scalar(select(ValidationDate.id).where(
        ValidationDate.organization_id == org.id, ValidationDate.validated_on == day))
    if exists is None:
        session.add(ValidationDate(organization_id=org.id, validated_on=day,
                                   recorded_by_account_id=actor.account_id))
        session.flush()
        audit.record(session, actor=actor, action="qris.validation_date",
                     resource_type="organization", resource_id=org.id,
                     reason=day.isoformat())


def _experience_months(session: Session, participant_id: str, today: date
                       ) -> tuple[Decimal, list[dict[str, Any]]]:
    from registry_plugins.profile.services import list_employment

    spans: list[tuple[date, date]] = []
    evidence = []
    for job in list_employment(session, participant_id):
        if job.status != "confirmed":
            continue
        end = min(job.end_date or today, today)
        if end > job.start_date:
            spans.append((job.start_date, end))
        evidence.append({"kind": "employment", "id": job.id, "role_category": job.role_category,
                         "start_date": job.start_date.isoformat(),
                         "end_date": job.end_date.isoformat() if job.end_date else None,
                         "verification_status": "confirmed", "counted": True})
    days = 0
    last_end: date | None = None
    for start, end in sorted(spans):
        if last_end is not None and start < last_end:
            start = last_end
        if end > start:
            days += (end - start).days
            last_end = end if last_end is None else max(last_end, end)
    return (Decimal(days) / Decimal("30.4375")).quantize(Decimal("0.1")), evidence


def _attended_training(session: Session, registry: Registry, participant_id: str
                       ) -> list[dict[str, Any]]:
    if not registry.plugins.is_enabled("training"):
        return []
    from registry_plugins.training.services import participant_enrollments

    items = []
    for enrollment in participant_enrollments(session, participant_id):
        if enrollment.status != "attended" or not enrollment.hours_granted:
            continue
        event = enrollment.event
        items.append({"kind": "training", "source": "training", "id": enrollment.id,
                      "title": getattr(getattr(event, "training", None), "title", None),
                      "completed_on": event.starts_at.astimezone(clock.current_zone()).date().isoformat(),
                      "hours": str(Decimal(enrollment.hours_granted).quantize(R.TWO)),
                      "verification_status": "attended"})
    return items


def person_facts(session: Session, registry: Registry, participant_id: str, *,
                 window: tuple[date, date], today: date) -> tuple[R.Facts, list[dict[str, Any]]]:
    """What verified records prove about one person, and the records (evidence)."""
    from registry_plugins.documents.services import own_documents, verified_education

    edu = verified_education(session, participant_id,
                             grade_threshold=registry.settings.grade_threshold_permit,
                             today=today)
    evidence: list[dict[str, Any]] = []
    for c in edu.courses:
        evidence.append({"kind": "course", "id": c["id"], "document_id": c["document_id"],
                         "title": f"{c['course_number']} {c['title']}",
                         "category": c["category"], "core_area": c["core_area"],
                         "semester_units": c["semester_units"], "grade": c["grade"],
                         "verification_status": "verified", "counted": True})
    degrees = []
    for d in edu.degrees:
        if d["accredited"]:
            degrees.append((d["level"], bool(d["ece_related"])))
        evidence.append({"kind": "degree", "id": d["id"], "document_id": d["document_id"],
                         "level": d["level"], "major": d["major"],
                         "ece_related": d["ece_related"], "accredited": d["accredited"],
                         "verification_status": "verified", "counted": bool(d["accredited"])})
    permits, credentials = [], []
    for p in edu.permits:
        if p["current"]:
            (permits if p["kind"] == "cd_permit" else credentials).append(
                p["level"] if p["kind"] == "cd_permit" else p["kind"])
        evidence.append({"kind": "permit" if p["kind"] == "cd_permit" else "credential",
                         "id": p["id"], "document_id": p["document_id"], "type": p["kind"],
                         "level": p["level"], "expires_on": p["expires_on"],
                         "verification_status": "verified", "counted": bool(p["current"])})
    start, end = window
    pd_hours = Decimal(0)
    training = [{**t, "kind": "training", "verification_status": "verified"}
                for t in edu.training] + _attended_training(session, registry, participant_id)
    for t in training:
        day = str(t.get("completed_on") or "")[:10]
        counted = bool(day) and start.isoformat() <= day <= end.isoformat()
        if counted:
            pd_hours += Decimal(t["hours"])
        evidence.append({"kind": "training", "id": t["id"], "document_id": t.get("document_id"),
                         "source": t.get("source", "documents"), "title": t.get("title"),
                         "completed_on": day or None, "hours": t["hours"],
                         "verification_status": t["verification_status"], "counted": counted})
    months, jobs = _experience_months(session, participant_id, today)
    evidence.extend(jobs)
    for document in own_documents(session, participant_id):
        if document.status != "verified":
            evidence.append({"kind": "document", "id": document.id, "type": document.type,
                             "verification_status": document.status, "counted": False})
    core_met = frozenset(
        area for area in R.CORE_COURSES
        if edu.units_by_core_area.get(area, Decimal(0)) >= 3
        or edu.quarter_units_by_core_area.get(area, Decimal(0)) >= 4)
    facts = R.Facts(
        ece_units=edu.ece_units, ge_units=edu.ge_units, core_areas_met=core_met,
        admin_units=edu.units_by_core_area.get("administration", Decimal(0)),
        supervision_units=edu.units_by_core_area.get("adult_supervision", Decimal(0)),
        degrees=tuple(degrees), permits=tuple(permits), credentials=tuple(credentials),
        experience_months=months, pd_hours=pd_hours)
    return facts, evidence


# --- who is scored --------------------------------------------------------------------------

@dataclass
class StaffMember:
    participant_id: str
    registry_id: str
    employment_id: int
    role_category: str
    position: str
    correction: LeadTeacherCorrection | None = None


def current_staff(session: Session, org: Organization, today: date) -> list[StaffMember]:
    """Confirmed, current employment at the site, one row per person (newest job)."""
    from registry_plugins.profile.services import employments_at

    corrections = {c.participant_id: c for c in session.scalars(
        select(LeadTeacherCorrection).where(LeadTeacherCorrection.organization_id == org.id))}
    staff: dict[str, StaffMember] = {}
    for job in employments_at(session, org.id, status="confirmed"):
        if job.end_date is not None and job.end_date < today:
            continue
        if job.participant_id in staff:
            continue
        participant = session.get(Participant, job.participant_id)
        if participant is None or participant.status == "erased":
            continue
        staff[job.participant_id] = StaffMember(
            participant_id=job.participant_id, registry_id=participant.registry_id,
            employment_id=job.id, role_category=job.role_category, position=job.position,
            correction=corrections.get(job.participant_id))
    return list(staff.values())


def scored_people(element: R.Element, site_kind: str, staff: list[StaffMember]
                  ) -> list[StaffMember]:
    roles = element.roles.get(site_kind, ())
    people = []
    for member in staff:
        counts = member.role_category in roles
        if element.number == 3 and member.correction is not None:
            counts = member.correction.counts
        if counts:
            people.append(member)
    return people


def set_lead_teacher(session: Session, actor: Actor, org: Organization, registry_id: str,
                     counts: bool | None, classroom: str | None = None,
                     today: date | None = None) -> None:
    """The program administrator says whether a confirmed employee counts as a lead teacher
    (``None`` removes the correction: the role category decides again)."""
    if not can_correct(actor, org):
        raise QrisError(403, "Forbidden", "only the site's program administrator can do this")
    member = next((m for m in current_staff(session, org, today or clock.today())
                   if m.registry_id == registry_id), None)
    if member is None:
        raise QrisError(422, "Unprocessable Content",
                        N_("only a person with confirmed, current employment at the site "
                           "counts"),
                        {"registry_id": N_("no confirmed, current employee with this Registry "
                                           "ID")})
    row = member.correction
    if counts is None:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = LeadTeacherCorrection(organization_id=org.id,
                                        participant_id=member.participant_id)
            session.add(row)
        row.counts, row.classroom = counts, (classroom or None)
        row.set_by_account_id, row.set_at = actor.account_id, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="qris.lead_teacher_correction",
                 subject_participant_id=member.participant_id, resource_type="organization",
                 resource_id=org.id, reason=f"counts={counts}")


# --- scoring a site -------------------------------------------------------------------------

def _rule_json(level: R.Level | None, option: R.Option | None) -> dict[str, Any] | None:
    if level is None or option is None:
        return None
    return {"points": level.points, "level": level.label, "option": option.id,
            "description": option.description}


def score_element(session: Session, registry: Registry, rules: R.RuleSet, element: R.Element,
                  org: Organization, staff: list[StaffMember], today: date
                  ) -> dict[str, Any]:
    site_kind = R.ORG_SITE_KIND[org.kind]
    window = pd_year(session, rules, org.id, today)
    people = scored_people(element, site_kind, staff)
    evidence, scores, persons = [], [], []
    for member in people:
        facts, records = person_facts(session, registry, member.participant_id,
                                      window=window, today=today)
        result = R.score_person(rules, element, facts, site_kind)
        scores.append(result.points)
        persons.append((member, result))
        evidence.append({
            "registry_id": member.registry_id, "employment_id": member.employment_id,
            "role_category": member.role_category, "position": member.position,
            "corrected": member.correction is not None,
            "classroom": member.correction.classroom if member.correction else None,
            "points": result.points,
            "status": "scored" if result.points is not None else "not_enough_data",
            "rule": _rule_json(result.level, result.option),
            "totals": {"ece_units": str(facts.ece_units.quantize(R.TWO)),
                       "ge_units": str(facts.ge_units.quantize(R.TWO)),
                       "pd_hours": str(facts.pd_hours.quantize(R.TWO)),
                       "experience_months": str(facts.experience_months)},
            "records": records,
            "missing": result.missing, "next_points": result.next_points})
    points = R.aggregate(element, scores)
    missing: list[dict[str, Any]] = []
    who = "a confirmed lead teacher" if element.number == 3 else "a confirmed director"
    if not people:
        missing.append({"registry_id": None, "items": [
            f"{who} ({', '.join(element.roles.get(site_kind, ()))}) with confirmed, "
            "current employment at the site"]})
    else:
        target = (points or 0) + 1
        chosen = persons
        if element.aggregate == "maximum" and points is not None:
            chosen = [max(persons, key=lambda p: p[1].points or 0)]
        for member, result in chosen:
            if (result.points or 0) < target and result.missing:
                missing.append({"registry_id": member.registry_id, "for_points":
                                (result.points or 0) + 1, "items": result.missing})
    decided = None
    if points is not None:
        deciders = [(m, r) for m, r in persons if r.points == points] or persons
        level = next(lv for lv in element.levels if lv.points == points)
        decided = {"points": points, "level": level.label, "aggregate": element.aggregate,
                   "decided_by": [{"registry_id": m.registry_id,
                                   **(_rule_json(r.level, r.option) or {})}
                                  for m, r in deciders]}
    return {"element": element.number, "title": element.title, "points": points,
            "status": "scored" if points is not None else "not_enough_data",
            "rule_set": {"county": rules.county, "version": rules.version,
                         "levels": rules.levels},
            "rule": decided, "aggregate": element.aggregate,
            "pd_year": {"from": window[0].isoformat(), "to": window[1].isoformat()},
            "evidence": evidence, "missing": missing}


def score_site(session: Session, registry: Registry, org: Organization, *,
               today: date | None = None, record: bool = True, trigger: str = "request"
               ) -> dict[str, Any]:
    """Every element the rule set scores for this kind of site; recorded when it changed."""
    today = today or local_today(registry)
    rules = rule_set_for(session, registry, org.county)
    site_kind = R.ORG_SITE_KIND[org.kind]
    staff = current_staff(session, org, today)
    elements = [score_element(session, registry, rules, element, org, staff, today)
                for number, element in sorted(rules.elements.items())
                if site_kind in element.site_kinds]
    if record:
        for item in elements:
            item["computed_at"] = record_score(session, org.id, item, trigger).isoformat()
    return {"site": {"slug": org.slug, "name": org.name, "county": org.county,
                     "kind": org.kind, "license_number": org.license_number},
            "rule_set": rules.describe(), "elements": elements}


def record_score(session: Session, org_id: int, item: dict[str, Any], trigger: str) -> Any:
    fingerprint = hashlib.sha256(json.dumps(item, sort_keys=True, default=str)
                                 .encode()).hexdigest()
    last = _last_score(session, org_id, item["element"])
    if last is not None and last.fingerprint == fingerprint:
        return last.computed_at
    rule = item.get("rule") or {}
    decided = ", ".join(sorted({d.get("option", "") for d in rule.get("decided_by", [])}))
    row = Score(organization_id=org_id, element=item["element"], points=item["points"],
                status=item["status"], rule_set_county=item["rule_set"]["county"],
                rule_set_version=item["rule_set"]["version"],
                decided_by=(f"level {item['points']}: {decided}"[:120] if item["points"]
                            else None),
                detail={"evidence": item["evidence"], "missing": item["missing"],
                        "pd_year": item["pd_year"],
                        "levels": item["rule_set"].get("levels", "cumulative")},
                fingerprint=fingerprint, trigger=trigger[:40], computed_at=utcnow())
    with side_write(session) as writer:  # a reading request's: committed at once
        last = _last_score(writer, org_id, item["element"])  # (another request's meanwhile?)
        if last is not None and last.fingerprint == fingerprint:
            return last.computed_at
        writer.add(row)
        writer.flush()
    return row.computed_at


def _last_score(session: Session, org_id: int, element: int) -> Score | None:
    return session.scalar(select(Score).where(Score.organization_id == org_id,
                                              Score.element == element)
                          .order_by(Score.id.desc()).limit(1))


def score_history(session: Session, org_id: int, limit: int = 50) -> list[Score]:
    return list(session.scalars(select(Score).where(Score.organization_id == org_id)
                                .order_by(Score.id.desc()).limit(limit)))


def recompute_for_event(session: Session, registry: Registry, event: Any) -> int:
    """Re-score the sites a verified document, a confirmed job or granted hours touch."""
    data = event.data or {}
    org_ids: set[int] = set()
    if event.type == "employment.confirmed" and data.get("organization_id"):
        org_ids.add(int(data["organization_id"]))
    registry_id = data.get("registry_id")
    if registry_id and event.type in ("document.verified", "enrollment.updated",
                                      "attendance.recorded", "employment.confirmed"):
        participant = session.scalar(select(Participant).where(
            Participant.registry_id == registry_id))
        if participant is not None:
            from registry_plugins.profile.services import list_employment

            org_ids |= {job.employer_id for job in list_employment(session, participant.id)
                        if job.status == "confirmed" and job.employer_id}
    done = 0
    for org_id in sorted(org_ids):
        org = session.get(Organization, org_id)
        if org is None or org.kind not in SITE_KINDS or not is_active(session, registry, org):
            continue
        try:
            with session.begin_nested():
                score_site(session, registry, org, trigger=event.type)
            done += 1
        except Exception:  # a bad county rule must not undo the verification itself
            log.exception("qris: could not re-score site %s after %s", org_id, event.type)
    return done


# --- county switch --------------------------------------------------------------------------

def set_county_active(session: Session, registry: Registry, actor: Actor, county: str,
                      active: bool) -> None:
    require_county_admin(session, actor, county)
    if active:
        counties.activate(session, PLUGIN, county, actor.account_id)
    else:
        counties.deactivate(session, PLUGIN, county)
    session.flush()
    audit.record(session, actor=actor,
                 action="plugins.activate" if active else "plugins.deactivate",
                 resource_type="county", resource_id=county, reason=PLUGIN)


# --- lists and exports ----------------------------------------------------------------------

def summary_rows(session: Session, registry: Registry, sites: list[Organization], *,
                 today: date | None = None) -> list[dict[str, Any]]:
    rows = []
    for org in sites:
        result = score_site(session, registry, org, today=today, trigger="list")
        rows.append({"site": result["site"], "rule_set": result["rule_set"],
                     "elements": {e["element"]: e for e in result["elements"]}})
    return rows


def erase(session: Session, participant_id: str) -> None:
    for row in session.scalars(select(LeadTeacherCorrection).where(
            LeadTeacherCorrection.participant_id == participant_id)):
        session.delete(row)


def merge(session: Session, survivor_id: str, merged_id: str) -> None:
    for row in session.scalars(select(LeadTeacherCorrection).where(
            LeadTeacherCorrection.participant_id == merged_id)):
        clash = session.scalar(select(LeadTeacherCorrection).where(
            LeadTeacherCorrection.participant_id == survivor_id,
            LeadTeacherCorrection.organization_id == row.organization_id))
        if clash is not None:
            session.delete(row)
        else:
            row.participant_id = survivor_id
