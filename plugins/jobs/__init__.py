"""Jobs: program administration (Administrative Access, confirming employment, staff
qualifications and the verified staff report) and the Job Board (issue 8).

Hook implementations only; the rules live in :mod:`.services`. Employment records are the
profile plugin's, reached through its services; verified education comes from the documents
plugin when it is enabled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, field_validator

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

PERMIT_LEVELS = ("assistant", "associate_teacher", "teacher", "master_teacher",
                 "site_supervisor", "program_director")


class JobsConfig(BaseModel):
    """``[plugins.jobs]``."""

    model_config = ConfigDict(extra="forbid")

    reconfirm_days: int = Field(365, ge=30, le=3650,
                                description="Administrators reconfirm their staff this often")
    expiring_days: int = Field(90, ge=1, le=365,
                               description="A permit expiring within this many days is flagged")
    minimum_permits: dict[str, str] = Field(
        default_factory=dict,
        description="The program's minimum Child Development Permit level per role category, "
                    "e.g. {teacher = \"teacher\"}; staff below it are flagged")
    per_page_max: int = Field(100, ge=1, le=200)

    @field_validator("minimum_permits")
    @classmethod
    def _levels(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [f"{k}={v}" for k, v in value.items() if v not in PERMIT_LEVELS]
        if bad:
            raise ValueError(f"unknown permit level(s) {', '.join(bad)}; use "
                             f"{', '.join(PERMIT_LEVELS)}")
        return value


PLUGIN = PluginInfo(
    name="jobs",
    version="0.1.0",
    description="Program administration (access, confirming staff, staff qualifications) and "
                "the Job Board",
    requires=("profile",),
    config_model=JobsConfig,
)

HERE = Path(__file__).parent


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("jobs", HERE / "migrations" / "versions")


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp

    return [api_bp, web_bp]


@hookimpl
def permissions() -> list[Permission]:
    return [
        Permission("jobs.program.admin", "Administer a program: confirm staff, see their "
                   "verified qualifications, post jobs", ("program_admin",)),
        Permission("jobs.access.decide", "Approve or deny Administrative Access requests",
                   ("registry_staff",)),
    ]


@hookimpl
def oauth_scopes() -> list[Scope]:
    return [Scope("jobs:write", "Post and edit your program's job openings",
                  roles=("program_admin",)),
            Scope("jobs:staff", "Confirm your program's staff and read their verified "
                  "qualifications (audited)", roles=("program_admin",)),
            Scope("jobs:access", "Decide Administrative Access requests",
                  roles=("registry_staff",))]


@hookimpl
def quick_links(actor: Any, participant: Any) -> list[QuickLink]:
    links = [QuickLink("job_board", _l("Job Board"), "jobs_web.board", color="#00695c",
                       icon="briefcase", order=50,
                       description=_l("Find openings at centers and family child care homes"))]
    if actor is not None and actor.has_role("program_admin"):
        links.append(QuickLink("program_admin", _l("Program Administration"),
                               "jobs_web.admin_home", color="#37474f", icon="building",
                               order=51, description=_l("Confirm staff, see qualifications, "
                                                        "post jobs")))
    else:
        links.append(QuickLink("admin_access", _l("Request Administrative Access"),
                               "jobs_web.request_access", color="#546e7a", icon="key",
                               order=52, description=_l("For directors and family child care "
                                                        "owners")))
    return links


@hookimpl
def nav_links(actor: Any) -> list[tuple[Any, str]]:
    links: list[tuple[Any, str]] = [(_l("Job Board"), "jobs_web.board")]
    if actor is not None and actor.has_role("program_admin"):
        links.append((_l("Program Administration"), "jobs_web.admin_home"))
    if actor is not None and actor.can("jobs.access.decide"):
        links.append((_l("Access requests"), "jobs_web.access_queue"))
    return links


@hookimpl
def attention_items(session: Any, actor: Any, participant: Any) -> list[AttentionItem]:
    from flask import current_app

    from . import services as svc

    items: list[AttentionItem] = []
    if actor is None:
        return items
    registry = current_app.extensions["registry"]
    for org_id in svc.admin_org_ids(actor):
        from registry_kernel.models import Organization

        org = session.get(Organization, org_id)
        if org is None:
            continue
        pending = svc.pending_count(session, org_id)
        if pending:
            items.append(AttentionItem(
                _l("%(count)s employment record(s) at %(program)s await your confirmation.",
                   count=pending, program=org.name), "jobs_web.admin_home", "warning"))
        if svc.reconfirmation_due(session, registry, org_id):
            items.append(AttentionItem(
                _l("It is time to reconfirm the staff list of %(program)s (once a year).",
                   program=org.name), "jobs_web.admin_home", "warning"))
    return items


@hookimpl
def report_definitions() -> list[ReportDefinition]:
    from .reports import staff_columns, staff_report_rows

    # Called for each download, so headings are in the requester's language.
    return [ReportDefinition(name="staff-qualifications", title=str(_l("Staff qualifications")),
                             scope="reports:read", build=staff_report_rows,
                             columns=staff_columns())]


@hookimpl
def participant_export(session: Any, registry: Any, participant: Any) -> Any:
    from .services import export_participant

    return ("jobs", export_participant(session, participant.id))


@hookimpl
def participant_erased(session: Any, participant_id: str) -> None:
    from .services import erase_participant

    erase_participant(session, participant_id)


@hookimpl
def participants_merged(session: Any, registry: Any, survivor_id: str, merged_id: str) -> None:
    from .services import merge_participants

    merge_participants(session, registry, survivor_id, merged_id)


@hookimpl
def cli_commands(cli: Any) -> None:
    from .cli import jobs

    cli.add_command(jobs)


@hookimpl
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    from .demo import load

    load(session, registry, demo)
