"""The participant's pages: Profile Editor, Experience Management, Membership Card, Resume
Builder and the help pages. Thin: rules live in :mod:`.services`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from registry_kernel import clock, registry_id
from registry_kernel import participants as kernel_participants
from registry_kernel.auth.session import web_actor
from registry_kernel.models import Participant
from registry_kernel.web import current_registry, registry_session, writes_on_get

from . import config, forms, reports, services
from .api import DOCX, NAMES_READ_ONLY, verify_url

bp = Blueprint("profile_web", __name__, url_prefix="/profile", template_folder="templates",
               static_folder="static", static_url_path="/static")


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in required: the kernel's log-in page when it exists, 401 otherwise."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor = web_actor()
        if actor is None or actor.participant_id is None:
            if "kernel_web.login" in current_app.view_functions:
                return redirect(url_for("kernel_web.login",
                                        next=request.full_path.rstrip("?")))
            abort(401)
        return view(*args, **kwargs)

    return wrapper


def me() -> Participant:
    participant = registry_session().get(Participant, web_actor().participant_id)
    if participant is None or participant.status != "active":
        abort(404)
    return participant


def _apply_errors(form: Any, errors: dict[str, str]) -> None:
    """Put service errors next to their fields; others are flashed."""
    for key, message in errors.items():
        name = key.split(".")[-1]
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            flash(f"{key}: {message}", "danger")


def labels() -> dict[str, dict[str, str]]:
    """Code -> translated label for every coded value shown on the pages."""
    table = {"role": forms.ROLE_CHOICES, "age": forms.AGE_GROUP_CHOICES,
             "ethnicity": forms.ETHNICITY_CHOICES, "gender": forms.GENDER_CHOICES,
             "age_band": forms.AGE_BAND_CHOICES, "hours": forms.HOURS_CHOICES,
             "language": forms.LANGUAGE_CHOICES, "level": forms.LEVEL_CHOICES,
             "ui_language": forms.UI_LANGUAGE_CHOICES}
    return {key: {code: str(label) for code, label in choices} | {
        "declined": str(forms.DECLINED_LABEL)} for key, choices in table.items()}


# --- Profile Editor ---------------------------------------------------------------------------

@bp.get("/")
@signed_in
def profile() -> Any:
    session, registry = registry_session(), current_registry()
    participant = me()
    data = kernel_participants.personal_data(session, registry, participant)
    return render_template(
        "profile/profile.html", participant=participant, data=data,
        registry_id_display=registry_id.display(participant.registry_id),
        pending_email=services.pending_email(session, registry, participant),
        sections=services.read_sections(session, registry, participant), labels=labels())


@bp.route("/edit/personal", methods=["GET", "POST"])
@signed_in
def edit_personal() -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    participant = me()
    data = kernel_participants.personal_data(session, registry, participant)
    address = data.address or {}
    form = forms.PersonalForm(data={
        "email": data.email, "phone": data.phone, "birth_date": data.birth_date,
        "street": address.get("street"), "city": address.get("city"),
        "state": address.get("state", "CA"), "zip": address.get("zip"),
        "preferred_language": participant.preferred_language, "county": participant.county or ""})
    if form.validate_on_submit():
        new_address = {k: v.strip() for k in ("street", "city", "state", "zip")
                       if (v := (getattr(form, k).data or "")).strip()}
        change = services.PersonalChange(
            phone=forms.blank_to_none((form.phone.data or "").strip()),
            birth_date=form.birth_date.data, address=new_address or None,
            preferred_language=form.preferred_language.data,
            county=forms.blank_to_none(form.county.data),
            fields_set=frozenset({"phone", "birth_date", "address", "preferred_language",
                                  "county"}))
        errors = {}
        if change.phone and not re.fullmatch(r"[0-9+()\-. ]{7,32}", change.phone):
            errors["phone"] = _("Use digits, spaces and + ( ) - . only.")
        if change.birth_date and not date(1900, 1, 1) <= change.birth_date <= clock.today():
            errors["birth_date"] = _("Birth date must be between 1900 and today.")
        if change.address and change.address.get("zip") and not \
                re.fullmatch(r"\d{5}(-\d{4})?", change.address["zip"]):
            errors["zip"] = _("Use a 5-digit ZIP code.")
        if not errors:
            try:
                services.update_personal(session, registry, participant, change, actor=actor)
                new_email = (form.email.data or "").strip()
                token = None
                if new_email:
                    token = services.request_email_change(session, registry, participant,
                                                          new_email, actor=actor,
                                                          verify_url=verify_url())
                session.commit()
                flash(_("Your personal information was saved."), "success")
                if token:
                    flash(_("We sent a link to %(email)s. Your sign-in email changes when you "
                            "open it; your old address was told about the change.",
                            email=new_email), "info")
                return redirect(url_for(".profile"))
            except kernel_participants.DuplicateEmail:
                session.rollback()
                errors["email"] = _("This email is already registered to another profile.")
            except services.TooManyRequests:
                session.rollback()
                errors["email"] = _("You asked to change your email too many times today. Try "
                                    "again tomorrow or contact the help desk.")
        _apply_errors(form, errors)
    return render_template("profile/edit_personal.html", form=form, data=data,
                           names_help=NAMES_READ_ONLY)


def _section_form(name: str, stored: dict[str, Any]) -> Any:
    if name == "experience":
        year = stored.get("first_year_in_field")
        return forms.ExperienceForm(data={"first_year_in_field": "" if year is None else str(year),
                                          "current_roles": stored.get("current_roles") or []})
    if name == "education":
        return forms.EducationForm(data={k: v if v is not None else ("" if k != "ece_units"
                                                                    else None)
                                         for k, v in stored.items()})
    values = {k: ("" if v is None else v) for k, v in stored.items()}
    for key in ("other_languages", "ages_served"):
        values[f"{key}_declined"] = stored.get(key) == "declined"
        values[key] = stored.get(key) if isinstance(stored.get(key), list) else []
    return forms.DemographicsForm(data=values)


def _section_data(name: str, form: Any) -> dict[str, Any]:
    if name == "experience":
        return {"first_year_in_field": forms.year_or_none(form.first_year_in_field.data),
                "current_roles": form.current_roles.data or None}
    if name == "education":
        units = form.ece_units.data
        return {"highest_level": forms.blank_to_none(form.highest_level.data),
                "ece_units": None if units is None else Decimal(units),
                "degree_field": forms.blank_to_none((form.degree_field.data or "").strip())}
    data: dict[str, Any] = {}
    for key in ("ethnicity", "gender", "age_band", "primary_language", "county_of_residence",
                "county_of_work", "hours_per_week"):
        data[key] = forms.blank_to_none(getattr(form, key).data)
    for key in ("other_languages", "ages_served"):
        if getattr(form, f"{key}_declined").data:
            data[key] = "declined"
        else:
            data[key] = getattr(form, key).data or None
    return data


@bp.route("/edit/<any(experience, education, demographics):section>", methods=["GET", "POST"])
@signed_in
def edit_section(section: str) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    participant = me()
    stored = services.read_sections(session, registry, participant)[section]
    form = _section_form(section, stored)
    if form.validate_on_submit():
        try:
            services.update_sections(session, registry, participant,
                                     {section: _section_data(section, form)}, actor=actor,
                                     replace=True)
            session.commit()
            flash(_("Your changes were saved."), "success")
            return redirect(url_for(".profile") + f"#{section}")
        except services.ProfileError as exc:
            _apply_errors(form, exc.errors)
    return render_template("profile/edit_section.html", form=form, section=section)


@bp.get("/email/verify/<token>")
@writes_on_get  # the link is used up
def verify_email(token: str) -> Any:
    session, registry = registry_session(), current_registry()
    try:
        participant = services.confirm_email_change(session, registry, token)
    except kernel_participants.DuplicateEmail:
        participant = None
    if participant is None:
        session.rollback()
        return render_template("profile/email_verified.html", ok=False), 400
    session.commit()
    return render_template("profile/email_verified.html", ok=True)


# --- Experience Management --------------------------------------------------------------------

@bp.get("/employment")
@signed_in
def employment() -> Any:
    session, registry = registry_session(), current_registry()
    participant = me()
    records = [services.employment_json(session, registry, r)
               for r in services.list_employment(session, participant.id)]
    return render_template("profile/employment.html", records=records, labels=labels())


def _employment_input(form: Any, confirmed: bool = False) -> dict[str, Any]:
    if confirmed:
        return {"end_date": form.end_date.data}
    employer_id = (form.employer_id.data or "").strip()
    bullets = [line for line in (form.responsibilities.data or "").splitlines() if line.strip()]
    return {
        "employer_id": int(employer_id) if employer_id.isdigit() else None,
        "employer_name": forms.blank_to_none((form.employer_name.data or "").strip()),
        "position": forms.blank_to_none((form.position.data or "").strip()),
        "role_category": forms.blank_to_none(form.role_category.data),
        "start_date": form.start_date.data, "end_date": form.end_date.data,
        "hours_per_week": form.hours_per_week.data, "hourly_wage": form.hourly_wage.data,
        "age_groups": form.age_groups.data or [], "responsibilities": bullets,
    }


def _employer_choice(form: Any) -> Any:
    from registry_kernel.models import Organization

    text = (form.employer_id.data or "").strip()
    if text.isdigit():
        org = registry_session().get(Organization, int(text))
        if org is not None and org.kind in services.EMPLOYER_KINDS:
            return org
    return None


@bp.route("/employment/new", methods=["GET", "POST"])
@signed_in
def new_employment() -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    participant = me()
    form = forms.EmploymentForm()
    query = (request.args.get("q") or "").strip()[:100]
    if request.method == "GET" and request.args.get("employer_id", "").isdigit():
        form.employer_id.data = request.args["employer_id"]
    found = services.find_employers(session, query) if query else []
    if form.validate_on_submit():
        try:
            data = services.parse_employment(_employment_input(form), registry=registry,
                                             session=session)
            services.create_employment(session, registry, participant, data, actor=actor)
            session.commit()
            flash(_("The job was added. Your employer can now confirm it."), "success")
            return redirect(url_for(".employment"))
        except services.ProfileError as exc:
            _apply_errors(form, exc.errors)
    return render_template("profile/employment_form.html", form=form, record=None, query=query,
                           found=found, chosen=_employer_choice(form))


@bp.route("/employment/<int:employment_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_employment(employment_id: int) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    participant = me()
    try:
        record = services.get_employment(session, participant, employment_id)
    except services.EmploymentNotFound:
        abort(404)
    current = services.employment_json(session, registry, record)
    confirmed = record.status == "confirmed"
    if confirmed:
        form: Any = forms.ConfirmedEmploymentForm(data={"end_date": record.end_date})
    else:
        form = forms.EmploymentForm(data={
            "employer_id": str(record.employer_id or ""),
            "employer_name": record.employer_name or "", "position": record.position,
            "role_category": record.role_category, "start_date": record.start_date,
            "end_date": record.end_date, "hours_per_week": record.hours_per_week,
            "hourly_wage": Decimal(current["hourly_wage"]) if current["hourly_wage"] else None,
            "age_groups": record.age_groups or [],
            "responsibilities": "\n".join(current["responsibilities"])})
    query = (request.args.get("q") or "").strip()[:100]
    found = services.find_employers(session, query) if query and not confirmed else []
    if form.validate_on_submit():
        try:
            data = services.parse_employment(_employment_input(form, confirmed),
                                             registry=registry, session=session)
            services.update_employment(session, registry, participant, record.id, data,
                                       actor=actor)
            session.commit()
            flash(_("The job was updated."), "success")
            return redirect(url_for(".employment"))
        except services.ProfileError as exc:
            session.rollback()
            _apply_errors(form, exc.errors)
        except services.EmploymentLocked:
            session.rollback()
            flash(_("This job was confirmed by your employer: only the end date can change."),
                  "danger")
    return render_template("profile/employment_form.html", form=form, record=current,
                           query=query, found=found, delete_form=forms.CsrfForm(),
                           chosen=None if confirmed else _employer_choice(form))


@bp.post("/employment/<int:employment_id>/delete")
@signed_in
def delete_employment(employment_id: int) -> Any:
    session, actor = registry_session(), web_actor()
    form = forms.CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.delete_employment(session, me(), employment_id, actor=actor)
    except services.EmploymentNotFound:
        abort(404)
    except services.EmploymentLocked:
        flash(_("A confirmed job stays in your history; set its end date instead."), "danger")
        return redirect(url_for(".employment"))
    session.commit()
    flash(_("The job was removed."), "success")
    return redirect(url_for(".employment"))


# --- Membership Card --------------------------------------------------------------------------

@bp.get("/card")
@signed_in
def card() -> Any:
    session, registry = registry_session(), current_registry()
    participant = me()
    data = kernel_participants.personal_data(session, registry, participant,
                                             fields=("first_name", "last_name"))
    return render_template("profile/card.html", name=data.full_name(),
                           registry_id_display=registry_id.display(participant.registry_id),
                           since=reports.member_since(registry, participant))


@bp.get("/card.pdf")
@signed_in
def card_pdf() -> Any:
    participant = me()
    pdf = reports.membership_card_pdf(registry_session(), current_registry(), participant, labels={
        "card": _("Membership Card"), "registry_id": _("Registry ID"),
        "since": _("Member since")})
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f'inline; filename="registry-card-{participant.registry_id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Resume Builder ---------------------------------------------------------------------------

@bp.route("/resume", methods=["GET", "POST"])
@signed_in
def resume() -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    participant = me()
    records = services.list_employment(session, participant.id)
    form = forms.ResumeForm(data={"summary": services.resume_summary(session, registry,
                                                                     participant)})
    if form.validate_on_submit():
        jobs = {r.id: (request.form.get(f"include_{r.id}") == "y",
                       (request.form.get(f"bullets_{r.id}") or "").splitlines())
                for r in records}
        try:
            services.save_resume(session, registry, participant, summary=form.summary.data or "",
                                 jobs=jobs, actor=actor)
            extra = registry.plugins.collect("education_report_sections", session=session,
                                             registry=registry, participant=participant)
            document = reports.resume_docx(session, registry, participant, extra_sections=extra)
            session.commit()
            response = Response(document, mimetype=DOCX)
            response.headers["Content-Disposition"] = \
                f'attachment; filename="resume-{participant.registry_id}.docx"'
            response.headers["Cache-Control"] = "no-store"
            return response
        except services.ProfileError as exc:
            session.rollback()
            _apply_errors(form, exc.errors)
    jobs_view = [{**services.employment_json(session, registry, r),
                  "employer": services.employer_label(session, r)} for r in records]
    return render_template("profile/resume.html", form=form, jobs=jobs_view, labels=labels())


# --- help -------------------------------------------------------------------------------------

@bp.get("/help/contact")
def contact_admin() -> Any:
    return render_template("profile/help_contact.html", settings=config(current_registry()))


@bp.get("/help/documents")
def submit_documents() -> Any:
    return render_template("profile/help_documents.html", settings=config(current_registry()))

