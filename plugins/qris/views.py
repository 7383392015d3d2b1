"""QRIS pages: the sites a program or county administrator may see (filters, Excel export), a
site's element scores with evidence and what is missing (program administrators correct lead
teachers and record validation dates there), and the county page where a county administrator
switches QRIS on and uploads the county's rule file. Thin: :mod:`.services` decides."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from registry_kernel import audit
from registry_kernel.auth.session import permission_required, web_actor
from registry_kernel.counties import is_active as county_active
from registry_kernel.form_fields import SelectField
from registry_kernel.web import current_registry, registry_session

from . import services as svc
from .reports import definitions

bp = Blueprint("qris_web", __name__, url_prefix="/qris", template_folder="templates")

ROLE_LABELS = {
    "lead_teacher": _l("Lead Teacher"), "teacher": _l("Teacher"),
    "associate_teacher": _l("Associate Teacher"), "master_teacher": _l("Master Teacher"),
    "site_supervisor": _l("Site Supervisor"), "program_director": _l("Program Director"),
    "fcc_owner": _l("Family child care owner"), "assistant": _l("Assistant / aide"),
    "fcc_assistant": _l("Family child care assistant"), "support_staff": _l("Support staff"),
    "other": _l("Other"),
}
STATUS_LABELS = {"scored": _l("Scored"), "not_enough_data": _l("Not enough data")}
LEVEL_MODE_LABELS = {
    "cumulative": _l("Levels are cumulative: a level counts only when every lower level is met "
                     "too."),
    "highest": _l("The highest level met counts, whatever lies below it.")}
RECORD_LABELS = {"course": _l("Course"), "degree": _l("Degree"), "permit": _l("Permit"),
                 "credential": _l("Credential"), "training": _l("Training"),
                 "employment": _l("Employment"), "document": _l("Document")}
VERIFICATION_LABELS = {"verified": _l("verified"), "confirmed": _l("confirmed by the employer"),
                       "attended": _l("attended"), "unverified": _l("waiting for verification"),
                       "rejected": _l("rejected")}
UNIT_LABELS = {"ECE units": _l("ECE units"), "GE units": _l("GE units"),
               "units in all": _l("units in all"),
               "administration units": _l("administration units"),
               "administration/supervision units": _l("administration/supervision units")}
CORE_LABELS = {"child growth": _l("Child Growth and Development"),
               "child family community": _l("Child, Family and Community"),
               "curriculum": _l("Introduction to Curriculum")}
DEGREE_LABELS = {"AA/AS": _l("AA/AS"), "BA/BS": _l("BA/BS"), "master's": _l("master's"),
                 "doctorate": _l("doctorate")}
PERMIT_LABELS = {"Assistant": _l("Assistant"), "Associate Teacher": _l("Associate Teacher"),
                 "Teacher": _l("Teacher"), "Master Teacher": _l("Master Teacher"),
                 "Site Supervisor": _l("Site Supervisor"),
                 "Program Director": _l("Program Director")}
CREDENTIAL_LABELS = {"CDA credential": _l("CDA credential"),
                     "Administrative Services Credential":
                         _l("Administrative Services Credential"),
                     "Teaching Credential": _l("Teaching credential")}
_MISSING = (
    (re.compile(r"^([\d.]+) more (.+)$"), "units"),
    (re.compile(r"^core course: (.+)$"), "core"),
    (re.compile(r"^(AA/AS|BA/BS|master's|doctorate) degree( in ECE or a closely related "
                r"field)? or higher$"), "degree"),
    (re.compile(r"^(.+) Permit or higher$"), "permit"),
    (re.compile(r"^(\d+) more months of confirmed experience$"), "months"),
    (re.compile(r"^([\d.]+) more professional development hours in the PD year$"), "hours"),
    (re.compile(r"^a confirmed (lead teacher|director) \((.+)\) with confirmed, current "
                r"employment at the site$"), "who"),
)


def missing_text(item: str) -> str:
    """A "missing for the next level" item (English in the API and the recorded score) in the
    page's language; an item the page does not know is shown as it is."""
    for pattern, kind in _MISSING:
        match = pattern.match(item)
        if match is None:
            continue
        if kind == "hours":
            return _("%(hours)s more professional development hours in the PD year",
                     hours=match.group(1))
        if kind == "units" and match.group(2) in UNIT_LABELS:
            return _("%(units)s more %(what)s", units=match.group(1),
                     what=UNIT_LABELS[match.group(2)])
        if kind == "core":
            return _("core course: %(course)s",
                     course=CORE_LABELS.get(match.group(1), match.group(1)))
        if kind == "degree":
            label = DEGREE_LABELS[match.group(1)]
            return _("%(degree)s degree in ECE or a closely related field or higher",
                     degree=label) if match.group(2) else \
                _("%(degree)s degree or higher", degree=label)
        if kind == "permit" and match.group(1) in PERMIT_LABELS:
            return _("%(level)s Permit or higher", level=PERMIT_LABELS[match.group(1)])
        if kind == "months":
            return _("%(months)s more months of confirmed experience",
                     months=match.group(1))
        if kind == "who":
            roles = ", ".join(str(ROLE_LABELS.get(r.strip(), r.strip()))
                              for r in match.group(2).split(","))
            return _("a confirmed lead teacher (%(roles)s) with confirmed, current employment "
                     "at the site", roles=roles) if match.group(1) == "lead teacher" else \
                _("a confirmed director (%(roles)s) with confirmed, current employment at "
                  "the site", roles=roles)
    if item in CREDENTIAL_LABELS:
        return str(CREDENTIAL_LABELS[item])
    if item == "no option for this kind of site":
        return _("no option for this kind of site")
    return item


ELEMENT_TITLES = {  # the statewide titles; a county's own titles are shown as written
    "Minimum Qualifications for Lead Teacher / FCC home":
        _l("Minimum Qualifications for Lead Teacher / FCC home"),
    "Director Qualifications": _l("Director Qualifications")}


@bp.app_template_filter("qris_title")
def _title_filter(title: str) -> str:
    return str(ELEMENT_TITLES.get(title, title))


@bp.app_template_filter("qris_missing")
def _missing_filter(items: list[str]) -> str:
    return "; ".join(missing_text(item) for item in items)


@bp.app_context_processor
def _qris_labels() -> dict[str, Any]:
    return {"qris_records": RECORD_LABELS, "qris_verification": VERIFICATION_LABELS,
            "qris_levels": LEVEL_MODE_LABELS}


class CsrfForm(FlaskForm):
    pass


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    county = StringField(_l("County"), validators=[Optional(), Length(max=64)])
    element = SelectField(_l("Element"), choices=[("", _l("Any")), ("3", _l("Element 3")),
                                                  ("7", _l("Element 7"))], default="")
    points = SelectField(_l("Points"), choices=[("", _l("Any")), ("0", _l("Not enough data")),
                                                *((str(n), str(n)) for n in range(1, 6))],
                         default="")
    missing = SelectField(_l("Missing evidence"),
                          choices=[("", _l("Any")), ("yes", _l("Missing evidence for the "
                                                               "next level")),
                                   ("no", _l("Nothing missing"))], default="")


class LeadTeacherForm(FlaskForm):
    registry_id = StringField(_l("Registry ID"), validators=[DataRequired(), Length(max=20)])
    counts = SelectField(_l("Counts as lead teacher"),
                         choices=[("auto", _l("As the role category says")),
                                  ("yes", _l("Yes")), ("no", _l("No"))], default="auto")
    classroom = StringField(_l("Classroom"), validators=[Optional(), Length(max=100)])


class ValidationDateForm(FlaskForm):
    validated_on = DateField(_l("Validation date"), validators=[DataRequired()])


class ActivationForm(FlaskForm):
    active = BooleanField(_l("QRIS is on for the county"))


class RuleFileForm(FlaskForm):
    file = FileField(_l("County rule file (TOML)"), validators=[FileRequired()])


def _actor() -> Any:
    actor = web_actor()
    if actor is None:
        abort(403)
    return actor


@bp.get("/")
@permission_required("qris.view")
def sites() -> Any:
    session, registry, actor = registry_session(), current_registry(), _actor()
    form = FilterForm(request.args)
    form.validate()
    county = svc.canonical_county(form.county.data) if form.county.data else None
    rows = svc.summary_rows(session, registry,
                            svc.visible_sites(session, registry, actor, county=county))
    wanted_points = int(form.points.data) if form.points.data else None
    element = int(form.element.data) if form.element.data else None
    shown = []
    for row in rows:
        elements = [row["elements"][element]] if element in row["elements"] else \
            ([] if element else list(row["elements"].values()))
        if wanted_points is not None and not any((e["points"] or 0) == wanted_points
                                                 for e in elements):
            continue
        if form.missing.data and not any(bool(e["missing"]) == (form.missing.data == "yes")
                                         for e in elements):
            continue
        shown.append(row)
    session.commit()
    return render_template("qris/sites.html", rows=shown, form=form,
                           counties=sorted(svc.admin_counties(session, actor)),
                           status_labels=STATUS_LABELS)


@bp.get("/export/<name>.xlsx")
@permission_required("qris.view")
def export(name: str) -> Any:
    from registry_kernel.reports import XLSX, write_xlsx

    session, registry, actor = registry_session(), current_registry(), _actor()
    definition = {d.name: d for d in definitions()}.get(name)
    if definition is None:
        abort(404)
    handle = write_xlsx(definition.title, definition.columns,
                        definition.build(session, registry, actor, {}))
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id=name)
    session.commit()
    response = Response(handle, mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _site(slug: str) -> Any:
    session, registry = registry_session(), current_registry()
    try:
        return svc.site_for(session, registry, _actor(), slug)
    except svc.QrisError:
        abort(404)


def _render_site(org: Any, lead_form: LeadTeacherForm | None = None,
                 date_form: ValidationDateForm | None = None, status: int = 200) -> Any:
    session, registry, actor = registry_session(), current_registry(), _actor()
    result = svc.score_site(session, registry, org)
    today = svc.local_today(registry)
    staff = svc.current_staff(session, org, today)
    session.commit()
    return render_template(
        "qris/site.html", org=org, result=result, staff=staff,
        can_correct=svc.can_correct(actor, org),
        can_date=svc.can_correct(actor, org) or org.county in svc.admin_counties(session, actor),
        lead_form=lead_form or LeadTeacherForm(), date_form=date_form or ValidationDateForm(),
        dates=svc.validation_dates(session, org.id), role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS, history=svc.score_history(session, org.id, 20)), status


@bp.get("/sites/<slug>")
@permission_required("qris.view")
def site(slug: str) -> Any:
    return _render_site(_site(slug))


@bp.post("/sites/<slug>/lead-teachers")
@permission_required("qris.view")
def lead_teacher(slug: str) -> Any:
    org = _site(slug)
    session, registry = registry_session(), current_registry()
    form = LeadTeacherForm()
    if not form.validate():
        return _render_site(org, lead_form=form, status=422)
    counts = {"auto": None, "yes": True, "no": False}[form.counts.data]
    try:
        svc.set_lead_teacher(session, _actor(), org, form.registry_id.data.strip().upper(),
                             counts, form.classroom.data, today=svc.local_today(registry))
    except svc.QrisError as exc:
        session.rollback()
        if exc.status == 403:
            abort(403)
        form.registry_id.errors = [*form.registry_id.errors,
                                   _((exc.errors or {}).get("registry_id", exc.detail))]
        return _render_site(org, lead_form=form, status=422)
    session.commit()
    flash(_("Saved. The scores below use the correction."), "success")
    return redirect(url_for("qris_web.site", slug=slug))


@bp.post("/sites/<slug>/validation-dates")
@permission_required("qris.view")
def validation_date(slug: str) -> Any:
    org = _site(slug)
    session = registry_session()
    form = ValidationDateForm()
    if not form.validate():
        return _render_site(org, date_form=form, status=422)
    try:
        svc.add_validation_date(session, _actor(), org, form.validated_on.data)
    except svc.QrisError:
        session.rollback()
        abort(403)
    session.commit()
    flash(_("Validation date recorded."), "success")
    return redirect(url_for("qris_web.site", slug=slug))


# --- the county administrator's page --------------------------------------------------------

def _county(county: str) -> str:
    session, actor = registry_session(), _actor()
    if county not in svc.admin_counties(session, actor):
        abort(404)
    return county


def _county_page(rule_form: RuleFileForm | None = None, status: int = 200) -> Any:
    session, registry, actor = registry_session(), current_registry(), _actor()
    items = []
    for county in sorted(svc.admin_counties(session, actor)):
        rules = svc.rule_set_for(session, registry, county)
        items.append({"county": county,
                      "active": county_active(session, registry, "qris", county),
                      "rules": rules, "uploaded": svc.uploaded_rules(session, county)})
    return render_template("qris/county.html", items=items, form=CsrfForm(),
                           rule_form=rule_form or RuleFileForm()), status


@bp.get("/county")
@permission_required("plugins.activate_county")
def county_page() -> Any:
    return _county_page()


@bp.post("/county/<county>/activation")
@permission_required("plugins.activate_county")
def activation(county: str) -> Any:
    county = _county(county)
    session, registry = registry_session(), current_registry()
    if not CsrfForm().validate():
        abort(400)
    active = request.form.get("active") == "on"
    svc.set_county_active(session, registry, _actor(), county, active)
    session.commit()
    flash(_("QRIS is now on for %(county)s.", county=county) if active else
          _("QRIS is now off for %(county)s.", county=county), "success")
    return redirect(url_for("qris_web.county_page"))


@bp.post("/county/<county>/rules")
@permission_required("plugins.activate_county")
def upload_rules(county: str) -> Any:
    county = _county(county)
    session, registry = registry_session(), current_registry()
    form = RuleFileForm()
    if not form.validate():
        return _county_page(form, 422)
    upload = form.file.data
    try:
        rules = svc.upload_county_rules(session, registry, _actor(), county,
                                        upload.filename or "rules.toml",
                                        upload.read(svc.MAX_RULE_FILE_BYTES + 1))
    except svc.QrisError as exc:
        session.rollback()
        form.file.errors = [*form.file.errors, exc.detail]
        return _county_page(form, 422)
    session.commit()
    flash(_("Rule file accepted: %(county)s, version %(version)s.", county=rules.county,
            version=rules.version), "success")
    return redirect(url_for("qris_web.county_page"))


@bp.post("/county/<county>/rules/remove")
@permission_required("plugins.activate_county")
def remove_rules(county: str) -> Any:
    county = _county(county)
    session = registry_session()
    if not CsrfForm().validate():
        abort(400)
    svc.remove_county_rules(session, _actor(), county)
    session.commit()
    flash(_("The county's rule file was removed; the statewide rules apply."), "success")
    return redirect(url_for("qris_web.county_page"))
