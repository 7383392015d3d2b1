"""``/api/v1`` for jobs: the public Job Board search and posting openings for a program.

There is deliberately no endpoint that lets an employer search participants.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from registry_kernel.api import ApiModel, PageQuery, ProblemError, api_route, current_actor
from registry_kernel.models import Organization
from registry_kernel.web import current_registry, registry_session

from . import services as svc

bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")

RoleCategory = Literal[svc.ROLE_CATEGORIES]  # type: ignore[valid-type]
PermitLevel = Literal[tuple(svc.PERMIT_RANK)]  # type: ignore[valid-type]
AgeGroup = Literal[svc.AGE_GROUPS]  # type: ignore[valid-type]
Schedule = Literal["full_time", "part_time", "substitute"]
Pay = Field(ge=0, le=500, max_digits=6, decimal_places=2)


def problems(view: Callable[..., Any]) -> Callable[..., Any]:
    """The services' refusals as problem+json (rolling back whatever was started)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except svc.JobsError as exc:
            registry_session().rollback()
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors) from exc

    return wrapper


class JobQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="words in the title, description, "
                          "city or employer")
    county: str | None = Field(None, max_length=64)
    position: RoleCategory | None = None
    schedule: Schedule | None = None
    required_permit: PermitLevel | None = None


class JobIn(ApiModel):
    """An opening. ``position`` is a role category code; pay is hourly."""

    title: str = Field(min_length=1, max_length=200)
    position: RoleCategory
    county: str = Field(min_length=1, max_length=64)
    city: str = Field(min_length=1, max_length=100)
    schedule: Schedule
    pay_min: Decimal = Pay
    pay_max: Decimal = Pay
    description: str = Field(min_length=1, max_length=10000, description="plain text")
    closing_date: date
    age_groups: list[AgeGroup] | None = None
    required_permit: PermitLevel | None = None
    how_to_apply: str | None = Field(None, max_length=2000)
    organization_id: int | None = Field(None, description="Only for an account administering "
                                        "several programs")


class JobPatch(ApiModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    position: RoleCategory | None = None
    county: str | None = Field(None, min_length=1, max_length=64)
    city: str | None = Field(None, min_length=1, max_length=100)
    schedule: Schedule | None = None
    pay_min: Decimal | None = Field(None, ge=0, le=500, max_digits=6, decimal_places=2)
    pay_max: Decimal | None = Field(None, ge=0, le=500, max_digits=6, decimal_places=2)
    description: str | None = Field(None, min_length=1, max_length=10000)
    closing_date: date | None = None
    age_groups: list[AgeGroup] | None = None
    required_permit: PermitLevel | None = None
    how_to_apply: str | None = Field(None, max_length=2000)
    status: Literal["closed"] | None = Field(None, description="close the posting early")


class JobOut(BaseModel):
    id: int
    title: str
    position: str
    organization_id: int
    employer: str | None
    program_type: str | None
    county: str
    city: str
    schedule: str
    pay_min: str
    pay_max: str
    description: str
    how_to_apply: str | None
    closing_date: str
    age_groups: list[str]
    required_permit: str | None
    status: str
    posted_at: str | None


class JobList(BaseModel):
    items: list[JobOut]
    total: int
    page: int
    per_page: int


class Created(BaseModel):
    id: int
    status: str


def _acting_org(session: Any, requested: int | None) -> int:
    """The program a posting is for: the client's organization, the token's, or the only (or
    the named) program the account administers."""
    actor = current_actor()
    ids = svc.admin_org_ids(actor)
    if requested is not None:
        if requested not in ids:
            raise ProblemError(422, "Unprocessable Content", "the request has invalid fields",
                               {"organization_id": "you do not administer this program"})
        return requested
    if not ids:
        raise ProblemError(403, "Forbidden", "only a program administrator (or the program's "
                           "agency client) can post jobs")
    if len(ids) > 1:
        raise ProblemError(422, "Unprocessable Content", "the request has invalid fields",
                           {"organization_id": "you administer several programs: say which"})
    org = session.get(Organization, ids[0])
    if org is None or org.kind not in svc.EMPLOYER_KINDS:
        raise ProblemError(403, "Forbidden", "only centers and family child care homes post "
                           "jobs")
    return ids[0]


def _county_error(value: str | None) -> None:
    from registry_kernel.counties import canonical_county

    if value is not None and canonical_county(value) is None:
        raise ProblemError(422, "Unprocessable Content", "the request has invalid fields",
                           {"county": "not a California county"})


@api_route(bp, "/jobs", public=True, query=JobQuery, response=JobList,
           summary="Search open jobs (public)", tags=["jobs"])
def search_jobs(query: JobQuery) -> dict[str, Any]:
    registry = current_registry()
    session = registry_session()
    per_page = min(query.per_page, svc.settings(registry).per_page_max)
    today = svc.local_today(registry)
    rows, total = svc.search(session, svc.SearchFilters(
        q=query.q, county=query.county, position=query.position, schedule=query.schedule,
        required_permit=query.required_permit), today, page=query.page, per_page=per_page)
    return {"items": [svc.posting_json(p, o, today) for p, o in rows], "total": total,
            "page": query.page, "per_page": per_page}


@api_route(bp, "/jobs/<int:job_id>", public=True, response=JobOut,
           summary="One open job (public)", tags=["jobs"], errors=(404,))
@problems
def get_job(job_id: int) -> dict[str, Any]:
    registry = current_registry()
    today = svc.local_today(registry)
    posting, org = svc.public_posting(registry_session(), job_id, today)
    return svc.posting_json(posting, org, today)


@api_route(bp, "/jobs", methods=["POST"], scope="jobs:write", body=JobIn, response=Created,
           status=201, summary="Post an opening for your program", tags=["jobs"],
           errors=(403, 409))
@problems
def post_job(body: JobIn) -> tuple[dict[str, Any], int]:
    registry = current_registry()
    session = registry_session()
    _county_error(body.county)
    org_id = _acting_org(session, body.organization_id)
    values = svc.parse_posting(body.model_dump(exclude={"organization_id"}, exclude_none=True))
    posting = svc.create_posting(session, registry, org_id, values, actor=current_actor())
    session.commit()
    return {"id": posting.id, "status": "open"}, 201


@api_route(bp, "/jobs/<int:job_id>", methods=["PATCH"], scope="jobs:write", body=JobPatch,
           response=JobOut, summary="Edit or close your program's posting", tags=["jobs"],
           errors=(404, 409))
@problems
def patch_job(job_id: int, body: JobPatch) -> dict[str, Any]:
    registry = current_registry()
    session = registry_session()
    actor = current_actor()
    posting = svc.get_posting_for_admin(session, job_id, actor)
    given = body.model_dump(exclude_unset=True)
    close = given.pop("status", None) == "closed"
    nulls = [k for k, v in given.items() if v is None and k not in
             ("age_groups", "required_permit", "how_to_apply")]
    if nulls:
        raise ProblemError(422, "Unprocessable Content", "the request has invalid fields",
                           dict.fromkeys(nulls, "cannot be empty"))
    _county_error(given.get("county"))
    if given:
        changes = svc.parse_posting(given, partial=True)
        svc.update_posting(session, registry, posting, changes, actor=actor)
    if close:
        svc.close_posting(session, posting, actor=actor)
    session.commit()
    return svc.posting_json(posting, session.get(Organization, posting.organization_id),
                            svc.local_today(registry))


@api_route(bp, "/programs/<int:org_id>/jobs", scope="jobs:write", query=PageQuery,
           response=JobList, summary="Your program's postings, open and closed", tags=["jobs"],
           errors=(404,))
@problems
def program_jobs(org_id: int, query: PageQuery) -> dict[str, Any]:
    registry = current_registry()
    session = registry_session()
    org = svc.program(session, org_id, current_actor())
    today = svc.local_today(registry)
    rows = svc.org_postings(session, org.id)
    start = (query.page - 1) * query.per_page
    return {"items": [svc.posting_json(p, org, today)
                      for p in rows[start:start + query.per_page]],
            "total": len(rows), "page": query.page, "per_page": query.per_page}


# --- saved searches (the participant's own; new matching jobs are emailed) -------------------

class SavedSearchIn(ApiModel):
    """The Job Board filters to keep (at least one)."""

    q: str | None = Field(None, max_length=100)
    county: str | None = Field(None, max_length=64)
    position: RoleCategory | None = None
    schedule: Schedule | None = None
    required_permit: PermitLevel | None = None


class SavedSearchOut(BaseModel):
    id: int
    q: str | None
    county: str | None
    position: str | None
    schedule: str | None
    required_permit: str | None
    created_at: str | None


class SavedSearchList(BaseModel):
    items: list[SavedSearchOut]
    total: int
    page: int
    per_page: int


def _participant_id() -> str:
    actor = current_actor()
    if not actor.participant_id or actor.via == "client":
        raise ProblemError(403, "Forbidden", "a token acting as a person is required")
    return actor.participant_id


@api_route(bp, "/me/job-searches", scope="me", response=SavedSearchList,
           summary="Your saved Job Board searches", tags=["jobs"])
def my_saved_searches() -> dict[str, Any]:
    items = svc.saved_searches(registry_session(), _participant_id())
    return {"items": [svc.saved_search_json(s) for s in items], "total": len(items),
            "page": 1, "per_page": max(1, len(items))}


@api_route(bp, "/me/job-searches", methods=["POST"], scope="me", body=SavedSearchIn,
           response=SavedSearchOut, status=201, errors=(409,),
           summary="Save a Job Board search; new matching jobs are emailed to you",
           tags=["jobs"])
@problems
def save_search(body: SavedSearchIn) -> tuple[dict[str, Any], int]:
    session = registry_session()
    saved = svc.save_search(session, _participant_id(), svc.SearchFilters(**body.model_dump()))
    session.commit()
    return svc.saved_search_json(saved), 201


@api_route(bp, "/me/job-searches/<int:search_id>", methods=["DELETE"], scope="me",
           status=204, errors=(404,), summary="Remove a saved search", tags=["jobs"])
@problems
def delete_search(search_id: int) -> Any:
    from flask import Response

    session = registry_session()
    svc.delete_saved_search(session, _participant_id(), search_id)
    session.commit()
    return Response(status=204)


# --- program administration ------------------------------------------------------------------

class AccessRequestIn(ApiModel):
    """Ask for Administrative Access (JSON: evidence is the FCC license number; a letter is
    uploaded in the UI)."""

    organization_id: int
    job_title: str | None = Field(None, max_length=100)
    license_number: str | None = Field(None, max_length=32)


class DecisionIn(ApiModel):
    approve: bool
    reason: str | None = Field(None, max_length=500)


class ConfirmIn(ApiModel):
    confirmed: bool = True


class EndIn(ApiModel):
    end_date: date


def _access_json(item: Any) -> dict[str, Any]:
    return {"id": item.id, "organization_id": item.organization_id, "status": item.status,
            "job_title": item.job_title, "license_number": item.license_number,
            "has_letter": item.letter_enc is not None, "reason": item.decision_reason,
            "requested_at": item.created_at.isoformat()}


@api_route(bp, "/me/admin-access-requests", methods=["POST"], scope="me", body=AccessRequestIn,
           status=201, summary="Ask for Administrative Access to a program", tags=["jobs"],
           errors=(409,))
@problems
def request_access(body: AccessRequestIn) -> tuple[dict[str, Any], int]:
    from registry_kernel.models import Account

    session = registry_session()
    actor = current_actor()
    account = session.get(Account, actor.account_id) if actor.account_id else None
    if account is None:
        raise ProblemError(403, "Forbidden", "a token acting as a person is required")
    item = svc.request_access(session, current_registry(), account, body.organization_id,
                              actor=actor, job_title=body.job_title,
                              license_number=body.license_number)
    session.commit()
    return _access_json(item), 201


@api_route(bp, "/me/admin-access-requests", scope="me", summary="Your access requests",
           tags=["jobs"])
def my_access_requests() -> dict[str, Any]:
    actor = current_actor()
    items = svc.my_access_requests(registry_session(), actor.account_id or 0)
    return {"items": [_access_json(i) for i in items], "total": len(items), "page": 1,
            "per_page": max(1, len(items))}


@api_route(bp, "/admin-access-requests", scope="jobs:access",
           summary="Pending Administrative Access requests, oldest first", tags=["jobs"])
def pending_access_requests() -> dict[str, Any]:
    actor = current_actor()
    if not actor.can("jobs.access.decide"):
        raise ProblemError(403, "Forbidden", "registry staff only")
    items = svc.access_requests(registry_session())
    return {"items": [_access_json(i) for i in items], "total": len(items), "page": 1,
            "per_page": max(1, len(items))}


@api_route(bp, "/admin-access-requests/<int:request_id>/decision", methods=["POST"],
           scope="jobs:access", body=DecisionIn, summary="Approve or deny an access request",
           tags=["jobs"], errors=(404, 409))
@problems
def decide_access(request_id: int, body: DecisionIn) -> dict[str, Any]:
    session = registry_session()
    item = svc.decide_access(session, current_registry(), request_id, actor=current_actor(),
                             approve=body.approve, reason=body.reason)
    session.commit()
    return _access_json(item)


@api_route(bp, "/programs/<int:org_id>/staff", scope="jobs:staff",
           summary="Employment reported at your program (confirmed and not)", tags=["jobs"],
           errors=(404,))
@problems
def program_staff(org_id: int) -> dict[str, Any]:
    session = registry_session()
    actor = current_actor()
    svc.program(session, org_id, actor)
    rows = svc.staff_list(session, current_registry(), org_id, actor=actor)
    session.commit()  # the audit records of the names read
    return {"items": [r.as_json() for r in rows], "total": len(rows), "page": 1,
            "per_page": max(1, len(rows))}


@api_route(bp, "/programs/<int:org_id>/staff/<int:employment_id>/confirmation",
           methods=["POST"], scope="jobs:staff", body=ConfirmIn,
           summary="Confirm (or decline) an employment record", tags=["jobs"], errors=(403, 404))
@problems
def confirm_staff(org_id: int, employment_id: int, body: ConfirmIn) -> dict[str, Any]:
    session = registry_session()
    record = svc.confirm(session, current_registry(), org_id, employment_id,
                         actor=current_actor(), confirmed=body.confirmed)
    session.commit()
    return {"employment_id": record.id, "status": record.status}


@api_route(bp, "/programs/<int:org_id>/staff/<int:employment_id>/end", methods=["POST"],
           scope="jobs:staff", body=EndIn, summary="Record the last day of work",
           tags=["jobs"], errors=(403, 404))
@problems
def end_staff(org_id: int, employment_id: int, body: EndIn) -> dict[str, Any]:
    session = registry_session()
    record = svc.end_employment(session, current_registry(), org_id, employment_id,
                                body.end_date, actor=current_actor())
    session.commit()
    return {"employment_id": record.id, "end_date": record.end_date.isoformat()}


class ReconfirmationOut(BaseModel):
    due: bool = Field(description="the yearly reconfirmation of the staff list is due")
    last_reconfirmed: str | None
    reconfirmed: int | None = Field(None, description="records reconfirmed just now")


def _reconfirmation(session: Any, org_id: int, reconfirmed: int | None = None
                    ) -> dict[str, Any]:
    registry = current_registry()
    last = svc.last_reconfirmed(session, org_id)
    return {"due": svc.reconfirmation_due(session, registry, org_id),
            "last_reconfirmed": last.isoformat() if last else None, "reconfirmed": reconfirmed}


@api_route(bp, "/programs/<int:org_id>/staff/reconfirmation", scope="jobs:staff",
           response=ReconfirmationOut, errors=(404,),
           summary="When the staff list was last reconfirmed, and whether it is due (yearly)",
           tags=["jobs"])
@problems
def reconfirmation(org_id: int) -> dict[str, Any]:
    session = registry_session()
    svc.program(session, org_id, current_actor())
    return _reconfirmation(session, org_id)


@api_route(bp, "/programs/<int:org_id>/staff/reconfirmation", methods=["POST"],
           scope="jobs:staff", response=ReconfirmationOut, errors=(404,),
           summary="Reconfirm the whole staff list (the yearly reconfirmation)", tags=["jobs"])
@problems
def reconfirm(org_id: int) -> dict[str, Any]:
    session = registry_session()
    count = svc.reconfirm_staff(session, current_registry(), org_id, actor=current_actor())
    session.commit()
    return _reconfirmation(session, org_id, count)


class MinimumsIn(ApiModel):
    minimums: dict[RoleCategory, PermitLevel | None] = Field(  # type: ignore[valid-type]
        description="role category -> the lowest Child Development Permit level the program "
                    "asks for (null clears it); staff below it are flagged")


class MinimumsOut(BaseModel):
    minimums: dict[str, str]


@api_route(bp, "/programs/<int:org_id>/minimums", scope="jobs:staff", response=MinimumsOut,
           errors=(404,), summary="The program's minimum permit level per role category "
           "(registry defaults included)", tags=["jobs"])
@problems
def get_minimums(org_id: int) -> dict[str, Any]:
    session = registry_session()
    svc.program(session, org_id, current_actor())
    return {"minimums": svc.program_minimums(session, current_registry(), org_id)}


@api_route(bp, "/programs/<int:org_id>/minimums", methods=["PUT"], scope="jobs:staff",
           body=MinimumsIn, response=MinimumsOut, errors=(404,),
           summary="Set or clear the program's minimum permit levels", tags=["jobs"])
@problems
def put_minimums(org_id: int, body: MinimumsIn) -> dict[str, Any]:
    session = registry_session()
    svc.set_program_minimums(session, org_id, dict(body.minimums), actor=current_actor())
    session.commit()
    return {"minimums": svc.program_minimums(session, current_registry(), org_id)}


class AdminOut(BaseModel):
    grant_id: int
    registry_id: str
    name: str
    granted_at: str


class AdminList(BaseModel):
    items: list[AdminOut]
    total: int
    page: int
    per_page: int


@api_route(bp, "/programs/<int:org_id>/administrators", scope="jobs:staff",
           response=AdminList, errors=(404,),
           summary="The program's administrators (names read audited)", tags=["jobs"])
@problems
def administrators(org_id: int) -> dict[str, Any]:
    session = registry_session()
    actor = current_actor()
    svc.program(session, org_id, actor)
    rows = svc.program_admins(session, current_registry(), org_id, actor=actor)
    session.commit()  # the audit records of the names read
    return {"items": [{"grant_id": r.grant_id, "registry_id": r.registry_id, "name": r.name,
                       "granted_at": r.granted_at.isoformat()} for r in rows],
            "total": len(rows), "page": 1, "per_page": max(1, len(rows))}


@api_route(bp, "/programs/<int:org_id>/administrators/<int:grant_id>", methods=["DELETE"],
           scope="jobs:staff", status=204, errors=(403, 404),
           summary="Remove an administrator of the program (a fellow administrator)",
           tags=["jobs"])
@problems
def remove_administrator(org_id: int, grant_id: int) -> Any:
    from flask import Response

    session = registry_session()
    actor = current_actor()
    if actor.via == "client":
        raise ProblemError(403, "Forbidden", "administrators are removed by a person, not an "
                           "agency system")
    svc.program(session, org_id, actor)
    svc.remove_admin(session, org_id, grant_id, actor=actor)
    session.commit()
    return Response(status=204)


@api_route(bp, "/programs/<int:org_id>/staff-qualifications", scope="jobs:staff",
           summary="Verified qualifications of your confirmed staff (audited)", tags=["jobs"],
           errors=(404,))
@problems
def staff_qualifications(org_id: int) -> dict[str, Any]:
    session = registry_session()
    rows = svc.staff_qualifications(session, current_registry(), org_id,
                                    actor=current_actor())
    session.commit()
    return {"items": rows, "total": len(rows), "page": 1, "per_page": max(1, len(rows))}


@api_route(bp, "/programs/<int:org_id>/staff-qualifications.pdf", scope="jobs:staff",
           produces="application/pdf", summary="The verified staff report (PDF)",
           tags=["jobs"], errors=(404,))
@problems
def staff_report(org_id: int) -> Any:
    from flask import Response

    from .reports import staff_report_pdf

    registry = current_registry()
    session = registry_session()
    actor = current_actor()
    org = svc.program(session, org_id, actor)
    rows = svc.staff_qualifications(session, registry, org_id, actor=actor)
    report = svc.issue_staff_report(session, org_id, rows, actor=actor)
    pdf = staff_report_pdf(registry, org, rows, report.code, report.issued_at)
    session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="staff-qualifications-{org.slug}.pdf"')
    response.headers["X-Verification-Code"] = report.code
    return response
