"""UI of the documents plugin: My Documents, the report, the staff queue and the public report
check. Views are thin: they validate forms and call :mod:`.services`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as babel_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from pydantic import ValidationError
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import Length, Optional

from registry_kernel import clock
from registry_kernel import participants as participant_svc
from registry_kernel import registry_id as rid
from registry_kernel.auth.session import (
    login_required,
    permission_required,
    two_factor_required,
    web_actor,
)
from registry_kernel.form_fields import SelectField
from registry_kernel.models import Participant
from registry_kernel.web import current_registry, registry_session, writes_on_get

from . import VERIFY_PERMISSION
from . import services as svc
from .api import file_response, portfolio_response, report_pdf_response
from .models import Document

bp = Blueprint("documents_web", __name__, url_prefix="/documents", template_folder="templates",
               static_folder="static")
public_bp = Blueprint("documents_public", __name__, template_folder="templates")

ROWS = {"degrees": 2, "courses": 8, "permits": 1, "credentials": 1, "training": 3}
FIELDS = {
    "degrees": ("level", "major", "institution", "conferred_on", "ece_related", "accredited"),
    "courses": ("institution", "course_number", "title", "units", "unit_system", "grade",
                "completed_on", "category", "ge_area", "core_area"),
    "permits": ("level", "number", "issued_on", "expires_on", "school_age_emphasis"),
    "credentials": ("type", "title", "number", "issued_on", "expires_on"),
    "training": ("sponsor", "title", "completed_on", "hours", "competency_area"),
}
CHECKBOXES = {"ece_related", "accredited", "school_age_emphasis"}
MODELS = {"degrees": svc.DegreeIn, "courses": svc.CourseIn, "permits": svc.PermitIn,
          "credentials": svc.CredentialIn, "training": svc.TrainingIn}


def _(text: str, **values: Any) -> str:
    """``flask_babel.gettext``, or the English text while the app has no Babel set up."""
    if "babel" in current_app.extensions:
        return babel_gettext(text, **values)
    return text % values if values else text


class UploadForm(FlaskForm):
    type = SelectField("Document type", choices=[])
    level = SelectField("Permit level or credential type", choices=[], validators=[Optional()])
    number = StringField("Document number", validators=[Optional(), Length(max=64)])
    issued_on = DateField("Issue date", validators=[Optional()])
    expires_on = DateField("Expiration date", validators=[Optional()])
    hidden_from_employers = BooleanField("Hide this document from employers")
    file = FileField("File (PDF, JPEG or PNG)", validators=[FileRequired()])


class CsrfForm(FlaskForm):
    """A form with only its CSRF token (buttons that change something)."""


class StaffUploadForm(UploadForm):
    registry_id = StringField("Registry ID of the participant", validators=[Length(max=20)])


def _upload_form(form_class: type[UploadForm] = UploadForm) -> Any:
    form = form_class()
    form.type.label.text = _("Document type")
    form.type.choices = [(k, _(v)) for k, v in svc.DOCUMENT_TYPE_LABELS.items()]
    form.level.label.text = _("Permit level or credential type")
    form.level.choices = [("", "-")] + [(k, _(v)) for k, v in svc.PERMIT_LEVELS.items()] + [
        (k, _(v)) for k, v in svc.CREDENTIAL_KINDS.items() if k != "other"] + [
        ("other", _("Other credential"))]
    form.number.label.text = _("Document number")
    form.issued_on.label.text = _("Issue date")
    form.expires_on.label.text = _("Expiration date")
    form.hidden_from_employers.label.text = _("Hide this document from employers")
    form.file.label.text = _("File (PDF, JPEG or PNG)")
    if isinstance(form, StaffUploadForm):
        form.registry_id.label.text = _("Registry ID of the participant")
    return form


def _save_upload(form: UploadForm, participant: Participant) -> tuple[Document | None, int]:
    """Store the form's file for ``participant``; errors go beside the fields."""
    session, registry = registry_session(), current_registry()
    upload = form.file.data
    data = upload.stream.read(svc.max_upload_bytes(registry) + 1)
    try:
        document = svc.upload_document(
            session, registry, participant, data=data, filename=upload.filename,
            type_=form.type.data, level=form.level.data or None,
            number=(form.number.data or "").strip() or None, issued_on=form.issued_on.data,
            expires_on=form.expires_on.data,
            hidden_from_employers=bool(form.hidden_from_employers.data), actor=web_actor())
    except svc.InvalidDetails as exc:
        for name, message in exc.errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, _(message)]
        return None, 422
    except svc.DocumentError as exc:
        form.file.errors = [*form.file.errors, _(exc.message)]
        return None, 413 if exc.status == 413 else 422
    session.commit()
    return document, 201


def _participant() -> Participant:
    actor = web_actor()
    participant = registry_session().get(Participant, actor.participant_id) if actor else None
    if participant is None:
        abort(403)
    return participant


# --- My Documents ------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
def my_documents() -> Any:
    session, registry = registry_session(), current_registry()
    participant = _participant()
    form = _upload_form()
    status = 200
    if form.validate_on_submit():
        document, status = _save_upload(form, participant)
        if document is not None:
            flash(_("Your document was uploaded. It is listed as unverified until registry "
                    "staff check it."), "success")
            return redirect(url_for(".my_documents"))
    elif request.method == "POST":
        status = 422
    documents = svc.own_documents(session, participant.id)
    names = {d.id: svc.document_meta(session, registry, d).get("filename") for d in documents}
    return render_template("documents/my_documents.html", form=form, documents=documents,
                           names=names, labels=svc.DOCUMENT_TYPE_LABELS, action_form=CsrfForm(),
                           max_mb=registry.plugin_config("documents").max_upload_mb), status


def _own_or_404(document_id: str) -> Document:
    document = svc.own_document(registry_session(), _participant().id, document_id)
    if document is None:
        abort(404)
    return document


@bp.post("/<document_id>/delete")
@login_required
def delete(document_id: str) -> Any:
    if not CsrfForm().validate_on_submit():
        abort(400)
    session = registry_session()
    try:
        svc.delete_document(session, current_registry(), _own_or_404(document_id))
    except svc.DocumentError:
        flash(_("A verified document cannot be deleted."), "danger")
        return redirect(url_for(".my_documents")), 303
    session.commit()
    flash(_("The document was deleted."), "success")
    return redirect(url_for(".my_documents")), 303


@bp.post("/<document_id>/visibility")
@login_required
def visibility(document_id: str) -> Any:
    if not CsrfForm().validate_on_submit():
        abort(400)
    document = _own_or_404(document_id)
    svc.set_hidden(document, request.form.get("hidden") == "1")
    registry_session().commit()
    return redirect(url_for(".my_documents")), 303


@bp.get("/<document_id>/file")
@login_required
def my_file(document_id: str) -> Any:
    document = _own_or_404(document_id)
    return file_response(svc.read_file(registry_session(), current_registry(), document,
                                       actor=web_actor()))


# --- the report ------------------------------------------------------------------------------

@bp.get("/report")
@login_required
def report() -> Any:
    report_data = svc.build_report(registry_session(), current_registry(), _participant())
    return render_template("documents/report.html", report=report_data)


@bp.get("/report.pdf")
@login_required
def report_pdf() -> Any:
    return report_pdf_response(_participant(), web_actor())


@bp.get("/portfolio.zip")
@login_required
def portfolio() -> Any:
    return portfolio_response(_participant(), web_actor())


# --- staff: the verification queue -----------------------------------------------------------

@bp.get("/verification")
@permission_required(VERIFY_PERMISSION)
@two_factor_required
def queue() -> Any:
    type_ = request.args.get("type") or None
    if type_ not in (None, *svc.DOCUMENT_TYPE_LABELS):
        type_ = None
    county = (request.args.get("county") or "").strip()[:64] or None
    try:
        min_days = max(0, min(3650, int(request.args.get("min_waiting_days") or 0))) or None
    except ValueError:
        min_days = None
    return _render_queue(_upload_form(StaffUploadForm), type_, county, min_days)


def _render_queue(form: Any, type_: str | None = None, county: str | None = None,
                  min_days: int | None = None, status: int = 200) -> Any:
    session = registry_session()
    rows = session.execute(svc.queue_query(type_=type_, county=county,
                                           min_waiting_days=min_days).limit(200)).all()
    return render_template("documents/queue.html", items=[svc.queue_item(r) for r in rows],
                           stats=svc.queue_stats(session), labels=svc.DOCUMENT_TYPE_LABELS,
                           filters={"type": type_ or "", "county": county or "",
                                    "min_waiting_days": min_days or ""}, form=form,
                           max_mb=current_registry().plugin_config("documents").max_upload_mb
                           ), status


@bp.post("/verification/upload")
@permission_required(VERIFY_PERMISSION)
@two_factor_required
def staff_upload() -> Any:
    """A document received by mail or email, uploaded by staff for the participant."""
    form = _upload_form(StaffUploadForm)
    if not form.validate_on_submit():
        return _render_queue(form, status=422)
    try:
        participant = participant_svc.get_by_registry_id(registry_session(),
                                                         form.registry_id.data or "")
    except (rid.InvalidRegistryId, participant_svc.ParticipantNotFound):
        form.registry_id.errors = [_("No participant has this Registry ID.")]
        return _render_queue(form, status=422)
    document, status = _save_upload(form, participant)
    if document is None:
        return _render_queue(form, status=status)
    flash(_("The document was added to the participant's documents."), "success")
    return redirect(url_for(".verify", document_id=document.id)), 303


def _rows_from_form() -> tuple[svc.VerificationIn | None, dict[str, str], dict[str, list[dict]]]:
    """Parse the staff entry form's rows (blank rows skipped) with the API's own models."""
    values: dict[str, list[dict[str, Any]]] = {}
    records: dict[str, list[Any]] = {kind: [] for kind in ROWS}
    errors: dict[str, str] = {}
    for kind, fields in FIELDS.items():
        try:
            count = max(ROWS[kind], int(request.form.get(f"{kind}-count") or 0))
        except ValueError:
            count = ROWS[kind]
        values[kind] = []
        for index in range(min(count, 100)):
            row = {name: (request.form.get(f"{kind}-{index}-{name}") or "").strip()
                   for name in fields}
            values[kind].append(row)
            if not any(v for k, v in row.items() if k not in CHECKBOXES and
                       k not in ("unit_system", "category", "accredited")):
                continue
            data: dict[str, Any] = {k: v for k, v in row.items() if v and k not in CHECKBOXES}
            for name in CHECKBOXES & set(fields):
                data[name] = row[name] == "1"
            try:
                records[kind].append(MODELS[kind].model_validate(data))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(p) for p in err["loc"]) or "row"
                    errors[f"{kind}-{index}-{loc}"] = err["msg"].removeprefix("Value error, ")
    if errors:
        return None, errors, values
    return svc.VerificationIn(**records), errors, values


def _staff_document(document_id: str) -> tuple[Document, Participant]:
    session = registry_session()
    document = session.get(Document, document_id)
    if document is None:
        abort(404)
    participant = session.get(Participant, document.participant_id)
    assert participant is not None
    return document, participant


@bp.route("/verification/<document_id>", methods=["GET", "POST"])
@writes_on_get  # opening a document claims it for this staff member
@permission_required(VERIFY_PERMISSION)
@two_factor_required
def verify(document_id: str) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    document, participant = _staff_document(document_id)
    form = CsrfForm()
    errors: dict[str, str] = {}
    values: dict[str, list[dict[str, Any]]] = {}
    status = 200
    claim_error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        records, errors, values = _rows_from_form()
        if records is not None:
            try:
                svc.verify_document(session, registry, document, records, actor=actor)
            except svc.DocumentError as exc:
                claim_error = exc.message
                status = 409
            else:
                session.commit()
                flash(_("The document was verified."), "success")
                return redirect(url_for(".queue")), 303
        else:
            status = 422
    elif document.status == "unverified":
        try:
            svc.claim_document(session, document, actor)
            session.commit()
        except svc.DocumentError as exc:
            claim_error = exc.message
    name = participant_svc.personal_data(session, registry, participant, actor=actor,
                                         fields=("first_name", "last_name"),
                                         reason="document verification").full_name()
    session.commit()
    institution = (request.args.get("institution") or "").strip()[:200]
    suggestions = svc.institution_courses(session, institution) if institution else []
    return render_template(
        "documents/verify.html", document=document, participant=participant, name=name,
        form=form, errors=errors, values=values, rows=ROWS, claim_error=claim_error,
        labels=svc.DOCUMENT_TYPE_LABELS,
        permit_pairs=[(k, _(v)) for k, v in svc.PERMIT_LEVELS.items()],
        credential_pairs=[(k, _(v)) for k, v in svc.CREDENTIAL_KINDS.items()],
        degree_pairs=[(k, k) for k in svc.DEGREE_LEVELS],
        core_pairs=[(k, k.replace("_", " ")) for k in svc.CORE_AREAS],
        ge_pairs=[(k, k.replace("_", " ")) for k in svc.GE_AREAS],
        competency_pairs=[(k, k) for k in svc.COMPETENCY_AREAS], suggestions=suggestions,
        institution=institution, waiting_days=svc.waiting_days(document)), status


@bp.post("/verification/<document_id>/reject")
@permission_required(VERIFY_PERMISSION)
@two_factor_required
def reject(document_id: str) -> Any:
    if not CsrfForm().validate_on_submit():
        abort(400)
    session = registry_session()
    document, _participant_row = _staff_document(document_id)
    reason = (request.form.get("reason") or "").strip()[:500]
    if len(reason) < 3:
        flash(_("Please give the participant a reason."), "danger")
        return redirect(url_for(".verify", document_id=document_id)), 303
    try:
        svc.reject_document(session, current_registry(), document, reason, actor=web_actor())
    except svc.DocumentError as exc:
        flash(_(exc.message), "danger")
        return redirect(url_for(".queue")), 303
    session.commit()
    flash(_("The document was rejected and the participant was told why."), "success")
    return redirect(url_for(".queue")), 303


@bp.get("/verification/<document_id>/file")
@permission_required(VERIFY_PERMISSION)
@two_factor_required
def staff_file(document_id: str) -> Any:
    session = registry_session()
    document, _participant_row = _staff_document(document_id)
    content = svc.read_file(session, current_registry(), document, actor=web_actor(),
                            reason="verification")
    session.commit()
    return file_response(content)


# --- public: check a report's code -------------------------------------------------------------

@public_bp.get("/reports/verify")
@public_bp.get("/reports/verify/<code>")
def check(code: str | None = None) -> Any:
    g.registry_read_only = True
    code = code or request.args.get("code") or None
    result = svc.check_code(registry_session(), code) if code else None
    status = 404 if code and result is None else 200
    return render_template("documents/check.html", code=code, result=result,
                           today=clock.today()), status
