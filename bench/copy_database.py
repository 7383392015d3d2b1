"""Copy a generated benchmark data set from one database to another, row for row.

The data set is built once through the registry's services (``bench/generate.py``, on SQLite
or PostgreSQL); this copies it to a second database so both are measured on the same data
without paying the service-path generation twice. The target is migrated with the registry's
own migrations first, then every model table is copied in foreign-key order through SQLAlchemy
Core (the column types convert values between dialects), in chunks; PostgreSQL sequences are
moved past the copied ids. Both databases must use the same instance folder (the same keys and
uploaded files):

    python bench/copy_database.py --source sqlite:///bench.sqlite3 \
        --target postgresql+psycopg://postgres@127.0.0.1/bench --instance bench-instance
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from sqlalchemy import MetaData, func, insert, inspect, select, text

CHUNK = 5000


def log(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")


def copy(source_url: str, target_url: str, instance: str) -> dict[str, Any]:
    from registry_kernel.app import create_app
    from registry_kernel.migrate import upgrade
    from registry_kernel.models import Base

    settings = {"instance_path": instance, "quiet_dev_keys": True, "mail_backend": "memory"}
    source = create_app({**settings, "database_url": source_url}).extensions["registry"]
    target = create_app({**settings, "database_url": target_url}).extensions["registry"]
    started = time.perf_counter()
    upgrade(target)
    metadata: MetaData = Base.metadata
    counts: dict[str, int] = {}
    present = {name: {c["name"] for c in inspect(source.engine).get_columns(name)}
               for name in inspect(source.engine).get_table_names()}
    postgres = target.engine.dialect.name == "postgresql"
    with source.engine.connect() as reader, target.engine.begin() as writer:
        if postgres:  # foreign keys are checked by the source; cycles need no ordering
            writer.execute(text("SET session_replication_role = replica"))
        for table in metadata.sorted_tables:
            if writer.execute(select(func.count()).select_from(table)).scalar():
                writer.execute(table.delete())  # rows the migrations seeded
            if table.name not in present:  # a table newer than the data set
                continue
            columns = [c for c in table.columns if c.name in present[table.name]]
            result = reader.execution_options(stream_results=True).execute(select(*columns))
            total = 0
            while rows := result.fetchmany(CHUNK):
                writer.execute(insert(table), [dict(row._mapping) for row in rows])
                total += len(rows)
            counts[table.name] = total
            if total:
                log(f"{table.name}: {total}")
        if postgres:
            writer.execute(text("SET session_replication_role = origin"))
            for table in metadata.sorted_tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (
                            column.type.python_type is int and column.autoincrement == "auto"
                            and len(table.primary_key.columns) == 1):
                        sequence = writer.execute(text(
                            "SELECT pg_get_serial_sequence(:t, :c)"),
                            {"t": table.name, "c": column.name}).scalar()
                        if sequence:
                            writer.execute(text(
                                f"SELECT setval('{sequence}', "
                                f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1,"
                                f" false)"))
    if postgres:
        with target.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would after a bulk load
    seconds = round(time.perf_counter() - started, 1)
    for registry in (source, target):
        registry.engine.dispose()
    return {"seconds": seconds, "rows": sum(counts.values()), "tables": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True, help="an empty database")
    parser.add_argument("--instance", required=True, help="the data set's instance folder")
    args = parser.parse_args()
    print(json.dumps(copy(args.source, args.target, args.instance)))


if __name__ == "__main__":
    main()
