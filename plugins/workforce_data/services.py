"""Workforce statistics: aggregation and small-cell suppression, as plain functions.

Only aggregates leave this module. Participants who opted out of research use (and merged or
erased records) are never counted. Groups under the minimum cell size are suppressed, with
complementary suppression so that a hidden cell cannot be recovered from the other cells and
the population total (which an observer may learn from another table, so it is treated as known
even when it is not published here).

Known limit: suppression is per table. Comparing a statewide table with the county-filtered
tables of every county (differencing across tables) is not yet protected against; a
multi-table cell-suppression pass (or noise) is future work.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel.models import Participant

if TYPE_CHECKING:
    from registry_kernel.runtime import Registry

DIMENSIONS = ("county", "role_category", "permit_level", "language")
UNKNOWN = "unknown"
NONE = "none"
PERMIT_ORDER = ("assistant", "associate_teacher", "teacher", "master_teacher", "site_supervisor",
                "program_director", "childrens_center")


class WorkforceError(ValueError):
    """Bad input: ``status`` and ``detail`` become a problem response."""

    def __init__(self, detail: str, status: int = 422, errors: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or {}


@dataclass
class Table:
    """A suppressed frequency table: ``cells`` maps group -> count or ``None`` (suppressed)."""

    by: str
    cells: dict[str, int | None]
    total: int | None
    min_cell_size: int
    suppressed: set[str] = field(default_factory=set)

    def items(self) -> list[dict[str, Any]]:
        return [{"group": group, "count": count, "suppressed": group in self.suppressed}
                for group, count in self.cells.items()]


def suppress(counts: dict[str, int], min_cell_size: int) -> tuple[dict[str, int | None], int | None]:
    """Suppress ``counts`` (all >= 1): cells under ``min_cell_size`` (primary), then
    complementary cells, smallest first, until at least two cells are hidden and their sum exceeds
    their number (so, with the total known, no hidden cell's value is determined). The total is
    published only when it is at least ``min_cell_size`` and cannot pin down a hidden cell."""
    hidden = {g for g, c in counts.items() if c < min_cell_size}
    if hidden:
        others = sorted((c, g) for g, c in counts.items() if g not in hidden)
        while others and (len(hidden) < 2 or sum(counts[g] for g in hidden) <= len(hidden)):
            hidden.add(others.pop(0)[1])
    total = sum(counts.values())
    safe = not hidden or (len(hidden) >= 2 and sum(counts[g] for g in hidden) > len(hidden))
    published_total = total if safe and total >= min_cell_size else None
    cells = {g: (None if g in hidden else c) for g, c in counts.items()}
    return cells, published_total


def population(session: Session, *, county: str | None = None) -> list[Participant]:
    """Active participants who did not opt out of research use (no personal data is decrypted)."""
    query = select(Participant).where(Participant.status == "active",
                                      Participant.research_opt_out.is_(False))
    if county is not None:
        query = query.where(Participant.county == county)
    return list(session.scalars(query))


def current_roles(session: Session, participant_ids: list[str], today: date
                  ) -> dict[str, Any]:
    """Each participant's current confirmed job (the latest started), by participant id."""
    from ..profile.models import Employment

    if not participant_ids:
        return {}
    best: dict[str, Any] = {}
    for chunk_start in range(0, len(participant_ids), 500):
        chunk = participant_ids[chunk_start:chunk_start + 500]
        rows = session.scalars(select(Employment).where(
            Employment.participant_id.in_(chunk), Employment.status == "confirmed"))
        for row in rows:
            if row.end_date is not None and row.end_date < today:
                continue
            held = best.get(row.participant_id)
            if held is None or (row.start_date, row.id) > (held.start_date, held.id):
                best[row.participant_id] = row
    return best


def highest_permit(session: Session, participant_id: str, today: date) -> str:
    from ..documents.services import verified_education

    levels = verified_education(session, participant_id, today=today).current_permit_levels()
    ranked = [lvl for lvl in levels if lvl in PERMIT_ORDER]
    if not ranked:
        return NONE
    return max(ranked, key=PERMIT_ORDER.index)


def group_counts(session: Session, registry: Registry, by: str, *, county: str | None = None,
                 today: date | None = None) -> dict[str, int]:
    """Raw counts per group (never published as is: pass through :func:`suppress`)."""
    if by not in DIMENSIONS:
        raise WorkforceError(f"unknown grouping {by!r}; use one of {', '.join(DIMENSIONS)}",
                             errors={"by": "unknown grouping"})
    if by == "permit_level" and not registry.plugins.is_enabled("documents"):
        raise WorkforceError("permit levels are unavailable: the documents plugin, which "
                             "verifies permits, is not enabled", errors={"by": "unavailable"})
    today = today or date.today()
    people = population(session, county=county)
    counter: Counter[str] = Counter()
    if by == "county":
        counter.update(p.county or UNKNOWN for p in people)
    elif by == "language":
        counter.update(p.preferred_language or UNKNOWN for p in people)
    elif by == "role_category":
        jobs = current_roles(session, [p.id for p in people], today)
        counter.update(job.role_category for job in jobs.values())
    else:
        counter.update(highest_permit(session, p.id, today) for p in people)
    return dict(sorted(counter.items()))


def summary(session: Session, registry: Registry, by: str, *, min_cell_size: int,
            county: str | None = None, today: date | None = None) -> Table:
    counts = group_counts(session, registry, by, county=county, today=today)
    cells, total = suppress(counts, min_cell_size)
    return Table(by=by, cells=cells, total=total, min_cell_size=min_cell_size,
                 suppressed={g for g, c in cells.items() if c is None})


def _quartiles(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (Decimal(q1).quantize(Decimal("0.01")), Decimal(median).quantize(Decimal("0.01")),
            Decimal(q3).quantize(Decimal("0.01")))


def wages_by_role(session: Session, registry: Registry, *, min_cell_size: int,
                  county: str | None = None, today: date | None = None) -> list[dict[str, Any]]:
    """Median and quartiles of current confirmed hourly wages per role category; only groups of
    at least ``min_cell_size`` wage reporters get figures (the others are marked suppressed)."""
    from ..profile.services import employment_wage

    today = today or date.today()
    people = population(session, county=county)
    jobs = current_roles(session, [p.id for p in people], today)
    reporters: dict[str, list[Any]] = defaultdict(list)
    for job in jobs.values():
        if job.hourly_wage_enc is not None:
            reporters[job.role_category].append(job)
    out = []
    for role in sorted(reporters):
        records = reporters[role]
        if len(records) < min_cell_size:
            out.append({"group": role, "count": None, "suppressed": True,
                        "q1": None, "median": None, "q3": None})
            continue
        values = [w for w in (employment_wage(session, registry, r) for r in records)
                  if w is not None]
        if len(values) < min_cell_size:
            out.append({"group": role, "count": None, "suppressed": True,
                        "q1": None, "median": None, "q3": None})
            continue
        q1, median, q3 = _quartiles(values)
        out.append({"group": role, "count": len(values), "suppressed": False,
                    "q1": str(q1), "median": str(median), "q3": str(q3)})
    return out
