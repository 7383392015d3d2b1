"""``registry csv import FILE --org SLUG [--dry-run]`` and ``registry csv export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from registry_kernel.auth.actor import Actor
from registry_kernel.cli import _ctx_app, _print_json, fail
from registry_kernel.db import begin_write, unit_of_work
from registry_kernel.organizations import get_by_slug

CLI_ACTOR = Actor(via="cli")


@click.group("csv", help="Exchange participants and enrollments with CSV files")
def csv_group() -> None:
    pass


@csv_group.command("import", help="Import participants (columns: first_name,last_name,email,"
                   "birth_date,phone,county,preferred_language). Prints a JSON report, row by "
                   "row; exit code 2 when some rows have errors.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organization importing")
@click.option("--dry-run", is_flag=True, help="Say what would happen; write nothing")
@click.pass_context
def import_command(ctx: click.Context, file: Path, org_slug: str, dry_run: bool) -> None:
    from . import services as svc

    registry = _ctx_app(ctx).extensions["registry"]
    data = file.read_bytes()
    session = registry.sessions()
    try:
        begin_write(session)
        org = get_by_slug(session, org_slug)
        if org is None:
            fail(f"no organization with the slug {org_slug!r}")
        try:
            report = svc.import_participants(session, registry, organization_id=org.id,
                                             data=data, dry_run=dry_run, actor=CLI_ACTOR)
        except svc.CsvError as exc:
            fail(f"{file}: {exc}")
        if dry_run:
            session.rollback()
        else:
            session.commit()
    finally:
        session.close()
    _print_json(report.as_json())
    if report.counts()["error"]:
        sys.exit(2)


@csv_group.command("export", help="Export an organization's participants, enrollments, "
                   "training hours, or the roster of one of its events (--event)")
@click.option("--org", "org_slug", required=True)
@click.option("--what", type=click.Choice(["participants", "enrollments", "hours", "roster"]),
              default="participants", show_default=True)
@click.option("--event", "event_id", type=int, help="The training event (for --what roster)")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output")
@click.pass_context
def export_command(ctx: click.Context, org_slug: str, what: str, event_id: int | None,
                   output: Path | None) -> None:
    from . import services as svc

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        org = get_by_slug(session, org_slug)
        if org is None:
            fail(f"no organization with the slug {org_slug!r}")
        if what == "participants":
            text = svc.export_participants(session, registry, org.id, actor=CLI_ACTOR)
        elif what == "enrollments":
            text = svc.export_enrollments(session, registry, org.id)
        elif what == "hours":
            text = svc.export_hours(session, registry, org.id)
        else:
            if event_id is None:
                fail("--what roster needs --event EVENT_ID")
            try:
                text = svc.export_roster(session, registry, org.id, event_id, actor=CLI_ACTOR)
            except svc.NotFound:
                fail(f"no training event {event_id} of {org_slug!r}")
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
