"""``registry documents ...``: maintenance of the file store."""

from __future__ import annotations

import click

from registry_kernel.cli import _ctx_app, _print_json, fail
from registry_kernel.db import unit_of_work


@click.group(help="Documents: the encrypted file store")
def documents() -> None:
    pass


@documents.command("gc", help="Delete stored blobs that no document references, and stale "
                              "temporary files (older than --hours); prints counts as JSON")
@click.option("--hours", type=float, default=24.0, show_default=True,
              help="Only delete files older than this many hours")
@click.pass_context
def gc(ctx: click.Context, hours: float) -> None:
    from sqlalchemy import select

    from .models import Document
    from .services import storage_for

    registry = _ctx_app(ctx).extensions["registry"]
    storage = storage_for(registry)
    if not hasattr(storage, "sweep"):
        fail("this file storage does not support garbage collection")
    with unit_of_work(registry.sessions, write=False) as session:
        referenced = set(session.scalars(select(Document.blob)))
    _print_json(storage.sweep(referenced, hours * 3600))
