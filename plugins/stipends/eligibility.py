"""Eligibility rules as data, evaluated by plain functions.

A program's ``rules`` (and a tier's) are a JSON object validated by :class:`Rules`; every key is
optional and an absent key is no requirement. :func:`gather_facts` reads what the registry knows
for sure (confirmed employment from the profile plugin, verified education and training from the
documents plugin); :func:`evaluate` compares rules with facts and returns one :class:`Result` per
rule, each unmet one with a message saying what is missing. Rules in code come from the
``stipend_eligibility`` hook (:mod:`.hookspecs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


def N_(text: str) -> str:
    """Mark a message for translation (extracted with ``-k N_``; translated where shown)."""
    return text


@dataclass
class Result:
    """One rule's outcome. ``message`` is English; ``template`` and ``values`` let a page show
    it in the reader's language (``gettext(template, **values)``)."""

    rule: str
    met: bool
    message: str
    template: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "met": self.met, "message": self.message}

    def localized(self, gettext: Any) -> str:
        return gettext(self.template, **self.values) if self.template else self.message


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
    def add(rule: str, met: bool, template: str, **values: Any) -> None:
        results.append(Result(rule, met, template % values, template, values))

    if needs_job:
        if jobs:
            add("employment", True,
                N_("Confirmed current employment at a program in %(county)s County"),
                county=facts.county)
        else:
            add("employment", False,
                N_("No confirmed current employment at a program in %(county)s County: add "
                   "your job to your profile and ask your employer to confirm it"),
                county=facts.county)
    if rules.min_hours_per_week is not None:
        best = max((j.hours_per_week or Decimal(0) for j in jobs), default=Decimal(0))
        add("min_hours_per_week", best >= rules.min_hours_per_week,
            N_("At least %(need)s hours a week required; your confirmed employment shows "
               "%(have)s"), need=_n(rules.min_hours_per_week), have=_n(best))
    if rules.min_months_employed is not None:
        best_months = max((j.months for j in jobs), default=0)
        add("min_months_employed", best_months >= rules.min_months_employed,
            N_("At least %(need)s months at one program required; you have %(have)s"),
            need=rules.min_months_employed, have=best_months)
    if rules.role_categories:
        roles = sorted({j.role_category for j in jobs})
        add("role_categories", any(r in rules.role_categories for r in roles),
            N_("Role must be one of %(allowed)s; yours: %(yours)s"),
            allowed=", ".join(rules.role_categories), yours=", ".join(roles) or "—")
    if rules.permit_levels:
        add("permit_levels", any(level in rules.permit_levels for level in facts.permit_levels),
            N_("A current Child Development Permit at one of these levels is required: "
               "%(allowed)s; verified: %(yours)s"),
            allowed=", ".join(rules.permit_levels), yours=", ".join(facts.permit_levels) or "—")
    if rules.min_units is not None:
        units = _since(facts.courses, rules.units_since)
        if rules.units_since:
            add("min_units", units >= rules.min_units,
                N_("At least %(need)s verified semester units completed since %(since)s "
                   "required; you have %(have)s"),
                need=_n(rules.min_units), since=rules.units_since.isoformat(), have=_n(units))
        else:
            add("min_units", units >= rules.min_units,
                N_("At least %(need)s verified semester units required; you have %(have)s"),
                need=_n(rules.min_units), have=_n(units))
    if rules.min_training_hours is not None:
        hours = _since(facts.training, rules.training_since)
        if rules.training_since:
            add("min_training_hours", hours >= rules.min_training_hours,
                N_("At least %(need)s verified training hours completed since %(since)s "
                   "required; you have %(have)s"),
                need=_n(rules.min_training_hours), since=rules.training_since.isoformat(),
                have=_n(hours))
        else:
            add("min_training_hours", hours >= rules.min_training_hours,
                N_("At least %(need)s verified training hours required; you have %(have)s"),
                need=_n(rules.min_training_hours), have=_n(hours))
    if rules.funding_types:
        add("funding_types", any(f in rules.funding_types for f in facts.funding_types),
            N_("Your program's funding must be one of %(allowed)s; you declared %(yours)s"),
            allowed=", ".join(rules.funding_types), yours=", ".join(facts.funding_types) or "—")
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
