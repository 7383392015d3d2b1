"""Open ECE Workforce Registry kernel: participants, roles, hooks, crypto, audit, outbox, API.

Plugin authors import from here::

    from registry_kernel import hookimpl, PluginInfo, QuickLink, Permission, Scope
"""

from .extension import (
    AttentionItem,
    Event,
    MigrationLocation,
    Permission,
    PluginInfo,
    QuickLink,
    ReportDefinition,
    ReportSection,
    Scope,
)
from .hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "AttentionItem",
    "Event",
    "MigrationLocation",
    "Permission",
    "PluginInfo",
    "QuickLink",
    "ReportDefinition",
    "ReportSection",
    "Scope",
    "__version__",
    "hookimpl",
]
