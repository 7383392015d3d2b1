"""Benchmark the training reports: a sponsor with 5,000 events and 200,000 enrollments.

    python bench/training_reports_bench.py                  # SQLite file in a temp folder
    python bench/training_reports_bench.py --url postgresql+psycopg://postgres@127.0.0.1/bench_rep
    (``--url`` names an empty database: drop and create it before each run)

Loads the data straight through the driver (participants carry only what the reports read; the
sponsor has a vendor number and Direct Service Profile codes), then builds each report's
workbook exactly as ``GET /api/v1/reports/<name>.xlsx`` does (parameters checked, openpyxl
write-only, rows streamed) in a fresh child process pinned to one core, and prints its wall and
CPU time and the child's peak resident memory (the whole process: interpreter, app and report).
Targets (issue 7): under 20 s and 300 MB each, for the Direct Service Profile and attendance.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from registry_plugins.training import reports
from registry_plugins.training.models import Enrollment, Training, TrainingEvent, TrainingSponsor
from registry_plugins.training.survey_models import DspSettings
from sqlalchemy import func, insert, select

from registry_kernel.app import create_app
from registry_kernel.auth.actor import Actor
from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.db import unit_of_work
from registry_kernel.migrate import upgrade
from registry_kernel.models import Organization, Participant
from registry_kernel.reports import write_xlsx
from registry_kernel.testing import test_settings


def load(app, events: int, enrollments: int, seed: int = 3) -> int:
    rng = random.Random(seed)
    registry = app.extensions["registry"]
    now = datetime.now(UTC)
    with unit_of_work(registry.sessions) as session:
        org = Organization(slug="bench-reports", name="Bench Reports Sponsor",
                           kind="training_sponsor", county="Alameda")
        session.add(org)
        session.flush()
        session.add(TrainingSponsor(organization_id=org.id, status="approved",
                                    vendor_number="BENCH"))
        session.add(DspSettings(organization_id=org.id, county="Alameda", program="CCIP",
                                delivery_type=1, funding=0))
        training = Training(organization_id=org.id, title="Benchmark training", description="",
                            hours=Decimal("3.00"), competency_area="HSN", language="en")
        session.add(training)
        session.flush()
        people = max(1, enrollments // 4)
        participant_ids = [str(uuid.uuid4()) for _ in range(people)]
        for i in range(0, people, 10_000):
            session.execute(insert(Participant), [{
                "id": pid, "registry_id": f"B{n:09d}", "status": "active",
                "county": rng.choice(CALIFORNIA_COUNTIES), "preferred_language": "en",
                "research_opt_out": False, "created_at": now, "updated_at": now}
                for n, pid in enumerate(participant_ids[i:i + 10_000], start=i)])
        rows = []
        for n in range(events):
            starts = now - timedelta(days=rng.randint(1, 700))
            rows.append({"training_id": training.id, "organization_id": org.id,
                         "title": f"Benchmark training {n}", "search_text": "", "language": "en",
                         "competency_area": "HSN", "hours": Decimal("3.00"),
                         "starts_at": starts, "ends_at": starts + timedelta(hours=3),
                         "capacity": 100, "seats_taken": 0, "waitlist": True,
                         "visibility": "published", "status": "scheduled",
                         "funding_source": rng.choice(("CCIP", "First 5", None)),
                         "created_at": now, "updated_at": now})
        session.execute(insert(TrainingEvent), rows)
        event_ids = [e for (e,) in session.execute(
            TrainingEvent.__table__.select().with_only_columns(TrainingEvent.id)
            .where(TrainingEvent.organization_id == org.id))]
        per_event = max(1, enrollments // len(event_ids))
        batch = []
        for event_id in event_ids:
            for pid in rng.sample(participant_ids, min(per_event, len(participant_ids))):
                status = rng.choice(("attended", "attended", "attended", "no_show",
                                     "withdrawn", "enrolled"))
                batch.append({"event_id": event_id, "participant_id": pid, "status": status,
                              "queued_at": now, "source": "api", "created_at": now,
                              "updated_at": now,
                              "hours_granted": Decimal("3.00") if status == "attended"
                              else None})
                if len(batch) >= 20_000:
                    session.execute(insert(Enrollment), batch)
                    batch = []
        if batch:
            session.execute(insert(Enrollment), batch)
        return org.id


def time_report(app, name: str, org_id: int) -> dict[str, float]:
    """Build one report in this process; return its figures (run in a fresh child)."""
    registry = app.extensions["registry"]
    definition = {d.name: d for d in reports.definitions()}[name]
    actor = Actor(client_id="bench", organization_id=org_id, via="client",
                  scopes=frozenset({"reports:read"}),
                  permission_roles=registry.permission_roles)
    started, cpu_started = time.perf_counter(), time.process_time()
    with registry.sessions() as session:
        rows = definition.build(session, registry, actor, {"from": None, "to": None})
        handle = write_xlsx(definition.title, definition.columns, rows)
        size = len(handle.read())
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with registry.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Enrollment).join(
            TrainingEvent, TrainingEvent.id == Enrollment.event_id).where(
            TrainingEvent.organization_id == org_id, Enrollment.status == "attended"))
    return {"wall_s": wall, "cpu_s": cpu,
            "workbook_mb": size / 1e6, "attended": count,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(args: argparse.Namespace) -> None:
    app = create_app(test_settings(args.url, Path(args.instance), plugins=["training"]))
    print(json.dumps(time_report(app, args.report, args.org)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url")
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--enrollments", type=int, default=200_000)
    parser.add_argument("--reports", default="direct-service-profile,attendance")
    parser.add_argument("--report", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--org", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        child(args)
        return
    folder = Path(tempfile.mkdtemp(prefix="reports-bench-"))
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(test_settings(url, folder / "instance", plugins=["training"]))
    upgrade(app.extensions["registry"])
    started = time.perf_counter()
    org_id = load(app, args.events, args.enrollments)
    app.extensions["registry"].engine.dispose()
    print(f"loaded {args.events} events, ~{args.enrollments} enrollments in "
          f"{time.perf_counter() - started:.1f} s ({url.split('@')[-1]})")
    pin = ["taskset", "-c", "0"] if os.path.exists("/usr/bin/taskset") else []
    for name in args.reports.split(","):
        out = subprocess.run([*pin, sys.executable, __file__, "--url", url, "--report", name,
                              "--org", str(org_id), "--instance", str(folder / "instance")],
                             check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(f"{name}: {figures['wall_s']:.1f} s wall, {figures['cpu_s']:.1f} s CPU, "
              f"peak RSS {figures['peak_rss_mb']:.0f} MB, workbook "
              f"{figures['workbook_mb']:.1f} MB ({figures['attended']} attended rows)")


if __name__ == "__main__":
    main()
