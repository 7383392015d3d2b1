"""Workforce data API: public aggregates of the released population (``README.md``). Until the
first release is stored (``registry workforce-data refresh``), every route answers 503 with
``Retry-After``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from pydantic import Field

from registry_kernel.api import ApiModel, ProblemError, api_route, problem_response
from registry_kernel.web import current_registry, registry_session

from . import released_data
from . import services as svc
from .snapshot import RETRY_AFTER

bp = Blueprint("workforce_data_api", __name__, url_prefix="/api/v1")


def _choices(dimension: str) -> dict[str, Any]:
    return {"enum": list(svc.allowed_values(dimension))}


class FilterQuery(ApiModel):
    """The dashboard's filters; each optional. Unknown values are a 422 problem."""

    county: str | None = Field(None, max_length=64, description="a California county")
    role_category: str | None = Field(
        None, max_length=32, description="role of the current (or past-year) job",
        json_schema_extra=_choices("role_category"))
    program_type: str | None = Field(None, max_length=32, description="the employer's setting",
                                     json_schema_extra=_choices("program_type"))
    permit_level: str | None = Field(
        None, max_length=32, description="highest current Child Development Permit",
        json_schema_extra=_choices("permit_level"))
    language: str | None = Field(None, max_length=16, description="preferred language code",
                                 json_schema_extra=_choices("language"))
    years_in_field: str | None = Field(None, max_length=16, description="years in the ECE field",
                                       json_schema_extra=_choices("years_in_field"))


class SummaryQuery(FilterQuery):
    by: str = Field(description="the grouping", max_length=32,
                    json_schema_extra={"enum": list(svc.DIMENSIONS)})


def _problem(exc: svc.WorkforceError) -> ProblemError:
    return ProblemError(exc.status, "Unprocessable Content", exc.detail, exc.errors)


class NotReady(Exception):
    """No release is stored yet: answered with 503 and ``Retry-After``."""


@bp.errorhandler(NotReady)
def _not_ready(_exc: NotReady) -> Response:
    response = problem_response(
        503, "Service Unavailable", "Workforce statistics are being prepared; try again later.")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _load(query: FilterQuery) -> tuple[svc.Released, dict[str, str]]:
    registry = current_registry()
    raw = query.model_dump(exclude={"by"})
    try:
        filters = svc.parse_filters(raw, documents=registry.plugins.is_enabled("documents"))
    except svc.WorkforceError as exc:
        raise _problem(exc) from exc
    data = released_data(registry_session(), registry)
    if data is None:
        raise NotReady
    return data, filters


def table_json(table: svc.Table, filters: dict[str, str]) -> dict[str, Any]:
    return {"by": table.by, "filters": filters, "county": filters.get("county"),
            "min_cell_size": table.min_cell_size, "items": table.items(),
            "combined": table.combined, "total": table.total,
            "total_suppressed": table.total is None}


@api_route(bp, "/workforce/summary", public=True, query=SummaryQuery, errors=(422, 503),
           summary="Workforce counts by group, for any filter; small groups suppressed",
           tags=["workforce"])
def workforce_summary(query: SummaryQuery) -> Any:
    if query.by not in svc.DIMENSIONS:  # checked first: a clear error before any work
        raise ProblemError(422, "Unprocessable Content",
                           f"unknown grouping {query.by!r}; use one of {', '.join(svc.DIMENSIONS)}",
                           {"by": "unknown grouping"})
    data, filters = _load(query)
    try:
        table = svc.count_table(data, query.by, filters)
    except svc.WorkforceError as exc:
        raise _problem(exc) from exc
    return table_json(table, filters)


@api_route(bp, "/workforce/wages", public=True, query=FilterQuery, errors=(422, 503),
           summary="Hourly wage median and quartiles by role category", tags=["workforce"])
def workforce_wages(query: FilterQuery) -> Any:
    data, filters = _load(query)
    return {"filters": filters, "county": filters.get("county"),
            "min_cell_size": data.min_cell_size, "items": svc.wages_by_role(data, filters)}


@api_route(bp, "/workforce/statistics", public=True, query=FilterQuery, errors=(422, 503),
           summary="Every workforce table for one filter: counts, wages, PD hours by "
                   "competency area, permits held and expiring, turnover", tags=["workforce"])
def workforce_statistics(query: FilterQuery) -> Any:
    data, filters = _load(query)
    stats = svc.statistics_for(data, filters)
    return {"filters": filters, "min_cell_size": data.min_cell_size,
            "as_of": data.today.isoformat(),
            "tables": [table_json(t, filters) for t in stats["tables"]],
            "wages": stats["wages"], "pd_hours": stats["pd_hours"],
            "permits": stats["permits"], "turnover": stats["turnover"]}
