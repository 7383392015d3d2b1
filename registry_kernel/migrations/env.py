"""Alembic environment: runs on the connection the registry hands it."""

from __future__ import annotations

from alembic import context

from registry_kernel.db import Base

config = context.config
registry = config.attributes["registry"]
connection = config.attributes.get("connection")


def _run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=Base.metadata,
                      render_as_batch=conn.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with registry.engine.begin() as conn:
        _run(conn)
