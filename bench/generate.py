"""Build a statewide-shaped data set through the registry's own services (not raw SQL).

Full size: 300,000 participants, 2,000 organizations, 500 training sponsors, 60,000 events,
1,500,000 enrollments, 200,000 verified documents. ``--scale`` multiplies every size (default
0.1); each size can also be given on its own.

    python bench/generate.py --database-url sqlite:///bench.sqlite3 --instance bench-instance

An interrupted or partial data set is topped up with ``--only``: each named phase (events,
enrollments, documents) counts what the data set already holds and adds the difference.

On PostgreSQL ``--workers N`` makes the participants, enrollments and documents in N processes
(the statewide size: ``--scale 1 --workers 3`` on two cores).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

FULL = {"participants": 300_000, "organizations": 2_000, "sponsors": 500, "events": 60_000,
        "enrollments": 1_500_000, "documents": 200_000}
COUNTIES = ["Alameda", "Los Angeles", "San Diego", "Fresno", "Sacramento", "San Francisco",
            "Riverside", "Kern", "Santa Clara", "Orange", "Humboldt", "Shasta"]
LANGUAGES = ["en", "es", "zh-yue", "vi", "tl"]
AREAS = ["CDL", "CDE", "RIG", "FCE", "DLD", "OSAD", "SNI", "LEC", "HSN", "LEAD", "PROF", "ADM"]
FIRST = ["Maria", "Ana", "Wei", "Linh", "Jasmine", "Rosa", "Keisha", "Mei", "Sofia", "Fatima"]
LAST = ["Lopez", "Chen", "Nguyen", "Garcia", "Johnson", "Wong", "Hernandez", "Kim", "Patel"]
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "bench-password-2026"
BATCH = 500
PHASES = ("events", "enrollments", "documents", "home")
CONTENTION_URL = "https://meet.example.org/bench"  # bench/run.py's contention events (not ours)


def sizes(args: argparse.Namespace) -> dict[str, int]:
    return {name: getattr(args, name) or max(1, int(full * args.scale))
            for name, full in FULL.items()}


def log(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")


def build(args: argparse.Namespace) -> dict[str, Any]:
    from registry_plugins.training import services as training

    from registry_kernel.accounts import create_account
    from registry_kernel.app import create_app
    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.db import unit_of_work
    from registry_kernel.migrate import upgrade
    from registry_kernel.models import Account, Organization
    from registry_kernel.organizations import create_organization

    rng = random.Random(args.seed)
    n = sizes(args)
    app = create_app({"database_url": args.database_url, "instance_path": args.instance,
                      "mail_backend": "memory", "quiet_dev_keys": True,
                      **({"plugins": args.plugins.split(",")} if args.plugins else {})})
    registry = app.extensions["registry"]
    started = time.perf_counter()
    if not args.only:  # (a data set being extended keeps the schema it was built with)
        upgrade(registry)
    timings: dict[str, float] = {}

    def actor(session: Any, account_id: int) -> Any:
        return actor_for_account(session, session.get(Account, account_id),
                                 permission_roles=registry.permission_roles)

    if args.only:  # top up the named phases of an existing data set
        result = extend(registry, args, n, args.only.split(","))
        registry.engine.dispose()
        return {"database_url": args.database_url.split("@")[-1], "sizes": n, **result,
                "total_s": round(time.perf_counter() - started, 1),
                "generated_at": datetime.now(UTC).isoformat()}

    t = time.perf_counter()
    with unit_of_work(registry.sessions) as session:
        staff = create_account(session, registry, email="bench-staff@bench.test",
                               password=PASSWORD, first_name="Bench", last_name="Staff",
                               role="registry_staff", verified=True)
        staff_id = staff.id
        employers = []
        for i in range(n["organizations"]):
            kind = "employer_center" if i % 3 else "employer_fcc"
            org = create_organization(session, name=f"Bench Program {i}", kind=kind,
                                      county=COUNTIES[i % len(COUNTIES)],
                                      license_number=f"{100000000 + i}")
            employers.append(org.id)
    sponsor_ids: list[tuple[int, int]] = []
    for i in range(n["sponsors"]):
        with unit_of_work(registry.sessions) as session:
            org = create_organization(session, name=f"Bench Sponsor {i}", kind="training_sponsor",
                                      county=COUNTIES[i % len(COUNTIES)])
            director = create_account(session, registry, email=f"director{i}@bench.test",
                                      password=PASSWORD, first_name="Dir", last_name=str(i),
                                      role="sponsor_executive_director", organization=org,
                                      verified=True)
            if not training.is_approved_sponsor(session, registry, org):
                application = training.apply_as_sponsor(session, registry, org,
                                                        actor(session, director.id))
                training.decide_sponsor(session, registry, application,
                                        actor(session, staff_id), approve=True)
            sponsor_ids.append((org.id, director.id))
    timings["organizations_and_sponsors_s"] = time.perf_counter() - t
    log(f"{n['organizations']} organizations, {n['sponsors']} sponsors")

    t = time.perf_counter()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    event_ids: list[int] = []
    per_sponsor = max(1, n["events"] // len(sponsor_ids))
    for org_id, director_id in sponsor_ids:
        with unit_of_work(registry.sessions) as session:
            who = actor(session, director_id)
            catalog = [training.create_training(
                session, registry, org_id, who, title=f"{area} workshop {k}",
                description="Practical strategies for early educators.",
                hours=Decimal(rng.choice(["1.5", "2", "3", "6"])), competency_area=area,
                language=rng.choice(LANGUAGES)) for k, area in enumerate(rng.sample(AREAS, 6))]
            event_ids += add_events(session, registry, rng, catalog, who, per_sponsor, now)
    timings["events_s"] = time.perf_counter() - t
    log(f"{len(event_ids)} events")

    t = time.perf_counter()
    if args.workers > 1:
        in_parallel(args, "participants", {"employers": employers})
        with registry.sessions() as session:
            participant_ids = employed_participants(session)
    else:
        participant_ids = make_participants(registry, rng, range(n["participants"]), employers)
    with unit_of_work(registry.sessions) as session:
        home_accounts = []
        for i in range(min(50, n["participants"])):
            account = create_account(session, registry, email=f"home{i}@bench.test",
                                     password=PASSWORD, first_name="Home", last_name=str(i),
                                     verified=True)
            home_accounts.append(account.participant_id)
    timings["participants_s"] = time.perf_counter() - t
    log(f"{len(participant_ids)} participants")

    t = time.perf_counter()
    if args.workers > 1:
        made = sum(in_parallel(args, "enrollments", {"participant_ids": participant_ids,
                                                     "event_ids": event_ids}))
    else:
        made = make_enrollments(registry, rng, n["enrollments"], participant_ids, event_ids)
    timings["enrollments_s"] = time.perf_counter() - t

    if args.skip_documents:
        log("documents skipped (add them with --only documents)")
    else:
        t = time.perf_counter()
        if args.workers > 1:
            in_parallel(args, "documents", {"staff_id": staff_id, "home_accounts": home_accounts,
                                            "participant_ids": participant_ids})
        else:
            make_documents(registry, n["documents"], staff_id, participant_ids, home_accounts)
        timings["documents_s"] = time.perf_counter() - t

    with registry.sessions() as session:
        counts = {"organizations": len(session.scalars(select(Organization.id)).all()),
                  "participants": len(participant_ids) + len(home_accounts) + n["sponsors"] + 1,
                  "events": len(event_ids), "enrollments": made, "documents": n["documents"]}
    result = {"database_url": args.database_url.split("@")[-1], "sizes": n, "counts": counts,
              "workers": args.workers, "timings": {k: round(v, 1) for k, v in timings.items()},
              "total_s": round(time.perf_counter() - started, 1),
              "home_account_password": PASSWORD, "home_accounts": 50,
              "generated_at": datetime.now(UTC).isoformat()}
    registry.engine.dispose()
    return result


def make_participants(registry: Any, rng: random.Random, indices: range, employers: list[int]
                      ) -> list[str]:
    """Register participant number ``i`` for each ``i`` of ``indices`` (profile and one
    employment, through the services), 500 to a transaction; returns their ids."""
    from registry_plugins.profile import services as profile

    from registry_kernel.db import unit_of_work
    from registry_kernel.participants import create_participant

    participant_ids: list[str] = []
    for chunk_start in range(0, len(indices), BATCH):
        with unit_of_work(registry.sessions) as session:
            for i in indices[chunk_start:chunk_start + BATCH]:
                person = create_participant(
                    session, registry, first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                    email=f"p{i}@bench.test", birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                    county=rng.choice(COUNTIES), preferred_language=rng.choice(["en", "es"]))
                participant_ids.append(person.id)
                profile.create_employment(session, registry, person, profile.EmploymentInput(
                    employer_id=rng.choice(employers), position="Teacher",
                    role_category=rng.choice(["teacher", "assistant", "lead_teacher"]),
                    start_date=date(2015 + i % 10, 1, 1), hours_per_week=Decimal(rng.choice([20, 30, 40])),
                    hourly_wage=Decimal(rng.choice(["18.50", "21.00", "24.75"]))), actor=None)
        if (chunk_start // BATCH) % 20 == 0:
            log(f"participants {len(participant_ids)} of {len(indices)}")
    return participant_ids


def employed_participants(session: Any) -> list[str]:
    """The generated participants (those with an employment), in a stable order."""
    from registry_plugins.profile.models import Employment

    return list(session.scalars(select(Employment.participant_id).distinct()
                                .order_by(Employment.participant_id)))


def in_parallel(args: argparse.Namespace, phase: str, inputs: dict[str, Any]) -> list[Any]:
    """Run ``phase`` in ``args.workers`` processes, each its own share (PostgreSQL: SQLite has
    one writer at a time); returns each worker's result."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if args.database_url.startswith("sqlite"):
        raise SystemExit("--workers: SQLite has one writer at a time; use PostgreSQL")
    settings = {"database_url": args.database_url, "instance": args.instance,
                "plugins": args.plugins, "seed": args.seed, "sizes": sizes(args)}
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(run_share, settings, phase, inputs, worker, args.workers)
                   for worker in range(args.workers)]
        return [future.result() for future in futures]


def run_share(settings: dict[str, Any], phase: str, inputs: dict[str, Any], worker: int,
              workers: int) -> Any:
    """One worker's share of a phase: participants and documents by index (every
    ``workers``-th), enrollments by count (each worker its own random sequence)."""
    from registry_kernel.app import create_app

    app = create_app({"database_url": settings["database_url"],
                      "instance_path": settings["instance"], "mail_backend": "memory",
                      "quiet_dev_keys": True,
                      **({"plugins": settings["plugins"].split(",")} if settings["plugins"]
                         else {})})
    registry = app.extensions["registry"]
    rng = random.Random(f"{settings['seed']}:{phase}:{inputs.get('start', '')}{worker}/{workers}")
    n = settings["sizes"]
    try:
        if phase == "participants":
            return len(make_participants(registry, rng, range(worker, n["participants"], workers),
                                         inputs["employers"]))
        if phase == "enrollments":
            total = inputs.get("count", n["enrollments"])
            share = total // workers + (worker < total % workers)
            return make_enrollments(registry, rng, share, inputs["participant_ids"],
                                    inputs["event_ids"], batch=BATCH // 10)
        make_documents(registry, n["documents"], inputs["staff_id"], inputs["participant_ids"],
                       inputs["home_accounts"], start=inputs.get("start", 0),
                       share=(worker, workers))
        return None
    finally:
        registry.engine.dispose()


def add_events(session: Any, registry: Any, rng: random.Random, catalog: list[Any], who: Any,
               count: int, now: datetime) -> list[int]:
    """Schedule ``count`` events of a sponsor's ``catalog`` (upcoming dates only: the service
    refuses a start in the past, so every requested event exists); returns their ids."""
    from registry_plugins.training import services as training

    ids = []
    for k in range(count):
        start = now + timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 10))
        county = rng.choice(COUNTIES)
        online = rng.random() < 0.2
        event = training.create_event(
            session, registry, rng.choice(catalog), who, starts_at=start,
            ends_at=start + timedelta(hours=3), capacity=rng.randint(15, 40),
            location=None if online else training.Location(
                address=f"{k} Main St", city="City", county=county, zip="94601"),
            online_url="https://meet.example.org/x" if online else None)
        ids.append(event.id)
    return ids


def make_enrollments(registry: Any, rng: random.Random, count: int, participant_ids: list[str],
                     event_ids: list[int], batch: int = BATCH) -> int:
    """Enroll random participants in random events through the training service until
    ``count`` places were given (a seat or the waitlist), ``batch`` to a transaction, in the
    order of the events (so parallel workers lock event rows in the same order and never
    deadlock); a duplicate is skipped. Returns the number made."""
    from registry_plugins.training import services as training

    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Participant

    made = 0
    while made < count:
        draws = sorted((rng.choice(event_ids), rng.choice(participant_ids))
                       for _ in range(min(batch, count - made)))
        with unit_of_work(registry.sessions) as session:
            for event_id, participant_id in draws:
                person = session.get(Participant, participant_id)
                try:
                    with session.begin_nested():
                        training.enroll(session, registry, event_id, person,
                                        actor=None, source="bench", notify=False)
                except Exception:  # duplicate or full without waitlist: skip
                    continue
                made += 1
        if made % 10_000 < batch:
            log(f"enrollments {made}")
    return made


def extend(registry: Any, args: argparse.Namespace, n: dict[str, int], phases: list[str]
           ) -> dict[str, Any]:
    """Top up an existing data set: each phase counts what the data set holds (the
    generator's own rows only) and adds what is missing, so an interrupted run resumes. Each
    phase draws from its own random sequence (seeded by the seed, the phase and the count
    held), not a replay of the first run's."""
    from registry_plugins.documents.models import Document
    from registry_plugins.training.models import Enrollment, Training, TrainingEvent

    from registry_kernel.accounts import account_by_email
    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account, Participant, RoleGrant

    seed = args.seed
    unknown = set(phases) - set(PHASES)
    if unknown:
        raise SystemExit(f"--only: unknown phase(s) {', '.join(sorted(unknown))}")
    ours = or_(TrainingEvent.online_url.is_(None), TrainingEvent.online_url != CONTENTION_URL)
    timings: dict[str, float] = {}
    added: dict[str, int] = {}
    if "events" in phases:
        t = time.perf_counter()
        with registry.sessions() as session:
            have = session.scalar(select(func.count()).select_from(TrainingEvent).where(ours))
            sponsors = session.execute(select(RoleGrant.organization_id, RoleGrant.account_id)
                                       .where(RoleGrant.role == "sponsor_executive_director")
                                       .order_by(RoleGrant.organization_id)).all()
        missing = max(0, n["events"] - have)
        rng = random.Random(f"{seed}:events:{have}")
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        for index, (org_id, director_id) in enumerate(sponsors):
            share = missing // len(sponsors) + (index < missing % len(sponsors))
            if not share:
                continue
            with unit_of_work(registry.sessions) as session:
                who = actor_for_account(session, session.get(Account, director_id),
                                        permission_roles=registry.permission_roles)
                catalog = list(session.scalars(select(Training).where(
                    Training.organization_id == org_id).order_by(Training.id)))
                add_events(session, registry, rng, catalog, who, share, now)
        added["events"] = missing
        timings["events_s"] = time.perf_counter() - t
        log(f"{missing} events added to {have}")
    if "enrollments" in phases:
        t = time.perf_counter()
        with registry.sessions() as session:
            have = session.scalar(select(func.count()).select_from(Enrollment).where(
                Enrollment.source == "bench"))
            participant_ids = employed_participants(session)
            event_ids = list(session.scalars(select(TrainingEvent.id).where(ours)
                                             .order_by(TrainingEvent.id)))
        rng = random.Random(f"{seed}:enrollments:{have}")
        missing = max(0, n["enrollments"] - have)
        if args.workers > 1 and missing:
            added["enrollments"] = sum(in_parallel(args, "enrollments", {
                "participant_ids": participant_ids, "event_ids": event_ids, "count": missing,
                "start": have}))
        else:
            added["enrollments"] = make_enrollments(registry, rng, missing, participant_ids,
                                                    event_ids)
        timings["enrollments_s"] = time.perf_counter() - t
        log(f"{added['enrollments']} enrollments added to {have}")
    if "documents" in phases:
        t = time.perf_counter()
        with registry.sessions() as session:
            have = session.scalar(select(func.count()).select_from(Document))
            staff_id = account_by_email(session, registry, "bench-staff@bench.test").id
            home_accounts = [account_by_email(session, registry, f"home{i}@bench.test")
                             .participant_id for i in range(50)]
            participant_ids = list(session.scalars(select(Participant.id).order_by(
                Participant.id)))
        if args.workers > 1 and have < n["documents"]:
            in_parallel(args, "documents", {"staff_id": staff_id, "home_accounts": home_accounts,
                                            "participant_ids": participant_ids, "start": have})
        else:
            make_documents(registry, n["documents"], staff_id, participant_ids, home_accounts,
                           start=have)
        added["documents"] = max(0, n["documents"] - have)
        timings["documents_s"] = time.perf_counter() - t
    if "home" in phases:  # the sign-in accounts the suite measures get a typical person's data
        t = time.perf_counter()
        added["home"] = make_home_records(registry, random.Random(f"{seed}:home"))
        timings["home_s"] = time.perf_counter() - t
    with registry.sessions() as session:
        counts = {
            "events": session.scalar(select(func.count()).select_from(TrainingEvent).where(ours)),
            "enrollments": session.scalar(select(func.count()).select_from(Enrollment).where(
                Enrollment.source == "bench")),
            "documents": session.scalar(select(func.count()).select_from(Document))}
    return {"only": phases, "added": added, "counts": counts,
            "timings": {k: round(v, 1) for k, v in timings.items()}}


def make_home_records(registry: Any, rng: random.Random, per_person: int = 5) -> int:
    """Give each of the 50 home-page accounts without an employment what a generated person has
    on average: one employment and ``per_person`` enrollments (150,000 / 30,000), through the
    services (source ``bench-home``, so the generator's own counts are unchanged). Returns the
    number of accounts completed."""
    from registry_plugins.profile import services as profile
    from registry_plugins.profile.models import Employment
    from registry_plugins.training import services as training
    from registry_plugins.training.models import TrainingEvent

    from registry_kernel.accounts import account_by_email
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Organization, Participant

    done = 0
    with unit_of_work(registry.sessions) as session:
        employers = list(session.scalars(select(Organization.id).where(
            Organization.kind.in_(["employer_center", "employer_fcc"])).order_by(Organization.id)))
        event_ids = list(session.scalars(select(TrainingEvent.id).where(
            TrainingEvent.waitlist.is_(True)).order_by(TrainingEvent.id)))
        for i in range(50):
            account = account_by_email(session, registry, f"home{i}@bench.test")
            if account is None or session.scalar(select(func.count()).select_from(Employment)
                                                 .where(Employment.participant_id
                                                        == account.participant_id)):
                continue
            person = session.get(Participant, account.participant_id)
            profile.create_employment(session, registry, person, profile.EmploymentInput(
                employer_id=rng.choice(employers), position="Teacher", role_category="teacher",
                start_date=date(2018, 1, 1), hours_per_week=Decimal(40),
                hourly_wage=Decimal("21.00")), actor=None)
            for event_id in rng.sample(event_ids, per_person):
                with session.begin_nested():
                    training.enroll(session, registry, event_id, person, actor=None,
                                    source="bench-home", notify=False)
            done += 1
    log(f"{done} home-page accounts given an employment and {per_person} enrollments")
    return done


def make_documents(registry: Any, count: int, staff_id: int, participant_ids: list[str],
                   home_accounts: list[str], start: int = 0, share: tuple[int, int] = (0, 1)
                   ) -> None:
    """Upload and verify transcripts number ``start`` to ``count`` (one course each) through
    the documents plugin: the first go to the home-page accounts, the rest round the
    participants. ``share=(k, n)``: only every n-th transaction's worth, from the k-th."""
    from registry_plugins.documents import services as documents

    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account, Participant

    worker, workers = share
    for chunk, start_index in enumerate(range(start, count, BATCH // 5)):
        if chunk % workers != worker:
            continue
        with unit_of_work(registry.sessions) as session:
            staff_actor = actor_for_account(session, session.get(Account, staff_id),
                                            permission_roles=registry.permission_roles)
            for i in range(start_index, min(count, start_index + BATCH // 5)):
                owner = participant_ids[i % len(participant_ids)] if i >= len(home_accounts) \
                    else home_accounts[i]
                person = session.get(Participant, owner)
                document = documents.upload_document(
                    session, registry, person, data=TINY_PDF + str(i).encode(),
                    filename="transcript.pdf", type_="transcript")
                documents.verify_document(session, registry, document, documents.VerificationIn(
                    courses=[documents.CourseIn(
                        institution="Laney College", course_number=f"CD {10 + i % 50}",
                        title="Child Growth and Development", units=Decimal(3),
                        unit_system="semester", grade="B", completed_on=date(2020, 5, 20),
                        category="ece", core_area="child_growth")]), actor=staff_actor)
        if start_index % 2_000 == 0:
            log(f"documents {start_index}")
    log(f"{count} verified documents")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance", required=True, help="instance folder (keys, files)")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", help="comma-separated phases (events, enrollments, documents)"
                        " to top up in an existing data set: each adds what is missing of its"
                        " requested size; 'home' gives the 50 home-page accounts an employment"
                        " and 5 enrollments each, like a generated person")
    parser.add_argument("--plugins", help="comma-separated plugins to enable (default: all)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes for the participants, enrollments and documents"
                             " (PostgreSQL only: SQLite has one writer at a time)")
    parser.add_argument("--skip-documents", action="store_true",
                        help="leave the documents out (add them later, or in parallel, "
                             "with --only documents)")
    for name in FULL:
        parser.add_argument(f"--{name}", type=int, default=None)
    args = parser.parse_args()
    Path(args.instance).mkdir(parents=True, exist_ok=True)
    result = build(args)
    record = Path(args.instance) / "dataset.json"
    if args.only and record.exists():  # keep the data set's record; note what was added
        previous = json.loads(record.read_text())
        record.write_text(json.dumps({
            **previous, "counts": {**previous.get("counts", {}), **result["counts"]},
            "extended": [*previous.get("extended", []), result]}, indent=2))
    else:
        record.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
