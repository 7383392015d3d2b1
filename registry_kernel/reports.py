"""Excel reports that plugins define (``report_definitions`` hook), served by the kernel.

``GET /api/v1/reports/<name>.xlsx?from=&to=`` builds the named report with openpyxl in
write-only mode, row by row, so a report of a million rows needs little memory. Every export is
audited (reports can hold personal data).
"""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Any

from flask import Blueprint, Response
from openpyxl import Workbook
from pydantic import Field, model_validator

from . import audit
from .api import ApiModel, ProblemError, api_route, current_actor
from .extension import ReportDefinition
from .web import current_registry, registry_session

bp = Blueprint("kernel_reports", __name__, url_prefix="/api/v1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportQuery(ApiModel):
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
    params = {"from": query.from_, "to": query.to,
              **{k: v for k, v in query.model_dump(exclude={"from_", "to"}).items()
                 if v is not None}}
    rows = definition.build(session, current_registry(), actor, params)
    handle = write_xlsx(definition.title, definition.columns, rows)
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id=name, reason=f"from={query.from_} to={query.to}")
    session.commit()
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
