"""Workforce dashboard: server-rendered SVG bar charts (no script), each with its numbers as a
table, and CSV/Excel downloads (audited). Public visitors see statewide headline figures;
registry staff may filter by county and also see permit levels; a county administrator sees
their county by default."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from registry_kernel import audit
from registry_kernel.auth.session import web_actor
from registry_kernel.counties import CALIFORNIA_COUNTIES, canonical_county
from registry_kernel.models import Organization
from registry_kernel.web import current_registry, registry_session

from . import config, exports
from . import services as svc

bp = Blueprint("workforce_web", __name__, url_prefix="/workforce", template_folder="templates",
               static_folder="static", static_url_path="/static")

PUBLIC_TABLES = ("county", "role_category", "language")
CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 640, 22, 170


def _viewer() -> tuple[Any, bool, str | None]:
    """(actor, may filter by county / see more, the county administrator's own county)."""
    actor = web_actor()
    if actor is None:
        return None, False, None
    own = None
    for role, org_id in actor.roles:
        if role == "county_admin" and org_id is not None:
            org = registry_session().get(Organization, org_id)
            if org is not None and org.county:
                own = org.county
                break
    return actor, actor.is_staff or own is not None, own


def _county_arg(allowed: bool, own: str | None) -> str | None:
    raw = request.args.get("county", "")
    if not allowed:
        return None
    if not raw:
        return own if own and "county" not in request.args else None
    county = canonical_county(raw)
    if county is None:
        abort(422)
    return county


def chart(items: list[dict[str, Any]], value: str = "count") -> dict[str, Any]:
    """Bar geometry for the template: one bar per published cell; suppressed cells get no bar."""
    values = [float(i[value]) for i in items if i.get(value) is not None]
    top = max(values, default=0) or 1
    bars = []
    for n, item in enumerate(items):
        v = item.get(value)
        width = 0 if v is None else round((CHART_WIDTH - LABEL_WIDTH - 60) * float(v) / top)
        bars.append({"label": item["group"], "value": v, "y": n * BAR_HEIGHT, "width": width})
    return {"bars": bars, "height": max(len(items), 1) * BAR_HEIGHT, "width": CHART_WIDTH,
            "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT - 6}


def _data(county: str | None, more: bool) -> tuple[list[svc.Table], list[dict[str, Any]], int]:
    session, registry = registry_session(), current_registry()
    min_cell = config(registry).min_cell_size
    dims = list(PUBLIC_TABLES)
    if more and registry.plugins.is_enabled("documents"):
        dims.append("permit_level")
    tables = [svc.summary(session, registry, by, county=county, min_cell_size=min_cell)
              for by in dims]
    wages = svc.wages_by_role(session, registry, county=county, min_cell_size=min_cell)
    return tables, wages, min_cell


TITLES = {"county": "Workforce by county", "role_category": "Workforce by role",
          "language": "Workforce by preferred language", "permit_level": "Highest current permit"}


@bp.get("")
def dashboard() -> str:
    actor, more, own = _viewer()
    county = _county_arg(more, own)
    tables, wages, min_cell = _data(county, more)
    charts = [{"key": t.by, "title": _(TITLES[t.by]), "table": t, "chart": chart(t.items())}
              for t in tables]
    wage_chart = chart(wages, "median")
    return render_template("workforce_data/dashboard.html", charts=charts, wages=wages,
                           wage_chart=wage_chart, county=county, more=more,
                           counties=CALIFORNIA_COUNTIES, min_cell=min_cell, signed_in=actor)


def _export(kind: str) -> Response:
    actor, more, own = _viewer()
    county = _county_arg(more, own)
    tables, wages, min_cell = _data(county, more)
    data = exports.rows(tables, wages, county)
    session = registry_session()
    audit.record(session, actor=actor, action="workforce_data.export",
                 resource_type="workforce_data", resource_id=kind,
                 reason=f"county={county or 'statewide'}")
    session.commit()
    name = f"workforce-{(county or 'statewide').lower().replace(' ', '-')}"
    if kind == "csv":
        return Response(exports.to_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(exports.to_xlsx(data, min_cell),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@bp.get("/export.csv")
def export_csv() -> Response:
    return _export("csv")


@bp.get("/export.xlsx")
def export_xlsx() -> Response:
    return _export("xlsx")


@bp.get("/dictionary.csv")
def dictionary_csv() -> Response:
    return Response(exports.dictionary_csv(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="workforce-data-dictionary.csv"'})
