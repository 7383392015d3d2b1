"""Signed webhooks (Standard Webhooks) for agencies' systems, delivered through the outbox.

Hook implementations only; the rules live in :mod:`.services`. See ``docs/adapters.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from registry_kernel.extension import MigrationLocation, PluginInfo, Scope
from registry_kernel.hookspecs import hookimpl

from .._shared import ORG_STAFF, STAFF, lazy_gettext
from . import hookspecs as webhook_hookspecs


class WebhooksConfig(BaseModel):
    """``[plugins.webhooks]``."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(10.0, gt=0, le=60,
                                   description="How long to wait for a receiver's answer")
    max_attempts: int = Field(40, ge=1, le=100,
                              description="Attempts before a delivery is marked failed "
                                          "(40 with the outbox backoff: about a day)")


PLUGIN = PluginInfo(
    name="webhooks",
    version="0.1.0",
    description="Signed webhooks (Standard Webhooks) to agencies' systems, with retries",
    config_model=WebhooksConfig,
    hookspecs=webhook_hookspecs,
)


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("webhooks", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp

    return [api_bp, web_bp]


@hookimpl
def oauth_scopes() -> list[Scope]:
    return [Scope("webhooks:write", "Register webhook endpoints of your organization and read "
                  "their deliveries", roles=(*ORG_STAFF, *STAFF))]


@hookimpl
def nav_links(actor: Any) -> list[tuple[Any, str]]:
    if actor is not None and actor.org_ids_for(*ORG_STAFF):
        return [(lazy_gettext("Webhooks"), "webhooks_web.index")]
    return []


@hookimpl
def domain_event(session: Any, registry: Any, event: Any) -> None:
    from .services import on_domain_event

    on_domain_event(session, registry, event)


@hookimpl
def webhook_event_organizations(session: Any, registry: Any, event: Any,
                                candidate_org_ids: Any) -> Any:
    from .._shared import event_organizations

    return sorted(event_organizations(session, registry, event, set(candidate_org_ids)))


@hookimpl
def outbox_handlers() -> dict[str, Any]:
    from .services import OUTBOX_KIND, deliver

    return {OUTBOX_KIND: deliver}


@hookimpl
def rewrap_keys(session: Any, registry: Any) -> dict[str, int]:
    from .services import rewrap_secrets

    return {"webhook_secrets": rewrap_secrets(session, registry)}
