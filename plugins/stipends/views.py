"""Stipend pages. Participant: the open programs of their county, the apply form (every unmet
rule shown), their applications. County staff: switch stipends on, define programs, the review
queue with notes, requests for documents and decisions. Thin: :mod:`.services` decides."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from registry_kernel import counties
from registry_kernel.auth.session import login_required, permission_required, web_actor
from registry_kernel.models import Participant
from registry_kernel.web import current_registry, registry_session

from . import pathways as pw
from . import services as svc
from .forms import (
    ActivationForm,
    ApplyForm,
    DecisionForm,
    NoteForm,
    PaidForm,
    PathwayForm,
    PathwayReviewForm,
    ProgramForm,
    ReturnFileForm,
)
from .models import Application, Payment, Program

bp = Blueprint("stipends_web", __name__, url_prefix="/stipends", template_folder="templates")


def _actor() -> Any:
    actor = web_actor()
    if actor is None:
        abort(403)
    return actor


def _participant() -> Participant:
    actor = _actor()
    if actor.participant_id is None:
        abort(403)
    return registry_session().get(Participant, actor.participant_id)


@bp.get("/")
@login_required
def index() -> Any:
    session, registry = registry_session(), current_registry()
    participant = _participant()
    today = svc.local_today(registry)
    programs = svc.visible_programs_for(session, registry, participant, today)
    applications = [svc.application_json(session, a, notes=True)
                    for a in svc.my_applications(session, participant.id)]
    applied = {a["program_id"] for a in applications}
    eligibility: dict[int, list[str]] = {}  # program id -> unmet messages of its best tier
    for program in programs:
        best: list[str] | None = None
        for tier in program.tiers or [None]:
            missing = [r.localized(_) for r in svc.check_eligibility(
                session, registry, program, participant.id, tier=tier, today=today)
                if not r.met and r.rule != "funding_types"]
            if best is None or len(missing) < len(best):
                best = missing
        eligibility[program.id] = best or []
    plans = {}
    for pathway in pw.my_pathways(session, participant.id):
        plan = pw.pathway_json(session, registry, pathway, today=today)
        _progress_texts(plan)
        plans[pathway.application_id] = plan
    return render_template("stipends/index.html", programs=programs, applied=applied,
                           eligibility=eligibility, plans=plans,
                           applications=applications, county=participant.county,
                           money=svc.money)


@bp.route("/programs/<int:program_id>/apply", methods=["GET", "POST"])
@login_required
def apply(program_id: int) -> Any:
    session, registry = registry_session(), current_registry()
    participant = _participant()
    try:
        program = svc.program_for_public(session, registry, program_id)
    except svc.StipendError:
        abort(404)
    today = svc.local_today(registry)
    form = ApplyForm()
    form.tier.choices = [(t["key"], f'{t["label"]} (${svc.money(t["amount"])})')
                         for t in program.tiers or []]
    form.tin_kind.choices = [c for c in form.tin_kind.choices
                             if (c.value != "itin" or program.allow_itin)
                             and (c.value != "payroll" or program.allow_payroll)]
    unmet: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = svc.ApplicationData(program_id=program.id, tin_kind=form.tin_kind.data,
                                   tin=form.tin.data or None, tier=form.tier.data or None,
                                   funding_types=form.funding_types.data or [])
        try:
            svc.apply(session, registry, participant, data, today=today)
        except svc.StipendError as exc:
            session.rollback()
            unmet = [r.localized(_) for r in exc.results]
            if not unmet:
                for field, message in (exc.errors or {}).items():
                    target = getattr(form, field, None)
                    if target is not None and hasattr(target, "errors"):
                        target.errors = [*target.errors, _(message)]
                    else:
                        flash(_(message), "danger")
                if not exc.errors:
                    flash(_(exc.detail or exc.title), "danger")
            status = 422
        else:
            session.commit()
            flash(_("Your application was sent. County staff will review it."), "success")
            return redirect(url_for("stipends_web.index"))
    elif request.method == "POST":
        status = 422
    return render_template("stipends/apply.html", program=program, form=form, unmet=unmet,
                           open=svc.is_open(program, today), money=svc.money), status


# --- county staff ----------------------------------------------------------------------------

def _county_orgs() -> list[Any]:
    return svc.county_orgs(registry_session(), _actor())


@bp.route("/admin", methods=["GET", "POST"])
@permission_required("stipends.manage")
def admin_programs() -> Any:
    session, registry = registry_session(), current_registry()
    actor = _actor()
    orgs = _county_orgs()
    activation = ActivationForm(prefix="act")
    if activation.submit.data and activation.validate_on_submit():
        if not actor.can("plugins.activate_county"):
            abort(403)
        for org in orgs:
            if activation.active.data:
                counties.activate(session, "stipends", org.county, actor.account_id)
            else:
                counties.deactivate(session, "stipends", org.county)
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("stipends_web.admin_programs"))
    active = {org.county: counties.is_active(session, registry, "stipends", org.county)
              for org in orgs}
    activation.active.data = any(active.values())
    return render_template("stipends/admin_programs.html", orgs=orgs, active=active,
                           activation=activation,
                           programs=svc.admin_programs(session, actor), money=svc.money,
                           today=svc.local_today(registry))


TIER_RULES = ("min_training_hours", "training_since", "min_units", "units_since",
              "permit_levels")


def _tier_rows(form: ProgramForm) -> list[Any]:
    """The tier rows the administrator filled in (any field), in order."""
    return [entry.form for entry in form.tiers.entries
            if (entry.form.key.data or "").strip() or (entry.form.label.data or "").strip()
            or entry.form.amount.data is not None]


def _tier_data(tier: Any) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    for name in TIER_RULES:
        value = getattr(tier, name).data
        if value in (None, [], ""):
            continue
        rules[name] = value.isoformat() if isinstance(value, date) else \
            list(value) if isinstance(value, list) else str(value)
    return {"key": (tier.key.data or "").strip(), "label": (tier.label.data or "").strip(),
            "amount": str(tier.amount.data) if tier.amount.data is not None else None,
            "rules": rules}


def _program_form_data(form: ProgramForm) -> dict[str, Any]:
    tiers = [_tier_data(tier) for tier in _tier_rows(form)]
    rules: dict[str, Any] = {}
    for name in ("min_hours_per_week", "min_units", "min_training_hours"):
        value = getattr(form, name).data
        if value is not None:
            rules[name] = str(value)
    if form.min_months_employed.data is not None:
        rules["min_months_employed"] = form.min_months_employed.data
    for name in ("units_since", "training_since"):
        value = getattr(form, name).data
        if value is not None:
            rules[name] = value.isoformat()
    for name in ("permit_levels", "role_categories", "funding_types"):
        if getattr(form, name).data:
            rules[name] = list(getattr(form, name).data)
    return {"name": form.name.data, "description": form.description.data or "",
            "funding_year": form.funding_year.data, "opens_on": form.opens_on.data,
            "closes_on": form.closes_on.data,
            "amount": str(form.amount.data) if form.amount.data is not None else None,
            "tiers": tiers, "rules": rules, "allow_itin": form.allow_itin.data,
            "allow_payroll": form.allow_payroll.data}


@bp.route("/admin/programs/new", methods=["GET", "POST"])
@bp.route("/admin/programs/<int:program_id>/edit", methods=["GET", "POST"])
@permission_required("stipends.manage")
def edit_program(program_id: int | None = None) -> Any:
    session = registry_session()
    actor = _actor()
    program = None
    if program_id is not None:
        try:
            program = svc.admin_program(session, actor, program_id)
        except svc.StipendError:
            abort(404)
    tiers: list[dict[str, Any]] = []
    if request.method == "GET" and program is not None:
        for tier in program.tiers or []:
            rules = tier.get("rules") or {}
            tiers.append({"key": tier["key"], "label": tier["label"],
                          "amount": Decimal(tier["amount"]),
                          **{k: (date.fromisoformat(rules[k]) if k.endswith("_since") else
                                 rules[k] if k == "permit_levels" else Decimal(rules[k]))
                             for k in TIER_RULES if rules.get(k)}})
        form = ProgramForm(data={"tiers": tiers})
        while len(form.tiers.entries) < min(20, max(3, len(tiers) + 1)):
            form.tiers.append_entry()
    else:
        form = ProgramForm()
    if request.method == "GET" and program is not None:
        form.name.data, form.description.data = program.name, program.description
        form.funding_year.data = program.funding_year
        form.opens_on.data, form.closes_on.data = program.opens_on, program.closes_on
        form.amount.data = program.amount
        form.allow_itin.data = program.allow_itin
        form.allow_payroll.data = program.allow_payroll
        rules = program.rules or {}
        for name in ("min_hours_per_week", "min_units", "min_training_hours",
                     "min_months_employed", "permit_levels", "role_categories",
                     "funding_types"):
            if name in rules:
                value = rules[name]
                getattr(form, name).data = Decimal(str(value)) \
                    if name in ("min_hours_per_week", "min_units", "min_training_hours") else value
        for name in ("units_since", "training_since"):
            if rules.get(name):
                getattr(form, name).data = date.fromisoformat(rules[name])
    status = 200
    if form.validate_on_submit():
        try:
            data = svc.parse_program(_program_form_data(form))
            if program is None:
                program = svc.create_program(session, current_registry(), actor, data)
            else:
                svc.update_program(session, actor, program, data)
        except (svc.StipendError, ValueError) as exc:
            session.rollback()
            errors = getattr(exc, "errors", None) or {"body": str(exc)}
            rows = _tier_rows(form)
            for field, message in errors.items():
                parts = field.split(".")
                target = None
                if parts[0] == "tiers" and len(parts) > 2 and parts[1].isdigit() \
                        and int(parts[1]) < len(rows):
                    tier = rows[int(parts[1])]
                    name = parts[3] if parts[2] == "rules" and len(parts) > 3 else parts[2]
                    target = getattr(tier, name, tier.key)
                elif parts[0] == "rules" and len(parts) > 1:
                    target = getattr(form, parts[1], None)
                elif parts[0] != "tiers":
                    target = getattr(form, parts[0], None)
                if target is not None and isinstance(getattr(target, "errors", None),
                                                     (list, tuple)):
                    target.errors = [*target.errors, message]
                else:
                    flash(message if field in ("body", "tiers") else f"{field}: {message}",
                          "danger")
            if isinstance(exc, svc.StipendError) and not exc.errors:
                flash(exc.detail or exc.title, "danger")
            status = 422
        else:
            session.commit()
            flash(_("Program saved."), "success")
            return redirect(url_for("stipends_web.queue", program_id=program.id))
    elif request.method == "POST":
        status = 422
    return render_template("stipends/program_form.html", form=form, program=program), status


@bp.get("/admin/programs/<int:program_id>")
@permission_required("stipends.manage")
def queue(program_id: int) -> Any:
    session = registry_session()
    try:
        program = svc.admin_program(session, _actor(), program_id)
    except svc.StipendError:
        abort(404)
    status = request.args.get("status") or None
    if status not in (None, *svc.STATUSES):
        status = None
    rows = list(session.scalars(svc.applications_query(program, status)))
    plans = {p.application_id: p.status for p in pw.program_pathways(session, program)}
    return render_template("stipends/queue.html", program=program, status=status, plans=plans,
                           summary=svc.program_summary(session, program),
                           applications=[svc.application_json(session, a) for a in rows],
                           statuses=svc.STATUSES, money=svc.money)


@bp.route("/admin/applications/<int:application_id>", methods=["GET", "POST"])
@permission_required("stipends.manage")
def review(application_id: int) -> Any:
    session, registry = registry_session(), current_registry()
    actor = _actor()
    try:
        application = svc.admin_application(session, actor, application_id)
    except svc.StipendError:
        abort(404)
    note_form, decision_form, paid_form = (NoteForm(prefix="note"),
                                           DecisionForm(prefix="decision"),
                                           PaidForm(prefix="paid"))
    status = 200
    try:
        if note_form.submit.data and note_form.validate_on_submit():
            svc.add_note(session, registry, actor, application, note_form.kind.data,
                         note_form.text.data)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("stipends_web.review", application_id=application.id))
        if decision_form.submit.data and decision_form.validate_on_submit():
            svc.decide(session, registry, actor, application, decision_form.decision.data,
                       decision_form.reason.data or "")
            session.commit()
            flash(_("Decision recorded; the applicant was emailed."), "success")
            return redirect(url_for("stipends_web.review", application_id=application.id))
        if paid_form.submit.data and paid_form.validate_on_submit():
            payment = session.scalar(select(Payment).where(
                Payment.application_id == application.id))
            if payment is None:
                abort(404)
            svc.mark_paid(session, registry, actor, payment, paid_form.paid_on.data)
            session.commit()
            flash(_("Marked paid."), "success")
            return redirect(url_for("stipends_web.review", application_id=application.id))
        if request.method == "POST":
            status = 422
    except svc.StipendError as exc:
        session.rollback()
        application = session.get(Application, application_id)
        flash(exc.detail or exc.title, "danger")
        status = exc.status
    detail = svc.application_json(session, application, notes=True, staff=True,
                                  tin_masked=svc.masked_tin(session, registry, application,
                                                            actor=actor,
                                                            reason="stipend review"))
    detail["applicant"] = svc.applicant_name(session, registry, actor, application)
    session.commit()
    return render_template("stipends/review.html", a=detail, note_form=note_form,
                           decision_form=decision_form, paid_form=paid_form), status


# --- pathways ----------------------------------------------------------------------------------

def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _pathway_form_data(form: PathwayForm) -> dict[str, Any]:
    goals = []
    for entry in form.goals.entries:
        goal = entry.form
        kind = goal.kind.data or ""
        if not kind:
            continue
        area = goal.unit_area.data if kind == "units" else \
            goal.competency_area.data if kind == "training_hours" else None
        goals.append({
            "kind": kind, "permit_level": (goal.permit_level.data or None)
            if kind == "permit_level" else None,
            "area": area or None,
            "amount": str(goal.amount.data) if goal.amount.data is not None
            and kind != "permit_level" else None,
            "since": goal.since.data, "due_on": goal.due_on.data,
            "steps": [{"kind": "course", "title": t} for t in _lines(goal.courses.data)]
            + [{"kind": "training", "title": t} for t in _lines(goal.trainings.data)]})
    return {"title": form.title.data, "starts_on": form.starts_on.data,
            "target_date": form.target_date.data, "goals": goals}


def _pathway_form(pathway: Any) -> PathwayForm:
    """The form, filled from the stored plan on GET (and one empty goal row to add)."""
    if request.method != "GET" or pathway is None:
        return PathwayForm()
    data = pw.pathway_data_of(registry_session(), pathway)
    goals = []
    for goal in data["goals"]:
        steps = goal.pop("steps")
        kind = goal["kind"]
        goals.append({**goal, "unit_area": goal["area"] if kind == "units" else "",
                      "competency_area": (goal["area"] or "") if kind == "training_hours"
                      else "",
                      "permit_level": goal["permit_level"] or "",
                      "courses": "\n".join(s["title"] for s in steps if s["kind"] == "course"),
                      "trainings": "\n".join(s["title"] for s in steps
                                             if s["kind"] == "training")})
    form = PathwayForm(data={**data, "goals": goals})
    while len(form.goals.entries) < min(10, max(3, len(goals) + 1)):
        form.goals.append_entry()
    return form


def _goal_message(message: str) -> tuple[str | None, str]:
    """The goal field a service message is about, and the message in the page's language."""
    known = (("permit_level must be one of", "permit_level", _("Choose the permit level.")),
             ("area must be one of", "unit_area", _("Choose what the units are in.")),
             ("area must be a competency area", "competency_area",
              _("Choose a competency area, or any area.")),
             ("give the number of units or hours", "amount",
              _("Give how many units or hours.")))
    for start, field, text in known:
        if message.startswith(start):
            return field, text
    return None, message


def _pathway_errors(form: PathwayForm, errors: dict[str, str]) -> None:
    """Put the service's messages next to the fields they concern."""
    goal_entries = form.goals.entries
    for key, message in errors.items():
        parts = key.split(".")
        target = None
        if parts[0] == "goals" and len(parts) > 1 and parts[1].isdigit():
            # number among the goals that were filled in, not the form rows
            filled = [e for e in goal_entries if e.form.kind.data]
            index = int(parts[1])
            if index < len(filled):
                sub = filled[index].form
                name = parts[2] if len(parts) > 2 else "kind"
                if name == "area":
                    name = "unit_area" if sub.kind.data == "units" else "competency_area"
                if name == "steps":
                    name = "courses"
                field, message = _goal_message(message)
                target = getattr(sub, field or name, sub.kind)
        elif parts[0] == "goals":
            target = goal_entries[0].form.kind if goal_entries else None
            message = _("Give the plan at least one goal.") if "at least 1" in message \
                else message
        elif message.startswith("the target date must not come before"):
            target, message = form.target_date, _("The target date must not come before the "
                                                  "start.")
        else:
            target = getattr(form, parts[0], None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors), message]
        else:
            flash(message, "danger")


def _save_pathway(form: PathwayForm, actor: Any, application: Any, pathway: Any, *,
                  by_staff: bool, today: Any) -> Any:
    """Validate and create or change the plan; ``None`` when saved, else the error status."""
    session = registry_session()
    try:
        data = pw.parse_pathway(_pathway_form_data(form))
        if pathway is None:
            pw.create_pathway(session, current_registry(), actor, application, data,
                              by_staff=by_staff, today=today)
        else:
            pw.update_pathway(session, actor, pathway, data, by_staff=by_staff)
    except svc.StipendError as exc:
        session.rollback()
        if exc.errors:
            _pathway_errors(form, exc.errors)
        else:
            flash(exc.detail or exc.title, "danger")
        return exc.status
    session.commit()
    return None


def _progress_texts(plan: dict[str, Any]) -> None:
    """Translate the computed 'what is still needed' lines for the page's language."""
    for goal in plan.get("goals", []):
        goal["needs_text"] = [_(n["message"], **n["values"]) for n in goal.get("needs", [])]


@bp.route("/pathways/<int:application_id>", methods=["GET", "POST"])
@login_required
def my_pathway(application_id: int) -> Any:
    """The recipient's plan for one approved stipend: progress, and proposing or changing it
    while county staff have not approved it."""
    session, registry = registry_session(), current_registry()
    participant = _participant()
    actor = _actor()
    try:
        application = pw.recipient_application(session, participant.id, application_id)
    except svc.StipendError:
        abort(404)
    pathway = pw.pathway_of(session, application.id)
    editable = pathway is None or pathway.status in ("proposed", "returned")
    form = _pathway_form(pathway)
    today = svc.local_today(registry)
    status = 200
    if editable and form.validate_on_submit():
        failed = _save_pathway(form, actor, application, pathway, by_staff=False,
                               today=today)
        if failed is None:
            flash(_("Your plan was sent to county staff for approval."), "success")
            return redirect(url_for("stipends_web.my_pathway", application_id=application_id))
        status = failed
    elif request.method == "POST":
        status = 422 if editable else 409
    pathway = pw.pathway_of(session, application.id)
    plan = pw.pathway_json(session, registry, pathway, today=today) if pathway else None
    if plan:
        _progress_texts(plan)
    return render_template("stipends/pathway.html", plan=plan, form=form if editable else None,
                           review_form=None, staff=False, application=application,
                           program=session.get(Program, application.program_id)), status


@bp.route("/admin/applications/<int:application_id>/pathway", methods=["GET", "POST"])
@permission_required("stipends.manage")
def staff_pathway(application_id: int) -> Any:
    """County staff write or change the recipient's plan and approve or return a proposal."""
    session, registry = registry_session(), current_registry()
    actor = _actor()
    try:
        application = svc.admin_application(session, actor, application_id)
    except svc.StipendError:
        abort(404)
    if application.status != "approved":
        abort(404)
    pathway = pw.pathway_of(session, application.id)
    form = _pathway_form(pathway)
    review_form = PathwayReviewForm(prefix="review")
    today = svc.local_today(registry)
    status = 200
    if review_form.submit.data and pathway is not None:
        if review_form.validate_on_submit():
            try:
                pw.review_pathway(session, registry, actor, pathway, review_form.decision.data,
                                  review_form.reason.data or "")
            except svc.StipendError as exc:
                session.rollback()
                for field, message in (exc.errors or {}).items():
                    target = getattr(review_form, field, None)
                    if target is not None:
                        target.errors = [*list(target.errors), message]
                if not exc.errors:
                    flash(exc.detail or exc.title, "danger")
                status = exc.status
            else:
                session.commit()
                flash(_("Decision recorded; the recipient was emailed."), "success")
                return redirect(url_for("stipends_web.staff_pathway",
                                        application_id=application_id))
        else:
            status = 422
    elif form.submit.data and form.validate_on_submit():
        failed = _save_pathway(form, actor, application, pathway, by_staff=True,
                               today=today)
        if failed is None:
            flash(_("Plan saved."), "success")
            return redirect(url_for("stipends_web.staff_pathway", application_id=application_id))
        status = failed
    elif request.method == "POST":
        status = 422
    pathway = pw.pathway_of(session, application.id)
    plan = None
    if pathway is not None:
        pw.read_by_staff(session, actor, pathway)
        plan = pw.pathway_json(session, registry, pathway, today=today)
        _progress_texts(plan)
        session.commit()
    return render_template("stipends/pathway.html", plan=plan, form=form,
                           review_form=review_form if plan and plan["status"] == "proposed"
                           else None, staff=True, application=application,
                           program=session.get(Program, application.program_id)), status


# --- payments ----------------------------------------------------------------------------------

@bp.route("/admin/payments", methods=["GET", "POST"])
@permission_required("stipends.manage")
def payments() -> Any:
    """Payments of the county's programs: the Excel export for the payment system, and the
    upload of its return file (every row checked; nothing applied unless all are valid)."""
    session, registry = registry_session(), current_registry()
    actor = _actor()
    form = ReturnFileForm()
    row_errors: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(5 * 1024 * 1024 + 1) if upload else b""
        try:
            if not data:
                raise svc.StipendError(422, "Unprocessable Entity", _("Choose the return file."),
                                       {"file": _("Choose the return file.")})
            if len(data) > 5 * 1024 * 1024:
                raise svc.StipendError(422, "Unprocessable Entity", _("The file is too large."),
                                       {"file": _("at most 5 MB")})
            paid = svc.apply_return_file(session, registry, actor, svc.read_return_file(data))
        except svc.StipendError as exc:
            session.rollback()
            row_errors = exc.errors or {"file": exc.detail or exc.title}
            status = 422
        else:
            session.commit()
            flash(ngettext("%(num)s payment marked paid.", "%(num)s payments marked paid.",
                           len(paid)), "success")
            return redirect(url_for("stipends_web.payments"))
    elif request.method == "POST":
        status = 422
    return render_template("stipends/payments.html", payments=svc.payments_of(session, actor),
                           form=form, row_errors=row_errors), status


@bp.get("/admin/payments.xlsx")
@permission_required("stipends.manage")
def payments_xlsx() -> Any:
    """The ``stipend-payments`` report for a signed-in county administrator (masked IDs)."""
    from flask import Response

    from registry_kernel import audit
    from registry_kernel.reports import XLSX, write_xlsx

    session, registry = registry_session(), current_registry()
    actor = _actor()
    handle = write_xlsx("Stipend payments", svc.PAYMENT_COLUMNS,
                        svc.payment_rows(session, registry, actor, {}))
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id="stipend-payments", reason="web download")
    session.commit()
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = 'attachment; filename="stipend-payments.xlsx"'
    return response
