"""``registry workforce-data ...``: build the release off the request path (run ``refresh``
from cron, or let ``registry worker`` run the ``workforce_data.refresh`` job)."""

from __future__ import annotations

from dataclasses import asdict

import click

from registry_kernel.cli import _ctx_app, _print_json


@click.group("workforce-data", help="Workforce data: the released population behind the "
                                    "anonymous statistics")
def workforce_data() -> None:
    pass


@workforce_data.command("refresh", help="Build today's release from the whole population and "
                                        "store it sealed for every process to publish; prints "
                                        "the snapshot id, date, released records and build time "
                                        "as JSON")
@click.pass_context
def refresh_command(ctx: click.Context) -> None:
    from .snapshot import refresh

    _print_json(asdict(refresh(_ctx_app(ctx).extensions["registry"])))


@workforce_data.command("status", help="The newest snapshot (date, build time, master key id) "
                                       "and the next scheduled refresh, as JSON")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    from .snapshot import status

    registry = _ctx_app(ctx).extensions["registry"]
    with registry.sessions() as session:
        _print_json(status(session, registry))
