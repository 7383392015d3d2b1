"""Eligibility rules as data, evaluated by plain functions.

A program's ``rules`` (and a tier's) are a JSON object validated by :class:`Rules`; every key is
optional and an absent key is no requirement. :func:`gather_facts` reads what the registry knows
for sure (confirmed employment from the profile plugin, verified education and training from the
documents plugin); :func:`evaluate` compares rules with facts and returns one :class:`Result` per
rule, each unmet one with a message saying what is missing. Rules in code come from the
``stipend_eligibility`` hook (:mod:`.hookspecs`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

FUNDING_TYPES = ("CSPP", "CCTR", "CAPP", "CFCC", "CMAP", "CalWORKs1", "CalWORKs2", "CalWORKs3",
                 "tribal")
EMPLOYER_KINDS = ("employer_center", "employer_fcc")


class Rules(BaseModel):
    """Eligibility rules of a program or tier (all optional)."""

    model_config = ConfigDict(extra="forbid")

    min_hours_per_week: Decimal | None = Field(None, ge=0, le=80)
    min_months_employed: int | None = Field(None, ge=0, le=600)
    permit_levels: list[str] | None = None  # any one current permit of these levels
    min_units: Decimal | None = Field(None, ge=0, le=1000)  # verified semester units
    units_since: date | None = None  # ... of courses completed on or after this day
    min_training_hours: Decimal | None = Field(None, ge=0, le=10000)
    training_since: date | None = None
    role_categories: list[str] | None = None  # the job's role category is one of these
    funding_types: list[str] | None = None  # the employer's funding is one of these


@dataclass
class Job:
    employer_id: int
    role_category: str
    hours_per_week: Decimal | None
    months: int


@dataclass
class Facts:
    """What verified records and confirmed employment prove (ids and numbers, no names)."""

    county: str
    jobs: list[Job] = field(default_factory=list)  # current confirmed jobs in the county
    permit_levels: list[str] = field(default_factory=list)
    courses: list[tuple[date | None, Decimal]] = field(default_factory=list)
    training: list[tuple[date | None, Decimal]] = field(default_factory=list)
    funding_types: list[str] = field(default_factory=list)  # declared by the applicant


@dataclass
class Result:
    rule: str
    met: bool
    message: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def _since(rows: list[tuple[date | None, Decimal]], since: date | None) -> Decimal:
    return sum((amount for day, amount in rows
                if since is None or (day is not None and day >= since)), Decimal("0"))


def _n(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def evaluate(rules: Rules | dict[str, Any], facts: Facts) -> list[Result]:
    """One result per rule the program sets, in a stable order."""
    if isinstance(rules, dict):
        rules = Rules.model_validate(rules)
    results: list[Result] = []
    jobs = facts.jobs
    needs_job = any(v is not None for v in (rules.min_hours_per_week, rules.min_months_employed,
                                             rules.role_categories))
    if needs_job:
        results.append(Result(
            "employment", bool(jobs),
            f"Confirmed current employment at a program in {facts.county} County"
            if jobs else
            f"No confirmed current employment at a program in {facts.county} County: add your "
            "job to your profile and ask your employer to confirm it"))
    if rules.min_hours_per_week is not None:
        best = max((j.hours_per_week or Decimal(0) for j in jobs), default=Decimal(0))
        met = best >= rules.min_hours_per_week
        results.append(Result(
            "min_hours_per_week", met,
            f"At least {_n(rules.min_hours_per_week)} hours a week required; your confirmed "
            f"job{'s show' if len(jobs) != 1 else ' shows'} {_n(best)}"))
    if rules.min_months_employed is not None:
        best_months = max((j.months for j in jobs), default=0)
        met = best_months >= rules.min_months_employed
        results.append(Result(
            "min_months_employed", met,
            f"At least {rules.min_months_employed} months at one program required; you have "
            f"{best_months}"))
    if rules.role_categories:
        roles = sorted({j.role_category for j in jobs})
        met = any(r in rules.role_categories for r in roles)
        results.append(Result(
            "role_categories", met,
            f"Role must be one of {', '.join(rules.role_categories)}; yours: "
            f"{', '.join(roles) or 'none confirmed'}"))
    if rules.permit_levels:
        met = any(level in rules.permit_levels for level in facts.permit_levels)
        results.append(Result(
            "permit_levels", met,
            f"A current Child Development Permit at one of these levels is required: "
            f"{', '.join(rules.permit_levels)}; verified: "
            f"{', '.join(facts.permit_levels) or 'none'}"))
    if rules.min_units is not None:
        units = _since(facts.courses, rules.units_since)
        period = f" completed since {rules.units_since.isoformat()}" if rules.units_since else ""
        results.append(Result(
            "min_units", units >= rules.min_units,
            f"At least {_n(rules.min_units)} verified semester units{period} required; you have "
            f"{_n(units)}"))
    if rules.min_training_hours is not None:
        hours = _since(facts.training, rules.training_since)
        period = (f" completed since {rules.training_since.isoformat()}"
                  if rules.training_since else "")
        results.append(Result(
            "min_training_hours", hours >= rules.min_training_hours,
            f"At least {_n(rules.min_training_hours)} verified training hours{period} required; "
            f"you have {_n(hours)}"))
    if rules.funding_types:
        met = any(f in rules.funding_types for f in facts.funding_types)
        results.append(Result(
            "funding_types", met,
            f"Your program's funding must be one of {', '.join(rules.funding_types)}; you "
            f"declared {', '.join(facts.funding_types) or 'none'}"))
    return results


def unmet(results: list[Result]) -> list[Result]:
    return [r for r in results if not r.met]


def gather_facts(session: Any, registry: Any, participant_id: str, county: str, *,
                 today: date, funding_types: list[str] | None = None) -> Facts:
    """Read confirmed employment (profile plugin) and verified records (documents plugin)."""
    from registry_plugins.documents.services import training_from_plugins, verified_education
    from registry_plugins.profile.services import list_employment

    from registry_kernel.models import Organization, Participant

    facts = Facts(county=county, funding_types=list(funding_types or []))
    for job in list_employment(session, participant_id):
        if job.status != "confirmed" or job.employer_id is None:
            continue
        if job.end_date is not None and job.end_date < today:
            continue
        org = session.get(Organization, job.employer_id)
        if org is None or org.county != county or org.kind not in EMPLOYER_KINDS:
            continue
        facts.jobs.append(Job(employer_id=job.employer_id, role_category=job.role_category,
                              hours_per_week=job.hours_per_week,
                              months=months_between(job.start_date, today)))
    education = verified_education(session, participant_id, today=today,
                                   grade_threshold=registry.settings.grade_threshold_permit)
    facts.permit_levels = education.current_permit_levels()
    facts.courses = [(date.fromisoformat(c["completed_on"]) if c["completed_on"] else None,
                      Decimal(c["semester_units"])) for c in education.courses]
    # verified certificates, and trainings attended in the registry (training plugin, through
    # the education_report_sections hook) when that plugin is enabled
    training = list(education.training)
    participant = session.get(Participant, participant_id)
    if participant is not None:
        training += training_from_plugins(session, registry, participant)
    facts.training = [(date.fromisoformat(str(t["completed_on"])[:10])
                       if t.get("completed_on") else None, Decimal(str(t["hours"])))
                      for t in training]
    return facts
