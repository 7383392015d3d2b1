"""Benchmark suite: gunicorn serves the registry, a second process generates load on loopback.

Reports p50/p95/p99 latency and throughput per scenario, and each scenario's throughput as a
ratio of a bare Flask endpoint served by the same gunicorn configuration (the framework's
ceiling on this machine). Run after ``bench/generate.py`` on the same database:

    python bench/run.py --database-url sqlite:///bench.sqlite3 --instance bench-instance
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

HERE = Path(__file__).resolve().parent
TARGETS_MS = {"calendar": 50, "enroll_contention": 100, "home": 150, "report_pdf": 150}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict[str, str], workers: int,
                   threads: int = 4) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "-k",
               "gthread", "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level",
               "warning", app]
    process = subprocess.Popen(command, env=env, cwd=str(HERE.parent))
    deadline = time.time() + 180
    path = "/ping" if "bare" in app else "/api/v1/health"
    while time.time() < deadline:  # ready when every worker answers quickly
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            started = time.perf_counter()
            conn.request("GET", path)
            ok = conn.getresponse().status == 200
            conn.close()
            if ok and time.perf_counter() - started < 0.5:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"gunicorn did not start for {app}")


def server_cpu_seconds(master: subprocess.Popen) -> float:
    """User + system CPU seconds used so far by a gunicorn master's worker processes (Linux
    /proc): divided by the requests served it gives the server's CPU cost per request, a figure
    that does not depend on how busy the rest of the machine is."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master.pid:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def load(scenario: str, base: str, seconds: float, concurrency: int, extra: dict[str, Any]
         ) -> dict[str, Any]:
    """Run the load generator in a second process and return its summary."""
    spec = json.dumps({"scenario": scenario, "base": base, "seconds": seconds,
                       "concurrency": concurrency, **extra})
    out = subprocess.run([sys.executable, str(HERE / "load.py"), spec],
                         capture_output=True, text=True, check=True, timeout=seconds + 300)
    return json.loads(out.stdout)


def prepare_tokens(env: dict[str, str], emails: list[str], scopes: str) -> list[str]:
    tokens = []
    for email in emails:
        out = subprocess.run([sys.executable, "-m", "registry_kernel", "tokens", "create",
                              "--email", email, "--scopes", scopes, "--ttl", "7200"],
                             env=env, capture_output=True, text=True, check=True)
        tokens.append(json.loads(out.stdout)["access_token"])
    return tokens


def contention_event(env: dict[str, str], database_url: str
                     ) -> tuple[int, str, list[str], int, list[str]]:
    """A 10-seat event without a waitlist, the sponsor's e-mail, 400 people to race for it,
    and a roomy event with 1,000 other people for the warm-up (so the race meets warm workers,
    as in production)."""
    sys.path.insert(0, str(HERE.parent))
    from registry_plugins.training import services as training
    from registry_plugins.training.models import Training

    from registry_kernel.app import create_app
    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account, Organization, Participant, RoleGrant
    from registry_kernel.participants import personal_data

    app = create_app({"database_url": database_url, "instance_path": env["REGISTRY_INSTANCE_PATH"],
                      "quiet_dev_keys": True})
    registry = app.extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        grant = session.scalar(select(RoleGrant).where(
            RoleGrant.role == "sponsor_executive_director"))
        account = session.get(Account, grant.account_id)
        org = session.get(Organization, grant.organization_id)
        who = actor_for_account(session, account, permission_roles=registry.permission_roles)
        course = session.scalar(select(Training).where(Training.organization_id == org.id))
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        event = training.create_event(session, registry, course, who, starts_at=start,
                                       ends_at=start + timedelta(hours=2),
                                       capacity=10, waitlist=False,
                                       online_url="https://meet.example.org/bench")
        roomy = training.create_event(session, registry, course, who, starts_at=start,
                                       ends_at=start + timedelta(hours=2), capacity=1000,
                                       waitlist=True, online_url="https://meet.example.org/bench")
        people = [p.registry_id for p in session.scalars(select(Participant)
                                                         .order_by(Participant.id).limit(1400))]
        event_id, warmup_event_id = event.id, roomy.id
        email = personal_data(session, registry, account.participant, fields=("email",)).email
    registry.engine.dispose()
    return event_id, email, people[:400], warmup_event_id, people[400:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--output", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--scenarios", help="comma-separated subset (bare_flask always runs)")
    parser.add_argument("--config", help="a registry TOML file for the server (REGISTRY_CONFIG),"
                        " e.g. to compare a setting's before and after")
    parser.add_argument("--skip-backup", action="store_true", help="no pg_dump/pg_restore")
    args = parser.parse_args()

    env = {**os.environ, "REGISTRY_DATABASE_URL": args.database_url,
           "REGISTRY_INSTANCE_PATH": str(Path(args.instance).resolve()),
           "REGISTRY_MAIL_BACKEND": "folder",
           **({"REGISTRY_CONFIG": str(Path(args.config).resolve())} if args.config else {})}
    results: dict[str, Any] = {"database": args.database_url.split("://")[0],
                               "measured_at": datetime.now(UTC).isoformat(),
                               "machine": {"cpus": os.cpu_count(),
                                           "load_average_at_start": os.getloadavg()},
                               "config": args.config,
                               "seconds": args.seconds, "concurrency": args.concurrency,
                               "gunicorn_workers": args.workers,
                               "gunicorn_threads": args.threads, "scenarios": {}}
    dataset = Path(args.instance) / "dataset.json"
    if dataset.exists():
        results["dataset"] = json.loads(dataset.read_text())["counts"]

    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "registry_kernel", "db", "upgrade"], env=env,
                   check=True, capture_output=True)
    results["db_upgrade_s"] = round(time.perf_counter() - t, 2)

    def wanted(name: str) -> bool:
        return name == "bare_flask" or not args.scenarios or name in args.scenarios.split(",")

    # (what only some scenarios need is made only for them, so --scenarios calendar runs on a
    # database that holds events and nothing else, e.g. bench/calendar_bench.py's)
    home_emails = [f"home{i}@bench.test" for i in range(8)]
    me_tokens = prepare_tokens(env, home_emails, "me") if wanted("report_pdf") else []
    event_id, sponsor_token, people, warmup_event_id, warmup_people = 0, "", [], 0, []
    if wanted("enroll_contention"):
        event_id, director_email, people, warmup_event_id, warmup_people = contention_event(
            env, args.database_url)
        sponsor_token = prepare_tokens(env, [director_email], "enrollments:write")[0]

    bare_port, app_port = free_port(), free_port()
    bare = start_gunicorn("bench.bare_app:app", bare_port, env, args.workers, args.threads)
    registry_server = start_gunicorn("registry_kernel.wsgi:app", app_port, env, args.workers,
                                     args.threads)
    try:
        scenarios = {
            "bare_flask": ({"path": "/ping"}, f"http://127.0.0.1:{bare_port}"),
            "health": ({"path": "/api/v1/health"}, None),
            "calendar": ({"filters": True}, None),
            "home": ({"emails": home_emails, "password": "bench-password-2026"}, None),
            "report_pdf": ({"tokens": me_tokens,
                            "path": "/api/v1/me/education-report.pdf"}, None),
            "enroll_contention": ({"token": sponsor_token, "event_id": event_id,
                                   "people": people, "warmup_event_id": warmup_event_id,
                                   "warmup_people": warmup_people}, None),
        }
        for name, (extra, base) in scenarios.items():
            if not wanted(name):
                continue
            kind = {"bare_flask": "get", "health": "get"}.get(name, name)
            load_before = os.getloadavg()[0]
            server = bare if name == "bare_flask" else registry_server
            cpu_before = server_cpu_seconds(server)
            summary = load(kind, base or f"http://127.0.0.1:{app_port}", args.seconds,
                           args.concurrency, extra)
            served = summary["requests"] * (1 + summary.get("warmup_requests", 0)
                                            / max(1, summary["requests"]))
            summary["server_cpu_ms_per_request"] = round(
                (server_cpu_seconds(server) - cpu_before) * 1000 / max(1, served), 2)
            summary["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            results["scenarios"][name] = summary
            sys.stderr.write(f"{name}: {summary}\n")
    finally:
        for process in (bare, registry_server):
            process.terminate()
            process.wait(timeout=30)

    ceiling = results["scenarios"]["bare_flask"]["throughput_rps"] or 1
    for name, summary in results["scenarios"].items():
        summary["ratio_to_bare_flask"] = round(summary["throughput_rps"] / ceiling, 3)
        if name in TARGETS_MS:
            summary["target_p95_ms"] = TARGETS_MS[name]
            summary["meets_target"] = summary["p95_ms"] <= TARGETS_MS[name]

    if "enroll_contention" in results["scenarios"]:
        engine = create_engine(args.database_url)
        from registry_plugins.training.models import Enrollment, TrainingEvent

        with engine.connect() as conn:
            taken = conn.scalar(select(func.count()).select_from(Enrollment).where(
                Enrollment.event_id == event_id, Enrollment.status == "enrolled"))
            capacity = conn.scalar(select(TrainingEvent.capacity).where(
                TrainingEvent.id == event_id))
        engine.dispose()
        contention = results["scenarios"]["enroll_contention"]
        contention.update(enrolled=taken, capacity=capacity, overbooked=taken > capacity)

    if args.database_url.startswith("postgresql") and shutil.which("pg_dump") \
            and not args.skip_backup:
        results["backup"] = pg_backup_restore(args.database_url)

    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["finished_at"] = datetime.now(UTC).isoformat()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


def pg_backup_restore(url: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    dump = Path("/tmp") / f"registry-bench-{os.getpid()}.dump"
    target = f"{parsed.database}_restore"
    conn = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
            "-U", parsed.username or "postgres"]
    t = time.perf_counter()
    subprocess.run(["pg_dump", "-Fc", *conn, "-f", str(dump), parsed.database], check=True)
    dump_s = time.perf_counter() - t
    subprocess.run(["dropdb", "--if-exists", *conn, target], check=True)
    subprocess.run(["createdb", *conn, target], check=True)
    t = time.perf_counter()
    subprocess.run(["pg_restore", "-j", "2", *conn, "-d", target, str(dump)], check=True)
    restore_s = time.perf_counter() - t
    size = dump.stat().st_size
    dump.unlink()
    subprocess.run(["dropdb", "--if-exists", *conn, target], check=True)
    return {"pg_dump_s": round(dump_s, 2), "pg_restore_s": round(restore_s, 2),
            "dump_bytes": size}


if __name__ == "__main__":
    main()
