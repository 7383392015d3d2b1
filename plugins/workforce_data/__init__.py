"""Workforce data plugin (issue 13): anonymous statistics about the workforce for research and
policy. It reads what the kernel and the profile plugin hold and what the documents and training
plugins contribute when enabled (their services, the ``workforce_facts`` and
``education_report_sections`` hooks), and lets nothing but aggregates of a release where every
group has at least the minimum cell size out. Its one table holds the sealed release
(``snapshot.py``), built off the request path. ``README.md`` states the guarantee.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry_kernel.extension import MigrationLocation, PluginInfo, QuickLink
from registry_kernel.hookspecs import hookimpl


class WorkforceConfig(BaseModel):
    """``[plugins.workforce_data]``."""

    model_config = ConfigDict(extra="forbid")

    min_cell_size: int = Field(11, ge=3, description="groups smaller than this are suppressed")
    generalization_order: list[str] | None = Field(
        None, description="every dimension once; those to the right are combined first "
                          "(default: services.DIMENSIONS)")
    cache_seconds: int = Field(900, ge=0, le=86400,
                               description="with compute_on_request: how long one release "
                                           "computed in a request is reused")
    compute_on_request: bool = Field(
        False, description="development and tests only: build the release in the request "
                           "instead of publishing the stored snapshot (minutes at statewide "
                           "size)")
    refresh_seconds: int = Field(
        86400, ge=0, le=7 * 86400,
        description="how often the workforce_data.refresh outbox job rebuilds the snapshot "
                    "(0: only `registry workforce-data refresh`, e.g. from cron)")

    @field_validator("generalization_order")
    @classmethod
    def _order(cls, value: list[str] | None) -> list[str] | None:
        from .services import DIMENSIONS

        if value is not None and sorted(value) != sorted(DIMENSIONS):
            raise ValueError(f"must list each of {', '.join(DIMENSIONS)} exactly once")
        return value

    @property
    def order(self) -> tuple[str, ...]:
        from .services import DIMENSIONS

        return tuple(self.generalization_order or DIMENSIONS)


PLUGIN = PluginInfo(
    name="workforce_data",
    version="0.1.0",
    description="Anonymous workforce statistics with small-cell suppression, charts and downloads",
    requires=("profile",),
    config_model=WorkforceConfig,
)


def config(registry: Any) -> WorkforceConfig:
    return registry.plugin_config("workforce_data") or WorkforceConfig()


def released_data(session: Any, registry: Any) -> Any:
    """The release every figure is computed from: the latest stored snapshot (``None`` while
    the first one is being prepared); with ``compute_on_request`` (development, tests) today's
    release built in the request."""
    settings = config(registry)
    if not settings.compute_on_request:
        from .snapshot import latest

        return latest(session, registry)
    from .services import released

    return released(session, registry, min_cell_size=settings.min_cell_size,
                    order=settings.order, cache_seconds=settings.cache_seconds)


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("workforce_data", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def cli_commands(cli: Any) -> None:
    from .cli import workforce_data

    cli.add_command(workforce_data)


@hookimpl
def outbox_handlers() -> dict[str, Any]:
    from .snapshot import JOB, refresh_job

    return {JOB: refresh_job}


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp

    return [api_bp, web_bp]


@hookimpl
def quick_links(actor: Any, participant: Any) -> list[QuickLink]:
    return [QuickLink("workforce", _l("Workforce Data"), "workforce_web.dashboard",
                      color="#37474f", icon="chart", order=90,
                      description=_l("Anonymous statistics about California's ECE workforce"))]


@hookimpl
def rewrap_keys(session: Any, registry: Any) -> dict[str, int]:
    from .snapshot import rewrap_keys as rewrap_snapshots

    return {"workforce_snapshots": rewrap_snapshots(session, registry)}
