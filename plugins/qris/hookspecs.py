"""Hooks the qris plugin adds (registered through ``PluginInfo.hookspecs``)."""

from __future__ import annotations

from typing import Any

from registry_kernel.hookspecs import hookspec


@hookspec(firstresult=True)
def qris_rule_set(county: str, registry: Any) -> Any:
    """Supply the QRIS rule set for ``county`` in code.

    Return a :class:`registry_plugins.qris.rules.RuleSet`, or a dict shaped like a rule file
    (``{"rule_set": {...}, "elements": {...}}``; with ``rule_set.extends = "statewide"`` it is
    merged onto the statewide rules and checked like an uploaded file), or ``None`` to leave the
    county to its uploaded or configured file (then the statewide rules). *firstresult*: the
    first plugin that answers wins. Called whenever a site of the county is scored.
    """
