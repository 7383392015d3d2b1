"""The CRM adapter interface: hooks a CRM adapter implements (``docs/adapters.md``).

The ``crm`` bridge calls them from the outbox (never inside a request), once per organization
that has a CRM connected (``crm_organizations``) and that an event concerns. ``record`` dicts
are JSON-ready; ``event_id`` is stable across retries (send it as an idempotency key). Raise to
ask for a retry with backoff; delivery is at least once, so a CRM must upsert on
``registry_id`` / ``enrollment_id``.
"""

from __future__ import annotations

from typing import Any

from registry_kernel.hookspecs import hookspec


@hookspec
def crm_organizations(registry: Any) -> Any:
    """Return the ids or slugs (one or a list) of organizations whose data this adapter sends
    to a CRM. Events are pushed only for these. Not firstresult."""


@hookspec
def crm_push_participant(registry: Any, organization_id: int, event_id: str,
                         record: dict[str, Any]) -> None:
    """Create or update the participant in the organization's CRM.

    ``record``: ``registry_id``, ``first_name``, ``last_name``, ``email``, ``phone``,
    ``county``, ``preferred_language`` (decrypted for this push; the read is audited).
    """


@hookspec
def crm_push_enrollment(registry: Any, organization_id: int, event_id: str,
                        record: dict[str, Any]) -> None:
    """Create or update an enrollment: ``registry_id``, ``enrollment_id``, ``event_id``,
    ``training_id``, ``title``, ``starts_at``, ``status``."""


@hookspec
def crm_push_hours(registry: Any, organization_id: int, event_id: str,
                   record: dict[str, Any]) -> None:
    """Training hours granted for attendance: ``registry_id``, ``enrollment_id``,
    ``event_id``, ``title``, ``hours`` (decimal string), ``competency_area``,
    ``completed_on``."""


@hookspec(firstresult=True)
def crm_lookup(registry: Any, organization_id: int, registry_id: str) -> Any:
    """The organization's CRM record for a Registry ID (a dict), or ``None``. *firstresult*.
    May do I/O; called on demand (``registry crm lookup``), not from the outbox."""
