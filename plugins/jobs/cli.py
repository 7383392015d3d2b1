"""``registry jobs ...``: the yearly staff reconfirmation reminders (run daily from cron)."""

from __future__ import annotations

import click

from registry_kernel.cli import _ctx_app, _print_json
from registry_kernel.db import unit_of_work


@click.group(help="Program administration and the Job Board")
def jobs() -> None:
    pass


@jobs.command("send-reminders", help="Mail administrators whose staff list is due for its "
              "yearly reconfirmation (through the outbox); prints the number of mails")
@click.pass_context
def send_reminders(ctx: click.Context) -> None:
    from . import services as svc

    app = _ctx_app(ctx)
    registry = app.extensions["registry"]
    # an application context, so each mail is written in its recipient's language
    with app.app_context(), unit_of_work(registry.sessions) as session:
        sent = svc.send_reconfirmation_reminders(session, registry)
    _print_json({"reminders_sent": sent})
