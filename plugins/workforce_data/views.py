"""Workforce dashboard: server-rendered SVG bar charts (no script), each with its numbers as a
table, filters, and CSV/Excel downloads (audited). Public visitors see statewide headline
figures; registry staff filter by every dimension; a county administrator filters within their
own county only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry_kernel import audit
from registry_kernel.auth.session import web_actor
from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.models import Organization
from registry_kernel.web import current_registry, registry_session

from . import config, exports, released_data
from . import services as svc
from .snapshot import RETRY_AFTER

bp = Blueprint("workforce_web", __name__, url_prefix="/workforce", template_folder="templates",
               static_folder="static", static_url_path="/static")

CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 640, 22, 190

TITLES = {"county": _l("Workforce by county"), "role_category": _l("Workforce by role"),
          "program_type": _l("Workforce by program type"),
          "years_in_field": _l("Workforce by years in the field"),
          "permit_level": _l("Highest current permit"),
          "degree": _l("Highest verified degree"),
          "ece_units": _l("Verified ECE units"),
          "language": _l("Workforce by preferred language")}
GROUP_LABELS = {
    "assistant": _l("Assistant / aide"), "associate_teacher": _l("Associate teacher"),
    "teacher": _l("Teacher"), "lead_teacher": _l("Lead teacher"),
    "master_teacher": _l("Master teacher"), "site_supervisor": _l("Site supervisor"),
    "program_director": _l("Program director"), "fcc_owner": _l("Family child care owner"),
    "fcc_assistant": _l("Family child care assistant"), "support_staff": _l("Support staff"),
    "other": _l("Other"), "none": _l("None"), "unknown": _l("Not recorded"),
    "combined": _l("Combined (small groups)"), "childrens_center": _l("Children's Center"),
    "center": _l("Center"), "family_child_care": _l("Family child care home"),
    "not_listed": _l("Employer not in the registry"),
    "under_3": _l("Under 3 years"), "3_5": _l("3 to 5 years"), "6_10": _l("6 to 10 years"),
    "11_20": _l("11 to 20 years"), "21_plus": _l("21 years or more"),
    "associate": _l("Associate degree"), "bachelor": _l("Bachelor's degree"),
    "graduate": _l("Graduate degree"), "0": _l("No units"), "under_12": _l("Under 12 units"),
    "12_23": _l("12 to 23 units"), "24_plus": _l("24 units or more"),
    "en": "English", "es": "Español", "zh-Hant": "繁體中文",
}
PERMIT_LABELS = {"assistant": _l("Assistant"), "teacher": _l("Teacher")}
FILTER_LABELS = {"county": _l("County"), "role_category": _l("Role"),
                 "program_type": _l("Program type"), "permit_level": _l("Permit level"),
                 "language": _l("Language"), "years_in_field": _l("Years in the field")}


class Viewer:
    """Who is looking: what they may filter, and a county administrator's own county."""

    def __init__(self) -> None:
        self.actor = web_actor()
        self.own_county: str | None = None
        self.staff = bool(self.actor is not None and self.actor.is_staff)
        if self.actor is not None and not self.staff:
            for role, org_id in self.actor.roles:
                if role == "county_admin" and org_id is not None:
                    org = registry_session().get(Organization, org_id)
                    if org is not None and org.county:
                        self.own_county = org.county
                        break

    @property
    def may_filter(self) -> bool:
        return self.staff or self.own_county is not None

    def filters(self, documents: bool) -> dict[str, str]:
        """The request's filters, checked (raises :class:`services.WorkforceError`). The public
        gets statewide figures; a county administrator's county is always their own."""
        if not self.may_filter:
            return {}
        raw = {name: request.args.get(name) for name in svc.FILTERS}
        if not self.staff:
            raw["county"] = None
        filters = svc.parse_filters(raw, documents=documents)
        if self.own_county is not None:
            filters["county"] = self.own_county
        return filters


def label(group: str, dimension: str = "") -> str:
    """A group's name for people (downloads keep the codes the data dictionary explains)."""
    if dimension == "permit_level" and group in PERMIT_LABELS:
        return str(PERMIT_LABELS[group])
    return str(GROUP_LABELS.get(group, group))


def chart(items: list[dict[str, Any]], value: str = "count", dimension: str = ""
          ) -> dict[str, Any]:
    """Bar geometry for the template: one bar per published figure; suppressed ones get none."""
    values = [float(i[value]) for i in items if i.get(value) is not None]
    top = max(values, default=0) or 1
    bars = []
    for n, item in enumerate(items):
        v = item.get(value)
        width = 0 if v is None else round((CHART_WIDTH - LABEL_WIDTH - 70) * float(v) / top)
        bars.append({"label": label(item["group"], dimension), "value": v, "y": n * BAR_HEIGHT,
                     "width": width})
    return {"bars": bars, "height": max(len(items), 1) * BAR_HEIGHT, "width": CHART_WIDTH,
            "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT - 6}


def _filter_choices() -> dict[str, list[str]]:
    return {name: list(CALIFORNIA_COUNTIES) if name == "county" else
            [v for v in svc.allowed_values(name)] for name in svc.FILTERS}


@bp.get("")
def dashboard() -> Any:
    viewer = Viewer()
    registry = current_registry()
    documents = registry.plugins.is_enabled("documents")
    context: dict[str, Any] = {"viewer": viewer, "labels": FILTER_LABELS,
                               "choices": _filter_choices(), "args": request.args,
                               "min_cell": config(registry).min_cell_size,
                               "documents": documents, "error": None, "errors": {},
                               "label": label, "preparing": False, "as_of": None}
    try:
        filters = viewer.filters(documents)
    except svc.WorkforceError as exc:
        context.update(error=_("Unknown filter value: please choose from the lists."),
                       errors=exc.errors, filters={}, stats=None)
        return render_template("workforce_data/dashboard.html", **context), 422
    data = released_data(registry_session(), registry)
    if data is None:
        context.update(filters=filters, stats=None, preparing=True)
        return _not_ready(render_template("workforce_data/dashboard.html", **context))
    stats = svc.statistics_for(data, filters)
    charts = [{"key": t.by, "title": TITLES[t.by], "table": t,
               "chart": chart(t.items(), dimension=t.by)} for t in stats["tables"]]
    context.update(
        filters=filters, stats=stats, charts=charts, min_cell=data.min_cell_size,
        as_of=data.today.isoformat(),
        wage_chart=chart(stats["wages"], "median"),
        pd_chart=chart(stats["pd_hours"]["items"], "per_person"),
        permit_chart=chart(stats["permits"], "held", "permit_level") if stats["permits"]
        else None,
        turnover_chart=chart(stats["turnover"], "rate"), areas=_area_labels())
    return render_template("workforce_data/dashboard.html", **context)


def _not_ready(body: Any) -> Response:
    """503 with ``Retry-After``: no release is stored yet (see ``snapshot.py``)."""
    response = make_response(body, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _area_labels() -> dict[str, str]:
    if not current_registry().plugins.is_enabled("training"):
        return {}
    from ..training.services import COMPETENCY_AREAS

    return dict(COMPETENCY_AREAS)


def _export(kind: str) -> Response:
    viewer = Viewer()
    registry = current_registry()
    session = registry_session()
    try:
        filters = viewer.filters(registry.plugins.is_enabled("documents"))
    except svc.WorkforceError as exc:
        return Response(exc.detail + "\n", status=422, mimetype="text/plain")
    data = released_data(session, registry)
    if data is None:
        return _not_ready(Response(_("Statistics are being prepared. Please check back later.")
                                   + "\n", mimetype="text/plain"))
    table = exports.rows(svc.statistics_for(data, filters), filters)
    audit.record(session, actor=viewer.actor, action="workforce_data.export",
                 resource_type="workforce_data", resource_id=kind,
                 reason="; ".join(f"{k}={v}" for k, v in sorted(filters.items()))
                 or "statewide")
    session.commit()
    name = "workforce-" + ("-".join(v for _, v in sorted(filters.items())) or "statewide")
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name.lower())
    if kind == "csv":
        return Response(exports.to_csv(table), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(exports.to_xlsx(table, data.min_cell_size),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@bp.get("/export.csv")
def export_csv() -> Any:
    return _export("csv")


@bp.get("/export.xlsx")
def export_xlsx() -> Any:
    return _export("xlsx")


@bp.get("/dictionary.csv")
def dictionary_csv() -> Response:
    return Response(exports.dictionary_csv(config(current_registry()).min_cell_size),
                    mimetype="text/csv", headers={
                        "Content-Disposition": 'attachment; filename="workforce-data-dictionary.csv"'})
