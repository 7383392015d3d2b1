"""Training Module pages for reports, feedback surveys and Direct Service Profile codes.

Reports are the same ``ReportDefinition`` builders the kernel serves at
``/api/v1/reports/<name>.xlsx``: a sponsor's staff download them for their organization,
registry staff across sponsors (or for one). Every download is audited like the API's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from pydantic import BaseModel, Field
from sqlalchemy import select

from registry_kernel import audit
from registry_kernel.api import ApiModel, api_route, current_actor
from registry_kernel.auth.session import web_actor
from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.models import Organization
from registry_kernel.web import current_registry, registry_session

from . import dsp, reports, surveys
from . import services as svc
from .api import problems
from .forms import ActionForm
from .i18n import _
from .models import Training, TrainingSponsor
from .views import _module_event, _org_for_module, signed_in

bp = Blueprint("training_reports", __name__, url_prefix="/training",
               template_folder="templates")
api_bp = Blueprint("training_reports_api", __name__, url_prefix="/api/v1")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_list() -> list[tuple[str, str, str]]:
    """``(name, title, description)`` of the reports, in the page's order."""
    return [
        ("direct-service-profile", _("Direct Service Profile"),
         _("The state's report: one row per person who attended, ORGCODE first.")),
        ("attendance", _("Attendance"),
         _("Events, enrollments, attendance and hours, with totals.")),
        ("demographics", _("Participant demographics"),
         _("The people who attended, each counted once, by characteristic.")),
        ("feedback", _("Feedback summary"),
         _("Survey answers by question; groups under %(n)s answers are only counted.",
           n=surveys.MIN_GROUP)),
        ("funding", _("Funding"), _("Events, attendees and hours by funding source.")),
    ]


def _params(org_id: int | None, args: Any = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The page's query string (or ``args``) as report parameters, with a message per bad
    one."""
    args = request.args if args is None else args
    params: dict[str, Any] = {"organization_id": org_id}
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        raw = args.get(name, "").strip()
        if raw:
            try:
                params[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = _("a date like 2026-09-30")
    for name in ("county", "program"):
        if args.get(name):
            params[name] = args[name]
    if org_id is None and args.get("organization_id"):
        try:
            params["organization_id"] = int(args["organization_id"])
        except ValueError:
            errors["organization_id"] = _("choose a sponsor")
    fields = args.getlist("fields")
    if fields:
        params["fields"] = fields
    return params, errors


def _page(org: Organization | None, errors: dict[str, str], status: int = 200,
          failed: str | None = None) -> Any:
    """The Reports page; ``errors`` are shown in the form of the report ``failed``."""
    session, registry = registry_session(), current_registry()
    sponsors = []
    if org is None:
        sponsors = session.execute(
            select(Organization.id, Organization.name)
            .join(TrainingSponsor, TrainingSponsor.organization_id == Organization.id)
            .where(TrainingSponsor.status == "approved").order_by(Organization.name)).all()
    return render_template(
        "training/reports_index.html", org=org, reports=_report_list(), errors=errors,
        args=request.args, fields=reports.custom_fields(registry), sponsors=sponsors,
        counties=CALIFORNIA_COUNTIES, programs=dsp.PROGRAMS,
        chosen=set(request.args.getlist("fields")), failed=failed), status


def _checked(org: Organization | None, name: str, args: Any = None
             ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The page's parameters for report ``name``, as given and as checked, and a message per
    bad one (404 for an unknown report or another sponsor's data)."""
    session, registry, actor = registry_session(), current_registry(), web_actor()
    if name not in reports.REPORTS:
        abort(404)
    params, errors = _params(org.id if org else None, args)
    clean: dict[str, Any] = {}
    if not errors:
        try:
            clean = reports.check_params(name, session, registry, actor, params)
        except svc.NotFound:
            abort(404)
        except svc.TrainingError as exc:
            errors = {key.split(".")[0]: message for key, message in (exc.errors or {}).items()}
            flash(exc.detail, "error")
    return params, clean, errors


def _download(org: Organization | None, name: str) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    params, clean, errors = _checked(org, name)
    if errors:
        return _page(org, errors, 422, failed=name)
    if request.args.get("background"):
        return _confirm_background(org, name)
    title, rows, columns = reports.REPORTS[name]
    from registry_kernel.reports import write_xlsx

    handle = write_xlsx(title, columns, rows(session, registry, actor, clean))
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id=name, reason=f"from={params.get('from')} to={params.get('to')} "
                                          f"org={clean.get('organization_id') or 'all'}")
    session.commit()
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _confirm_background(org: Organization | None, name: str) -> Any:
    """A GET may not change anything: a page with the same parameters and a POST button."""
    kept = [(key, value) for key, values in request.args.lists() if key != "background"
            for value in values]
    title = dict((n, t) for n, t, _d in _report_list()).get(name, name)
    action = url_for("training_reports.sponsor_report_run", org_id=org.id, name=name) if org \
        else url_for("training_reports.staff_report_run", name=name)
    return render_template("training/reports_background.html", org=org, title=title,
                           kept=kept, action=action, form=ActionForm())


def _queue(org: Organization | None, name: str) -> Any:
    from registry_kernel.report_runs_web import queue_from_page

    if not ActionForm().validate_on_submit():
        abort(400)
    params, _clean, errors = _checked(org, name, request.form)
    if errors:
        return _page(org, errors, 422, failed=name)
    return queue_from_page(web_actor(), name, params)


def _sponsor_org(org_id: int) -> Organization:
    """The sponsor whose reports and settings the signed-in person manages (404 otherwise)."""
    return _org_for_module(org_id)


@bp.get("/manage/<int:org_id>/reports")
@signed_in
def sponsor_reports(org_id: int) -> Any:
    return _page(_sponsor_org(org_id), {})


@bp.get("/manage/<int:org_id>/reports/<name>.xlsx")
@signed_in
def sponsor_report(org_id: int, name: str) -> Any:
    return _download(_sponsor_org(org_id), name)


@bp.post("/manage/<int:org_id>/reports/<name>/runs")
@signed_in
def sponsor_report_run(org_id: int, name: str) -> Any:
    """Prepare the report in the background (then see it on My reports)."""
    return _queue(_sponsor_org(org_id), name)


def _staff_only() -> None:
    if not reports.is_registry_staff(web_actor()):
        abort(403)


@bp.get("/reports")
@signed_in
def staff_reports() -> Any:
    """Registry staff: every report across sponsors, or for one."""
    _staff_only()
    return _page(None, {})


@bp.get("/reports/<name>.xlsx")
@signed_in
def staff_report(name: str) -> Any:
    _staff_only()
    return _download(None, name)


@bp.post("/reports/<name>/runs")
@signed_in
def staff_report_run(name: str) -> Any:
    _staff_only()
    return _queue(None, name)


# --- the sign-in sheet as Excel --------------------------------------------------------------

def _xlsx_response(handle: Any, filename: str) -> Response:
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/manage/<int:org_id>/events/<int:event_id>/sign-in.xlsx")
@signed_in
def sign_in_sheet(org_id: int, event_id: int) -> Any:
    """The sign-in sheet as Excel (staff of the sponsor, or the instructor who leads it)."""
    _org, event = _module_event(org_id, event_id)
    session = registry_session()
    handle = reports.sign_in_xlsx(event, svc.roster(session, current_registry(), event,
                                                    web_actor(), reason="sign-in sheet xlsx"))
    session.commit()
    return _xlsx_response(handle, f"sign-in-{event.id}.xlsx")


@api_route(api_bp, "/events/<int:event_id>/sign-in-sheet.xlsx", scope="training:read",
           produces=XLSX, summary="The sign-in sheet as Excel (walk-in lines; fill in Status "
           "and upload it back as attendance)", tags=["training"])
@problems
def sign_in_sheet_xlsx(event_id: int) -> Any:
    session, registry, actor = registry_session(), current_registry(), current_actor()
    event = svc.get_event(session, event_id, actor)
    handle = reports.sign_in_xlsx(event, svc.roster(session, registry, event, actor,
                                                    reason="sign-in sheet xlsx"))
    session.commit()
    return _xlsx_response(handle, f"sign-in-{event.id}.xlsx")


# --- feedback surveys: API -------------------------------------------------------------------

class SurveyQuestionIn(ApiModel):
    text: str = Field(min_length=1, max_length=300)
    scale_max: int = Field(5, ge=2, le=10, description="answers go from 1 to this")
    low_label: str | None = Field(None, max_length=60, description="what 1 means")
    high_label: str | None = Field(None, max_length=60, description="what scale_max means")


class SurveyIn(ApiModel):
    """A catalog entry's survey (replaces the questions; unchanged ones keep their key)."""

    questions: list[SurveyQuestionIn] = Field(min_length=1, max_length=surveys.MAX_QUESTIONS)
    comment_prompt: str | None = Field(None, max_length=300,
                                       description="null: no free comment")


class SurveyQuestionOut(BaseModel):
    key: str
    text: str
    scale_max: int
    low_label: str | None
    high_label: str | None


class SurveyOut(BaseModel):
    training_id: int
    configured: bool
    questions: list[SurveyQuestionOut]
    comment_prompt: str | None


def _survey_json(survey: surveys.Survey) -> dict[str, Any]:
    return {"training_id": survey.training_id, "configured": survey.configured,
            "comment_prompt": survey.comment_prompt,
            "questions": [{"key": q.key, "text": q.text, "scale_max": q.scale_max,
                           "low_label": q.low_label, "high_label": q.high_label}
                          for q in survey.questions]}


@api_route(api_bp, "/trainings/<int:training_id>/survey", scope="training:read",
           response=SurveyOut, summary="A catalog entry's feedback survey (the default "
           "questions until the sponsor sets its own)", tags=["training"])
@problems
def get_survey(training_id: int) -> Any:
    session = registry_session()
    training = svc.get_training(session, training_id, current_actor())
    return _survey_json(surveys.survey_for(session, training.id))


@api_route(api_bp, "/trainings/<int:training_id>/survey", methods=["PUT"],
           scope="training:write", body=SurveyIn, response=SurveyOut,
           summary="Set a catalog entry's feedback survey", tags=["training"])
@problems
def put_survey(training_id: int, body: SurveyIn) -> Any:
    session, actor = registry_session(), current_actor()
    training = svc.get_training(session, training_id, actor)
    survey = surveys.configure_survey(
        session, training, [surveys.QuestionInput(q.text, q.scale_max, q.low_label,
                                                  q.high_label) for q in body.questions],
        body.comment_prompt, actor=actor)
    data = _survey_json(survey)
    session.commit()
    return data


# --- feedback surveys ------------------------------------------------------------------------

@bp.get("/manage/<int:org_id>/surveys")
@signed_in
def survey_list(org_id: int) -> Any:
    org = _sponsor_org(org_id)
    session = registry_session()
    trainings = list(session.scalars(svc.catalog_query(org.id)))
    configured = {t.id: surveys.survey_for(session, t.id) for t in trainings}
    return render_template("training/reports_surveys.html", org=org, trainings=trainings,
                           surveys=configured)


def _question_inputs() -> list[surveys.QuestionInput]:
    result = []
    for n in range(surveys.MAX_QUESTIONS):
        text = request.form.get(f"q-{n}-text", "")
        try:
            scale = int(request.form.get(f"q-{n}-scale", "5"))
        except ValueError:
            scale = 0
        result.append(surveys.QuestionInput(text, scale, request.form.get(f"q-{n}-low"),
                                            request.form.get(f"q-{n}-high")))
    return result


@bp.route("/manage/<int:org_id>/catalog/<int:training_id>/survey", methods=["GET", "POST"])
@signed_in
def survey_form(org_id: int, training_id: int) -> Any:
    """Configure a catalog entry's feedback survey (or go back to the default questions)."""
    org = _sponsor_org(org_id)
    session, actor = registry_session(), web_actor()
    training = session.get(Training, training_id)
    if training is None or training.organization_id != org.id:
        abort(404)
    form = ActionForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            if request.form.get("action") == "reset":
                surveys.reset_survey(session, training, actor=actor)
            else:
                prompt = request.form.get("comment_prompt") if request.form.get(
                    "comments") else None
                surveys.configure_survey(session, training, _question_inputs(), prompt,
                                         actor=actor)
        except svc.TrainingError as exc:
            session.rollback()
            errors = exc.errors or {}
            flash(exc.detail, "error")
        else:
            session.commit()
            flash(_("The survey is saved."), "success")
            return redirect(url_for(".survey_form", org_id=org.id, training_id=training.id))
    survey = surveys.survey_for(session, training.id)
    if request.method == "POST":
        slots = [{"text": q.text, "scale": q.scale_max, "low": q.low_label or "",
                  "high": q.high_label or ""} for q in _question_inputs()]
        prompt = request.form.get("comment_prompt", "")
        comments = bool(request.form.get("comments"))
    else:
        slots = [{"text": q.text, "scale": q.scale_max, "low": q.low_label or "",
                  "high": q.high_label or ""} for q in survey.questions]
        slots += [{"text": "", "scale": 5, "low": "", "high": ""}] * (
            surveys.MAX_QUESTIONS - len(slots))
        prompt = survey.comment_prompt or surveys.DEFAULT_COMMENT_PROMPT
        comments = survey.comment_prompt is not None
    return render_template("training/reports_survey_form.html", org=org, training=training,
                           survey=survey, slots=slots, prompt=prompt, comments=comments,
                           errors=errors, form=form), 422 if errors else 200


# --- Direct Service Profile codes ------------------------------------------------------------

@bp.route("/manage/<int:org_id>/dsp-codes", methods=["GET", "POST"])
@signed_in
def dsp_codes(org_id: int) -> Any:
    """The sponsor's ORGCODE parts and each catalog entry's own program, type or funding."""
    org = _sponsor_org(org_id)
    session, actor = registry_session(), web_actor()
    trainings = list(session.scalars(svc.catalog_query(org.id)))
    form = ActionForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        catalog = {t.id: {key: request.form.get(f"{key}-{t.id}")
                          for key in ("program", "delivery_type", "funding")}
                   for t in trainings}
        try:
            dsp.save_codes(session, org.id, dict(request.form), catalog, actor=actor)
        except svc.TrainingError as exc:
            session.rollback()
            errors = exc.errors or {}
            flash(exc.detail, "error")
        else:
            session.commit()
            flash(_("The Direct Service Profile codes are saved."), "success")
            return redirect(url_for(".dsp_codes", org_id=org.id))
    codes = dsp.sponsor_codes(session, org.id)
    sponsor = svc.sponsor_record(session, org.id)
    return render_template(
        "training/reports_dsp.html", org=org, codes=codes, trainings=trainings,
        overrides=dsp.catalog_codes(session, org.id), errors=errors, form=form,
        values=request.form if request.method == "POST" else None,
        vendor_number=sponsor.vendor_number if sponsor else None,
        counties=CALIFORNIA_COUNTIES, programs=dsp.PROGRAMS, types=dsp.DELIVERY_TYPES,
        funding=dsp.FUNDING, county_numbers=dsp.COUNTY_NUMBERS,
        example=dsp.orgcode(sponsor.vendor_number if sponsor else None, codes.county,
                            codes.program, codes.delivery_type, False, codes.funding),
    ), 422 if errors else 200
