"""Workforce statistics as plain functions: gather facts from other plugins, release them with
every group at least the minimum cell size, and aggregate the released records only.

How privacy holds across every table (see ``README.md`` for the full statement):

1. :func:`gather` reads, through the profile plugin's services and the ``workforce_facts``
   (documents, training: in bulk) and ``education_report_sections`` hooks, one
   :class:`Person` per active participant who has not opted out of research use: a value for
   each of :data:`DIMENSIONS` plus the magnitudes (wage, PD hours by competency area).
2. :func:`release` turns the whole population, once, into released records whose key
   (the dimension values) is shared by at least ``min_cell_size`` released records. A group of
   people whose exact key is rarer is *generalized*: the last dimension in the configured order
   is replaced by ``*`` ("combined"), then the one before, and so on (a two-valued dimension
   together with the one before it, see :func:`cuts`), until their group is large enough;
   people who are still in a group under the minimum with every dimension combined are left out
   of every figure.
3. Every published figure (each cell, total and combined row, for any filter and any grouping,
   in the dashboard, the API and the downloads) is computed from the released records only, by
   :func:`count_table` and the other aggregations below. A filter on a dimension matches only
   records that show that value. So every published count is a sum of whole released groups:
   zero or at least the minimum.

Guarantee: for any combination of dimension values held by 1 to ``min_cell_size - 1`` people,
the published figures, all tables and filters together, never pin its size down. Some of its
people are counted inside a released group that also admits people outside the combination and
has at least the minimum number of members, so every size in a range at least that wide is
consistent with everything published; or none of its people is counted anywhere. Published
tables therefore mark a group "suppressed" when no released record shows its value.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import clock
from registry_kernel.counties import CALIFORNIA_COUNTIES, canonical_county
from registry_kernel.models import DataKey, Organization, Participant

if TYPE_CHECKING:
    from registry_kernel.runtime import Registry

STAR = "*"  # a generalized ("combined") dimension value
UNKNOWN = "unknown"
NONE = "none"
YES, NO = "yes", "no"

PERMIT_ORDER = ("assistant", "associate_teacher", "teacher", "master_teacher", "site_supervisor",
                "program_director", "childrens_center")
ROLE_CATEGORIES = ("assistant", "associate_teacher", "teacher", "lead_teacher", "master_teacher",
                   "site_supervisor", "program_director", "fcc_owner", "fcc_assistant",
                   "support_staff", "other")
PROGRAM_TYPES = {"employer_center": "center", "employer_fcc": "family_child_care"}
COMPETENCY_AREAS = ("CDL", "CDE", "RIG", "FCE", "DLD", "OSAD", "SNI", "LEC", "HSN", "LEAD",
                    "PROF", "ADM")
YEAR_BANDS = ((3, "under_3"), (6, "3_5"), (11, "6_10"), (21, "11_20"), (None, "21_plus"))
LANGUAGES = ("en", "es", "zh-Hant", "zh-yue", "cmn", "vi", "ru", "hmn", "fa", "ko", "tl", "ar",
             "hy", "other")

#: every dimension a record carries, with its possible values (``None``: open list)
DOMAINS: dict[str, tuple[str, ...] | None] = {
    "county": (*CALIFORNIA_COUNTIES, UNKNOWN),
    "role_category": (*ROLE_CATEGORIES, NONE),
    "left_job": (YES, NO),
    "program_type": ("center", "family_child_care", "not_listed", NONE),
    "permit_level": (NONE, *PERMIT_ORDER),
    "permit_expiring": (YES, NO),
    "years_in_field": (*(label for _, label in YEAR_BANDS), UNKNOWN),
    "degree": (NONE, "associate", "bachelor", "graduate", UNKNOWN),
    "ece_units": ("0", "under_12", "12_23", "24_plus", UNKNOWN),
    "language": None,
}
#: the default order: dimensions to the right are the first to be combined
DIMENSIONS = tuple(DOMAINS)
#: dimensions the dashboard and API filter by
FILTERS = ("county", "role_category", "program_type", "permit_level", "language",
           "years_in_field")
#: dimensions that need the documents plugin (``unknown`` for everyone without it)
NEEDS_DOCUMENTS = ("permit_level", "permit_expiring", "degree", "ece_units")


class WorkforceError(ValueError):
    """Bad input: ``status`` and ``detail`` become a problem response."""

    def __init__(self, detail: str, status: int = 422, errors: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or {}


# --- facts about people ----------------------------------------------------------------------

@dataclass
class Person:
    """One participant's facts. Never leaves this module: only :func:`release` reads it."""

    key: dict[str, str]
    wage: Decimal | None = None
    pd_hours: dict[str, Decimal] = field(default_factory=dict)


def population(session: Session) -> list[str]:
    """Ids of active participants who did not opt out of research use (merged and erased ones
    are not active), in a stable order."""
    return list(session.scalars(select(Participant.id).where(
        Participant.status == "active", Participant.research_opt_out.is_(False))
        .order_by(Participant.id)))


def current_job(jobs: list[Any], today: date) -> Any:
    """The latest started job not ended before ``today``, else ``None``."""
    held = [j for j in jobs if j.end_date is None or j.end_date >= today]
    return max(held, key=lambda j: (j.start_date, j.id), default=None)


def years_band(years: int | None) -> str:
    if years is None or years < 0:
        return UNKNOWN
    for limit, label in YEAR_BANDS:
        if limit is None or years < limit:
            return label
    return UNKNOWN  # pragma: no cover


def _units_band(units: Decimal) -> str:
    if units <= 0:
        return "0"
    return "under_12" if units < 12 else "12_23" if units < 24 else "24_plus"


def _degree(levels: Iterable[str]) -> str:
    rank = {"AA": 1, "AS": 1, "BA": 2, "BS": 2, "MA": 3, "MS": 3, "PhD": 3, "EdD": 3}
    best = max((rank.get(level, 0) for level in levels), default=0)
    return (NONE, "associate", "bachelor", "graduate")[best]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _job_of_the_year(jobs: list[Any], today: date) -> tuple[Any, bool]:
    """The current job, else one that ended in the past 12 months (its role and setting stand
    for someone who left), and whether any job ended in the past 12 months (turnover)."""
    year_ago = today - timedelta(days=365)
    ended = [j for j in jobs if j.end_date is not None and year_ago < j.end_date < today]
    job = current_job(jobs, today) or max(ended, key=lambda j: (j.end_date, j.id), default=None)
    return job, bool(ended)


#: participants read per batch (one ``workforce_facts`` call per batch)
BATCH = 1000


def bulk_facts(session: Session, registry: Registry, participant_ids: Sequence[str],
               today: date) -> dict[str, dict[str, Any]]:
    """Every plugin's ``workforce_facts`` for a batch, merged (training lists concatenated)."""
    merged: dict[str, dict[str, Any]] = defaultdict(dict)
    for answer in registry.plugins.hook.workforce_facts(
            session=session, registry=registry, participant_ids=list(participant_ids),
            today=today):
        for pid, facts in (answer or {}).items():
            mine = merged[pid]
            for name, value in facts.items():
                if name == "training":
                    mine.setdefault("training", []).extend(value)
                else:
                    mine.setdefault(name, value)
    return dict(merged)


def _sections_caller(registry: Registry) -> Any:
    """``education_report_sections`` of the plugins that do not answer ``workforce_facts``
    (asked one participant at a time), or ``None`` when every contributor answers in bulk."""
    bulk = [impl.plugin for impl in registry.plugins.hook.workforce_facts.get_hookimpls()]
    caller = registry.plugins.subset_hook_caller("education_report_sections", bulk)
    return caller if caller.get_hookimpls() else None


def gather(session: Session, registry: Registry, today: date) -> list[Person]:
    """Facts about every counted participant, read through the other plugins' services and
    hooks (documents and training in bulk through ``workforce_facts``, a batch at a time);
    nothing here is published as is."""
    from ..profile.services import employment_wage, list_employment, read_sections

    people = population(session)
    employers = {o.id: o.kind for o in session.scalars(select(Organization).where(
        Organization.kind.in_(tuple(PROGRAM_TYPES))))}
    documents = registry.plugins.is_enabled("documents")
    sections = _sections_caller(registry)
    year_ago = today - timedelta(days=365)
    out = []
    for start in range(0, len(people), BATCH):
        ids = people[start:start + BATCH]
        batch = list(session.scalars(select(Participant).where(
            Participant.id.in_(ids), Participant.status == "active",
            Participant.research_opt_out.is_(False)).order_by(Participant.id)))
        facts = bulk_facts(session, registry, ids, today)
        # the batch's wrapped data keys in one query: the vault finds them in the session
        keys = list(session.scalars(select(DataKey).where(DataKey.participant_id.in_(ids))))
        for participant in batch:
            own = [j for j in list_employment(session, participant.id)
                   if j.status == "confirmed"]
            job, left = _job_of_the_year(own, today)
            program = NONE if job is None else PROGRAM_TYPES.get(
                employers.get(job.employer_id, ""), "not_listed")
            first_year = read_sections(session, registry, participant)["experience"].get(
                "first_year_in_field")
            if first_year is None and own:  # not reported ("declined" stays unknown)
                first_year = min(j.start_date for j in own).year
            years = today.year - first_year if isinstance(first_year, int) else None
            key = {"county": participant.county or UNKNOWN,
                   "role_category": job.role_category if job else NONE,
                   "left_job": YES if left else NO, "program_type": program,
                   "years_in_field": years_band(years),
                   "language": participant.preferred_language or UNKNOWN}
            mine = facts.get(participant.id, {})
            if documents:
                key.update(education_key(mine.get("education"), today))
            else:
                key.update(dict.fromkeys(NEEDS_DOCUMENTS, UNKNOWN))
                key["permit_expiring"] = NO
            training = list(mine.get("training", []))
            if sections is not None:
                training += _contributed_training(sections, session, registry, participant)
            wage = None
            if job is not None and job.hourly_wage_enc is not None and (
                    job.end_date is None or job.end_date >= today):
                wage = employment_wage(session, registry, job)
            out.append(Person(key=key, wage=wage,
                              pd_hours=_hours_by_area(training, year_ago, today)))
        del keys, batch  # let the batch's rows go (the session holds them weakly)
    return out


def _hours_by_area(training: Iterable[dict[str, Any]], year_ago: date, today: date
                   ) -> dict[str, Decimal]:
    """Hours completed in the past 12 months per competency area (``other``: none given)."""
    hours: dict[str, Decimal] = defaultdict(Decimal)
    for item in training:
        day = _day(item.get("completed_on"))
        if day is None or not year_ago < day <= today:
            continue
        try:
            amount = Decimal(str(item["hours"]))
        except (ArithmeticError, KeyError):  # a malformed contribution is skipped, not fatal
            continue
        area = item.get("competency_area")
        hours[area if area in COMPETENCY_AREAS else "other"] += amount
    return dict(hours)


def education_key(education: dict[str, Any] | None, today: date) -> dict[str, str]:
    """Permit level, permit expiring, degree and ECE units from the documents plugin's
    verified education (``workforce_facts`` ``"education"``; ``None``: no records)."""
    education = education or {}
    current = [p for p in education.get("permits", ())
               if p["kind"] == "cd_permit" and p["current"] and p["level"] in PERMIT_ORDER]
    level = max((p["level"] for p in current), key=PERMIT_ORDER.index, default=NONE)
    soon = today + timedelta(days=365)
    # expiring: every current permit at that level (a renewal may already be on file) runs out
    ends = [_day(p["expires_on"]) for p in current if p["level"] == level]
    expiring = bool(ends) and None not in ends and max(ends) <= soon  # type: ignore[type-var]
    degrees = [d["level"] for d in education.get("degrees", ()) if d.get("accredited", True)]
    return {"permit_level": level, "permit_expiring": YES if expiring else NO,
            "degree": _degree(degrees),
            "ece_units": _units_band(Decimal(education.get("ece_units", 0)))}


def _contributed_training(sections: Any, session: Session, registry: Registry,
                          participant: Participant) -> list[dict[str, Any]]:
    """Training that plugins without ``workforce_facts`` contribute to the Education & Training
    Report (sections with ``key="training"``)."""
    items: list[dict[str, Any]] = []
    for answer in sections(session=session, registry=registry, participant=participant):
        for section in answer if isinstance(answer, list) else [answer]:
            if getattr(section, "key", None) != "training":
                continue
            data = section.data if isinstance(section.data, list) else \
                (section.data or {}).get("items", [])
            items += [i for i in data if isinstance(i, dict) and i.get("hours") is not None]
    return items


# --- release ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """A released record: dimension values (``*`` where combined) and the magnitudes."""

    key: tuple[str, ...]
    wage: Decimal | None
    pd_hours: tuple[tuple[str, Decimal], ...]


@dataclass
class Released:
    """The released population: what every published figure is computed from."""

    dimensions: tuple[str, ...]
    records: list[Record]
    min_cell_size: int
    today: date
    documents: bool = True
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {d: i for i, d in enumerate(self.dimensions)}

    def value(self, record: Record, dimension: str) -> str:
        return record.key[self.index[dimension]]

    def available(self, dimension: str) -> bool:
        """Whether figures by ``dimension`` exist (permits and education need documents)."""
        return self.documents or dimension not in NEEDS_DOCUMENTS


def cuts(order: Sequence[str]) -> list[int]:
    """How many leading dimensions each step keeps, from all to none. A two-valued dimension
    is combined in one step with the dimension before it: a group combined over a dimension of
    only two values would tell anyone who knows this rule that both halves were under the
    minimum, which can pin them down."""
    kept = {0, len(order)}
    for i in range(len(order) - 1):
        domain = DOMAINS.get(order[i + 1])
        if domain is None or len(domain) != 2:
            kept.add(i + 1)
    return sorted(kept, reverse=True)


def release(people: Sequence[Person], min_cell_size: int,
            order: Sequence[str] = DIMENSIONS, today: date | None = None, *,
            documents: bool = True) -> Released:
    """Generalize from the right until every released key is shared by ``min_cell_size``
    released records; people in a group still too small with everything combined are left
    out (see the module docstring for why this protects every table at once)."""
    order = tuple(order)
    keys = [tuple(p.key[d] for d in order) for p in people]
    chosen: list[tuple[str, ...] | None] = [None] * len(people)
    pending = list(range(len(people)))
    for kept in cuts(order):
        groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i in pending:
            groups[keys[i][:kept]].append(i)
        pending = []
        for prefix, members in groups.items():
            if len(members) >= min_cell_size:
                for i in members:
                    chosen[i] = prefix + (STAR,) * (len(order) - kept)
            else:
                pending += members
    records = [Record(key=k, wage=p.wage, pd_hours=tuple(sorted(p.pd_hours.items())))
               for p, k in zip(people, chosen, strict=True) if k is not None]
    return Released(order, records, min_cell_size, today or clock.today(), documents)


def released(session: Session, registry: Registry, *, min_cell_size: int,
             order: Sequence[str] = DIMENSIONS, today: date | None = None,
             cache_seconds: int = 0) -> Released:
    """The released population of today, cached on the registry for ``cache_seconds`` so that
    the tables of one dashboard visit (and of visits close together) come from one release."""
    from registry_kernel.clock import local_today

    today = today or local_today(registry)
    cache: dict[Any, Any] = registry.__dict__.setdefault("_workforce_release_cache", {})
    token = (today, min_cell_size, tuple(order))
    hit = cache.get(token)
    if cache_seconds > 0 and hit is not None and time.monotonic() - hit[0] < cache_seconds:
        return hit[1]
    result = release(gather(session, registry, today), min_cell_size, order, today,
                     documents=registry.plugins.is_enabled("documents"))
    cache.clear()
    cache[token] = (time.monotonic(), result)
    return result


# --- filters ----------------------------------------------------------------------------------

def parse_filters(raw: dict[str, Any], *, documents: bool = True) -> dict[str, str]:
    """Check filter values: returns ``{dimension: value}`` for the ones given, or raises
    :class:`WorkforceError` naming every unknown value."""
    filters: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if value is None or not str(value).strip():
            continue
        value = str(value).strip()
        if name not in FILTERS:
            errors[name] = f"unknown filter; use {', '.join(FILTERS)}"
        elif name == "county":
            county = canonical_county(value)
            if county is None:
                errors[name] = "not a California county"
            else:
                filters[name] = county
        elif name in NEEDS_DOCUMENTS and not documents:
            errors[name] = "unavailable: the documents plugin, which verifies permits, is off"
        elif value not in allowed_values(name):
            errors[name] = f"unknown value {value!r}; use one of {', '.join(allowed_values(name))}"
        else:
            filters[name] = value
    if errors:
        raise WorkforceError("unknown filter value: " + "; ".join(
            f"{k}: {v}" for k, v in errors.items()), errors=errors)
    return filters


def allowed_values(dimension: str) -> tuple[str, ...]:
    domain = DOMAINS[dimension]
    return (*LANGUAGES, UNKNOWN) if domain is None else domain


def matching(data: Released, filters: dict[str, str]) -> list[Record]:
    """Released records showing every filtered value (a combined value matches no filter)."""
    where = [(data.index[d], v) for d, v in filters.items()]
    return [r for r in data.records if all(r.key[i] == v for i, v in where)]


# --- aggregations (released records only) ----------------------------------------------------

@dataclass
class Table:
    """Counts of released records per group. ``combined``: records whose value of ``by`` was
    combined to keep groups large (counted in the total, in no group)."""

    by: str
    cells: dict[str, int | None]
    combined: int
    total: int | None
    min_cell_size: int

    @property
    def suppressed(self) -> set[str]:
        return {g for g, c in self.cells.items() if c is None}

    def items(self) -> list[dict[str, Any]]:
        return [{"group": g, "count": c, "suppressed": c is None} for g, c in self.cells.items()]


def _groups(data: Released, by: str, records: list[Record]) -> list[str]:
    domain = DOMAINS[by]
    if domain is not None and by != "county":
        return list(domain)
    seen = {data.value(r, by) for r in records} - {STAR}
    return sorted(seen)


def count_table(data: Released, by: str, filters: dict[str, str] | None = None) -> Table:
    """People per value of ``by`` among released records matching ``filters``. A group no
    released record shows is ``None`` (suppressed: none, or fewer than the minimum)."""
    if by not in data.dimensions:
        raise WorkforceError(f"unknown grouping {by!r}; use one of {', '.join(DIMENSIONS)}",
                             errors={"by": "unknown grouping"})
    if not data.available(by):
        raise WorkforceError(f"figures by {by} are unavailable: the documents plugin, which "
                             "verifies permits and education, is not enabled",
                             errors={"by": "unavailable"})
    records = matching(data, filters or {})
    counts = Counter(data.value(r, by) for r in records)
    cells = {g: (counts[g] or None) for g in _groups(data, by, records)}
    return Table(by=by, cells=cells, combined=counts[STAR], total=len(records) or None,
                 min_cell_size=data.min_cell_size)


def _quartiles(values: list[Decimal]) -> tuple[str, str, str]:
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return tuple(str(Decimal(v).quantize(Decimal("0.01"))) for v in (q1, median, q3))  # type: ignore[return-value]


def wages_by_role(data: Released, filters: dict[str, str] | None = None
                  ) -> list[dict[str, Any]]:
    """Quartiles of current hourly wages per role category, among released records with a
    wage; a role with fewer than the minimum wage reporters is suppressed. How many reported is
    not published (it is not a sum of whole released groups)."""
    reporters: dict[str, list[Decimal]] = defaultdict(list)
    for record in matching(data, filters or {}):
        role = data.value(record, "role_category")
        values = reporters[role]  # every role a released record shows gets a row
        if record.wage is not None:
            values.append(record.wage)
    out = []
    for role in ROLE_CATEGORIES:
        if role not in reporters:
            continue
        values = reporters[role]
        if len(values) < data.min_cell_size:
            out.append({"group": role, "suppressed": True,
                        "q1": None, "median": None, "q3": None})
            continue
        q1, median, q3 = _quartiles(values)
        out.append({"group": role, "suppressed": False, "q1": q1, "median": median, "q3": q3})
    return out


def pd_hours(data: Released, filters: dict[str, str] | None = None) -> dict[str, Any]:
    """Professional-development hours completed in the past 12 months by competency area:
    total hours and hours per person over the released records matching ``filters``."""
    records = matching(data, filters or {})
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        for area, hours in record.pd_hours:
            totals[area] += hours
    people = len(records)
    items = []
    for area in (*COMPETENCY_AREAS, "other"):
        total = totals.get(area, Decimal(0)).quantize(Decimal("0.01"))
        if area == "other" and not total:
            continue
        items.append({"group": area, "hours": str(total) if people else None,
                      "per_person": str((total / people).quantize(Decimal("0.01")))
                      if people else None, "suppressed": not people})
    return {"people": people or None, "items": items,
            "since": (data.today - timedelta(days=365)).isoformat(),
            "until": data.today.isoformat()}


def permits(data: Released, filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """People per highest current permit level, and how many of them have that permit expiring
    within 12 months (``expiring_combined``: released records whose expiry was combined)."""
    records = matching(data, filters or {})
    held: Counter[str] = Counter()
    expiring: Counter[str] = Counter()
    combined: Counter[str] = Counter()
    for record in records:
        level = data.value(record, "permit_level")
        held[level] += 1
        soon = data.value(record, "permit_expiring")
        expiring[level] += soon == YES
        combined[level] += soon == STAR
    out = []
    for level in PERMIT_ORDER:
        out.append({"group": level, "held": held[level] or None,
                    "expiring": (expiring[level] or None) if held[level] else None,
                    "expiring_combined": combined[level] if held[level] else None,
                    "suppressed": not held[level]})
    return out


def turnover(data: Released, filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Per role category: people with a confirmed job in the past 12 months, how many left a
    job (an employment end date in the past 12 months) and the rate."""
    records = matching(data, filters or {})
    employed: Counter[str] = Counter()
    left: Counter[str] = Counter()
    combined: Counter[str] = Counter()
    for record in records:
        role = data.value(record, "role_category")
        if role == NONE:
            continue
        employed[role] += 1
        status = data.value(record, "left_job")
        left[role] += status == YES
        combined[role] += status == STAR
    out = []
    for role in (*ROLE_CATEGORIES, STAR):
        if role == STAR and not employed[STAR]:
            continue
        n, gone, unknown = employed[role], left[role], combined[role]
        known = n - unknown
        out.append({"group": "combined" if role == STAR else role, "employed": n or None,
                    "left": (gone or None) if n else None, "left_combined": unknown if n else None,
                    "rate": str((Decimal(gone) / known).quantize(Decimal("0.001")))
                    if n and known else None, "suppressed": not n})
    return out


def statistics_for(data: Released, filters: dict[str, str]) -> dict[str, Any]:
    """Every published table for one filter (the dashboard, the statistics API, the exports)."""
    return {"tables": [count_table(data, by, filters) for by in TABLES if data.available(by)],
            "wages": wages_by_role(data, filters), "pd_hours": pd_hours(data, filters),
            "permits": permits(data, filters) if data.documents else None,
            "turnover": turnover(data, filters)}


#: the count tables of the dashboard and downloads, in order
TABLES = ("county", "role_category", "program_type", "years_in_field", "permit_level",
          "degree", "ece_units", "language")
