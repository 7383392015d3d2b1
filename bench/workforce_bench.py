"""Benchmark the workforce_data release: what building it costs per person, before and after.

    python bench/workforce_bench.py --people 2000                 # SQLite file in a temp folder
    python bench/workforce_bench.py --people 2000 --before c2290ee  # also time that revision's
    python bench/workforce_bench.py --url postgresql+psycopg://postgres@127.0.0.1/bench_wf
    (``--url`` names an empty database: drop and create it before each run)

People are made through the services (``create_participant``, the profile plugin's
``create_employment`` and ``update_sections``); verified document records and attended training
enrollments are inserted through the documents and training models, as their verification and
attendance would leave them. Then it times :func:`services.gather` (the per-person cost), the
whole ``registry workforce-data refresh`` (gather, release, encode, seal, store), opening the
snapshot in a process that has none cached, and a statistics request. With ``--before REV``,
that revision's ``plugins/workforce_data/services.py`` gathers the same people, for comparison.
``--snapshot-records 300000`` times only sealing and opening a synthetic statewide release.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from registry_kernel.app import create_app
from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.db import unit_of_work
from registry_kernel.migrate import upgrade
from registry_kernel.models import Organization
from registry_kernel.testing import test_settings

PLUGINS = ["profile", "documents", "training", "workforce_data"]
ROLES = ("assistant", "associate_teacher", "teacher", "lead_teacher", "site_supervisor",
         "program_director", "fcc_owner")
LEVELS = ("assistant", "associate_teacher", "teacher", "master_teacher", "site_supervisor",
          "program_director")
AREAS = ("CDL", "CDE", "RIG", "HSN", "DLD", "LEC")


def populate(registry: Any, people: int, seed: int = 7, counties: int = 6) -> list[str]:
    """``people`` participants with jobs (wages), first years, verified records and attended
    trainings, spread over ``counties`` counties; returns their ids."""
    from registry_plugins.documents.models import Course, Degree, Permit, TrainingRecord
    from registry_plugins.profile.models import Employment
    from registry_plugins.profile.services import (
        EmploymentInput,
        create_employment,
        update_sections,
    )
    from registry_plugins.training.models import Enrollment, Training, TrainingEvent

    from registry_kernel.participants import create_participant

    rng = random.Random(seed)
    today = date.today()
    now = datetime.now(UTC)
    places = rng.sample(CALIFORNIA_COUNTIES, counties)
    with unit_of_work(registry.sessions) as session:
        employers = []
        for n, kind in enumerate(("employer_center", "employer_center", "employer_fcc")):
            org = Organization(slug=f"bench-wf-{n}", name=f"Bench employer {n}", kind=kind,
                               county=places[0])
            session.add(org)
            employers.append(org)
        sponsor = Organization(slug="bench-wf-sponsor", name="Bench sponsor",
                               kind="training_sponsor", county=places[0])
        session.add(sponsor)
        session.flush()
        employer_ids = [o.id for o in employers]
        training = Training(organization_id=sponsor.id, title="Bench training", description="",
                            hours=Decimal("3.00"), competency_area="HSN", language="en")
        session.add(training)
        session.flush()
        session.execute(insert(TrainingEvent), [{
            "training_id": training.id, "organization_id": sponsor.id,
            "title": f"Bench training {n}", "search_text": "", "language": "en",
            "competency_area": AREAS[n % len(AREAS)], "hours": Decimal("3.00"),
            "starts_at": now - timedelta(days=30 * n + 5),
            "ends_at": now - timedelta(days=30 * n + 5) + timedelta(hours=3), "capacity": 10**6,
            "seats_taken": 0, "waitlist": True, "visibility": "published",
            "status": "scheduled", "created_at": now, "updated_at": now} for n in range(20)])
        event_ids = list(session.scalars(TrainingEvent.__table__.select()
                                         .with_only_columns(TrainingEvent.id)))
    ids: list[str] = []
    for start in range(0, people, 200):
        with unit_of_work(registry.sessions) as session:
            for n in range(start, min(start + 200, people)):
                person = create_participant(
                    session, registry, first_name=f"Bench{n}", last_name="Worker",
                    email=f"bench-wf-{seed}-{n}@example.org", county=rng.choice(places),
                    preferred_language=rng.choice(("en", "en", "es", "zh-Hant")))
                ids.append(person.id)
                for job in range(rng.choice((0, 1, 1, 1, 2))):
                    began = today - timedelta(days=rng.randint(200, 6000))
                    ended = None if job == 0 else today - timedelta(days=rng.randint(10, 190))
                    employer = rng.choice([*employer_ids, None])
                    record = create_employment(session, registry, person, EmploymentInput(
                        employer_id=employer, employer_name=None if employer else "Elsewhere",
                        position="Teacher",
                        role_category=rng.choice(ROLES), start_date=began, end_date=ended,
                        hourly_wage=Decimal(rng.randint(1700, 3500)) / 100
                        if rng.random() < 0.7 else None), actor=None)
                    record.status = "confirmed"
                if rng.random() < 0.6:
                    update_sections(session, registry, person, {"experience": {
                        "first_year_in_field": today.year - rng.randint(0, 30)}}, actor=None)
                if rng.random() < 0.7:
                    _records(session, rng, person.id, today,
                             (Course, Degree, Permit, TrainingRecord))
                for event_id in rng.sample(event_ids, rng.choice((0, 0, 1, 2, 3))):
                    session.execute(insert(Enrollment).values(
                        event_id=event_id, participant_id=person.id, status="attended",
                        source="api", queued_at=now, created_at=now, updated_at=now,
                        hours_granted=Decimal("3.00") if rng.random() < 0.5 else None))
            session.flush()
    with unit_of_work(registry.sessions) as session:  # employer-confirmed, as confirmation does
        session.query(Employment).update({"status": "confirmed"})
    return ids


def _records(session: Any, rng: random.Random, pid: str, today: date, models: tuple) -> None:
    course, degree, permit, training = models
    for _ in range(rng.randint(0, 8)):
        session.add(course(participant_id=pid, institution="Bench College", course_number="CD",
                           title="Course", units=Decimal(rng.choice((3, 4))),
                           unit_system=rng.choice(("semester", "quarter")),
                           grade=rng.choice(("A", "B", "C", "D", "F", "P")),
                           completed_on=today - timedelta(days=rng.randint(30, 5000)),
                           category=rng.choice(("ece", "ece", "ge"))))
    if rng.random() < 0.5:
        session.add(degree(participant_id=pid, level=rng.choice(("AA", "BA", "MA", "other")),
                           major="Child Development", institution="Bench University",
                           accredited=rng.random() < 0.9,
                           conferred_on=today - timedelta(days=rng.randint(100, 8000))))
    for _ in range(rng.choice((0, 1, 1, 2))):
        issued = today - timedelta(days=rng.randint(30, 3000))
        session.add(permit(participant_id=pid, kind="cd_permit", level=rng.choice(LEVELS),
                           issued_on=issued, expires_on=issued + timedelta(days=5 * 365)))
    for _ in range(rng.randint(0, 3)):
        session.add(training(participant_id=pid, sponsor="R&R", title="Workshop",
                             completed_on=today - timedelta(days=rng.randint(1, 500)),
                             hours=Decimal(rng.randint(1, 12)),
                             competency_area=rng.choice((*AREAS, None))))


def _revision_services(revision: str) -> Any:
    """``plugins/workforce_data/services.py`` at ``revision``, importable beside today's."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(["git", "show", f"{revision}:plugins/workforce_data/services.py"],
                            cwd=root, check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "services_before.py"
    path.write_text(source)
    name = "registry_plugins.workforce_data._services_before"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _gather_ms(registry: Any, gather: Any, today: date, runs: int = 2) -> tuple[float, int]:
    """The fastest of ``runs`` gathers, each in a new session (its own key unwrapping)."""
    best, counted = float("inf"), 0
    for _ in range(runs):
        with registry.sessions() as session:
            started = time.perf_counter()
            counted = len(gather(session, registry, today))
            best = min(best, (time.perf_counter() - started) * 1000)
    return best, counted


def same_facts(before: list[Any], after: list[Any]) -> bool:
    """Whether two gathers found the same facts for the same people, in the same order."""
    return [(p.key, p.wage, p.pd_hours) for p in before] == \
        [(p.key, p.wage, p.pd_hours) for p in after]


def snapshot_at_scale(records: int, seed: int = 5) -> dict[str, Any]:
    """Encode, seal, open and decode a synthetic release of ``records`` released records (the
    request side's one-off cost per process and new snapshot, and the stored size)."""
    from registry_plugins.workforce_data.services import DIMENSIONS, DOMAINS, Record, Released
    from registry_plugins.workforce_data.snapshot import decode, encode

    from registry_kernel.crypto import decrypt_value, encrypt_value, new_data_key

    rng = random.Random(seed)
    values = {d: list(DOMAINS[d] or ("en", "es", "zh-Hant", "vi")) for d in DIMENSIONS}
    keys = [tuple(rng.choice(values[d]) if rng.random() < 0.8 else "*" for d in DIMENSIONS)
            for _ in range(3000)]
    data = Released(DIMENSIONS, [Record(
        key=rng.choice(keys),
        wage=Decimal(rng.randint(1600, 4000)) / 100 if rng.random() < 0.6 else None,
        pd_hours=tuple((area, Decimal(rng.randint(1, 30))) for area in
                       rng.sample(AREAS, rng.choice((0, 1, 2))))) for _ in range(records)],
        11, date.today())
    started = time.perf_counter()
    dek, dek_id = new_data_key()
    blob = encrypt_value(dek, dek_id, encode(data), b"bench")
    sealed = time.perf_counter()
    opened = decode(decrypt_value(dek, dek_id, blob, b"bench"))
    done = time.perf_counter()
    assert Counter(opened.records) == Counter(data.records)
    return {"records": records, "stored_bytes": len(blob),
            "encode_seal_ms": round((sealed - started) * 1000),
            "open_decode_ms": round((done - sealed) * 1000)}


def run(url: str | None, people: int, before: str | None) -> dict[str, Any]:
    from registry_plugins.profile.services import local_today
    from registry_plugins.workforce_data import services
    from registry_plugins.workforce_data.snapshot import latest, refresh

    folder = Path(tempfile.mkdtemp(prefix="wf-bench-"))
    url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    settings = test_settings(url, folder / "instance", plugins=PLUGINS)
    app = create_app(settings)
    registry = app.extensions["registry"]
    upgrade(registry)
    started = time.perf_counter()
    populate(registry, people)
    made = time.perf_counter() - started
    today = local_today(registry)
    result: dict[str, Any] = {"database": registry.engine.dialect.name, "people": people,
                              "populate_s": round(made, 1)}
    after_ms, counted = _gather_ms(registry, services.gather, today)
    result["gather_ms_per_person"] = round(after_ms / counted, 3)
    if before:
        old = _revision_services(before)
        before_ms, _ = _gather_ms(registry, old.gather, today)
        result["before_revision"] = before
        result["before_gather_ms_per_person"] = round(before_ms / counted, 3)
        with registry.sessions() as session:  # the same people, the same facts
            result["same_facts_as_before"] = same_facts(
                old.gather(session, registry, today), services.gather(session, registry, today))
    refreshed = refresh(registry)
    result["refresh_ms"] = refreshed.build_ms
    result["released"] = refreshed.released
    other = create_app(settings)  # a second process: nothing cached yet
    with other.extensions["registry"].sessions() as session:
        started = time.perf_counter()
        latest(session, other.extensions["registry"])
        result["open_snapshot_ms"] = round((time.perf_counter() - started) * 1000, 1)
    client = other.test_client()
    client.get("/api/v1/workforce/statistics")
    started = time.perf_counter()
    status = client.get("/api/v1/workforce/statistics").status_code
    result["statistics_request_ms"] = round((time.perf_counter() - started) * 1000, 1)
    result["statistics_status"] = status
    for each in (app, other):
        each.extensions["registry"].engine.dispose()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--url", help="an empty database (default: SQLite in a temp folder)")
    parser.add_argument("--before", help="a git revision whose gather to time as well")
    parser.add_argument("--snapshot-records", type=int, metavar="N",
                        help="only time sealing and opening a synthetic release of N records")
    args = parser.parse_args()
    if args.snapshot_records:
        print(json.dumps(snapshot_at_scale(args.snapshot_records), indent=2))
        return
    print(json.dumps(run(args.url, args.people, args.before), indent=2))


if __name__ == "__main__":
    main()
