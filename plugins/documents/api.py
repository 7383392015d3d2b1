"""``/api/v1`` of the documents plugin: My Documents (scope ``me``), the verification queue
(scope ``verification``, registry staff), the Education & Training Report, and the public check
of a report's verification code."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from registry_kernel import participants as participant_svc
from registry_kernel import registry_id as rid
from registry_kernel.api import (
    ApiModel,
    PageQuery,
    ProblemError,
    api_route,
    current_actor,
    not_found,
    paginate,
    unprocessable,
)
from registry_kernel.api_views import me_participant
from registry_kernel.models import Participant
from registry_kernel.web import current_registry, registry_session

from . import VERIFY_PERMISSION
from . import services as svc
from .models import Document

bp = Blueprint("documents_api", __name__, url_prefix="/api/v1")

DocumentType = Literal["transcript", "degree", "permit", "credential", "training_certificate",
                       "registry_report", "other"]
_TITLES = {400: "Bad Request", 404: "Not Found", 409: "Conflict", 413: "Content Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Content",
           500: "Internal Server Error"}


class UploadForm(ApiModel):
    """Multipart fields beside ``file``. ``level``, ``number``, ``issued_on`` and
    ``expires_on`` are required for permits and credentials (``level`` is a permit level code
    or a credential type)."""

    type: DocumentType
    level: str | None = Field(None, max_length=64)
    number: str | None = Field(None, max_length=64)
    issued_on: date | None = None
    expires_on: date | None = None
    hidden_from_employers: bool = False

    @field_validator("level", "number", "issued_on", "expires_on", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class DocumentOut(BaseModel):
    id: str
    type: str
    status: str
    level: str | None
    number: str | None
    issued_on: date | None
    expires_on: date | None
    media_type: str
    size: int
    filename: str | None
    hidden_from_employers: bool
    uploaded_at: str
    decided_at: str | None
    reject_reason: str | None


class DocumentPatch(ApiModel):
    hidden_from_employers: bool


class QueueQuery(PageQuery):
    type: DocumentType | None = None
    county: str | None = Field(None, max_length=64)
    min_waiting_days: int | None = Field(None, ge=0, le=3650)


class RejectIn(ApiModel):
    reason: str = Field(min_length=3, max_length=500)


class SuggestQuery(ApiModel):
    institution: str = Field(min_length=1, max_length=200)


def problem(exc: svc.DocumentError) -> ProblemError:
    errors = getattr(exc, "errors", None) or ({exc.field: exc.message} if exc.field else None)
    return ProblemError(exc.status, _TITLES.get(exc.status, "Error"), exc.message, errors)


def read_upload() -> tuple[bytes, str | None]:
    """The ``file`` part, read up to one byte past the limit (so oversize is detected)."""
    upload = request.files.get("file")
    if upload is None:
        raise unprocessable({"file": "this field is required"})
    limit = svc.max_upload_bytes(current_registry())
    return upload.stream.read(limit + 1), upload.filename


def file_response(content: svc.FileContent) -> Response:
    response = Response(content.data, mimetype=content.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{content.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(document: Document) -> dict[str, Any]:
    meta = svc.document_meta(registry_session(), current_registry(), document)
    return svc.document_json(document, meta.get("filename"))


def _upload(participant: Participant, form: UploadForm) -> dict[str, Any]:
    session, registry = registry_session(), current_registry()
    data, filename = read_upload()
    try:
        document = svc.upload_document(
            session, registry, participant, data=data, filename=filename, type_=form.type,
            level=form.level, number=form.number, issued_on=form.issued_on,
            expires_on=form.expires_on, hidden_from_employers=form.hidden_from_employers,
            actor=current_actor())
    except svc.DocumentError as exc:
        raise problem(exc) from exc
    session.commit()
    return _render(document)


# --- the participant's own documents ---------------------------------------------------------

@api_route(bp, "/me/documents", methods=["POST"], scope="me", form=UploadForm, files=("file",),
           response=DocumentOut, status=201, errors=(413, 415),
           summary="Upload a document (PDF, JPEG or PNG)", tags=["documents"])
def upload(form: UploadForm) -> Any:
    return _upload(me_participant(), form)


@api_route(bp, "/me/documents", scope="me", query=PageQuery, summary="My documents",
           tags=["documents"])
def my_documents(query: PageQuery) -> Any:
    participant = me_participant()
    select_ = select(Document).where(Document.participant_id == participant.id).order_by(
        Document.uploaded_at.desc(), Document.id)
    return paginate(registry_session(), select_, query, _render)


def _own(document_id: str) -> Document:
    document = svc.own_document(registry_session(), me_participant().id, document_id)
    if document is None:
        raise not_found("document")
    return document


@api_route(bp, "/me/documents/<document_id>", scope="me", response=DocumentOut,
           summary="One of my documents", tags=["documents"])
def my_document(document_id: str) -> Any:
    return _render(_own(document_id))


@api_route(bp, "/me/documents/<document_id>", methods=["PATCH"], scope="me", body=DocumentPatch,
           response=DocumentOut, summary="Hide a document from employers (or show it again)",
           tags=["documents"])
def patch_document(document_id: str, body: DocumentPatch) -> Any:
    document = _own(document_id)
    svc.set_hidden(document, body.hidden_from_employers)
    registry_session().commit()
    return _render(document)


@api_route(bp, "/me/documents/<document_id>", methods=["DELETE"], scope="me", status=204,
           errors=(409,), summary="Delete an unverified document", tags=["documents"])
def delete_document(document_id: str) -> Any:
    session = registry_session()
    try:
        svc.delete_document(session, current_registry(), _own(document_id))
    except svc.DocumentError as exc:
        raise problem(exc) from exc
    session.commit()
    return Response(status=204)


@api_route(bp, "/me/documents/<document_id>/file", scope="me", produces="application/octet-stream",
           summary="Download my file", tags=["documents"])
def my_file(document_id: str) -> Any:
    document = _own(document_id)
    return file_response(svc.read_file(registry_session(), current_registry(), document,
                                       actor=current_actor()))


# --- the Education & Training Report ----------------------------------------------------------

@api_route(bp, "/me/education-report", scope="me", summary="My Education & Training Report",
           tags=["documents"])
def education_report() -> Any:
    return svc.build_report(registry_session(), current_registry(), me_participant())


def report_pdf_response(participant: Participant, actor: Any) -> Response:
    session, registry = registry_session(), current_registry()
    report = svc.build_report(session, registry, participant)
    data = participant_svc.personal_data(session, registry, participant, actor=actor,
                                         fields=("first_name", "last_name"),
                                         reason="education report")
    base = registry.settings.base_url.rstrip("/")
    pdf = svc.report_pdf(session, registry, participant, report, name=data.full_name(),
                         verify_base=f"{base}/reports/verify/")
    session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="education-report-{participant.registry_id}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response


@api_route(bp, "/me/education-report.pdf", scope="me", produces="application/pdf",
           summary="My Education & Training Report as a PDF with a verification code",
           tags=["documents"])
def education_report_pdf() -> Any:
    return report_pdf_response(me_participant(), current_actor())


def portfolio_response(participant: Participant, actor: Any) -> Response:
    from .portfolio import build_portfolio

    session = registry_session()
    archive = build_portfolio(session, current_registry(), participant, actor=actor)
    session.commit()
    response = Response(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="portfolio-{participant.registry_id}.zip"')
    response.headers["Cache-Control"] = "no-store"
    return response


@api_route(bp, "/me/portfolio.zip", scope="me", produces="application/zip",
           summary="Everything the registry holds about me, as one zip", tags=["documents"])
def portfolio() -> Any:
    return portfolio_response(me_participant(), current_actor())


@api_route(bp, "/report-verifications/<code>", public=True,
           summary="Check a report's verification code (no personal data)", tags=["documents"])
def check_report(code: str) -> Any:
    result = svc.check_code(registry_session(), code)
    if result is None:
        raise ProblemError(404, "Not Found", "no report was issued with this code")
    return result


# --- verification (registry staff) -------------------------------------------------------------

def _staff() -> Any:
    actor = current_actor()
    if not actor.can(VERIFY_PERMISSION):
        raise ProblemError(403, "Forbidden", "only registry staff verify documents")
    return actor


def _any_document(document_id: str) -> Document:
    document = registry_session().get(Document, document_id)
    if document is None:
        raise not_found("document")
    return document


@api_route(bp, "/verification-queue", scope="verification", query=QueueQuery,
           summary="Unverified documents, oldest first", tags=["verification"])
def queue(query: QueueQuery) -> Any:
    _staff()
    session = registry_session()
    page = paginate(session, svc.queue_query(type_=query.type, county=query.county,
                                             min_waiting_days=query.min_waiting_days),
                    query, svc.queue_item, scalars=False)
    page["stats"] = svc.queue_stats(session)
    return page


@api_route(bp, "/documents/<document_id>", scope="verification",
           summary="A document in the queue", tags=["verification"])
def staff_document(document_id: str) -> Any:
    _staff()
    document = _any_document(document_id)
    participant = registry_session().get(Participant, document.participant_id)
    return {**_render(document), "registry_id": participant.registry_id if participant else None,
            "county": participant.county if participant else None,
            "claimed_by_account_id": document.claimed_by_account_id}


@api_route(bp, "/documents/<document_id>/file", scope="verification",
           produces="application/octet-stream", summary="Download a participant's file (audited)",
           tags=["verification"])
def staff_file(document_id: str) -> Any:
    actor = _staff()
    session = registry_session()
    content = svc.read_file(session, current_registry(), _any_document(document_id), actor=actor,
                            reason="verification")
    session.commit()
    return file_response(content)


@api_route(bp, "/documents/<document_id>/claim", methods=["POST"], scope="verification",
           errors=(409,), summary="Claim a document so no one else works on it",
           tags=["verification"])
def claim(document_id: str) -> Any:
    actor = _staff()
    session = registry_session()
    document = _any_document(document_id)
    try:
        svc.claim_document(session, document, actor)
    except svc.DocumentError as exc:
        raise problem(exc) from exc
    session.commit()
    return {"id": document.id, "claimed_by_account_id": document.claimed_by_account_id,
            "claimed_until_minutes": svc.CLAIM_MINUTES}


@api_route(bp, "/documents/<document_id>/claim", methods=["DELETE"], scope="verification",
           status=204, summary="Release my claim", tags=["verification"])
def release(document_id: str) -> Any:
    actor = _staff()
    session = registry_session()
    svc.release_claim(session, _any_document(document_id), actor)
    session.commit()
    return Response(status=204)


@api_route(bp, "/documents/<document_id>/verify", methods=["POST"], scope="verification",
           body=svc.VerificationIn, errors=(409,),
           summary="Verify a document into records", tags=["verification"])
def verify(document_id: str, body: svc.VerificationIn) -> Any:
    actor = _staff()
    session = registry_session()
    document = _any_document(document_id)
    try:
        counts = svc.verify_document(session, current_registry(), document, body, actor=actor)
    except svc.DocumentError as exc:
        raise problem(exc) from exc
    session.commit()
    return {"id": document.id, "status": document.status, "records": counts}


@api_route(bp, "/documents/<document_id>/reject", methods=["POST"], scope="verification",
           body=RejectIn, errors=(409,), summary="Reject a document with a reason",
           tags=["verification"])
def reject(document_id: str, body: RejectIn) -> Any:
    actor = _staff()
    session = registry_session()
    document = _any_document(document_id)
    try:
        svc.reject_document(session, current_registry(), document, body.reason, actor=actor)
    except svc.DocumentError as exc:
        raise problem(exc) from exc
    session.commit()
    return {"id": document.id, "status": document.status}


@api_route(bp, "/participants/<registry_id>/documents", methods=["POST"], scope="verification",
           form=UploadForm, files=("file",), status=201, errors=(413, 415),
           summary="Upload a document received by mail or email for a participant",
           tags=["verification"])
def upload_for(registry_id: str, form: UploadForm) -> Any:
    _staff()
    try:
        participant = participant_svc.get_by_registry_id(registry_session(), registry_id)
    except rid.InvalidRegistryId as exc:
        raise ProblemError(400, "Invalid Registry ID", str(exc), {"registry_id": str(exc)}) from exc
    except participant_svc.ParticipantNotFound as exc:
        raise not_found("participant") from exc
    return _upload(participant, form)


@api_route(bp, "/verification/course-suggestions", scope="verification", query=SuggestQuery,
           summary="Courses already entered for an institution", tags=["verification"])
def course_suggestions(query: SuggestQuery) -> Any:
    _staff()
    return {"items": svc.institution_courses(registry_session(), query.institution)}
