"""Stipends plugin (issue 10): county workforce stipend programs decided from verified
registry data.

A county administrator switches stipends on for the county and defines programs (window,
fixed or tiered amounts, eligibility rules as data: :mod:`.eligibility`; rules in code through
the ``stipend_eligibility`` hook: :mod:`.hookspecs`). Participants apply with their SSN or ITIN
(sealed, masked, blind-indexed); an ineligible application is refused with every unmet rule
(422) and nothing is stored. County staff review, request documents, approve or deny with a
reason; approvals become payment records, exported to Excel (``stipend-payments`` report,
masked IDs only) and marked paid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from registry_kernel.extension import (
    AttentionItem,
    MigrationLocation,
    Permission,
    PluginInfo,
    QuickLink,
    ReportDefinition,
    Scope,
)
from registry_kernel.hookspecs import hookimpl

from . import hookspecs as stipends_hookspecs

PLUGIN = PluginInfo(
    name="stipends",
    version="0.1.0",
    description="County workforce stipends: programs, eligibility from verified records, "
                "review and payments",
    requires=("profile", "documents"),
    county_scoped=True,
    hookspecs=stipends_hookspecs,
)

HERE = Path(__file__).parent


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("stipends", HERE / "migrations" / "versions")


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp

    return [api_bp, web_bp]


@hookimpl
def permissions() -> list[Permission]:
    return [Permission("stipends.manage", "Define stipend programs and review applications "
                       "of your county", ("county_admin",))]


@hookimpl
def oauth_scopes() -> list[Scope]:
    return [Scope("stipends:admin", "Manage your county's stipend programs, applications and "
                  "payments", roles=("county_admin",))]


@hookimpl
def event_types() -> list[str]:
    return ["stipend_application.submitted", "stipend_application.decided"]


@hookimpl
def nav_links(actor: Any) -> list[tuple[Any, str]]:
    if actor is not None and actor.has_role("county_admin"):
        return [(_l("Stipends"), "stipends_web.admin_programs")]
    return []


@hookimpl
def quick_links(actor: Any, participant: Any) -> Any:
    if participant is None or not participant.county:
        return None
    from registry_kernel.counties import is_active
    from registry_kernel.web import current_registry, registry_session

    if not is_active(registry_session(), current_registry(), "stipends", participant.county):
        return None
    return QuickLink(key="stipends", label=_l("Stipends"), endpoint="stipends_web.index",
                     color="#7a4f9a", icon="cash", order=60,
                     description=_l("Apply for your county's workforce stipends"))


@hookimpl
def report_definitions() -> list[ReportDefinition]:
    from .services import PAYMENT_COLUMNS, payment_rows

    return [ReportDefinition(name="stipend-payments", title="Stipend payments",
                             scope="stipends:admin", build=payment_rows,
                             columns=PAYMENT_COLUMNS)]


@hookimpl
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    from .demo import add_demo

    add_demo(session, registry, demo)


@hookimpl
def participant_export(session: Any, registry: Any, participant: Any) -> Any:
    from .services import export

    return ("stipends", export(session, registry, participant.id))


@hookimpl
def participant_erased(session: Any, participant_id: str) -> None:
    from .services import erase

    erase(session, participant_id)


@hookimpl
def participants_merged(session: Any, registry: Any, survivor_id: str, merged_id: str) -> None:
    from .services import merge

    merge(session, registry, survivor_id, merged_id)


@hookimpl
def attention_items(session: Any, actor: Any, participant: Any) -> list[AttentionItem]:
    """Home page: county staff asked for more documents, or returned a proposed plan; for county
    administrators, plans waiting for their approval."""
    from .attention import items

    return items(session, actor, participant)
