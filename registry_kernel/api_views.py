"""The kernel's own API: health, the OpenAPI document, participants and ``/me``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import Blueprint, current_app, jsonify
from pydantic import BaseModel, EmailStr, Field, StringConstraints, field_validator

from . import clock, registry_id
from . import participants as svc
from .api import ApiModel, ProblemError, api_route, conflict, current_actor
from .counties import canonical_county
from .web import current_registry, registry_session

bp = Blueprint("kernel_api", __name__, url_prefix="/api/v1")

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
LANGUAGES = ("en", "es", "zh-Hant")


class Health(BaseModel):
    status: Literal["ok"]
    plugins: list[str]


class ParticipantIn(ApiModel):
    """An agency registers a provider (for example at a workshop check-in)."""

    first_name: Name
    last_name: Name
    email: EmailStr = Field(max_length=254)
    birth_date: date | None = None
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9+()\-. ]{7,32}$")
    preferred_language: Literal["en", "es", "zh-Hant"] = "en"
    county: str | None = Field(None, max_length=64)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= clock.today():
            raise ValueError("birth date must be between 1900-01-01 and today")
        return value

    @field_validator("county")
    @classmethod
    def _county(cls, value: str | None) -> str | None:
        if value is None:
            return None
        canonical = canonical_county(value)
        if canonical is None:
            raise ValueError("not a California county")
        return canonical


class ParticipantCreated(BaseModel):
    registry_id: str
    registry_id_display: str


class ParticipantOut(BaseModel):
    registry_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    birth_date: date | None = None
    phone: str | None = None
    preferred_language: str
    county: str | None


class MeOut(ParticipantOut):
    registry_id_display: str
    features: list[str]
    roles: list[dict[str, Any]]


@api_route(bp, "/health", public=True, response=Health, summary="Liveness and enabled plugins",
           tags=["kernel"])
def health() -> dict[str, Any]:
    return {"status": "ok", "plugins": current_registry().plugins.enabled_names()}


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document of every API path."""
    from .api import openapi_document

    return jsonify(openapi_document(current_app))


def _resolve(text: str) -> Any:
    try:
        return svc.get_by_registry_id(registry_session(), text)
    except registry_id.InvalidRegistryId as exc:
        raise ProblemError(400, "Invalid Registry ID", str(exc),
                           {"registry_id": str(exc)}) from exc
    except svc.ParticipantNotFound as exc:
        raise ProblemError(404, "Not Found", "no participant has this Registry ID") from exc


@api_route(bp, "/participants", methods=["POST"], scope="participants:write",
           body=ParticipantIn, response=ParticipantCreated, status=201, errors=(409,),
           summary="Register a provider", tags=["participants"])
def create_participant(body: ParticipantIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    try:
        participant = svc.create_participant(
            session, registry, first_name=body.first_name, last_name=body.last_name,
            email=str(body.email), birth_date=body.birth_date, phone=body.phone,
            preferred_language=body.preferred_language, county=body.county,
            registered_by_org_id=actor.organization_id, actor=actor)
    except svc.DuplicateEmail as exc:
        raise conflict("this email is already registered; the person can sign in or recover "
                       "their account", errors={"email": "already registered"}) from exc
    session.commit()
    return {"registry_id": participant.registry_id,
            "registry_id_display": registry_id.display(participant.registry_id)}


def participant_visible(participant: Any, actor: Any) -> bool:
    """Staff see everyone; an organization sees participants it has a relationship with."""
    if actor.is_staff:
        return True
    org_id = actor.organization_id
    if org_id is None:
        orgs = actor.org_ids_for(*{role for role, _ in actor.roles})
    else:
        orgs = {org_id} if actor.acts_for_org(org_id) else set()
    for org in orgs:
        if participant.registered_by_org_id == org:
            return True
        if any(current_registry().plugins.hook.participant_visible_to_org(
                session=registry_session(), participant_id=participant.id,
                organization_id=org)):
            return True
    return False


@api_route(bp, "/participants/<registry_id>", scope="participants:read",
           response=ParticipantOut, summary="Read a participant your organization works with",
           tags=["participants"])
def get_participant(registry_id: str) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    participant = _resolve(registry_id)
    if not participant_visible(participant, actor):
        raise ProblemError(404, "Not Found", "no participant has this Registry ID")
    data = svc.personal_data(session, registry, participant, actor=actor,
                             fields=("first_name", "last_name", "email", "phone"),
                             reason="api participants:read")
    session.commit()
    return {"registry_id": participant.registry_id, "first_name": data.first_name,
            "last_name": data.last_name, "email": data.email, "phone": data.phone,
            "preferred_language": participant.preferred_language, "county": participant.county}


def me_participant() -> Any:
    """The participant behind a ``me`` token, or 403 for a client-credentials token."""
    actor = current_actor()
    if actor.participant_id is None:
        raise ProblemError(403, "Forbidden", "this endpoint needs a token acting as a participant")
    from .models import Participant

    return registry_session().get(Participant, actor.participant_id)


@api_route(bp, "/me", scope="me", response=MeOut, summary="The participant's own record",
           tags=["me"])
def me() -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    participant = me_participant()
    data = svc.personal_data(session, registry, participant, actor=actor)
    return {"registry_id": participant.registry_id,
            "registry_id_display": registry_id.display(participant.registry_id),
            "first_name": data.first_name, "last_name": data.last_name, "email": data.email,
            "birth_date": data.birth_date.isoformat() if data.birth_date else None,
            "phone": data.phone, "preferred_language": participant.preferred_language,
            "county": participant.county, "features": registry.plugins.enabled_names(),
            "roles": [{"role": role, "organization_id": org}
                      for role, org in sorted(actor.roles, key=lambda r: (r[0], r[1] or 0))]}
