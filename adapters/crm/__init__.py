"""The CRM bridge: the hooks a CRM adapter implements, fed from domain events via the outbox.

A CRM adapter (``rest_crm``, or a third-party one) requires ``crm`` and implements the hooks in
:mod:`.hookspecs`. See ``docs/adapters.md``.
"""

from __future__ import annotations

from typing import Any

from registry_kernel.extension import PluginInfo
from registry_kernel.hookspecs import hookimpl

from . import hookspecs as crm_hookspecs

PLUGIN = PluginInfo(
    name="crm",
    version="0.1.0",
    description="CRM adapter interface: push participants, enrollments and hours to an "
                "agency's CRM through the outbox; look up its records",
    hookspecs=crm_hookspecs,
)


@hookimpl
def domain_event(session: Any, registry: Any, event: Any) -> None:
    from .services import on_domain_event

    on_domain_event(session, registry, event)


@hookimpl
def outbox_handlers() -> dict[str, Any]:
    from .services import OUTBOX_KIND, push

    return {OUTBOX_KIND: push}


@hookimpl
def cli_commands(cli: Any) -> None:
    from .cli import crm

    cli.add_command(crm)
