"""Helpers shared by the built-in adapters (a module, not a plugin: plugins are packages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel.api import ProblemError
from registry_kernel.models import Participant

ORG_STAFF = ("program_admin", "sponsor_executive_director", "sponsor_contact_manager",
             "sponsor_manager")
STAFF = ("registry_staff",)


def _(text: str, **variables: Any) -> str:
    """``gettext`` that also works where Flask-Babel is not set up (CLI, workers)."""
    if has_app_context() and "babel" in current_app.extensions:
        from flask_babel import gettext

        return gettext(text, **variables)
    return text % variables if variables else text


def lazy_gettext(text: str, **variables: Any) -> LazyString:
    return LazyString(lambda: _(text, **variables))


def local_date(registry: Any, moment: datetime) -> date:
    """The calendar date of a stored UTC time in the registry's time zone (an evening
    training in California ends on the same date there, not on the next UTC day)."""
    return moment.astimezone(ZoneInfo(registry.settings.timezone)).date()


def acting_org_id(actor: Any, requested: int | None = None) -> int:
    """The organization an API call acts for.

    A client-credentials client acts for its own organization; a token issued for one
    organization acts for it; an account acts for the one organization where it is org staff,
    or names it with ``organization_id`` (registry staff must name one). Anything else is a 404
    (never telling whether another organization exists) or a 422 asking which.
    """
    if actor.via == "client" or actor.organization_id is not None:
        org = actor.organization_id
        if org is None or (requested is not None and requested != org):
            raise ProblemError(404, "Not Found", "no such organization")
        if actor.via != "client" and not (actor.is_staff or actor.org_ids_for(*ORG_STAFF)
                                          & {org}):
            raise ProblemError(403, "Forbidden", "you are not staff of this organization")
        return org
    if requested is not None:
        if actor.is_staff or requested in actor.org_ids_for(*ORG_STAFF):
            return requested
        raise ProblemError(404, "Not Found", "no such organization")
    orgs = sorted(actor.org_ids_for(*ORG_STAFF))
    if len(orgs) == 1:
        return orgs[0]
    if not orgs and not actor.is_staff:
        raise ProblemError(403, "Forbidden", "you are not staff of an organization")
    raise ProblemError(422, "Invalid fields", "say which organization with organization_id",
                       {"organization_id": "required: you work for several organizations"})


def event_organizations(session: Session, registry: Any, event: Any,
                                candidate_org_ids: set[int]) -> set[int]:
    """Which organizations an event concerns (webhooks and CRM adapters; docs/adapters.md).

    * ``organization_id`` in the data (e.g. ``employment.confirmed``: the employer);
    * ``event_id`` in the data (enrollments, attendance): the sponsor that runs the event;
    * participant events without either (``participant.created``, ``document.verified``): the
      organization that registered the participant, and organizations with a relationship to
      them (the ``participant_visible_to_org`` hook: confirmed employment, an enrollment).
    """
    data = event.data or {}
    orgs: set[int] = set()
    if isinstance(data.get("organization_id"), int):
        orgs.add(data["organization_id"])
    if data.get("event_id") is not None and registry.plugins.is_enabled("training"):
        from registry_plugins.training.models import TrainingEvent

        owner = session.scalar(select(TrainingEvent.organization_id)
                               .where(TrainingEvent.id == data["event_id"]))
        if owner is not None:
            orgs.add(owner)
    if data.get("organization_id") is None and data.get("event_id") is None \
            and data.get("registry_id"):
        participant = session.scalar(select(Participant).where(
            Participant.registry_id == data["registry_id"]))
        if participant is not None:
            if participant.registered_by_org_id is not None:
                orgs.add(participant.registered_by_org_id)
            for org_id in candidate_org_ids - orgs:
                if any(registry.plugins.hook.participant_visible_to_org(
                        session=session, participant_id=participant.id,
                        organization_id=org_id)):
                    orgs.add(org_id)
    return orgs


# --- staff pages of an organization (webhooks, widget sites) ---------------------------------

def staff_organizations() -> list[Any]:
    """The organizations the signed-in person runs (``ORG_STAFF`` roles), by name; 403 if none."""
    from flask import abort

    from registry_kernel.auth.session import web_actor
    from registry_kernel.models import Organization
    from registry_kernel.web import registry_session

    actor = web_actor()
    ids = actor.org_ids_for(*ORG_STAFF) if actor else set()
    if not ids:
        abort(403)
    return list(registry_session().scalars(select(Organization).where(
        Organization.id.in_(ids)).order_by(Organization.name)))


def chosen_organization(orgs: list[Any]) -> Any:
    """The organization named by ``?org=`` (or the first one); 404 if it is not one of ``orgs``."""
    from flask import abort, request

    wanted = request.values.get("org", type=int)
    for org in orgs:
        if wanted is None or org.id == wanted:
            return org
    abort(404)
