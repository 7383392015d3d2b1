"""Benchmark the public Training Calendar (``GET /api/v1/calendar``) at 60,000 events.

    python bench/calendar_bench.py                       # SQLite file in a temp folder
    python bench/calendar_bench.py --url postgresql+psycopg://postgres@127.0.0.1/bench_cal

Builds a migrated database (the URL's database must exist and be empty for PostgreSQL), loads
sponsors, a catalog and ``--events`` events spread over two years, counties, languages and
competency areas (10% invite-only, 3% cancelled), then times ``--requests`` calendar requests
with a realistic mix of filters through the WSGI app and prints p50/p95/max in milliseconds.
Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from registry_plugins.training.models import Training, TrainingEvent
from registry_plugins.training.services import COMPETENCY_AREAS, DEFAULT_LANGUAGES, tokens_of
from sqlalchemy import insert, select

from registry_kernel.app import create_app
from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.db import unit_of_work
from registry_kernel.migrate import upgrade
from registry_kernel.models import Organization
from registry_kernel.testing import test_settings

WORDS = ("Supporting", "Dual-Language", "Learners", "Health", "Safety", "Nutrition", "Guidance",
         "Infant", "Toddler", "Preschool", "Inclusion", "Observation", "Families", "Leadership",
         "Curriculum", "Math", "Literacy", "Outdoor", "Play", "Trauma-Informed", "Care")


def load(app, events: int, sponsors: int = 60, seed: int = 7) -> None:
    rng = random.Random(seed)
    registry = app.extensions["registry"]
    languages = [code for code, _ in DEFAULT_LANGUAGES]
    areas = list(COMPETENCY_AREAS)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with unit_of_work(registry.sessions) as session:
        org_ids = []
        for n in range(sponsors):
            org = Organization(slug=f"bench-sponsor-{n}", name=f"Bench Sponsor {n} Institute",
                               kind="training_sponsor", county=rng.choice(CALIFORNIA_COUNTIES))
            session.add(org)
            session.flush()
            org_ids.append(org.id)
        trainings = []
        for org_id in org_ids:
            for _ in range(20):
                title = " ".join(rng.sample(WORDS, 4))
                t = Training(organization_id=org_id, title=title, description="",
                             hours=Decimal(rng.choice(("1.50", "2.00", "3.00", "6.00"))),
                             competency_area=rng.choice(areas), language=rng.choice(languages))
                session.add(t)
                trainings.append(t)
        session.flush()
        rows = []
        for i in range(events):
            t = rng.choice(trainings)
            starts = now + timedelta(hours=rng.randint(-24 * 120, 24 * 600))
            online = rng.random() < 0.2
            county = None if online else rng.choice(CALIFORNIA_COUNTIES)
            capacity = rng.choice((10, 20, 25, 30, 40))
            rows.append({
                "training_id": t.id, "organization_id": t.organization_id, "title": t.title,
                "search_text": f"{t.title} bench sponsor {t.organization_id} institute "
                               f"{county or 'online'}".casefold(),
                "language": t.language, "competency_area": t.competency_area, "hours": t.hours,
                "starts_at": starts, "ends_at": starts + timedelta(hours=3),
                "capacity": capacity, "seats_taken": rng.randint(0, capacity), "waitlist": True,
                "visibility": "invite_only" if rng.random() < 0.1 else "published",
                "invite_token": f"bench-{i}" if rng.random() < 0.1 else None,
                "status": "cancelled" if rng.random() < 0.03 else "scheduled",
                "county": county, "city": None if online else "Somewhere",
                "address": None if online else "1 Main St", "zip": None if online else "90000",
                "online_url": "https://meet.example.org/x" if online else None,
                "created_at": now, "updated_at": now})
            if len(rows) == 5000:
                session.execute(insert(TrainingEvent), rows)
                rows = []
        if rows:
            session.execute(insert(TrainingEvent), rows)
        events = session.execute(select(TrainingEvent.id, TrainingEvent.search_text,
                                        TrainingEvent.visibility, TrainingEvent.status,
                                        TrainingEvent.starts_at)).all()
    # the keyword index straight through the driver (millions of rows), in chunks
    raw = registry.engine.raw_connection()
    sqlite = registry.engine.dialect.name == "sqlite"
    sql = ("INSERT INTO training_event_words (word, event_id, listed, starts_at) "
           + ("VALUES (?, ?, ?, ?)" if sqlite else "VALUES (%s, %s, %s, %s)"))
    total = 0
    try:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN")
        chunk: list[tuple] = []
        for n, event in enumerate(events):
            listed = event.visibility == "published" and event.status == "scheduled"
            starts = (event.starts_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                      if sqlite else event.starts_at)
            chunk += [(w, event.id, int(listed) if sqlite else listed, starts)
                      for w in tokens_of(event.search_text)]
            if len(chunk) >= 50_000 or n == len(events) - 1:
                cursor.executemany(sql, chunk)
                total += len(chunk)
                chunk = []
        raw.commit()
    finally:
        raw.close()
    print(f"keyword index: {total} rows")
    if registry.engine.dialect.name == "postgresql":
        # VACUUM as autovacuum would after a bulk load: without the visibility map the
        # calendar's index-only scans read the heap (an unfiltered count took 65 ms, not 11)
        with registry.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with registry.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def database_cpu_seconds(app) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends serving this database, read from
    /proc (only when the server runs on this machine); ``None`` for SQLite, whose queries run
    in this process and are already in the per-request CPU time."""
    import os

    engine = app.extensions["registry"].engine
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        pids = list(conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars())
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def queries(rng: random.Random) -> list[dict[str, str]]:
    languages = [code for code, _ in DEFAULT_LANGUAGES]
    mix: list[dict[str, str]] = []
    for _ in range(20):
        mix += [
            {},
            {"page": str(rng.randint(1, 50))},
            {"county": rng.choice(CALIFORNIA_COUNTIES)},
            {"county": "online"},
            {"language": rng.choice(languages)},
            {"competency_area": rng.choice(list(COMPETENCY_AREAS))},
            {"sponsor": f"bench-sponsor-{rng.randint(0, 59)}"},
            {"q": rng.choice(WORDS).lower()},
            {"q": "health safety", "county": rng.choice(CALIFORNIA_COUNTIES)},
            {"from": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
             "to": (datetime.now(UTC) + timedelta(days=60)).date().isoformat()},
            {"county": "Los Angeles", "language": "es", "competency_area": "HSN"},
        ]
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--requests", type=int, default=440)
    parser.add_argument("--no-load", action="store_true",
                        help="time an already loaded --url (skip migrating and loading)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="calendar-bench-"))
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(test_settings(url, folder / "instance", plugins=["training"]))
    if not args.no_load:
        upgrade(app.extensions["registry"])
        started = time.perf_counter()
        load(app, args.events)
        print(f"loaded {args.events} events in {time.perf_counter() - started:.1f} s ({url})")
    client = app.test_client()
    mix = queries(random.Random(1))
    for params in mix[:20]:  # warm up
        client.get("/api/v1/calendar", query_string=params)
    timings, cpu = [], []
    db_cpu_before = database_cpu_seconds(app)
    for n in range(args.requests):
        params = mix[n % len(mix)]
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get("/api/v1/calendar", query_string=params)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, (params, response.get_json())
    by_request = list(zip(timings, (mix[i % len(mix)] for i in range(len(timings))), strict=True))
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{len(timings)} requests: p50 {statistics.median(timings):.1f} ms, "
          f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    cpu.sort()
    print(f"CPU time per request (what an idle core would take with SQLite in-process): "
          f"p50 {statistics.median(cpu):.1f} ms, p95 {cpu[int(len(cpu) * 0.95) - 1]:.1f} ms")
    db_cpu_after = database_cpu_seconds(app)
    if db_cpu_before is not None and db_cpu_after is not None:
        print(f"PostgreSQL server CPU per request (mean, its backends on this machine): "
              f"{(db_cpu_after - db_cpu_before) * 1000 / len(timings):.1f} ms")
    worst = sorted(by_request, key=lambda x: x[0])[-5:]
    print("slowest:", [(round(t, 1), p) for t, p in worst])


if __name__ == "__main__":
    main()
