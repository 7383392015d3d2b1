"""The dashboard page (SVG charts with tables), downloads and their audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from wf_helpers import NO_CACHE, LoginPlugin, many

from registry_kernel.testing import Factory


@pytest.fixture
def factory(make_app):
    app = make_app(plugins=["profile", "documents", "workforce_data"], extra_plugins=(LoginPlugin(),),
                   plugin_sections=NO_CACHE)
    factory = Factory(app)
    many(factory, 12, county="Alameda", role="teacher", wage="25")
    many(factory, 15, county="Fresno", language="es")
    many(factory, 3, county="Yolo")
    return factory


def signed_in(factory, role, org=None):
    account = factory.account(role, org=org)
    client = factory.app.test_client()
    assert client.get(f"/_test/login/{account.id}").status_code == 200
    return client


def audit_events(factory):
    from registry_kernel.models import AuditEvent

    with factory.registry.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "workforce_data.export")))


def section(html, key):
    return html.split(f'id="{key}"')[1].split("</section>")[0]


def test_public_dashboard_has_svg_charts_with_tables(factory):
    response = factory.app.test_client().get("/workforce")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # 8 count tables, wages, PD hours, permits, turnover: each a chart and its table
    assert html.count("<svg") == 12 and html.count('class="wf-table"') == 12
    assert "Fresno" in section(html, "wf-by-county") and ">15<" in section(html, "wf-by-county")
    assert "Yolo" not in html  # three people: in no figure
    assert "suppressed" in section(html, "wf-by-role_category")
    assert "Assistant / aide" in section(html, "wf-by-role_category")  # labels, not codes
    assert "$25.00" in section(html, "wf-wages")
    assert "Highest current permit" in html and "Expiring within 12 months" in html
    assert "Turnover by role" in html and "competency area" in html
    assert "<script>" not in html and "style=" not in html
    assert 'class="wf-filters"' not in html  # the public sees statewide figures only
    css = factory.app.test_client().get("/workforce/static/workforce.css")
    assert css.status_code == 200 and b".wf-bar" in css.data


def test_public_filters_are_ignored(factory):
    html = factory.app.test_client().get("/workforce?county=Yolo&language=zz").get_data(
        as_text=True)
    assert "Statewide" in html and ">15<" in html


def test_staff_filter_by_every_dimension(factory):
    client = signed_in(factory, "registry_staff")
    html = client.get("/workforce?county=Fresno").get_data(as_text=True)
    for name in ("county", "role_category", "program_type", "permit_level", "language",
                 "years_in_field"):
        assert f'name="{name}"' in html
    assert "County: Fresno" in html and ">15<" in html
    county_table = section(html, "wf-by-county")
    assert "Alameda" not in county_table and "Yolo" not in county_table
    html = client.get("/workforce?role_category=teacher&language=en").get_data(as_text=True)
    assert ">12<" in section(html, "wf-by-county") and "Fresno" not in section(
        html, "wf-by-county")


def test_filter_isolating_few_people_shows_suppressed_cells(factory):
    client = signed_in(factory, "registry_staff")
    response = client.get("/workforce?county=Yolo")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    roles = section(html, "wf-by-role_category")
    assert "suppressed" in roles and ">3<" not in html


def test_unknown_filter_value_is_a_message_not_figures(factory):
    client = signed_in(factory, "registry_staff")
    response = client.get("/workforce?role_category=wizard")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Unknown filter value" in html and 'aria-invalid="true"' in html
    assert "<svg" not in html
    assert client.get("/workforce/export.csv?county=Atlantis").status_code == 422
    assert audit_events(factory) == []


def test_county_admin_sees_only_their_county(factory):
    county_org = factory.org(kind="county", county="Fresno", name="Fresno County")
    client = signed_in(factory, "county_admin", org=county_org)
    html = client.get("/workforce").get_data(as_text=True)
    assert "County: Fresno" in html and 'name="county"' not in html
    assert 'name="language"' in html
    html = client.get("/workforce?county=Alameda").get_data(as_text=True)
    assert "County: Fresno" in html and "Alameda" not in section(html, "wf-by-county")
    rows = list(csv.DictReader(io.StringIO(
        client.get("/workforce/export.csv?county=Alameda").get_data(as_text=True))))
    assert {r["filters"] for r in rows} == {"county=Fresno"}
    assert audit_events(factory)[0].reason == "county=Fresno"


def test_csv_download_contents_and_audit(factory):
    response = factory.app.test_client().get("/workforce/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="workforce-statewide.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert set(rows[0]) == {"table", "filters", "group", "measure", "value", "suppressed"}
    by_county = {r["group"]: r for r in rows if r["table"] == "workforce_by_county"}
    assert by_county["Fresno"]["value"] == "15" and by_county["Alameda"]["value"] == "12"
    assert by_county["all"]["value"] == "27" and "Yolo" not in by_county
    roles = {r["group"]: r for r in rows if r["table"] == "workforce_by_role_category"}
    assert roles["assistant"] == {**roles["assistant"], "value": "", "suppressed": "true"}
    wages = {(r["group"], r["measure"]): r["value"] for r in rows
             if r["table"] == "hourly_wage_by_role_category"}
    assert wages[("teacher", "wage_median")] == "25.00"
    tables = {r["table"] for r in rows}
    assert {"pd_hours_by_competency_area", "permits_by_level", "turnover_by_role_category",
            "workforce_by_program_type", "workforce_by_years_in_field",
            "workforce_by_degree", "workforce_by_ece_units"} <= tables
    permits = {(r["group"], r["measure"]): r for r in rows if r["table"] == "permits_by_level"}
    assert permits[("teacher", "held")]["suppressed"] == "true"
    events = audit_events(factory)
    assert len(events) == 1 and events[0].resource_id == "csv"
    assert events[0].reason == "statewide"


def test_filtered_csv_names_its_filters(factory):
    client = signed_in(factory, "registry_staff")
    response = client.get("/workforce/export.csv?county=Alameda&role_category=teacher")
    assert 'filename="workforce-alameda-teacher.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["filters"] for r in rows} == {"county=Alameda; role_category=teacher"}
    assert audit_events(factory)[0].reason == "county=Alameda; role_category=teacher"


def test_excel_download_has_data_and_dictionary(factory):
    response = factory.app.test_client().get("/workforce/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Workforce data", "Data dictionary"]
    data = list(book["Workforce data"].iter_rows(values_only=True))
    assert data[0] == ("table", "filters", "group", "measure", "value", "suppressed")
    assert ("workforce_by_county", None, "Fresno", "people", 15, False) in data
    assert ("hourly_wage_by_role_category", None, "teacher", "wage_median", 25.0,
            False) in data
    words = [r[0] for r in book["Data dictionary"].iter_rows(values_only=True)]
    assert {"suppressed", "measure", "pd_hours_by_competency_area", "min_cell_size"} <= set(
        words)
    assert [e.resource_id for e in audit_events(factory)] == ["xlsx"]


def test_dictionary_download(factory):
    text = factory.app.test_client().get("/workforce/dictionary.csv").get_data(as_text=True)
    assert text.startswith("column,meaning") and "opted out" in text
    assert "turnover_by_role_category" in text and "fewer than 11 people" in text


def test_quick_link_on_home_page(factory):
    from registry_plugins.workforce_data import quick_links

    links = quick_links(actor=None, participant=None)
    assert links[0].endpoint == "workforce_web.dashboard"
    with factory.app.test_request_context():
        from flask import url_for

        assert url_for(links[0].endpoint) == "/workforce"


@pytest.mark.parametrize("lang,words", [
    ("es", ("Datos de la fuerza laboral", "suprimido", "Asistente / auxiliar")),
    ("zh-Hant", ("幼教人力資料", "不公開", "助理／助手"))])
def test_dashboard_in_spanish_and_chinese(factory, lang, words):
    html = factory.app.test_client().get(f"/workforce?lang={lang}").get_data(as_text=True)
    assert all(word in html for word in words)


def test_dashboard_without_documents_has_no_permit_or_education_figures(make_app):
    factory = Factory(make_app(plugins=["profile", "workforce_data"], plugin_sections=NO_CACHE))
    many(factory, 11, county="Fresno")
    html = factory.app.test_client().get("/workforce").get_data(as_text=True)
    assert html.count("<svg") == 6  # 5 count tables and PD hours (no jobs: no wages, turnover)
    assert "No data yet." in html
    assert "Highest current permit" not in html and "Verified ECE units" not in html
