"""Time ``registry db upgrade`` on a data set: at head (a no-op), and after taking branches back
to earlier revisions, so the upgrade runs real migrations over the data set's rows.

Taking a branch back runs its downgrades, which drop what the later revisions added: run this
on a copy of the data set (``pg_restore`` one into a new database first).

    python bench/upgrade_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/copy \\
        --instance /tmp/full/inst --back training@training_0001
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any


def downgrade(database_url: str, instance: str, targets: list[str]) -> list[str]:
    """Run alembic downgrades to each ``branch@revision`` of ``targets``; returns the
    database's revisions afterwards."""
    from alembic import command

    from registry_kernel.app import create_app
    from registry_kernel.migrate import alembic_config, current_revisions

    app = create_app({"database_url": database_url, "instance_path": instance,
                      "quiet_dev_keys": True})
    registry = app.extensions["registry"]
    config = alembic_config(registry)
    with registry.engine.begin() as connection:
        config.attributes["connection"] = connection
        for target in targets:
            command.downgrade(config, target)
    revisions = current_revisions(registry)
    registry.engine.dispose()
    return revisions


def timed_upgrade(database_url: str, instance: str) -> dict[str, Any]:
    """``registry db upgrade`` in a child process, as an operator runs it: wall and CPU time."""
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url,
           "REGISTRY_INSTANCE_PATH": instance}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "registry_kernel", "db", "upgrade"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": round(wall, 2),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "peak_rss_mb": round(after.ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--back", action="append", default=[], metavar="BRANCH@REVISION",
                        help="take this branch back to this revision before the second upgrade")
    args = parser.parse_args()
    result: dict[str, Any] = {"at_head": timed_upgrade(args.database_url, args.instance)}
    if args.back:
        started = time.perf_counter()
        result["taken_back_to"] = downgrade(args.database_url, args.instance, args.back)
        result["downgrade_s"] = round(time.perf_counter() - started, 2)
        result["upgrade"] = timed_upgrade(args.database_url, args.instance)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
