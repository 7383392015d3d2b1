"""UI of the jobs plugin: the public Job Board, Administrative Access (request and the staff
queue), Program Administration (staff, qualifications, report, administrators, postings).

Views are thin: they read forms and call :mod:`.services`. Employers cannot search
participants: no page offers it, and the Program Administration page says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry_kernel.auth.session import (
    current_account,
    login_required,
    permission_required,
    two_factor_required,
    web_actor,
)
from registry_kernel.models import Organization
from registry_kernel.web import current_registry, registry_session

from . import services as svc
from .forms import (
    AGE_LABELS,
    PERMIT_LABELS,
    ROLE_LABELS,
    SCHEDULE_LABELS,
    AccessForm,
    CsrfForm,
    DecisionForm,
    EndDateForm,
    PostingForm,
    SearchForm,
)
from .reports import FLAG_TEXT, staff_report_pdf

bp = Blueprint("jobs_web", __name__, url_prefix="/jobs", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"jobs_roles": ROLE_LABELS, "jobs_schedules": SCHEDULE_LABELS,
            "jobs_ages": AGE_LABELS, "jobs_permits": PERMIT_LABELS, "jobs_flags": FLAG_TEXT}


def _errors_to_form(form: Any, exc: svc.JobsError) -> list[str]:
    """Put a service's field errors beside the fields; return the others."""
    rest: list[str] = []
    for name, message in (exc.errors or {}).items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), _(message)]
        else:
            rest.append(f"{name}: {_(message)}")
    if not exc.errors:
        rest.append(_(exc.detail))
    return rest


def _problem_text(exc: svc.JobsError) -> str:
    """A refusal's messages in the page's language, for a flash message."""
    return " ".join(_(str(v)) for v in (exc.errors or {}).values()) or _(exc.detail)


# --- the public Job Board ---------------------------------------------------------------------

@bp.get("/")
def board() -> str:
    registry = current_registry()
    session = registry_session()
    form = SearchForm(request.args)
    form.validate()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters = svc.SearchFilters(q=form.q.data or None, county=form.county.data or None,
                                position=form.position.data or None,
                                schedule=form.schedule.data or None,
                                required_permit=form.required_permit.data or None)
    today = svc.local_today(registry)
    rows, total = svc.search(session, filters, today, page=page, per_page=20)
    actor = web_actor()
    saved = svc.saved_searches(session, actor.participant_id) \
        if actor is not None and actor.participant_id else []
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("jobs/board.html", form=form, rows=rows, total=total, page=page,
                           pages=max(1, (total + 19) // 20), args=args, saved=saved,
                           csrf_form=CsrfForm(), signed_in=actor is not None)


@bp.get("/<int:job_id>")
def job(job_id: int) -> str:
    registry = current_registry()
    try:
        posting, org = svc.public_posting(registry_session(), job_id,
                                          svc.local_today(registry))
    except svc.NotFound:
        abort(404)
    return render_template("jobs/job.html", posting=posting, org=org)


@bp.post("/saved-searches")
@login_required
def save_search() -> Any:
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    actor = web_actor()
    session = registry_session()
    filters = svc.SearchFilters(q=request.form.get("q") or None,
                                county=request.form.get("county") or None,
                                position=request.form.get("position") or None,
                                schedule=request.form.get("schedule") or None,
                                required_permit=request.form.get("required_permit") or None)
    try:
        svc.save_search(session, actor.participant_id, filters)
        session.commit()
        flash(_("Search saved. We will email you when new matching jobs are posted."),
              "success")
    except svc.JobsError as exc:
        session.rollback()
        flash(_problem_text(exc), "error")
    return redirect(url_for("jobs_web.board", **{k: v for k, v in request.form.items()
                                                 if k in ("q", "county", "position",
                                                          "schedule", "required_permit")
                                                 and v}))


@bp.post("/saved-searches/<int:search_id>/delete")
@login_required
def delete_search(search_id: int) -> Any:
    if not CsrfForm().validate_on_submit():
        abort(400)
    session = registry_session()
    try:
        svc.delete_saved_search(session, web_actor().participant_id, search_id)
    except svc.NotFound:
        abort(404)
    session.commit()
    flash(_("Saved search removed."), "success")
    return redirect(url_for("jobs_web.board"))


@bp.get("/report-check")
def report_check() -> str:
    code = request.args.get("code", "")
    result = svc.check_staff_report(registry_session(), code) if code else None
    return render_template("jobs/report_check.html", code=code, result=result)


# --- Administrative Access --------------------------------------------------------------------

@bp.route("/access", methods=["GET", "POST"])
@login_required
def request_access() -> Any:
    registry = current_registry()
    session = registry_session()
    actor = web_actor()
    account = current_account()
    text = request.values.get("program", "").strip()
    programs = svc.find_programs(session, text) if text else []
    chosen = None
    form = AccessForm()
    org_id = request.values.get("organization_id", type=int)
    if org_id:
        chosen = session.get(Organization, org_id)
        if chosen is None or chosen.kind not in svc.EMPLOYER_KINDS:
            chosen = None
    problems: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        upload = request.files.get("letter")
        data = upload.read() if upload and upload.filename else None
        try:
            svc.request_access(session, registry, account, org_id, actor=actor,
                               job_title=form.job_title.data,
                               license_number=form.license_number.data, letter=data)
            session.commit()
            flash(_("Your request was sent. Registry staff will review it and email you."),
                  "success")
            return redirect(url_for("jobs_web.request_access"))
        except svc.JobsError as exc:
            session.rollback()
            problems = _errors_to_form(form, exc)
    mine = svc.my_access_requests(session, account.id)
    names = {o.id: o.name for o in session.query(Organization).filter(
        Organization.id.in_([r.organization_id for r in mine] or [0]))}
    status = 422 if problems or form.errors else 200
    return render_template("jobs/access.html", form=form, programs=programs, text=text,
                           chosen=chosen, mine=mine, names=names, problems=problems), status


@bp.get("/access/queue")
@permission_required("jobs.access.decide")
@two_factor_required
def access_queue() -> str:
    registry = current_registry()
    session = registry_session()
    actor = web_actor()
    items = []
    for item in svc.access_requests(session):
        org = session.get(Organization, item.organization_id)
        items.append((item, org, svc.requester_name(session, registry, item, actor=actor)))
    session.commit()  # the audit records of the names read
    return render_template("jobs/access_queue.html", items=items, form=DecisionForm())


@bp.post("/access/<int:request_id>/decide")
@permission_required("jobs.access.decide")
@two_factor_required
def decide_access(request_id: int) -> Any:
    registry = current_registry()
    session = registry_session()
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    try:
        svc.decide_access(session, registry, request_id, actor=web_actor(), approve=approve,
                          reason=form.reason.data)
        session.commit()
        flash(_("Access approved.") if approve else _("Access denied."), "success")
    except svc.NotFound:
        abort(404)
    except svc.JobsError as exc:
        session.rollback()
        flash(_problem_text(exc), "error")
    return redirect(url_for("jobs_web.access_queue"))


@bp.get("/access/<int:request_id>/letter")
@permission_required("jobs.access.decide")
@two_factor_required
def access_letter(request_id: int) -> Response:
    registry = current_registry()
    session = registry_session()
    try:
        item = svc.get_access_request(session, request_id, web_actor())
        data, media_type = svc.read_letter(session, registry, item, actor=web_actor())
    except svc.NotFound:
        abort(404)
    session.commit()
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = f'inline; filename="letter-{request_id}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Program Administration -------------------------------------------------------------------

def _program(org_id: int) -> Organization:
    try:
        return svc.program(registry_session(), org_id, web_actor())
    except svc.NotFound:
        abort(404)


@bp.get("/admin")
@login_required
def admin_home() -> Any:
    session = registry_session()
    actor = web_actor()
    orgs = [session.get(Organization, i) for i in svc.admin_org_ids(actor)]
    orgs = [o for o in orgs if o is not None and o.kind in svc.EMPLOYER_KINDS]
    if len(orgs) == 1:
        return redirect(url_for("jobs_web.staff", org_id=orgs[0].id))
    return render_template("jobs/admin_home.html", orgs=orgs)


@bp.get("/admin/<int:org_id>")
@login_required
def staff(org_id: int) -> str:
    registry = current_registry()
    session = registry_session()
    org = _program(org_id)
    rows = svc.staff_list(session, registry, org.id, actor=web_actor())
    due = svc.reconfirmation_due(session, registry, org.id)
    last = svc.last_reconfirmed(session, org.id)
    session.commit()  # audit records of the names read
    return render_template("jobs/staff.html", org=org, rows=rows, due=due, last=last,
                           form=CsrfForm(), end_form=EndDateForm(),
                           today=svc.local_today(registry))


@bp.post("/admin/<int:org_id>/staff/<int:employment_id>/<any(confirm, decline):action>")
@login_required
def confirm(org_id: int, employment_id: int, action: str) -> Any:
    registry = current_registry()
    session = registry_session()
    if not CsrfForm().validate_on_submit():
        abort(400)
    _program(org_id)
    try:
        svc.confirm(session, registry, org_id, employment_id, actor=web_actor(),
                    confirmed=action == "confirm")
    except svc.NotFound:
        abort(404)
    except svc.Forbidden:
        abort(403)
    session.commit()
    flash(_("Employment confirmed.") if action == "confirm" else
          _("Employment declined; the person will be asked to check it."), "success")
    return redirect(url_for("jobs_web.staff", org_id=org_id))


@bp.post("/admin/<int:org_id>/staff/<int:employment_id>/end")
@login_required
def end_employment(org_id: int, employment_id: int) -> Any:
    registry = current_registry()
    session = registry_session()
    form = EndDateForm()
    if not form.validate_on_submit():
        flash(_("Give the last day of work as a date."), "error")
        return redirect(url_for("jobs_web.staff", org_id=org_id))
    _program(org_id)
    try:
        svc.end_employment(session, registry, org_id, employment_id, form.end_date.data,
                           actor=web_actor())
        session.commit()
        flash(_("End date recorded."), "success")
    except svc.NotFound:
        abort(404)
    except svc.JobsError as exc:
        session.rollback()
        flash(_problem_text(exc), "error")
    return redirect(url_for("jobs_web.staff", org_id=org_id))


@bp.post("/admin/<int:org_id>/reconfirm")
@login_required
def reconfirm(org_id: int) -> Any:
    registry = current_registry()
    session = registry_session()
    if not CsrfForm().validate_on_submit():
        abort(400)
    _program(org_id)
    count = svc.reconfirm_staff(session, registry, org_id, actor=web_actor())
    session.commit()
    flash(_("Staff list reconfirmed (%(count)s people).", count=count), "success")
    return redirect(url_for("jobs_web.staff", org_id=org_id))


@bp.get("/admin/<int:org_id>/qualifications")
@login_required
def qualifications(org_id: int) -> str:
    registry = current_registry()
    session = registry_session()
    org = _program(org_id)
    rows = svc.staff_qualifications(session, registry, org.id, actor=web_actor())
    session.commit()  # the audit records of every person shown
    return render_template("jobs/qualifications.html", org=org, rows=rows, form=CsrfForm(),
                           documents_on=registry.plugins.is_enabled("documents"),
                           trainings=svc.upcoming_trainings(session, registry))


@bp.get("/admin/<int:org_id>/qualifications.pdf")
@login_required
def qualifications_pdf(org_id: int) -> Response:
    registry = current_registry()
    session = registry_session()
    org = _program(org_id)
    actor = web_actor()
    rows = svc.staff_qualifications(session, registry, org.id, actor=actor)
    report = svc.issue_staff_report(session, org.id, rows, actor=actor)
    pdf = staff_report_pdf(registry, org, rows, report.code, report.issued_at)
    session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="staff-qualifications-{org.slug}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/<int:org_id>/qualifications.xlsx")
@login_required
def qualifications_xlsx(org_id: int) -> Response:
    """The program's staff qualifications as Excel, in the page's language (audited: one
    record per person shown, and the export itself)."""
    from registry_kernel import audit
    from registry_kernel.reports import XLSX, write_xlsx

    from .reports import flat_row, staff_columns

    registry = current_registry()
    session = registry_session()
    org = _program(org_id)
    actor = web_actor()
    rows = [flat_row(org, row)
            for row in svc.staff_qualifications(session, registry, org.id, actor=actor)]
    handle = write_xlsx(_("Staff qualifications"), staff_columns(), rows)
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id="staff-qualifications", reason=f"organization {org.id}")
    session.commit()
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="staff-qualifications-{org.slug}.xlsx"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/<int:org_id>/administrators")
@login_required
def administrators(org_id: int) -> str:
    registry = current_registry()
    session = registry_session()
    org = _program(org_id)
    admins = svc.program_admins(session, registry, org.id, actor=web_actor())
    session.commit()
    return render_template("jobs/administrators.html", org=org, admins=admins,
                           form=CsrfForm(), me=web_actor().account_id)


@bp.post("/admin/<int:org_id>/administrators/<int:grant_id>/remove")
@login_required
def remove_admin(org_id: int, grant_id: int) -> Any:
    session = registry_session()
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        svc.remove_admin(session, org_id, grant_id, actor=web_actor())
    except svc.NotFound:
        abort(404)
    session.commit()
    flash(_("Administrator removed."), "success")
    if svc.administers(_fresh_actor(), org_id):
        return redirect(url_for("jobs_web.administrators", org_id=org_id))
    return redirect(url_for("jobs_web.board"))


def _fresh_actor() -> Any:
    from flask import g

    g.pop("web_actor", None)
    return web_actor()


# --- postings ---------------------------------------------------------------------------------

@bp.get("/admin/<int:org_id>/postings")
@login_required
def postings(org_id: int) -> str:
    registry = current_registry()
    org = _program(org_id)
    return render_template("jobs/postings.html", org=org,
                           postings=svc.org_postings(registry_session(), org.id),
                           today=svc.local_today(registry), form=CsrfForm())


def _save_posting(org: Organization, form: PostingForm, posting: Any = None) -> Any:
    registry = current_registry()
    session = registry_session()
    actor = web_actor()
    values = form.values()
    try:
        if posting is None:
            parsed = svc.parse_posting(values)
            posting = svc.create_posting(session, registry, org.id, parsed, actor=actor)
        else:
            parsed = svc.parse_posting(values)
            svc.update_posting(session, registry, posting, parsed, actor=actor)
        session.commit()
    except svc.JobsError as exc:
        session.rollback()
        return _errors_to_form(form, exc)
    return posting


@bp.route("/admin/<int:org_id>/postings/new", methods=["GET", "POST"])
@login_required
def new_posting(org_id: int) -> Any:
    org = _program(org_id)
    form = PostingForm()
    if request.method == "GET":
        form.county.data = org.county
        form.city.data = org.city
    problems: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        result = _save_posting(org, form)
        if not isinstance(result, list):
            flash(_("Job posted."), "success")
            return redirect(url_for("jobs_web.postings", org_id=org.id))
        problems = result
    status = 422 if request.method == "POST" else 200
    return render_template("jobs/posting_form.html", org=org, form=form, problems=problems,
                           posting=None), status


@bp.route("/postings/<int:posting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_posting(posting_id: int) -> Any:
    session = registry_session()
    try:
        posting = svc.get_posting_for_admin(session, posting_id, web_actor())
    except svc.NotFound:
        abort(404)
    org = _program(posting.organization_id)
    form = PostingForm(obj=posting) if request.method == "GET" else PostingForm()
    problems: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        result = _save_posting(org, form, posting)
        if not isinstance(result, list):
            flash(_("Posting saved."), "success")
            return redirect(url_for("jobs_web.postings", org_id=org.id))
        problems = result
    status = 422 if request.method == "POST" else 200
    return render_template("jobs/posting_form.html", org=org, form=form, problems=problems,
                           posting=posting), status


@bp.post("/postings/<int:posting_id>/close")
@login_required
def close_posting(posting_id: int) -> Any:
    session = registry_session()
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        posting = svc.get_posting_for_admin(session, posting_id, web_actor())
    except svc.NotFound:
        abort(404)
    svc.close_posting(session, posting, actor=web_actor())
    session.commit()
    flash(_("Posting closed; it no longer shows on the Job Board."), "success")
    return redirect(url_for("jobs_web.postings", org_id=posting.organization_id))


@bp.route("/admin/<int:org_id>/minimums", methods=["GET", "POST"])
@login_required
def minimums(org_id: int) -> Any:
    registry = current_registry()
    session = registry_session()
    org = _program(org_id)
    form = CsrfForm()
    problems: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        wanted = {role: request.form.get(f"min_{role}") or None for role in ROLE_LABELS}
        try:
            svc.set_program_minimums(session, org.id, wanted, actor=web_actor())
            session.commit()
            flash(_("Minimum qualifications saved."), "success")
            return redirect(url_for("jobs_web.qualifications", org_id=org.id))
        except svc.JobsError as exc:
            session.rollback()
            problems = [f"{k}: {_(v)}" for k, v in (exc.errors or {}).items()] or [_(exc.detail)]
    current = svc.program_minimums(session, registry, org.id)
    return render_template("jobs/minimums.html", org=org, form=form, current=current,
                           problems=problems), 422 if problems else 200


@bp.post("/admin/<int:org_id>/staff/<int:employment_id>/enroll")
@login_required
def enroll_staff(org_id: int, employment_id: int) -> Any:
    registry = current_registry()
    session = registry_session()
    if not CsrfForm().validate_on_submit():
        abort(400)
    _program(org_id)
    event_id = request.form.get("event_id", type=int)
    try:
        if event_id is None:
            raise svc.Invalid({"event_id": _("choose a training")})
        outcome = svc.enroll_staff(session, registry, org_id, employment_id, event_id,
                                   actor=web_actor())
        session.commit()
        if outcome.status == "enrolled":
            flash(_("Enrolled."), "success")
        else:
            flash(_("Added to the waitlist (position %(position)s).",
                    position=outcome.waitlist_position), "success")
    except svc.NotFound:
        abort(404)
    except svc.JobsError as exc:
        session.rollback()
        flash(" ".join(str(v) for v in (exc.errors or {}).values()) or exc.detail, "error")
    return redirect(url_for("jobs_web.qualifications", org_id=org_id))
