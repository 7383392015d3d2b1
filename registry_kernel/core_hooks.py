"""The kernel's own hook implementations: it uses the same hooks as every plugin."""

from __future__ import annotations

from typing import Any

from .extension import Permission, Scope
from .hookspecs import hookimpl
from .mail import deliver_mail

STAFF = ("registry_staff", "help_desk")
ORG_STAFF = ("program_admin", "sponsor_executive_director", "sponsor_contact_manager",
             "sponsor_manager")


@hookimpl
def oauth_scopes() -> list[Scope]:
    return [
        Scope("me", "Read and update the signed-in participant's own record"),
        Scope("participants:read", "Read participants your organization works with",
              roles=(*STAFF, *ORG_STAFF, "instructor")),
        Scope("participants:write", "Register new participants",
              roles=(*STAFF, *ORG_STAFF)),
        Scope("reports:read", "Download reports (Excel) of your organization",
              roles=(*STAFF, *ORG_STAFF, "county_admin")),
    ]


@hookimpl
def permissions() -> list[Permission]:
    return [
        Permission("participants.search", "Find any participant by Registry ID or email",
                   STAFF),
        Permission("participants.correct_names", "Correct a participant's legal name",
                   ("help_desk", "registry_staff")),
        Permission("participants.merge", "Merge duplicate profiles", STAFF),
        Permission("audit.read", "Read the audit trail", STAFF),
        Permission("plugins.activate_county", "Switch county-scoped features on for a county",
                   ("county_admin",)),
        Permission("organizations.manage", "Create and edit organizations", ("registry_staff",)),
    ]


@hookimpl
def event_types() -> list[str]:
    return ["participant.created"]


@hookimpl
def outbox_handlers() -> dict[str, Any]:
    from .report_runs import KIND, build_run

    return {"mail": deliver_mail, KIND: build_run}


@hookimpl
def rewrap_keys(session: Any, registry: Any) -> dict[str, int]:
    from .report_runs import rewrap_keys as rewrap_report_runs

    return {"report_runs": rewrap_report_runs(session, registry)}
