"""``registry crm lookup REGISTRY_ID --org SLUG``: the CRM's record for a Registry ID."""

from __future__ import annotations

import click

from registry_kernel.cli import _ctx_app, _print_json, fail
from registry_kernel.db import unit_of_work
from registry_kernel.organizations import get_by_slug


@click.group(help="The agency CRM connection")
def crm() -> None:
    pass


@crm.command("lookup", help="Print the organization's CRM record for a Registry ID as JSON")
@click.argument("registry_id")
@click.option("--org", "org_slug", required=True)
@click.pass_context
def lookup_command(ctx: click.Context, registry_id: str, org_slug: str) -> None:
    from .services import lookup

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions, write=False) as session:
        org = get_by_slug(session, org_slug)
        if org is None:
            fail(f"no organization with the slug {org_slug!r}")
        org_id = org.id
    try:
        record = lookup(registry, org_id, registry_id)
    except Exception as exc:  # the CRM's error, said plainly
        fail(f"CRM lookup failed: {type(exc).__name__}: {exc}")
    if record is None:
        fail(f"the CRM has no record for {registry_id}")
    _print_json(record)
