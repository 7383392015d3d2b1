"""Training: sponsors, catalog, instructors, events, the Training Calendar and enrollment.

Hook implementations only; the rules live in :mod:`.services`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from registry_kernel.extension import MigrationLocation, Permission, PluginInfo, QuickLink, Scope
from registry_kernel.hookspecs import hookimpl

from .i18n import lazy_gettext
from .staff_enrollment import enroll_in_training, training_offerings  # noqa: F401
from .workforce_facts import workforce_facts  # noqa: F401


class TrainingConfig(BaseModel):
    """``[plugins.training]``."""

    model_config = ConfigDict(extra="forbid")

    sponsor_kinds: list[str] = Field(
        default_factory=lambda: ["training_sponsor", "rr_agency"],
        description="Organization kinds that are training sponsors without applying "
                    "(an operator created them); other organizations apply.")
    calendar_max_per_page: int = Field(100, ge=1, le=200)


PLUGIN = PluginInfo(
    name="training",
    version="0.1.0",
    description="Training sponsors, catalog, events, the Training Calendar and enrollment",
    config_model=TrainingConfig,
)

SPONSOR_ROLES = ("sponsor_executive_director", "sponsor_contact_manager", "sponsor_manager")


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("training", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .report_views import api_bp as reports_api_bp
    from .report_views import bp as reports_bp
    from .views import bp as web_bp

    return [api_bp, web_bp, reports_bp, reports_api_bp]


@hookimpl
def registry_startup(app: Any, registry: Any) -> None:
    from .views import install_template_helpers

    install_template_helpers(app)


@hookimpl
def permissions() -> list[Permission]:
    return [
        Permission("training.manage", "Run a sponsor's Training Module: catalog, events, "
                   "instructors, enrollments", (*SPONSOR_ROLES, "registry_staff", "superuser")),
        Permission("training.sponsors.decide", "Approve or deny training sponsor applications",
                   ("registry_staff", "superuser")),
        Permission("training.languages.manage", "Add training languages",
                   ("registry_staff", "superuser")),
    ]


@hookimpl
def oauth_scopes() -> list[Scope]:
    staff = ("registry_staff", "help_desk")
    return [
        Scope("training:read", "Read your organization's catalog, events and rosters",
              roles=(*SPONSOR_ROLES, "instructor", *staff)),
        Scope("training:write", "Manage your organization's catalog and events",
              roles=(*SPONSOR_ROLES, "instructor", "registry_staff")),
        Scope("enrollments:write", "Enroll and withdraw people (a participant: only "
              "themselves)", roles=None),
        Scope("reports:read", "Download your organization's reports",
              roles=(*SPONSOR_ROLES, "registry_staff")),
    ]


@hookimpl
def event_types() -> list[str]:
    return ["enrollment.created", "enrollment.updated", "attendance.recorded"]


@hookimpl
def participant_visible_to_org(session: Any, participant_id: str, organization_id: int) -> Any:
    from .services import has_relationship

    return True if has_relationship(session, participant_id, organization_id) else None


@hookimpl
def quick_links(actor: Any, participant: Any) -> list[QuickLink]:
    return [
        QuickLink("training_calendar", lazy_gettext("Training Calendar"),
                  "training_web.calendar", color="#2e7d32", icon="calendar", order=30,
                  description=lazy_gettext("Find trainings near you or online")),
        QuickLink("my_training_events", lazy_gettext("My Training Events"),
                  "training_web.my_events", color="#6a1b9a", icon="list", order=31,
                  description=lazy_gettext("Your enrollments, waitlists and past trainings")),
    ]


@hookimpl
def nav_links(actor: Any) -> list[tuple[Any, str]]:
    links: list[tuple[Any, str]] = []
    if actor is None:
        return links
    if actor.has_role("instructor") or any(actor.has_role(r) for r in SPONSOR_ROLES) \
            or actor.can("training.manage"):
        links.append((lazy_gettext("Training Module"), "training_web.manage_home"))
    if actor.can("training.sponsors.decide"):
        links.append((lazy_gettext("Sponsor applications"), "training_web.sponsor_applications"))
    if actor.has_role("registry_staff") or actor.is_superuser:
        links.append((lazy_gettext("Training reports"), "training_reports.staff_reports"))
    return links


@hookimpl
def participant_export(session: Any, registry: Any, participant: Any) -> Any:
    from .instructor_profiles import export as export_profile
    from .services import export_participant

    data = export_participant(session, participant.id)
    data["instructor_profile"] = export_profile(session, registry, participant.id)
    return ("training", data)


@hookimpl
def participant_erased(session: Any, participant_id: str) -> None:
    from .services import erase_participant

    erase_participant(session, participant_id)


@hookimpl
def participants_merged(session: Any, registry: Any, survivor_id: str, merged_id: str) -> None:
    from .services import merge_participants

    merge_participants(session, registry, survivor_id, merged_id)


@hookimpl
def education_report_sections(session: Any, registry: Any, participant: Any) -> Any:
    from registry_kernel.extension import ReportSection

    from .services import attended_trainings

    data = attended_trainings(session, participant.id)
    if not data:
        return None
    return ReportSection(
        key="training", title=str(lazy_gettext("Trainings attended")), order=40, data=data,
        columns=["Date", "Training", "Sponsor", "Area", "Hours"],
        rows=[[d["completed_on"], d["title"], d["sponsor"], d["competency_area"], d["hours"]]
              for d in data])


@hookimpl
def report_definitions() -> Any:
    from .reports import definitions

    return definitions()


@hookimpl
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    from .demo import load

    load(session, registry, demo)


@hookimpl
def cli_commands(cli: Any) -> None:
    from .cli import training

    cli.add_command(training)
