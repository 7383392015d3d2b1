"""QRIS plugin (issue 9): Quality Counts California qualification elements scored from verified
registry data, per county.

A county administrator switches the plugin on for the county; its centers are scored on
Elements 3 (lead teachers) and 7 (director), its family child care homes on Element 3. Rules
live in a versioned rule file (``rules/statewide.toml``) that a county overrides with its own
file (``[plugins.qris] county_rule_files`` or uploaded on the county page) or in code through the
``qris_rule_set`` hook (:mod:`.hookspecs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from registry_kernel import clock
from registry_kernel.extension import MigrationLocation, Permission, PluginInfo, Scope
from registry_kernel.hookspecs import hookimpl

from . import hookspecs as qris_hookspecs
from .services import QrisConfig

PLUGIN = PluginInfo(
    name="qris",
    version="0.1.0",
    description="QRIS (Quality Counts California) element scores from verified registry data",
    requires=("profile", "documents"),
    county_scoped=True,
    config_model=QrisConfig,
    hookspecs=qris_hookspecs,
)

HERE = Path(__file__).parent
VIEW_ROLES = ("program_admin", "county_admin", "registry_staff")


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("qris", HERE / "migrations" / "versions")


@hookimpl
def registry_startup(app: Any, registry: Any) -> None:
    from .services import load_rules

    load_rules(registry)  # a bad rule file stops start-up with file, line and reason


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp

    return [api_bp, web_bp]


@hookimpl
def permissions() -> list[Permission]:
    return [
        Permission("qris.view", "See QRIS element scores of your sites or county", VIEW_ROLES),
        Permission("qris.correct", "Correct who counts as a lead teacher and record "
                   "validation dates", ("program_admin", "registry_staff")),
    ]


@hookimpl
def oauth_scopes() -> list[Scope]:
    return [Scope("qris:read", "Read QRIS element scores of your sites or county",
                  roles=VIEW_ROLES),
            Scope("qris:write", "Correct lead teachers and validation dates of your sites",
                  roles=("program_admin", "registry_staff", "county_admin")),
            Scope("qris:admin", "Switch QRIS on or off for your county and upload its rule "
                  "file", roles=("county_admin",))]


@hookimpl
def nav_links(actor: Any) -> list[tuple[Any, str]]:
    links: list[tuple[Any, str]] = []
    if actor is not None and actor.can("qris.view"):
        links.append((_l("QRIS"), "qris_web.sites"))
    return links


@hookimpl
def domain_event(session: Any, registry: Any, event: Any) -> None:
    if event.type in ("document.verified", "employment.confirmed", "enrollment.updated",
                      "attendance.recorded"):
        from .services import recompute_for_event

        recompute_for_event(session, registry, event)


@hookimpl
def report_definitions() -> list[Any]:
    from .reports import definitions

    return definitions()


@hookimpl
def participant_erased(session: Any, participant_id: str) -> None:
    from .services import erase

    erase(session, participant_id)


@hookimpl
def participants_merged(session: Any, survivor_id: str, merged_id: str) -> None:
    from .services import merge

    merge(session, survivor_id, merged_id)


@hookimpl
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    """QRIS switched on for the demo county, and a validation date for the demo center."""
    from datetime import timedelta

    from registry_kernel import counties

    from .models import ValidationDate

    county_org, center = demo.orgs.get("county"), demo.orgs.get("center")
    if county_org is None or not county_org.county:
        return
    counties.activate(session, "qris", county_org.county, None)
    if center is not None and center.kind in ("employer_center", "employer_fcc"):
        session.add(ValidationDate(organization_id=center.id,
                                   validated_on=clock.local_today(registry) - timedelta(days=30)))
    session.flush()
