"""Excel reports that plugins define (``report_definitions`` hook), served by the kernel.

``GET /api/v1/reports/<name>.xlsx?from=&to=`` builds the named report with openpyxl in
write-only mode, row by row, so a report of a million rows needs little memory. Every export is
audited (reports can hold personal data). ``POST /api/v1/reports/<name>/runs`` builds the same
workbook in the background instead (:mod:`registry_kernel.report_runs`): poll
``GET /api/v1/report-runs/<id>``, then download ``/api/v1/report-runs/<id>.xlsx``.
"""

from __future__ import annotations

import tempfile
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, url_for
from flask_babel import get_locale
from openpyxl import Workbook
from pydantic import BaseModel, Field, model_validator

from . import audit
from . import report_runs as runs
from .api import ApiModel, ProblemError, api_route, current_actor
from .extension import ReportDefinition
from .web import current_registry, registry_session

if TYPE_CHECKING:
    from .auth.actor import Actor
    from .models import ReportRun

bp = Blueprint("kernel_reports", __name__, url_prefix="/api/v1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportParams(ApiModel):
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    organization_id: int | None = Field(
        None, ge=1, le=2**63 - 1,
        description="Narrow a report that covers several organizations to one")
    county: str | None = Field(None, max_length=64,
                               description="A county, for reports that filter by county")
    program: str | None = Field(None, max_length=32,
                                description="A program code, for reports that filter by it")
    fields: str | None = Field(None, max_length=2000,
                               description="Comma-separated columns, for reports that let "
                                           "you choose them")

    @model_validator(mode="after")
    def _ordered(self) -> ReportQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("'from' must not be after 'to'")
        return self


class ReportQuery(ReportParams):
    """The parameters, as query parameters of the direct download."""


class ReportRunIn(ReportParams):
    """The parameters, as the JSON body of a background run."""


class ReportRunOut(BaseModel):
    id: str
    report: str
    status: str = Field(description="queued, done or failed")
    params: dict[str, Any]
    rows: int | None = Field(None, description="rows in the workbook, once done")
    error: str | None = Field(None, description="why it failed, in the requester's terms")
    created_at: str
    finished_at: str | None = None
    expires_at: str = Field(description="the run and its workbook are deleted then")
    file_url: str | None = Field(None, description="the workbook, once done")


class ReportRunList(BaseModel):
    items: list[ReportRunOut]


def definitions() -> dict[str, ReportDefinition]:
    return {d.name: d for d in current_registry().plugins.collect("report_definitions")}


def write_xlsx(title: str, columns: tuple[str, ...] | list[str], rows: Any) -> Any:
    """Write rows to a spooled temporary .xlsx file (write-only mode) and rewind it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    if columns:
        sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle


@api_route(bp, "/reports/<name>.xlsx", scope="reports:read", query=ReportQuery,
           produces=XLSX, errors=(404,), summary="Download a report as Excel", tags=["reports"])
def download_report(name: str, query: ReportQuery) -> Response:
    definition = definitions().get(name)
    actor = current_actor()
    if definition is None or not actor.has_scope(definition.scope):
        raise ProblemError(404, "Not Found", f"no report named {name!r}")
    session = registry_session()
    params = _params(query)
    rows = definition.build(session, current_registry(), actor, params)
    handle = write_xlsx(definition.title, definition.columns, rows)
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id=name, reason=f"from={query.from_} to={query.to}")
    session.commit()
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _params(query: ReportParams) -> dict[str, Any]:
    return {"from": query.from_, "to": query.to,
            **{k: v for k, v in query.model_dump(exclude={"from_", "to"}).items()
               if v is not None}}


def _definition_for(name: str) -> ReportDefinition:
    definition = definitions().get(name)
    if definition is None or not current_actor().has_scope(definition.scope):
        raise ProblemError(404, "Not Found", f"no report named {name!r}")
    return definition


def _run_out(run: Any) -> dict[str, Any]:
    out = runs.run_json(run)
    out["file_url"] = url_for("kernel_reports.download_run", run_id=run.id) \
        if run.status == "done" else None
    return out


def queue_run(actor: Actor, name: str, params: dict[str, Any]) -> ReportRun:
    """Queue report ``name`` for ``actor`` in this request's language and commit; a registry
    that delivers its outbox in-process is woken to build it now."""
    registry = current_registry()
    run = runs.request_run(registry_session(), actor, name, params,
                           language=str(get_locale() or "en"))
    registry_session().commit()
    if registry.settings.drain_outbox_in_process:
        registry.outbox.wake()
    return run


@api_route(bp, "/reports/<name>/runs", methods=("POST",), scope="reports:read",
           body=ReportRunIn, response=ReportRunOut, status=202, errors=(404,),
           summary="Build a report in the background", tags=["reports"])
def request_report_run(name: str, body: ReportRunIn) -> Any:
    """Queue the report; a worker builds it. A report with a ``check`` has its own parameters
    (organization, program codes) checked now (422); otherwise a run that cannot be built ends
    ``failed`` with the reason in ``error``."""
    definition = _definition_for(name)
    session = registry_session()
    params = _params(body)
    if definition.check is not None:
        definition.check(session, current_registry(), current_actor(), params)
    run = queue_run(current_actor(), name, params)
    response = jsonify(_run_out(run))
    response.status_code = 202
    response.headers["Location"] = url_for("kernel_reports.report_run", run_id=run.id)
    return response


@api_route(bp, "/report-runs", scope="reports:read", response=ReportRunList,
           summary="Your background report runs (newest first, unexpired)", tags=["reports"])
def report_run_list() -> Any:
    return {"items": [_run_out(r) for r in runs.runs_of(registry_session(), current_actor())]}


@api_route(bp, "/report-runs/<run_id>", scope="reports:read", response=ReportRunOut,
           errors=(404,), summary="A background report run", tags=["reports"])
def report_run(run_id: str) -> Any:
    run = runs.get_run(registry_session(), run_id, current_actor())
    if run is None:
        raise ProblemError(404, "Not Found", "no such report run (or it has expired)")
    return _run_out(run)


@api_route(bp, "/report-runs/<run_id>.xlsx", scope="reports:read", produces=XLSX,
           errors=(404, 409), summary="Download a finished report run", tags=["reports"])
def download_run(run_id: str) -> Response:
    session = registry_session()
    actor = current_actor()
    run = runs.get_run(session, run_id, actor)
    if run is None:
        raise ProblemError(404, "Not Found", "no such report run (or it has expired)")
    if run.status != "done":
        raise ProblemError(409, "Conflict", f"the report run is {run.status}"
                           + (f": {run.error}" if run.error else ""))
    return run_file_response(session, actor, run)


def run_file_response(session: Any, actor: Any, run: Any) -> Response:
    """A finished run's workbook as a download (the download is audited)."""
    data = runs.open_content(current_registry(), run)
    audit.record(session, actor=actor, action="report.download", resource_type="report",
                 resource_id=run.name, reason=f"run {run.id}")
    session.commit()
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{run.name}.xlsx"'
    return response
