"""Workforce data API: public, suppressed aggregate counts (API.md "Workforce data")."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint
from pydantic import Field, field_validator

from registry_kernel.api import ApiModel, ProblemError, api_route
from registry_kernel.counties import canonical_county
from registry_kernel.web import current_registry, registry_session

from . import config
from . import services as svc

bp = Blueprint("workforce_data_api", __name__, url_prefix="/api/v1")


def county_filter(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    county = canonical_county(value)
    if county is None:
        raise ValueError("not a California county")
    return county


class SummaryQuery(ApiModel):
    by: Literal["county", "role_category", "permit_level", "language"] = Field(
        description="the grouping")
    county: str | None = Field(None, max_length=64, description="only this California county")

    @field_validator("county")
    @classmethod
    def _county(cls, value: str | None) -> str | None:
        return county_filter(value)


class WagesQuery(ApiModel):
    county: str | None = Field(None, max_length=64, description="only this California county")

    @field_validator("county")
    @classmethod
    def _county(cls, value: str | None) -> str | None:
        return county_filter(value)


def summary_json(table: svc.Table, county: str | None) -> dict[str, Any]:
    return {"by": table.by, "county": county, "min_cell_size": table.min_cell_size,
            "items": table.items(), "total": table.total,
            "total_suppressed": table.total is None}


@api_route(bp, "/workforce/summary", public=True, query=SummaryQuery, errors=(422,),
           summary="Workforce counts by group; small groups suppressed", tags=["workforce"])
def workforce_summary(query: SummaryQuery) -> Any:
    session, registry = registry_session(), current_registry()
    try:
        table = svc.summary(session, registry, query.by, county=query.county,
                            min_cell_size=config(registry).min_cell_size)
    except svc.WorkforceError as exc:
        raise ProblemError(exc.status, "Unprocessable Content", exc.detail, exc.errors) from exc
    return summary_json(table, query.county)


@api_route(bp, "/workforce/wages", public=True, query=WagesQuery, errors=(422,),
           summary="Hourly wage median and quartiles by role category", tags=["workforce"])
def workforce_wages(query: WagesQuery) -> Any:
    session, registry = registry_session(), current_registry()
    min_cell = config(registry).min_cell_size
    return {"county": query.county, "min_cell_size": min_cell,
            "items": svc.wages_by_role(session, registry, min_cell_size=min_cell,
                                       county=query.county)}
