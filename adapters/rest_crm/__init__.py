"""A configurable generic REST CRM adapter (implements the ``crm`` hooks).

Configure ``[plugins.rest_crm]`` (see :mod:`.config` and ``docs/adapters.md``).
"""

from __future__ import annotations

from typing import Any

from registry_kernel.extension import PluginInfo
from registry_kernel.hookspecs import hookimpl

from .config import RestCrmConfig

PLUGIN = PluginInfo(
    name="rest_crm",
    version="0.1.0",
    description="Generic REST CRM adapter: field mapping, OAuth2 client credentials or API "
                "key; pushes participants, enrollments and hours through the outbox",
    requires=("crm",),
    config_model=RestCrmConfig,
)

_CLIENTS: dict[int, Any] = {}


def _client(registry: Any) -> Any:
    from .services import RestCrmClient

    config: RestCrmConfig = registry.plugin_config("rest_crm")
    client = _CLIENTS.get(id(config))
    if client is None or client.config is not config:
        client = _CLIENTS[id(config)] = RestCrmClient(config)
    return client


def _ours(registry: Any, organization_id: int) -> bool:
    config: RestCrmConfig = registry.plugin_config("rest_crm")
    if not config.enabled:
        return False
    from registry_kernel.models import Organization

    with registry.sessions() as session:
        org = session.get(Organization, organization_id)
        return org is not None and org.slug == config.organization


@hookimpl
def crm_organizations(registry: Any) -> Any:
    config: RestCrmConfig = registry.plugin_config("rest_crm")
    return config.organization if config.enabled else None


@hookimpl
def crm_push_participant(registry: Any, organization_id: int, event_id: str,
                         record: dict[str, Any]) -> None:
    if _ours(registry, organization_id):
        _client(registry).push("participant", record, event_id)


@hookimpl
def crm_push_enrollment(registry: Any, organization_id: int, event_id: str,
                        record: dict[str, Any]) -> None:
    if _ours(registry, organization_id):
        _client(registry).push("enrollment", record, event_id)


@hookimpl
def crm_push_hours(registry: Any, organization_id: int, event_id: str,
                   record: dict[str, Any]) -> None:
    if _ours(registry, organization_id):
        _client(registry).push("hours", record, event_id)


@hookimpl
def crm_lookup(registry: Any, organization_id: int, registry_id: str) -> Any:
    if _ours(registry, organization_id):
        return _client(registry).lookup(registry_id)
    return None
