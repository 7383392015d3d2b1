"""Planner statistics: SQLite keeps none by itself, so ``registry worker`` refreshes them daily.

Without ``ANALYZE`` SQLite's planner guesses every table's size and, at the statewide size,
the training calendar costs twice the CPU (docs/performance.md, "The statewide size").
``PRAGMA optimize`` from a fresh connection does nothing on SQLite 3.40, so the worker runs a
full ``ANALYZE`` (1.5 s on the 1.9 GB statewide file) when the last one is a day old. The time
of the last run is written in a marker file next to the database, shared by every worker and
by ``registry db analyze``. PostgreSQL's autovacuum keeps its own statistics;
``registry db analyze`` runs ``ANALYZE`` there too, for after a bulk load or a restore.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from .db import unit_of_work

if TYPE_CHECKING:
    from .runtime import Registry

log = logging.getLogger(__name__)

EVERY = timedelta(hours=24)


def marker_path(registry: Registry) -> Path | None:
    """The file that says when SQLite was last analyzed (None: not a SQLite file)."""
    url = registry.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{url.database}.analyzed")


def analyze(registry: Registry) -> float:
    """Refresh the planner's statistics now (as one of the registry's queued writers on
    SQLite); returns the seconds it took."""
    started = time.perf_counter()
    with unit_of_work(registry.sessions) as session:
        session.execute(text("ANALYZE"))
    marker = marker_path(registry)
    if marker is not None:
        marker.write_text(f"{time.time():.0f}\n")
    return time.perf_counter() - started


def analyze_if_due(registry: Registry, every: timedelta = EVERY) -> float | None:
    """On SQLite, :func:`analyze` if it has not run for ``every``; the seconds it took, or None
    when nothing was due (always None on PostgreSQL)."""
    marker = marker_path(registry)
    if marker is None:
        return None
    try:
        if time.time() - float(marker.read_text()) < every.total_seconds():
            return None
    except (FileNotFoundError, ValueError):  # never analyzed, or an unreadable marker
        pass
    return analyze(registry)
