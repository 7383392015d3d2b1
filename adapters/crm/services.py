"""The CRM bridge: domain events -> outbox messages -> the CRM adapter hooks.

Inside the causing transaction (``domain_event``) it writes one ``crm`` outbox message per
organization that has a CRM connected and that the event concerns (the rule in
``registry_adapters._shared.event_organizations``). The message holds ids only; the worker
builds the records at delivery time (decrypting personal data then, audited as a system read
"pushed to the organization's CRM") and calls the ``crm_push_*`` hooks. An adapter raising
means retry with backoff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import participants as kp
from registry_kernel.auth.actor import SYSTEM
from registry_kernel.db import unit_of_work
from registry_kernel.models import Organization, OutboxMessage, Participant
from registry_kernel.outbox import enqueue

from .._shared import event_organizations, local_date

if TYPE_CHECKING:
    from registry_kernel.extension import Event
    from registry_kernel.runtime import Registry

OUTBOX_KIND = "crm"
MAX_ATTEMPTS = 40  # with the outbox backoff: about a day
HANDLED = ("participant.created", "employment.confirmed", "enrollment.created",
           "enrollment.updated", "attendance.recorded")


def target_org_ids(session: Session, registry: Registry) -> set[int]:
    """Organizations with a CRM connected (``crm_organizations``), as ids."""
    ids: set[int] = set()
    slugs: set[str] = set()
    for answer in registry.plugins.hook.crm_organizations(registry=registry):
        for item in answer if isinstance(answer, list | tuple | set) else [answer]:
            if isinstance(item, int):
                ids.add(item)
            elif item:
                slugs.add(str(item))
    if slugs:
        ids |= set(session.scalars(select(Organization.id).where(Organization.slug.in_(slugs))))
    return ids


def on_domain_event(session: Session, registry: Registry, event: Event) -> int:
    if event.type not in HANDLED:
        return 0
    targets = target_org_ids(session, registry)
    if not targets:
        return 0
    orgs = event_organizations(session, registry, event, targets) & targets
    for org_id in sorted(orgs):
        enqueue(session, OUTBOX_KIND, {"event": event.as_json(), "organization_id": org_id},
                max_attempts=MAX_ATTEMPTS)
    return len(orgs)


def _participant_record(session: Session, registry: Registry, registry_id: str,
                        org_id: int) -> dict[str, Any] | None:
    participant = session.scalar(select(Participant).where(
        Participant.registry_id == registry_id))
    if participant is None or participant.status != "active":
        return None
    data = kp.personal_data(session, registry, participant, actor=SYSTEM,
                            reason=f"pushed to the CRM of organization {org_id}",
                            fields=("first_name", "last_name", "email", "phone"))
    return {"registry_id": participant.registry_id, "first_name": data.first_name,
            "last_name": data.last_name, "email": data.email, "phone": data.phone,
            "county": participant.county, "preferred_language": participant.preferred_language}


def build_records(session: Session, registry: Registry, event: dict[str, Any], org_id: int
                  ) -> list[tuple[str, dict[str, Any]]]:
    """``(hook name, record)`` pairs for one event and one organization."""
    data = event.get("data") or {}
    if event["type"] in ("participant.created", "employment.confirmed"):
        record = _participant_record(session, registry, data.get("registry_id") or "", org_id)
        return [("crm_push_participant", record)] if record else []
    if event["type"].startswith(("enrollment.", "attendance.")) and registry.plugins.is_enabled("training"):
        from registry_plugins.training.models import Enrollment, TrainingEvent

        enrollment = session.get(Enrollment, data.get("enrollment_id"))
        if enrollment is None:
            return []
        training_event = session.get(TrainingEvent, enrollment.event_id)
        status = data.get("status") or enrollment.status  # as of the event, not of the push
        base = {"registry_id": data.get("registry_id"), "enrollment_id": enrollment.id,
                "event_id": enrollment.event_id}
        records = [("crm_push_enrollment", {
            **base, "training_id": training_event.training_id, "title": training_event.title,
            "starts_at": training_event.starts_at.isoformat(), "status": status})]
        if status == "attended" and enrollment.hours_granted is not None:
            records.append(("crm_push_hours", {
                **base, "title": training_event.title, "hours": str(enrollment.hours_granted),
                "competency_area": training_event.competency_area,
                "completed_on": local_date(registry, training_event.ends_at).isoformat()}))
        return records
    return []


def push(registry: Registry, message: OutboxMessage) -> None:
    """The outbox handler for ``crm`` messages."""
    event, org_id = message.payload["event"], message.payload["organization_id"]
    with unit_of_work(registry.sessions) as session:
        records = build_records(session, registry, event, org_id)
    for hook_name, record in records:
        getattr(registry.plugins.hook, hook_name)(registry=registry, organization_id=org_id,
                                                  event_id=event["id"], record=record)


def lookup(registry: Registry, organization_id: int, registry_id: str) -> Any:
    return registry.plugins.hook.crm_lookup(registry=registry, organization_id=organization_id,
                                            registry_id=registry_id)
