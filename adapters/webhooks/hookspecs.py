"""Hooks the ``webhooks`` adapter adds (passed as ``PluginInfo(hookspecs=...)``)."""

from __future__ import annotations

from typing import Any

from registry_kernel.hookspecs import hookspec


@hookspec
def webhook_event_organizations(session: Any, registry: Any, event: Any,
                                candidate_org_ids: Any) -> Any:
    """Return the organization ids (an int or a list) that may receive ``event`` by webhook.

    Called inside the emitting transaction, only when some endpoint subscribes to the event's
    type; ``candidate_org_ids`` are the organizations with such an endpoint. An organization
    receives an event only about its own resources: the owner of the training event an
    enrollment belongs to, the employer of a confirmed employment, the organization that
    registered a participant or has a relationship with them. Must not do I/O. Not firstresult:
    the union of all answers is used.
    """
