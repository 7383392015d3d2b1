"""``/api/v1/webhooks``: an organization's endpoints, their deliveries, redelivery."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, Field

from registry_kernel.api import ApiModel, PageQuery, ProblemError, api_route, current_actor, paginate
from registry_kernel.web import current_registry, registry_session

from .._shared import acting_org_id
from . import services as svc
from .models import WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks_api", __name__, url_prefix="/api/v1")
TAGS = ["webhooks"]


class EndpointIn(ApiModel):
    url: str = Field(max_length=2000, description="https URL of your receiver")
    events: list[str] = Field(min_length=1, max_length=50,
                              description="event types (GET /api/v1/webhooks/event-types)")
    description: str | None = Field(None, max_length=200)
    organization_id: int | None = Field(None, description="Only for accounts working for "
                                        "several organizations")


class RotateIn(ApiModel):
    overlap_hours: int = Field(24, ge=0, le=svc.MAX_OVERLAP_HOURS,
                               description="How long the old secret keeps signing too "
                                           "(0: drop it now)")


class OrgQuery(PageQuery):
    organization_id: int | None = None


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    organization_id: int
    created_at: str
    secret_rotated_at: str | None
    previous_secret_expires_at: str | None = Field(
        description="While set, deliveries are signed with the previous secret too")


class EndpointCreated(EndpointOut):
    secret: str = Field(description="whsec_... signing secret; shown only once")


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    type: str
    status: str
    attempts: int
    last_attempt_at: str | None
    last_status_code: int | None
    last_response: str | None
    last_error: str | None
    delivered_at: str | None
    created_at: str


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events),
            "description": endpoint.description, "organization_id": endpoint.organization_id,
            "created_at": _iso(endpoint.created_at),
            "secret_rotated_at": _iso(endpoint.secret_rotated_at),
            "previous_secret_expires_at": _iso(endpoint.previous_secret_expires_at)
            if svc.previous_secret_active(endpoint) else None}


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"id": delivery.id, "webhook_id": delivery.event_id, "type": delivery.event_type,
            "status": delivery.status, "attempts": delivery.attempts,
            "last_attempt_at": _iso(delivery.last_attempt_at),
            "last_status_code": delivery.last_status_code,
            "last_response": delivery.last_response, "last_error": delivery.last_error,
            "delivered_at": _iso(delivery.delivered_at), "created_at": _iso(delivery.created_at)}


def _endpoint(endpoint_id: str, organization_id: int | None = None) -> WebhookEndpoint:
    org = acting_org_id(current_actor(), organization_id)
    endpoint = svc.get_endpoint(registry_session(), org, endpoint_id)
    if endpoint is None:
        raise ProblemError(404, "Not Found", "no such webhook endpoint")
    return endpoint


@api_route(bp, "/webhooks/event-types", scope="webhooks:write", summary="Event types you can "
           "subscribe to", tags=TAGS)
def event_types() -> Any:
    return {"items": sorted(current_registry().event_types)}


@api_route(bp, "/webhooks", methods=["POST"], scope="webhooks:write", body=EndpointIn,
           response=EndpointCreated, status=201, errors=(404, 422),
           summary="Register a webhook endpoint", tags=TAGS)
def create(body: EndpointIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    org = acting_org_id(actor, body.organization_id)
    try:
        endpoint, secret = svc.create_endpoint(session, registry, organization_id=org,
                                               url=body.url, events=body.events,
                                               description=body.description, actor=actor)
    except svc.WebhookError as exc:
        raise ProblemError(422, "Invalid fields", str(exc), exc.errors) from exc
    session.commit()
    return {**endpoint_json(endpoint), "secret": secret}


@api_route(bp, "/webhooks", scope="webhooks:write", query=OrgQuery,
           summary="Your organization's webhook endpoints", tags=TAGS)
def list_endpoints(query: OrgQuery) -> Any:
    org = acting_org_id(current_actor(), query.organization_id)
    items = svc.endpoints_of(registry_session(), org)
    start = (query.page - 1) * query.per_page
    return {"items": [endpoint_json(e) for e in items[start:start + query.per_page]],
            "total": len(items), "page": query.page, "per_page": query.per_page}


@api_route(bp, "/webhooks/<endpoint_id>", methods=["DELETE"], scope="webhooks:write",
           status=204, errors=(404,), summary="Delete a webhook endpoint", tags=TAGS)
def delete(endpoint_id: str) -> Any:
    session = registry_session()
    svc.delete_endpoint(session, _endpoint(endpoint_id), actor=current_actor())
    session.commit()
    return Response(status=204)


@api_route(bp, "/webhooks/<endpoint_id>/rotate-secret", methods=["POST"],
           scope="webhooks:write", body=RotateIn, response=EndpointCreated, errors=(404, 422),
           summary="A new signing secret; the old one keeps signing during the overlap",
           tags=TAGS)
def rotate_secret(endpoint_id: str, body: RotateIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    endpoint = _endpoint(endpoint_id)
    try:
        secret = svc.rotate_secret(session, registry, endpoint,
                                   overlap_hours=body.overlap_hours, actor=actor)
    except svc.WebhookError as exc:
        raise ProblemError(422, "Invalid fields", str(exc), exc.errors) from exc
    session.commit()
    return {**endpoint_json(endpoint), "secret": secret}


@api_route(bp, "/webhooks/<endpoint_id>/previous-secret", methods=["DELETE"],
           scope="webhooks:write", status=204, errors=(404, 409),
           summary="End a rotation's overlap now: only the new secret signs", tags=TAGS)
def drop_previous_secret(endpoint_id: str) -> Any:
    session = registry_session()
    endpoint = _endpoint(endpoint_id)
    if not svc.end_overlap(session, endpoint, actor=current_actor()):
        session.rollback()
        raise ProblemError(409, "Conflict", "no previous secret is signing: nothing to drop")
    session.commit()
    return Response(status=204)


@api_route(bp, "/webhooks/<endpoint_id>/deliveries", scope="webhooks:write", query=OrgQuery,
           errors=(404,), summary="Deliveries of an endpoint, newest first", tags=TAGS)
def deliveries(endpoint_id: str, query: OrgQuery) -> Any:
    endpoint = _endpoint(endpoint_id, query.organization_id)
    page = paginate(registry_session(), svc.deliveries_of(registry_session(), endpoint), query,
                    delivery_json)
    return page


@api_route(bp, "/webhooks/<endpoint_id>/deliveries/<delivery_id>/redeliver", methods=["POST"],
           scope="webhooks:write", status=202, errors=(404, 409),
           summary="Send a delivered or failed event again (same webhook-id)", tags=TAGS)
def redeliver(endpoint_id: str, delivery_id: str) -> Any:
    session, registry = registry_session(), current_registry()
    endpoint = _endpoint(endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise ProblemError(404, "Not Found", "no such delivery")
    try:
        svc.redeliver(session, registry, delivery)
    except svc.WebhookError as exc:
        raise ProblemError(409, "Conflict", str(exc), exc.errors) from exc
    session.commit()
    registry.outbox.wake()
    return delivery_json(delivery), 202
