"""The ``registry`` command. Commands that create something print one JSON object on stdout;
errors go to stderr with a non-zero exit code."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, NoReturn

import click
from flask import Flask

from .config import ConfigError

EXIT_USAGE = 2


def _print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, default=str))


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"registry: error: {message}", err=True)
    sys.exit(code)


def build_app(**overrides: Any) -> Flask:
    from .app import create_app

    try:
        return create_app(overrides or None)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)


def _ctx_app(ctx: click.Context) -> Flask:
    obj = ctx.ensure_object(dict)
    if "app" not in obj:
        obj["app"] = build_app()
    return obj["app"]


@click.group(help="Open ECE Workforce Registry")
@click.version_option(package_name="open-ece-registry")
def cli() -> None:
    pass


# --- db --------------------------------------------------------------------------------------

@cli.group(help="Database schema")
def db() -> None:
    pass


@db.command("upgrade", help="Create or migrate the schema of the kernel and enabled plugins")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    from .migrate import MigrationError, current_revisions, upgrade

    app = _ctx_app(ctx)
    registry = app.extensions["registry"]
    try:
        targets = upgrade(registry)
    except MigrationError as exc:
        fail(str(exc))
    _print_json({"upgraded": targets, "revisions": current_revisions(registry)})


@db.command("revision", help="Autogenerate a migration for a plugin's branch (plugin authors)")
@click.option("--branch", required=True, help="Plugin name (its branch label)")
@click.option("--message", "-m", required=True)
@click.pass_context
def db_revision(ctx: click.Context, branch: str, message: str) -> None:
    from .migrate import MigrationError, new_revision

    try:
        path = new_revision(_ctx_app(ctx).extensions["registry"], branch, message)
    except MigrationError as exc:
        fail(str(exc))
    _print_json({"created": str(path)})


@db.command("analyze", help="Refresh the planner's statistics (registry worker does it daily on "
                            "SQLite; run after a bulk load or a restore)")
@click.pass_context
def db_analyze(ctx: click.Context) -> None:
    from .db_statistics import analyze

    _print_json({"analyzed": True, "seconds": round(analyze(_ctx_app(ctx).extensions["registry"]), 3)})


@db.command("current", help="Show the database's revisions")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    from .migrate import current_revisions

    _print_json({"revisions": current_revisions(_ctx_app(ctx).extensions["registry"])})


# --- plugins ---------------------------------------------------------------------------------

@cli.group(help="Plugins")
def plugins() -> None:
    pass


@plugins.command("list", help="Enabled and available plugins, with versions, as JSON")
@click.pass_context
def plugins_list(ctx: click.Context) -> None:
    from .plugins import describe

    _print_json(describe(_ctx_app(ctx).extensions["registry"].plugins))


@plugins.command("activate", help="Switch a county-scoped plugin on for a county")
@click.option("--plugin", "plugin_name", required=True)
@click.option("--county", required=True)
@click.pass_context
def plugins_activate(ctx: click.Context, plugin_name: str, county: str) -> None:
    from .counties import activate, canonical_county
    from .db import unit_of_work

    registry = _ctx_app(ctx).extensions["registry"]
    if not registry.plugins.is_enabled(plugin_name):
        fail(f"plugin {plugin_name!r} is not enabled")
    if not registry.plugins.loaded[plugin_name].info.county_scoped:
        fail(f"plugin {plugin_name!r} is not county-scoped; it is on everywhere it is enabled")
    canonical = canonical_county(county)
    if canonical is None:
        fail(f"{county!r} is not a California county")
    with unit_of_work(registry.sessions) as session:
        activate(session, plugin_name, canonical, None)
    _print_json({"plugin": plugin_name, "county": canonical, "active": True})


# --- organizations and accounts --------------------------------------------------------------

@cli.group(help="Organizations")
def orgs() -> None:
    pass


@orgs.command("create", help="Create an organization")
@click.option("--name", required=True)
@click.option("--kind", required=True,
              type=click.Choice(["training_sponsor", "employer_center", "employer_fcc",
                                 "rr_agency", "county", "college"]))
@click.option("--county")
@click.option("--license-number")
@click.option("--city")
@click.pass_context
def orgs_create(ctx: click.Context, name: str, kind: str, county: str | None,
                license_number: str | None, city: str | None) -> None:
    from .db import unit_of_work
    from .organizations import OrganizationError, create_organization

    registry = _ctx_app(ctx).extensions["registry"]
    try:
        with unit_of_work(registry.sessions) as session:
            org = create_organization(session, name=name, kind=kind, county=county,
                                      license_number=license_number, city=city)
            result = {"id": org.id, "slug": org.slug}
    except OrganizationError as exc:
        fail(str(exc))
    _print_json(result)


@cli.group(help="Accounts")
def accounts() -> None:
    pass


@accounts.command("create", help="Create an account (password read from stdin)")
@click.option("--email", required=True)
@click.option("--role", default="participant", show_default=True,
              type=click.Choice(["participant", "registry_staff", "help_desk", "program_admin",
                                 "sponsor_executive_director", "sponsor_contact_manager",
                                 "sponsor_manager", "instructor", "county_admin", "superuser"]))
@click.option("--org", "org_slug", help="Organization slug (for organization roles)")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.pass_context
def accounts_create(ctx: click.Context, email: str, role: str, org_slug: str | None,
                    first_name: str, last_name: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    from .accounts import AccountError, create_account
    from .db import unit_of_work
    from .organizations import get_by_slug
    from .participants import DuplicateEmail

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        fail(f"--email: {exc}")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("give the password on standard input")
    registry = _ctx_app(ctx).extensions["registry"]
    try:
        with unit_of_work(registry.sessions) as session:
            org = None
            if org_slug:
                org = get_by_slug(session, org_slug)
                if org is None:
                    fail(f"no organization has the slug {org_slug!r}")
            account = create_account(session, registry, email=email, password=password,
                                     first_name=first_name, last_name=last_name, role=role,
                                     organization=org, verified=True)
            result = {"id": account.id, "registry_id": account.participant.registry_id}
    except AccountError as exc:
        fail(str(exc))
    except DuplicateEmail:
        fail("an account with this email already exists")
    _print_json(result)


# --- tokens, keys, audit ---------------------------------------------------------------------

@cli.group(help="Bearer tokens issued by an operator")
def tokens() -> None:
    pass


@tokens.command("create", help="Issue a bearer token that acts as an account")
@click.option("--email", required=True)
@click.option("--scopes", required=True, help='Space-separated, e.g. "me training:read"')
@click.option("--ttl", default=3600, show_default=True, type=int, help="Seconds")
@click.option("--org", "org_slug", help="Organization the token acts for")
@click.option("--reason", default="operator-issued token")
@click.pass_context
def tokens_create(ctx: click.Context, email: str, scopes: str, ttl: int, org_slug: str | None,
                  reason: str) -> None:
    from . import audit
    from .accounts import account_by_email
    from .auth.tokens import issue_account_token
    from .db import unit_of_work
    from .organizations import get_by_slug

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        account = account_by_email(session, registry, email)
        if account is None:
            fail("no account has this email")
        org_id = None
        if org_slug:
            org = get_by_slug(session, org_slug)
            if org is None:
                fail(f"no organization has the slug {org_slug!r}")
            org_id = org.id
        try:
            plaintext, token = issue_account_token(session, registry, account, scopes.split(),
                                                   ttl=ttl, organization_id=org_id)
        except ValueError as exc:
            fail(str(exc))
        audit.record(session, actor=None, action="token.issue",
                     subject_participant_id=account.participant_id, resource_type="oauth_token",
                     resource_id=token.id, fields=scopes.split(), reason=reason)
        result = {"access_token": plaintext, "token_type": "Bearer", "id": token.id,
                  "scope": token.scope,
                  "expires_at": token.expires_at.astimezone(UTC).isoformat()}
    _print_json(result)


@tokens.command("revoke", help="Revoke a token by its id")
@click.option("--id", "token_id", required=True, type=int)
@click.pass_context
def tokens_revoke(ctx: click.Context, token_id: int) -> None:
    from . import audit
    from .db import unit_of_work, utcnow
    from .models import OAuthToken

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        token = session.get(OAuthToken, token_id)
        if token is None:
            fail(f"no token has id {token_id}")
        token.revoked_at = token.revoked_at or utcnow()
        audit.record(session, actor=None, action="token.revoke", resource_type="oauth_token",
                     resource_id=token.id)
    _print_json({"id": token_id, "revoked": True})


@cli.group(help="OAuth clients of agency systems")
def oauth() -> None:
    pass


@oauth.command("create-client", help="Register an OAuth client for an organization")
@click.option("--org", "org_slug", required=True, help="Organization slug")
@click.option("--name", required=True)
@click.option("--scopes", required=True, help='Space-separated, e.g. "participants:write"')
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Exact redirect URI for the authorization-code grant (repeatable)")
@click.option("--public", is_flag=True, help="No secret: authorization code with PKCE only")
@click.pass_context
def oauth_create_client(ctx: click.Context, org_slug: str, name: str, scopes: str,
                        redirect_uris: tuple[str, ...], public: bool) -> None:
    from .db import unit_of_work
    from .oauth import ClientError, create_client
    from .organizations import get_by_slug

    registry = _ctx_app(ctx).extensions["registry"]
    try:
        with unit_of_work(registry.sessions) as session:
            org = get_by_slug(session, org_slug)
            if org is None:
                fail(f"no organization has the slug {org_slug!r}")
            client_id, secret = create_client(session, registry, organization_id=org.id,
                                              name=name, scopes=scopes.split(),
                                              redirect_uris=list(redirect_uris), public=public)
    except ClientError as exc:
        fail(str(exc))
    _print_json({"client_id": client_id, "client_secret": secret})


@oauth.command("revoke-client", help="Disable a client and revoke all its tokens")
@click.option("--client-id", required=True)
@click.pass_context
def oauth_revoke_client(ctx: click.Context, client_id: str) -> None:
    from .db import unit_of_work
    from .oauth import revoke_client

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        found = revoke_client(session, client_id)
    if not found:
        fail(f"no client has the id {client_id!r}")
    _print_json({"client_id": client_id, "revoked": True})


@cli.group(help="Encryption keys")
def keys() -> None:
    pass


@keys.command("generate", help="Print a new random 256-bit key (for REGISTRY_MASTER_KEY etc.)")
def keys_generate() -> None:
    from .crypto import generate_key_text

    _print_json({"key": generate_key_text()})


@keys.command("rotate", help="Re-wrap every data key (and every other key the plugins wrapped) "
                             "under the primary master key")
@click.pass_context
def keys_rotate(ctx: click.Context) -> None:
    from . import audit
    from .db import unit_of_work

    registry = _ctx_app(ctx).extensions["registry"]
    with registry.sessions() as session:
        count = registry.vault.rewrap_all(session)
        other: dict[str, int] = {}
        for counts in registry.plugins.hook.rewrap_keys(session=session, registry=registry):
            other.update(counts or {})
    primary = registry.vault.keyring.primary
    with unit_of_work(registry.sessions) as session:
        audit.record(session, actor=None, action="keys.rotate", resource_type="data_keys",
                     reason=f"re-wrapped {count} data keys and "
                            f"{sum(other.values())} other keys under {primary}")
    _print_json({"rewrapped": count, "other_keys": dict(sorted(other.items())),
                 "primary": primary})


@cli.group(help="Audit log")
def audit() -> None:
    pass


@audit.command("verify", help="Check the audit log's hash chain")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    from .audit import verify_chain

    registry = _ctx_app(ctx).extensions["registry"]
    with registry.sessions() as session:
        intact, checked, broken = verify_chain(session)
    _print_json({"intact": intact, "checked": checked, "first_broken_id": broken})
    if not intact:
        sys.exit(1)


# --- participants ----------------------------------------------------------------------------

@cli.group(help="Participants")
def participants() -> None:
    pass


@participants.command("erase", help="Crypto-shred a participant's personal data")
@click.option("--registry-id", required=True)
@click.option("--reason", required=True)
@click.pass_context
def participants_erase(ctx: click.Context, registry_id: str, reason: str) -> None:
    from .db import unit_of_work
    from .participants import ParticipantNotFound, erase_participant, get_by_registry_id
    from .registry_id import InvalidRegistryId

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        try:
            participant = get_by_registry_id(session, registry_id)
        except (InvalidRegistryId, ParticipantNotFound) as exc:
            fail(f"--registry-id: {exc or 'no participant has this Registry ID'}")
        erase_participant(session, registry, participant, actor=None, reason=reason)
        result = {"registry_id": participant.registry_id, "erased": True,
                  "erased_at": datetime.now(UTC).isoformat()}
    _print_json(result)


# --- running ---------------------------------------------------------------------------------

@cli.command("serve", help="Serve the UI and the API (embedded server; drains the outbox)")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    app = _ctx_app(ctx)
    registry = app.extensions["registry"]
    if registry.settings.drain_outbox_in_process:
        registry.outbox.start_background()
    click.echo(f"registry: serving on http://{host}:{port}/", err=True)
    run_simple(host, port, app, threaded=True, use_reloader=False)


@cli.command("worker", help="Deliver outbox messages (run any number on PostgreSQL); on SQLite "
                          "also refresh the planner's statistics daily")
@click.option("--once", is_flag=True, help="Drain what is due and exit")
@click.option("--interval", default=2.0, show_default=True, type=float)
@click.pass_context
def worker(ctx: click.Context, once: bool, interval: float) -> None:
    import time

    from sqlalchemy.exc import OperationalError

    from .db_statistics import analyze_if_due

    registry = _ctx_app(ctx).extensions["registry"]
    while True:
        try:
            seconds = analyze_if_due(registry)
        except OperationalError as exc:  # the write lock stayed busy: try again next round
            click.echo(f"registry worker: ANALYZE postponed ({exc.orig})", err=True)
        else:
            if seconds is not None:
                click.echo(f"registry worker: planner statistics refreshed in {seconds:.1f} s",
                           err=True)
        result = registry.outbox.drain()
        if once:
            _print_json(result.__dict__)
            return
        time.sleep(interval)


@cli.command("demo", help="Migrate an embedded database, load demo data, and serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the demo and exit")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, no_serve: bool) -> None:
    from .demo import load_demo
    from .migrate import upgrade

    app = _ctx_app(ctx)
    registry = app.extensions["registry"]
    upgrade(registry)
    logins = load_demo(registry)
    url = f"http://{host}:{port}/"
    click.echo(f"Open ECE Workforce Registry demo: {url}")
    click.echo("Demo log-ins (password for all: " + logins["password"] + "):")
    for who, email in logins["accounts"].items():
        click.echo(f"  {who:<24} {email}")
    if not no_serve:
        ctx.invoke(serve, host=host, port=port)


def main() -> None:
    """Entry point: add enabled plugins' commands, then run."""
    from .app import create_app

    obj: dict[str, Any] = {}
    try:
        app = create_app()
        obj["app"] = app
        app.extensions["registry"].plugins.hook.cli_commands(cli=cli)
    except ConfigError as exc:
        if not any(arg in ("--help", "--version") for arg in sys.argv[1:]):
            fail(str(exc), EXIT_USAGE)
    cli.main(obj=obj, prog_name="registry")

