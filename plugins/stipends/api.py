"""Stipends API (API.md "Stipends"): public list of open programs, a participant's applications
(scope ``me``), and the county's programs, review queue, decisions and payments (scope
``stipends:admin``). Thin: :mod:`.services` decides."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint
from pydantic import Field

from registry_kernel.api import ApiModel, PageQuery, ProblemError, api_route, current_actor, paginate
from registry_kernel.api_views import me_participant
from registry_kernel.web import current_registry, registry_session

from . import pathways as pw
from . import services as svc
from .eligibility import Rules

bp = Blueprint("stipends_api", __name__, url_prefix="/api/v1")
ADMIN = "stipends:admin"


def problems(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except svc.StipendError as exc:
            registry_session().rollback()
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors,
                               **exc.extra) from exc

    return wrapper


class ProgramQuery(PageQuery):
    county: str | None = Field(None, max_length=64)


class TierIn(ApiModel):
    key: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=200)
    amount: Decimal
    rules: dict[str, Any] = Field(default_factory=dict)


class ProgramIn(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    funding_year: str = Field(min_length=4, max_length=16)
    opens_on: date
    closes_on: date
    amount: Decimal | None = None
    tiers: list[TierIn] = Field(default_factory=list, max_length=20)
    rules: dict[str, Any] = Field(default_factory=dict,
                                  description="eligibility rules: " + ", ".join(Rules.model_fields))
    allow_itin: bool = True
    allow_payroll: bool = Field(False, description="accept payment through the employer's "
                                "payroll instead of a taxpayer ID")
    organization_id: int | None = Field(None, description="the county organization, if you "
                                        "administer several")


class ApplicationIn(ApiModel):
    program_id: int
    tin_kind: str = Field("ssn", description="ssn, itin, or payroll (paid through the "
                          "employer's payroll where the program allows; no taxpayer ID)")
    tin: str | None = Field(None, max_length=20,
                            description="SSN or ITIN, 123-45-6789 (not with payroll)")
    tier: str | None = Field(None, max_length=40)
    funding_types: list[str] = Field(default_factory=list, max_length=20)


class ApplicationQuery(PageQuery):
    status: str | None = Field(None, pattern="^(submitted|documents_requested|approved|denied)$")


class NoteIn(ApiModel):
    kind: str = Field("note", pattern="^(note|request_documents)$")
    text: str = Field(min_length=1, max_length=5000)


class DecisionIn(ApiModel):
    decision: str = Field(pattern="^(approve|deny)$")
    reason: str = Field("", max_length=2000)


class PaidIn(ApiModel):
    paid_on: date


# --- public and participant ----------------------------------------------------------------

@api_route(bp, "/stipends/programs", public=True, query=ProgramQuery,
           summary="Open stipend programs in counties that run stipends (public)",
           tags=["stipends"])
def list_programs(query: ProgramQuery) -> Any:
    session, registry = registry_session(), current_registry()
    today = svc.local_today(registry)
    programs = svc.open_programs(session, registry, today, county=query.county)
    start = (query.page - 1) * query.per_page
    return {"items": [svc.program_json(p, today) for p in programs[start:start + query.per_page]],
            "total": len(programs), "page": query.page, "per_page": query.per_page}


@api_route(bp, "/me/stipend-applications", methods=["POST"], scope="me", body=ApplicationIn,
           status=201, errors=(404, 409, 422),
           summary="Apply to a stipend program (eligibility checked; 422 lists unmet rules)",
           tags=["stipends"])
@problems
def apply(body: ApplicationIn) -> Any:
    session, registry = registry_session(), current_registry()
    participant = me_participant()
    try:
        data = svc.ApplicationData.model_validate(body.model_dump())
    except svc.ValidationError as exc:
        raise svc.StipendError(422, "Unprocessable Entity", "the application is not valid",
                               svc._messages(exc)) from None
    application = svc.apply(session, registry, participant, data,
                            today=svc.local_today(registry))
    result = svc.application_json(session, application, tin_masked=svc.masked_tin(
        session, registry, application, actor=current_actor(), reason="own application"))
    session.commit()
    return result


@api_route(bp, "/me/stipend-applications", scope="me", query=PageQuery,
           summary="Your stipend applications and their status", tags=["stipends"])
def my_applications(query: PageQuery) -> Any:
    session = registry_session()
    participant = me_participant()
    rows = svc.my_applications(session, participant.id)
    start = (query.page - 1) * query.per_page
    return {"items": [svc.application_json(session, a, notes=True)
                      for a in rows[start:start + query.per_page]],
            "total": len(rows), "page": query.page, "per_page": query.per_page}


# --- county staff ----------------------------------------------------------------------------

def _program_data(body: ProgramIn) -> svc.ProgramData:
    return svc.parse_program(body.model_dump(mode="json", exclude={"organization_id"}))


@api_route(bp, "/stipends/programs", methods=["POST"], scope=ADMIN, body=ProgramIn, status=201,
           errors=(403, 409, 422), summary="Define a stipend program for your county",
           tags=["stipends"])
@problems
def create_program(body: ProgramIn) -> Any:
    session, registry = registry_session(), current_registry()
    program = svc.create_program(session, registry, current_actor(), _program_data(body),
                                 organization_id=body.organization_id)
    session.commit()
    return svc.program_json(program, svc.local_today(registry))


@api_route(bp, "/stipends/programs/<int:program_id>", methods=["PUT"], scope=ADMIN,
           body=ProgramIn, errors=(404, 422), summary="Change a stipend program",
           tags=["stipends"])
@problems
def update_program(program_id: int, body: ProgramIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    program = svc.admin_program(session, actor, program_id)
    svc.update_program(session, actor, program, _program_data(body))
    session.commit()
    return svc.program_json(program, svc.local_today(registry))


@api_route(bp, "/stipends/programs/<int:program_id>/applications", scope=ADMIN,
           query=ApplicationQuery, errors=(404,),
           summary="The review queue of a program of your county", tags=["stipends"])
@problems
def program_applications(program_id: int, query: ApplicationQuery) -> Any:
    session = registry_session()
    program = svc.admin_program(session, current_actor(), program_id)
    return paginate(session, svc.applications_query(program, query.status), query,
                    lambda a: svc.application_json(session, a))


@api_route(bp, "/stipends/applications/<int:application_id>", scope=ADMIN, errors=(404,),
           summary="One application with the applicant's name and masked taxpayer ID (audited)",
           tags=["stipends"])
@problems
def application_detail(application_id: int) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    application = svc.admin_application(session, actor, application_id)
    out = svc.application_json(session, application, notes=True, staff=True,
                               tin_masked=svc.masked_tin(session, registry, application,
                                                         actor=actor, reason="stipend review"))
    out["applicant"] = svc.applicant_name(session, registry, actor, application)
    session.commit()
    return out


@api_route(bp, "/stipends/applications/<int:application_id>/notes", methods=["POST"],
           scope=ADMIN, body=NoteIn, status=201, errors=(404, 409),
           summary="Add a note, or request more documents (the applicant is emailed)",
           tags=["stipends"])
@problems
def add_note(application_id: int, body: NoteIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    application = svc.admin_application(session, actor, application_id)
    svc.add_note(session, registry, actor, application, body.kind, body.text)
    out = svc.application_json(session, application, notes=True, staff=True)
    session.commit()
    return out


@api_route(bp, "/stipends/applications/<int:application_id>/decision", methods=["POST"],
           scope=ADMIN, body=DecisionIn, errors=(404, 409, 422),
           summary="Approve (creates a pending payment) or deny, with a reason",
           tags=["stipends"])
@problems
def decide(application_id: int, body: DecisionIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    application = svc.admin_application(session, actor, application_id)
    svc.decide(session, registry, actor, application, body.decision, body.reason)
    out = svc.application_json(session, application)
    session.commit()
    return out


@api_route(bp, "/stipends/payments/<int:payment_id>/paid", methods=["POST"], scope=ADMIN,
           body=PaidIn, errors=(404, 409), summary="Mark a payment paid", tags=["stipends"])
@problems
def mark_paid(payment_id: int, body: PaidIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    payment = svc.admin_payment(session, actor, payment_id)
    svc.mark_paid(session, registry, actor, payment, body.paid_on)
    session.commit()
    return svc.payment_json(payment)


class ReturnForm(ApiModel):
    """The return file goes in the multipart field ``file`` (.xlsx or UTF-8 .csv with columns
    ``payment_id``, ``paid_on`` and optionally ``amount``)."""


@api_route(bp, "/stipends/payments/return-file", methods=["POST"], scope=ADMIN, form=ReturnForm,
           files=("file",), errors=(422,),
           summary="Mark payments paid from the payment system's return file (all or nothing)",
           tags=["stipends"])
@problems
def return_file(form: ReturnForm) -> Any:
    from flask import request

    session, registry = registry_session(), current_registry()
    upload = request.files.get("file")
    if upload is None:
        raise svc.StipendError(422, "Unprocessable Entity", "upload the return file",
                               {"file": "required"})
    data = upload.read(5 * 1024 * 1024 + 1)
    if len(data) > 5 * 1024 * 1024:
        raise svc.StipendError(422, "Unprocessable Entity", "the file is too large",
                               {"file": "at most 5 MB"})
    paid = svc.apply_return_file(session, registry, current_actor(), svc.read_return_file(data))
    session.commit()
    return {"marked_paid": len(paid), "payments": [svc.payment_json(p) for p in paid]}


@api_route(bp, "/stipends/programs/<int:program_id>/summary", scope=ADMIN, errors=(404,),
           summary="Counts by status and totals awarded and paid", tags=["stipends"])
@problems
def program_summary(program_id: int) -> Any:
    session = registry_session()
    program = svc.admin_program(session, current_actor(), program_id)
    return svc.program_summary(session, program)


@api_route(bp, "/me/stipend-programs/<int:program_id>/eligibility", scope="me", errors=(404,),
           summary="Check your eligibility for a program before applying (per tier)",
           tags=["stipends"])
@problems
def my_eligibility(program_id: int) -> Any:
    session, registry = registry_session(), current_registry()
    participant = me_participant()
    program = svc.program_for_public(session, registry, program_id)
    today = svc.local_today(registry)
    tiers = program.tiers or [None]
    out = []
    for tier in tiers:
        results = svc.check_eligibility(session, registry, program, participant.id, tier=tier,
                                        today=today)
        out.append({"tier": tier["key"] if tier else None,
                    "eligible": all(r.met for r in results),
                    "results": [r.as_json() for r in results]})
    return {"program_id": program.id, "open": svc.is_open(program, today), "tiers": out,
            "note": "funding type rules are checked against what you declare when applying"}


# --- pathways (professional development plans of stipend recipients) -------------------------

class PathwayProposalIn(pw.PathwayData):
    """A recipient's proposed plan for one of their approved stipends."""

    application_id: int


class PathwayReviewIn(ApiModel):
    decision: str = Field(pattern="^(approve|return)$")
    reason: str = Field("", max_length=2000, description="required to return a plan")


class PathwayQuery(PageQuery):
    status: str | None = Field(None, pattern="^(proposed|returned|active)$")


def _page(items: list[Any], query: PageQuery) -> dict[str, Any]:
    start = (query.page - 1) * query.per_page
    return {"items": items[start:start + query.per_page], "total": len(items),
            "page": query.page, "per_page": query.per_page}


@api_route(bp, "/me/stipend-pathways", scope="me", query=PageQuery,
           summary="Your professional development plans with progress from verified records",
           tags=["stipends"])
def my_pathways(query: PageQuery) -> Any:
    session, registry = registry_session(), current_registry()
    today = svc.local_today(registry)
    rows = pw.my_pathways(session, me_participant().id)
    start = (query.page - 1) * query.per_page
    items = [pw.pathway_json(session, registry, p, today=today)
             for p in rows[start:start + query.per_page]]
    return {"items": items, "total": len(rows), "page": query.page, "per_page": query.per_page}


@api_route(bp, "/me/stipend-pathways", methods=["POST"], scope="me", body=PathwayProposalIn,
           status=201, errors=(404, 409, 422),
           summary="Propose a plan for one of your approved stipends (county staff approve it)",
           tags=["stipends"])
@problems
def propose_pathway(body: PathwayProposalIn) -> Any:
    session, registry = registry_session(), current_registry()
    participant = me_participant()
    application = pw.recipient_application(session, participant.id, body.application_id)
    data = pw.PathwayData.model_validate(body.model_dump(exclude={"application_id"}))
    today = svc.local_today(registry)
    pathway = pw.create_pathway(session, registry, current_actor(), application, data,
                                by_staff=False, today=today)
    out = pw.pathway_json(session, registry, pathway, today=today)
    session.commit()
    return out


@api_route(bp, "/me/stipend-pathways/<int:pathway_id>", scope="me", errors=(404,),
           summary="One of your plans with its progress", tags=["stipends"])
@problems
def my_pathway(pathway_id: int) -> Any:
    session, registry = registry_session(), current_registry()
    pathway = pw.my_pathway(session, me_participant().id, pathway_id)
    return pw.pathway_json(session, registry, pathway, today=svc.local_today(registry))


@api_route(bp, "/me/stipend-pathways/<int:pathway_id>", methods=["PUT"], scope="me",
           body=pw.PathwayData, errors=(404, 409, 422),
           summary="Change your proposed or returned plan (proposes it again)",
           tags=["stipends"])
@problems
def change_my_pathway(pathway_id: int, body: pw.PathwayData) -> Any:
    session, registry = registry_session(), current_registry()
    pathway = pw.my_pathway(session, me_participant().id, pathway_id)
    pw.update_pathway(session, current_actor(), pathway, body, by_staff=False)
    out = pw.pathway_json(session, registry, pathway, today=svc.local_today(registry))
    session.commit()
    return out


@api_route(bp, "/stipends/applications/<int:application_id>/pathway", methods=["POST"],
           scope=ADMIN, body=pw.PathwayData, status=201, errors=(404, 409, 422),
           summary="Write the plan of an approved stipend's recipient (active at once)",
           tags=["stipends"])
@problems
def create_pathway(application_id: int, body: pw.PathwayData) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    application = svc.admin_application(session, actor, application_id)
    today = svc.local_today(registry)
    pathway = pw.create_pathway(session, registry, actor, application, body, by_staff=True,
                                today=today)
    out = pw.pathway_json(session, registry, pathway, today=today)
    session.commit()
    return out


@api_route(bp, "/stipends/programs/<int:program_id>/pathways", scope=ADMIN, query=PathwayQuery,
           errors=(404,), summary="Plans of a program's recipients (status and overall progress)",
           tags=["stipends"])
@problems
def program_pathways(program_id: int, query: PathwayQuery) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    program = svc.admin_program(session, actor, program_id)
    today = svc.local_today(registry)
    rows = [p for p in pw.program_pathways(session, program)
            if query.status is None or p.status == query.status]
    page = _page(rows, query)
    items = []
    for pathway in page["items"]:
        pw.read_by_staff(session, actor, pathway)
        full = pw.pathway_json(session, registry, pathway, today=today)
        items.append({k: full[k] for k in ("id", "application_id", "registry_id", "title",
                                             "status",
                                             "starts_on", "target_date", "percent",
                                             "completed")})
    session.commit()
    return {**page, "items": items}


@api_route(bp, "/stipends/pathways/<int:pathway_id>", scope=ADMIN, errors=(404,),
           summary="A recipient's plan with progress from verified records (audited)",
           tags=["stipends"])
@problems
def staff_pathway(pathway_id: int) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    pathway = pw.admin_pathway(session, actor, pathway_id)
    pw.read_by_staff(session, actor, pathway)
    out = pw.pathway_json(session, registry, pathway, today=svc.local_today(registry))
    session.commit()
    return out


@api_route(bp, "/stipends/pathways/<int:pathway_id>", methods=["PUT"], scope=ADMIN,
           body=pw.PathwayData, errors=(404, 422),
           summary="Change a recipient's plan (goals are replaced)", tags=["stipends"])
@problems
def change_pathway(pathway_id: int, body: pw.PathwayData) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    pathway = pw.admin_pathway(session, actor, pathway_id)
    pw.update_pathway(session, actor, pathway, body, by_staff=True)
    out = pw.pathway_json(session, registry, pathway, today=svc.local_today(registry))
    session.commit()
    return out


@api_route(bp, "/stipends/pathways/<int:pathway_id>/review", methods=["POST"], scope=ADMIN,
           body=PathwayReviewIn, errors=(404, 409, 422),
           summary="Approve a proposed plan, or return it with a reason", tags=["stipends"])
@problems
def review_pathway(pathway_id: int, body: PathwayReviewIn) -> Any:
    session, registry = registry_session(), current_registry()
    actor = current_actor()
    pathway = pw.admin_pathway(session, actor, pathway_id)
    pw.review_pathway(session, registry, actor, pathway, body.decision, body.reason)
    out = pw.pathway_json(session, registry, pathway, today=svc.local_today(registry))
    session.commit()
    return out
