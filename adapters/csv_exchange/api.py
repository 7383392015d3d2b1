"""``/api/v1/csv``: participant import (multipart) and CSV exports of an organization."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import Field

from registry_kernel.api import ApiModel, ProblemError, api_route, current_actor, unprocessable
from registry_kernel.web import current_registry, registry_session

from .._shared import acting_org_id
from . import services as svc

bp = Blueprint("csv_exchange_api", __name__, url_prefix="/api/v1")
TAGS = ["csv"]


class ImportForm(ApiModel):
    dry_run: bool = Field(False, description="Describe what would happen, write nothing")
    organization_id: int | None = None


class ExportQuery(ApiModel):
    organization_id: int | None = None


@api_route(bp, "/csv/participants/import", methods=["POST"], scope="participants:write",
           form=ImportForm, files=("file",), errors=(404, 413, 422),
           summary="Import participants from CSV (matched on email and name + birth date)",
           tags=TAGS)
def import_participants(form: ImportForm) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    org = acting_org_id(actor, form.organization_id)
    upload = request.files.get("file")
    if upload is None:
        raise unprocessable({"file": "this field is required"})
    data = upload.stream.read(svc.MAX_BYTES + 1)
    try:
        report = svc.import_participants(session, registry, organization_id=org, data=data,
                                         dry_run=form.dry_run, actor=actor)
    except svc.CsvError as exc:
        session.rollback()
        raise ProblemError(422, "Unreadable CSV", str(exc), {"file": str(exc)}) from exc
    if form.dry_run:
        session.rollback()
    else:
        session.commit()
    return report.as_json()


def _csv(text: str, name: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@api_route(bp, "/csv/participants.csv", scope="participants:read", query=ExportQuery,
           produces="text/csv", summary="Your organization's participants as CSV (audited)",
           tags=TAGS)
def export_participants(query: ExportQuery) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    org = acting_org_id(actor, query.organization_id)
    text = svc.export_participants(session, registry, org, actor=actor)
    session.commit()  # the audit records of the reads
    return _csv(text, "participants.csv")


@api_route(bp, "/csv/enrollments.csv", scope="participants:read", query=ExportQuery,
           produces="text/csv", summary="Enrollments in your organization's events as CSV",
           tags=TAGS)
def export_enrollments(query: ExportQuery) -> Any:
    org = acting_org_id(current_actor(), query.organization_id)
    return _csv(svc.export_enrollments(registry_session(), current_registry(), org),
                "enrollments.csv")


@api_route(bp, "/csv/hours.csv", scope="participants:read", query=ExportQuery,
           produces="text/csv", summary="Training hours granted in your organization's events",
           tags=TAGS)
def export_hours(query: ExportQuery) -> Any:
    org = acting_org_id(current_actor(), query.organization_id)
    return _csv(svc.export_hours(registry_session(), current_registry(), org), "hours.csv")


@api_route(bp, "/csv/events/<int:event_id>/roster.csv", scope="participants:read",
           query=ExportQuery, produces="text/csv", errors=(404,),
           summary="The roster of one of your training events, with names (audited)", tags=TAGS)
def export_roster(event_id: int, query: ExportQuery) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    org = acting_org_id(actor, query.organization_id)
    try:
        text = svc.export_roster(session, registry, org, event_id, actor=actor)
    except svc.NotFound as exc:
        raise ProblemError(404, "Not Found", str(exc)) from exc
    session.commit()  # the audit records of the reads
    return _csv(text, f"roster-{event_id}.csv")
