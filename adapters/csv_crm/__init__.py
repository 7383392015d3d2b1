"""A CRM adapter for CRMs that take CSV files (implements the ``crm`` hooks).

Many agencies' client databases cannot be called over HTTP but import CSV files from a folder
(a shared drive, an SFTP drop) on a schedule. This adapter keeps three files in that folder up to
date for one organization: ``participants.csv`` (one row per Registry ID), ``enrollments.csv``
and ``hours.csv`` (one row per enrollment), upserting rows as domain events arrive through the
outbox. ``registry crm lookup`` reads ``participants.csv`` back. See ``docs/adapters.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry_kernel.extension import PluginInfo
from registry_kernel.hookspecs import hookimpl


class CsvCrmConfig(BaseModel):
    """``[plugins.csv_crm]``."""

    model_config = ConfigDict(extra="forbid")

    organization: str | None = Field(None, description="Slug of the organization whose "
                                     "participants, enrollments and hours are written")
    folder: Path | None = Field(None, description="The folder the CRM imports from (it must "
                                "exist and be writable by the registry's worker)")

    @model_validator(mode="after")
    def _both_or_neither(self) -> CsvCrmConfig:
        if (self.organization is None) != (self.folder is None):
            raise ValueError("set both 'organization' and 'folder' (or neither)")
        if self.folder is not None and not self.folder.is_absolute():
            raise ValueError(f"'folder' must be an absolute path, not {str(self.folder)!r}")
        return self

    @property
    def enabled(self) -> bool:
        return self.organization is not None and self.folder is not None


PLUGIN = PluginInfo(
    name="csv_crm",
    version="0.1.0",
    description="CRM adapter for CRMs that import CSV files: keeps participants, enrollments "
                "and hours files up to date in a folder",
    requires=("crm",),
    config_model=CsvCrmConfig,
)


def _folder(registry: Any, organization_id: int) -> Path | None:
    """The folder when ``organization_id`` is this adapter's organization."""
    config: CsvCrmConfig = registry.plugin_config("csv_crm")
    if not config.enabled:
        return None
    from registry_kernel.models import Organization

    with registry.sessions() as session:
        org = session.get(Organization, organization_id)
    return config.folder if org is not None and org.slug == config.organization else None


@hookimpl
def crm_organizations(registry: Any) -> Any:
    config: CsvCrmConfig = registry.plugin_config("csv_crm")
    return config.organization if config.enabled else None


@hookimpl
def crm_push_participant(registry: Any, organization_id: int, event_id: str,
                         record: dict[str, Any]) -> None:
    folder = _folder(registry, organization_id)
    if folder is not None:
        from .services import upsert

        upsert(folder, "participant", record, event_id)


@hookimpl
def crm_push_enrollment(registry: Any, organization_id: int, event_id: str,
                        record: dict[str, Any]) -> None:
    folder = _folder(registry, organization_id)
    if folder is not None:
        from .services import upsert

        upsert(folder, "enrollment", record, event_id)


@hookimpl
def crm_push_hours(registry: Any, organization_id: int, event_id: str,
                   record: dict[str, Any]) -> None:
    folder = _folder(registry, organization_id)
    if folder is not None:
        from .services import upsert

        upsert(folder, "hours", record, event_id)


@hookimpl
def crm_lookup(registry: Any, organization_id: int, registry_id: str) -> Any:
    folder = _folder(registry, organization_id)
    if folder is None:
        return None
    from .services import lookup

    return lookup(folder, registry_id)
