"""Hooks the stipends plugin adds (registered through ``PluginInfo.hookspecs``)."""

from __future__ import annotations

from typing import Any

from registry_kernel.hookspecs import hookspec


@hookspec
def stipend_eligibility(session: Any, registry: Any, program: Any, participant_id: str,
                        facts: Any) -> Any:
    """Add eligibility rules in code to every stipend program.

    Called when a participant applies, after the program's rules-as-data were evaluated.
    ``program`` is the :class:`registry_plugins.stipends.models.Program`, ``facts`` the
    :class:`registry_plugins.stipends.eligibility.Facts` gathered from verified records and
    confirmed employment. Return a :class:`registry_plugins.stipends.eligibility.Result` (or a
    list of them; ``met=False`` with a ``message`` the applicant can act on makes them
    ineligible), or ``None`` when the rule does not apply to this program. Not firstresult.
    """
