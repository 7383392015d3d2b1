"""``/api/v1/me/profile``, ``/api/v1/me/employment``, the card and the resume (scope ``me``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, url_for
from pydantic import EmailStr, Field, StringConstraints, field_validator
from sqlalchemy import select

from registry_kernel import clock, registry_id
from registry_kernel import participants as kernel_participants
from registry_kernel.api import (
    ApiModel,
    PageQuery,
    ProblemError,
    api_route,
    conflict,
    current_actor,
    not_found,
    paginate,
    unprocessable,
)
from registry_kernel.api_views import me_participant
from registry_kernel.counties import canonical_county
from registry_kernel.models import Account
from registry_kernel.web import current_registry, registry_session

from . import reports, services
from .models import Employment

bp = Blueprint("profile_api", __name__, url_prefix="/api/v1")

NAMES_READ_ONLY = ("first and last name can only be changed by the registry help desk, which "
                   "checks an identity document; ask them through the help desk contact")
Short = Annotated[str, StringConstraints(max_length=200)]


class AddressIn(ApiModel):
    street: Short | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    state: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = "CA"
    zip: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")] | None = None


class ProfilePatch(ApiModel):
    """Change any part of the profile; omitted fields stay as they are, ``null`` clears.

    ``first_name``/``last_name`` are read-only (422). A new ``email`` is not applied at once:
    a verification link goes to the new address and the old address is told.
    """

    first_name: Any = Field(None, description="Read-only: always refused (422); the help desk "
                                              "changes names")
    last_name: Any = Field(None, description="Read-only: always refused (422)")
    email: EmailStr | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9+()\-. ]{7,32}$")
    birth_date: date | None = None
    address: AddressIn | None = None
    preferred_language: Literal["en", "es", "zh-Hant"] | None = None
    county: str | None = Field(None, max_length=64)
    experience: services.ExperienceSection | None = None
    education: services.EducationSection | None = None
    demographics: services.DemographicsSection | None = None

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= clock.today():
            raise ValueError("birth date must be between 1900-01-01 and today")
        return value

    @field_validator("county")
    @classmethod
    def _county(cls, value: str | None) -> str | None:
        if value is None:
            return None
        canonical = canonical_county(value)
        if canonical is None:
            raise ValueError("not a California county")
        return canonical


class EmailVerification(ApiModel):
    token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class EmploymentIn(services.EmploymentInput):
    """A new employment record: ``employer_id`` (a listed employer) or ``employer_name``,
    ``position``, ``role_category``, ``start_date`` required."""


class EmploymentPatch(services.EmploymentInput):
    """Change a record; a confirmed record only accepts ``end_date`` (409 otherwise)."""


class EmployerQuery(ApiModel):
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)]


def verify_url() -> str:
    path = url_for("profile_web.verify_email", token="TOKEN-PLACEHOLDER")  # noqa: S106
    return current_registry().settings.base_url.rstrip("/") + path.replace(
        "TOKEN-PLACEHOLDER", "{token}")


def profile_document(participant: Any) -> dict[str, Any]:
    session, registry = registry_session(), current_registry()
    data = kernel_participants.personal_data(session, registry, participant)
    account = session.scalar(select(Account).where(Account.participant_id == participant.id))
    return {
        "registry_id": participant.registry_id,
        "registry_id_display": registry_id.display(participant.registry_id),
        "first_name": data.first_name, "last_name": data.last_name,
        "names_editable": False, "names_help": NAMES_READ_ONLY,
        "email": data.email,
        "email_verified": bool(account and account.email_verified_at),
        "email_pending": services.pending_email(session, registry, participant),
        "phone": data.phone,
        "birth_date": data.birth_date.isoformat() if data.birth_date else None,
        "address": data.address,
        "preferred_language": participant.preferred_language,
        "county": participant.county,
        "member_since": reports.member_since(registry, participant).isoformat(),
        **services.read_sections(session, registry, participant),
    }


def _profile_error(exc: services.ProfileError) -> ProblemError:
    return unprocessable(exc.errors, exc.detail)


@api_route(bp, "/me/profile", scope="me", summary="The participant's profile, all four sections",
           tags=["profile"])
def get_profile() -> Any:
    return profile_document(me_participant())


@api_route(bp, "/me/profile", methods=["PATCH"], scope="me", body=ProfilePatch, errors=(409, 429),
           summary="Update the profile (names are read-only; a new email is verified first)",
           tags=["profile"])
def patch_profile(body: ProfilePatch) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    participant = me_participant()
    given = body.model_fields_set
    names = {name: NAMES_READ_ONLY for name in ("first_name", "last_name") if name in given}
    if names:
        raise unprocessable(names, "names are read-only: " + NAMES_READ_ONLY)
    if "email" in given and body.email is None:
        raise unprocessable({"email": "the sign-in email cannot be removed; give a new one"})
    personal = services.PersonalChange(
        phone=body.phone, birth_date=body.birth_date,
        address=body.address.model_dump(exclude_none=True) if body.address else None,
        preferred_language=body.preferred_language, county=body.county,
        fields_set=frozenset(given))
    try:
        services.update_personal(session, registry, participant, personal, actor=actor)
        sections = {name: getattr(body, name).model_dump(exclude_unset=True)
                    for name in services.SECTIONS if name in given and getattr(body, name)}
        if sections:
            services.update_sections(session, registry, participant, sections, actor=actor)
        if "email" in given and body.email:
            services.request_email_change(session, registry, participant, str(body.email),
                                          actor=actor, verify_url=verify_url())
    except services.ProfileError as exc:
        raise _profile_error(exc) from exc
    except kernel_participants.DuplicateEmail as exc:
        raise conflict("this email is already registered to another profile",
                       errors={"email": "already registered"}) from exc
    except services.TooManyRequests as exc:
        raise ProblemError(429, "Too Many Requests", "too many email changes today; try again "
                           "tomorrow or contact the help desk") from exc
    session.commit()
    return profile_document(participant)


@api_route(bp, "/me/profile/email-verification", methods=["POST"], scope="me",
           body=EmailVerification, errors=(409,),
           summary="Confirm a new sign-in email with the token mailed to it", tags=["profile"])
def verify_email(body: EmailVerification) -> Any:
    session, registry = registry_session(), current_registry()
    participant = me_participant()
    try:
        done = services.confirm_email_change(session, registry, body.token,
                                             participant_id=participant.id)
    except kernel_participants.DuplicateEmail as exc:
        raise conflict("this email was registered to another profile meanwhile") from exc
    if done is None:
        raise unprocessable({"token": "this link is unknown, used or expired; ask for a new one"})
    session.commit()
    return profile_document(participant)


@api_route(bp, "/profile/employers", scope="me", query=EmployerQuery,
           summary="Find a listed employer (center or family child care home) by license "
                   "number or name", tags=["profile"])
def employers(query: EmployerQuery) -> Any:
    found = services.find_employers(registry_session(), query.q)
    return {"items": [{"id": org.id, "name": org.name, "kind": org.kind, "city": org.city,
                       "county": org.county, "license_number": org.license_number}
                      for org in found]}


@api_route(bp, "/me/employment", scope="me", query=PageQuery,
           summary="Employment history, newest first", tags=["profile"])
def list_employment(query: PageQuery) -> Any:
    session, registry = registry_session(), current_registry()
    participant = me_participant()
    ordered = (select(Employment).where(Employment.participant_id == participant.id)
               .order_by(Employment.end_date.is_(None).desc(), Employment.end_date.desc(),
                         Employment.start_date.desc(), Employment.id.desc()))
    return paginate(session, ordered, query,
                    lambda record: services.employment_json(session, registry, record))


@api_route(bp, "/me/employment", methods=["POST"], scope="me", body=EmploymentIn, status=201,
           summary="Add a job to the employment history", tags=["profile"])
def create_employment(body: EmploymentIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    participant = me_participant()
    try:
        record = services.create_employment(session, registry, participant, body, actor=actor)
    except services.ProfileError as exc:
        raise _profile_error(exc) from exc
    session.commit()
    return services.employment_json(session, registry, record), 201


def _own_record(employment_id: int) -> Any:
    try:
        return services.get_employment(registry_session(), me_participant(), employment_id)
    except services.EmploymentNotFound as exc:
        raise not_found("employment record") from exc


@api_route(bp, "/me/employment/<int:employment_id>", scope="me",
           summary="One employment record", tags=["profile"])
def get_employment(employment_id: int) -> Any:
    return services.employment_json(registry_session(), current_registry(),
                                    _own_record(employment_id))


@api_route(bp, "/me/employment/<int:employment_id>", methods=["PATCH"], scope="me",
           body=EmploymentPatch, errors=(409,),
           summary="Change a record (a confirmed one only takes end_date)", tags=["profile"])
def patch_employment(employment_id: int, body: EmploymentPatch) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    record = _own_record(employment_id)
    try:
        record = services.update_employment(session, registry, me_participant(), record.id, body,
                                            actor=actor)
    except services.EmploymentLocked as exc:
        raise conflict("this record was confirmed by the employer: only end_date can change; "
                       "ask the employer to correct anything else",
                       errors=dict.fromkeys(exc.args[0], "locked after confirmation")) from exc
    except services.ProfileError as exc:
        raise _profile_error(exc) from exc
    session.commit()
    return services.employment_json(session, registry, record)


@api_route(bp, "/me/employment/<int:employment_id>", methods=["DELETE"], scope="me",
           status=204, errors=(409,),
           summary="Remove a record entered by mistake (not once confirmed)", tags=["profile"])
def delete_employment(employment_id: int) -> Any:
    session, actor = registry_session(), current_actor()
    record = _own_record(employment_id)
    try:
        services.delete_employment(session, me_participant(), record.id, actor=actor)
    except services.EmploymentLocked as exc:
        raise conflict("this record was confirmed by the employer and stays in your history; "
                       "set its end_date instead") from exc
    session.commit()
    return Response(status=204)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ResumeJob(ApiModel):
    id: int
    include: bool = True
    responsibilities: list[Annotated[str, StringConstraints(max_length=300)]] = Field(
        default_factory=list, max_length=30)


class ResumeIn(ApiModel):
    """The Resume Builder's choices: the Summary of Qualifications and, per job, whether to
    include it and its bulleted responsibilities. Jobs not listed keep their choices."""

    summary: Annotated[str, StringConstraints(max_length=4000)] = ""
    jobs: list[ResumeJob] = Field(default_factory=list, max_length=200)


def resume_document(participant: Any) -> dict[str, Any]:
    session, registry = registry_session(), current_registry()
    return {"summary": services.resume_summary(session, registry, participant),
            "jobs": [{"id": record.id, "employer_name": services.employer_label(session, record),
                      "position": record.position, "start_date": record.start_date.isoformat(),
                      "end_date": record.end_date.isoformat() if record.end_date else None,
                      "include": record.include_in_resume,
                      "responsibilities": services.employment_responsibilities(
                          session, registry, record)}
                     for record in services.list_employment(session, participant.id)]}


@api_route(bp, "/me/resume", scope="me", summary="The Resume Builder's saved choices",
           tags=["profile"])
def get_resume() -> Any:
    return resume_document(me_participant())


@api_route(bp, "/me/resume", methods=["PUT"], scope="me", body=ResumeIn,
           summary="Save the Resume Builder's choices (download with /me/resume.docx)",
           tags=["profile"])
def put_resume(body: ResumeIn) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    participant = me_participant()
    try:
        services.save_resume(session, registry, participant, summary=body.summary,
                             jobs={job.id: (job.include, job.responsibilities)
                                   for job in body.jobs}, actor=actor)
    except services.EmploymentNotFound as exc:
        index = next(i for i, job in enumerate(body.jobs) if job.id == exc.args[0])
        raise unprocessable({f"jobs.{index}.id": "no such employment record of yours"}) from exc
    except services.ProfileError as exc:
        raise _profile_error(exc) from exc
    session.commit()
    return resume_document(participant)


@api_route(bp, "/me/card.pdf", scope="me", produces="application/pdf",
           summary="Membership ID card (PDF)", tags=["profile"])
def card_pdf() -> Any:
    participant = me_participant()
    data = reports.membership_card_pdf(registry_session(), current_registry(), participant)
    return _download(data, "application/pdf", f"registry-card-{participant.registry_id}.pdf")


@api_route(bp, "/me/resume.docx", scope="me", produces=DOCX,
           summary="Resume (Word) from the profile, employment and education", tags=["profile"])
def resume() -> Any:
    session, registry = registry_session(), current_registry()
    participant = me_participant()
    extra = registry.plugins.collect("education_report_sections", session=session,
                                     registry=registry, participant=participant)
    data = reports.resume_docx(session, registry, participant, extra_sections=extra)
    response = _download(data, DOCX, f"resume-{participant.registry_id}.docx")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="resume-{participant.registry_id}.docx"'
    return response
