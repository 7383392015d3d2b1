"""QRIS API: element scores of a site (API.md), a list of the caller's sites, and the program
administrator's corrections (lead teachers, validation dates). Thin: :mod:`.services` decides."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field

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
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors,
                               **exc.extra) from exc

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


# --- a county administrator: QRIS on or off, and the county's rule file ------------------------

class RuleSetOut(BaseModel):
    county: str
    version: str
    name: str
    levels: str = Field(description="cumulative: a level counts only when every lower level "
                        "is met too; highest: the highest level met")


class UploadedOut(BaseModel):
    filename: str
    version: str
    uploaded_at: str
    text: str


class CountyRulesOut(BaseModel):
    county: str
    active: bool
    rule_set: RuleSetOut
    source: str = Field(description="hook, uploaded, configured or statewide")
    uploaded: UploadedOut | None


class RuleFileForm(ApiModel):
    """Multipart form: the rule file goes in the ``file`` part (TOML, UTF-8, at most 256 KB)."""


class ActivationIn(ApiModel):
    active: bool


def _admin_county(county: str) -> str:
    """The county named in the path (any spelling) if the actor administers it; 404 otherwise,
    so other counties' settings do not leak."""
    session, actor = registry_session(), current_actor()
    canonical = svc.canonical_county(county)
    if canonical is None or (not actor.is_superuser
                             and canonical not in svc.admin_counties(session, actor)):
        raise ProblemError(404, "Not Found", "no such county among yours")
    return canonical


@api_route(bp, "/qris/counties/<county>/rules", scope="qris:admin", response=CountyRulesOut,
           errors=(404,), summary="The QRIS rule set in use in your county", tags=["qris"])
@problems
def county_rules(county: str) -> Any:
    county = _admin_county(county)
    return svc.county_rules_info(registry_session(), current_registry(), county)


@api_route(bp, "/qris/counties/<county>/rules", methods=["PUT"], scope="qris:admin",
           form=RuleFileForm, files=("file",), response=CountyRulesOut,
           errors=(403, 404, 409, 422),
           summary="Upload or replace your county's QRIS rule file (checked like a file "
                   "configured at start-up: a bad file is 422 with its line and reason, and "
                   "nothing changes)", tags=["qris"])
@problems
def put_county_rules(county: str, form: RuleFileForm) -> Any:
    county = _admin_county(county)
    session, registry = registry_session(), current_registry()
    upload = request.files.get("file")
    if upload is None:
        raise ProblemError(422, "Unprocessable Content", "the request has invalid fields",
                           {"file": "attach the rule file (TOML) as the file part"})
    svc.upload_county_rules(session, registry, current_actor(), county,
                            upload.filename or "rules.toml",
                            upload.read(svc.MAX_RULE_FILE_BYTES + 1))
    session.commit()
    return svc.county_rules_info(session, registry, county)


@api_route(bp, "/qris/counties/<county>/rules", methods=["DELETE"], scope="qris:admin",
           status=204, errors=(403, 404),
           summary="Remove your county's uploaded rule file (the statewide rules apply again)",
           tags=["qris"])
@problems
def delete_county_rules(county: str) -> Any:
    county = _admin_county(county)
    session = registry_session()
    if not svc.remove_county_rules(session, current_actor(), county):
        raise ProblemError(404, "Not Found", "the county has no uploaded rule file")
    session.commit()
    return Response(status=204)


@api_route(bp, "/qris/counties/<county>/activation", methods=["PUT"], scope="qris:admin",
           body=ActivationIn, response=CountyRulesOut, errors=(403, 404),
           summary="Switch QRIS on or off for your county", tags=["qris"])
@problems
def put_activation(county: str, body: ActivationIn) -> Any:
    county = _admin_county(county)
    session, registry = registry_session(), current_registry()
    svc.set_county_active(session, registry, current_actor(), county, body.active)
    session.commit()
    return svc.county_rules_info(session, registry, county)
