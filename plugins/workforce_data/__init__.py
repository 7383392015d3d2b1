"""Workforce data plugin (issue 13): anonymous statistics about the workforce for research and
policy. It owns no tables: it only reads what the kernel and the profile (and, when enabled,
documents) plugins hold, and lets nothing but suppressed aggregates out.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from registry_kernel.extension import PluginInfo, QuickLink
from registry_kernel.hookspecs import hookimpl


class WorkforceConfig(BaseModel):
    """``[plugins.workforce_data]``."""

    model_config = ConfigDict(extra="forbid")

    min_cell_size: int = Field(11, ge=3, description="groups smaller than this are suppressed")


PLUGIN = PluginInfo(
    name="workforce_data",
    version="0.1.0",
    description="Anonymous workforce statistics with small-cell suppression, charts and downloads",
    requires=("profile",),
    config_model=WorkforceConfig,
)


def config(registry: Any) -> WorkforceConfig:
    return registry.plugin_config("workforce_data") or WorkforceConfig()


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
