"""QRIS API: element scores of a site (API.md), a list of the caller's sites, and the program
administrator's corrections (lead teachers, validation dates). Thin: :mod:`.services` decides."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint
from pydantic import Field

from registry_kernel.api import ApiModel, PageQuery, ProblemError, api_route, current_actor
from registry_kernel.web import current_registry, registry_session

from . import services as svc

bp = Blueprint("qris_api", __name__, url_prefix="/api/v1")


def problems(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except svc.QrisError as exc:
            registry_session().rollback()
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors) from exc

    return wrapper


class SiteQuery(PageQuery):
    county: str | None = Field(None, max_length=64)
    element: int | None = Field(None, ge=1, le=7, description="filter on this element")
    points: int | None = Field(None, ge=0, le=5, description="0: not enough data")
    missing: bool | None = Field(None, description="only sites missing evidence for the next "
                                 "level (true) or not (false)")


class LeadTeacherIn(ApiModel):
    counts: bool | None = Field(description="true: counts as a lead teacher; false: does not; "
                                "null: the role category decides")
    classroom: str | None = Field(None, max_length=100)


class ValidationDateIn(ApiModel):
    validated_on: date


@api_route(bp, "/qris/sites/<org_slug>", scope="qris:read", errors=(404,),
           summary="A site's QRIS element scores from verified registry data", tags=["qris"])
@problems
def site_scores(org_slug: str) -> Any:
    session, registry = registry_session(), current_registry()
    org = svc.site_for(session, registry, current_actor(), org_slug)
    result = svc.score_site(session, registry, org)
    session.commit()
    return result


def _matches(element: dict[str, Any] | None, query: SiteQuery) -> bool:
    if query.points is not None and (element is None
                                     or (element["points"] or 0) != query.points):
        return False
    return query.missing is None or (element is not None
                                     and bool(element["missing"]) == query.missing)


@api_route(bp, "/qris/sites", scope="qris:read", query=SiteQuery,
           summary="Sites you may see, with their element points", tags=["qris"])
@problems
def list_sites(query: SiteQuery) -> Any:
    session, registry = registry_session(), current_registry()
    sites = svc.visible_sites(session, registry, current_actor(), county=query.county)
    items = []
    for row in svc.summary_rows(session, registry, sites):
        elements = row["elements"]
        wanted = [elements.get(query.element)] if query.element else list(elements.values())
        if (query.points is not None or query.missing is not None) and \
                not any(_matches(e, query) for e in wanted):
            continue
        items.append({**row["site"], "rule_set": row["rule_set"],
                      "elements": [{"element": e["element"], "points": e["points"],
                                    "status": e["status"], "missing": e["missing"]}
                                   for _, e in sorted(elements.items())]})
    session.commit()
    start = (query.page - 1) * query.per_page
    return {"items": items[start:start + query.per_page], "total": len(items),
            "page": query.page, "per_page": query.per_page}


@api_route(bp, "/qris/sites/<org_slug>/lead-teachers/<registry_id>", methods=["PUT"],
           scope="qris:write", body=LeadTeacherIn, errors=(403, 404, 422),
           summary="Correct whether a confirmed employee counts as a lead teacher",
           tags=["qris"])
@problems
def correct_lead_teacher(org_slug: str, registry_id: str, body: LeadTeacherIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    org = svc.site_for(session, registry, actor, org_slug)
    svc.set_lead_teacher(session, actor, org, registry_id, body.counts, body.classroom,
                         today=svc.local_today(registry))
    result = svc.score_site(session, registry, org, trigger="correction")
    session.commit()
    return result


@api_route(bp, "/qris/sites/<org_slug>/validation-dates", methods=["POST"], scope="qris:write",
           body=ValidationDateIn, status=201, errors=(403, 404),
           summary="Record a day the site's rating was validated (PD years run between them)",
           tags=["qris"])
@problems
def add_validation_date(org_slug: str, body: ValidationDateIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    org = svc.site_for(session, registry, actor, org_slug)
    svc.add_validation_date(session, actor, org, body.validated_on)
    session.commit()
    return {"validation_dates": [d.isoformat() for d in svc.validation_dates(session, org.id)]}
