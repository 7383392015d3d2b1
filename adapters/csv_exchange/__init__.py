"""CSV exchange: import the participants an agency already has, export what it works with.

Hook implementations only; the rules (matching, dry run, layout) live in :mod:`.services`.
"""

from __future__ import annotations

from typing import Any

from registry_kernel.extension import PluginInfo
from registry_kernel.hookspecs import hookimpl

PLUGIN = PluginInfo(
    name="csv_exchange",
    version="0.1.0",
    description="Import an agency's participants from CSV (matched, never duplicated) and "
                "export its participants and enrollments as CSV",
)


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp

    return [bp]


@hookimpl
def cli_commands(cli: Any) -> None:
    from .cli import csv_group

    cli.add_command(csv_group)
