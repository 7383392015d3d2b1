"""The dashboard page (SVG charts with tables), downloads and their audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Blueprint
from openpyxl import load_workbook
from sqlalchemy import select
from wf_helpers import many

from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import Factory

login_bp = Blueprint("wf_test_login", __name__)


@login_bp.get("/_wf_test/login/<int:account_id>")
def _login(account_id: int):
    from registry_kernel.auth.session import login_user
    from registry_kernel.models import Account
    from registry_kernel.web import registry_session

    session = registry_session()
    login_user(session.get(Account, account_id))
    session.commit()
    return "signed in"


class TestLogin:
    @hookimpl
    def blueprints(self):
        return login_bp


@pytest.fixture
def factory(make_app):
    app = make_app(plugins=["profile", "documents", "workforce_data"], extra_plugins=(TestLogin(),))
    factory = Factory(app)
    many(factory, 12, county="Alameda", role="teacher", wage="25")
    many(factory, 15, county="Fresno", language="es")
    many(factory, 3, county="Yolo")
    return factory


def signed_in(factory, role, org=None):
    account = factory.account(role, org=org)
    client = factory.app.test_client()
    assert client.get(f"/_wf_test/login/{account.id}").status_code == 200
    return client


def audit_events(factory):
    from registry_kernel.models import AuditEvent

    with factory.registry.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "workforce_data.export")))


def test_public_dashboard_has_svg_charts_with_tables(factory):
    response = factory.app.test_client().get("/workforce")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 4  # county, role, language, wages
    assert 'class="wf-table"' in html and "Fresno" in html and ">15<" in html
    assert "suppressed" in html
    assert "Highest current permit" not in html  # more for staff only
    assert "<script>" not in html and "style=" not in html
    assert 'name="county"' not in html
    css = factory.app.test_client().get("/workforce/static/workforce.css")
    assert css.status_code == 200 and b".wf-bar" in css.data


def test_public_county_parameter_is_ignored(factory):
    html = factory.app.test_client().get("/workforce?county=Yolo").get_data(as_text=True)
    assert "Statewide" in html and ">15<" in html


def test_staff_see_permit_levels_and_filter_by_county(factory):
    client = signed_in(factory, "registry_staff")
    html = client.get("/workforce?county=Fresno").get_data(as_text=True)
    assert "Highest current permit" in html and 'name="county"' in html
    assert "County: Fresno" in html and ">15<" in html
    county_table = html.split('id="wf-by-county"')[1].split("</section>")[0]
    assert "Alameda" not in county_table and "Yolo" not in county_table


def test_county_admin_sees_their_county_by_default(factory):
    county_org = factory.org(kind="county", county="Fresno", name="Fresno County")
    client = signed_in(factory, "county_admin", org=county_org)
    html = client.get("/workforce").get_data(as_text=True)
    assert "County: Fresno" in html


def test_csv_download_contents_and_audit(factory):
    response = factory.app.test_client().get("/workforce/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_county = {r["group"]: r for r in rows if r["table"] == "workforce_by_county"}
    assert by_county["Fresno"]["count"] == "15"
    assert by_county["Yolo"] == {**by_county["Yolo"], "count": "", "suppressed": "true"}
    assert by_county["Alameda"]["suppressed"] == "true"  # complementary
    wages = [r for r in rows if r["table"] == "hourly_wage_by_role_category"]
    assert wages[0]["group"] == "teacher" and wages[0]["wage_median"] == "25.00"
    events = audit_events(factory)
    assert len(events) == 1 and events[0].resource_id == "csv"
    assert events[0].reason == "county=statewide"


def test_excel_download_has_data_and_dictionary(factory):
    response = factory.app.test_client().get("/workforce/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Workforce data", "Data dictionary"]
    data = list(book["Workforce data"].iter_rows(values_only=True))
    assert data[0][:4] == ("table", "county", "group", "count")
    assert ("workforce_by_county", None, "Fresno", 15) in [r[:4] for r in data]
    words = [r[0] for r in book["Data dictionary"].iter_rows(values_only=True)]
    assert "suppressed" in words and "wage_median" in words
    assert [e.resource_id for e in audit_events(factory)] == ["xlsx"]


def test_dictionary_download(factory):
    text = factory.app.test_client().get("/workforce/dictionary.csv").get_data(as_text=True)
    assert text.startswith("column,meaning") and "opted out" in text


def test_quick_link_on_home_page(factory):
    from registry_plugins.workforce_data import quick_links

    links = quick_links(actor=None, participant=None)
    assert links[0].endpoint == "workforce_web.dashboard"
    with factory.app.test_request_context():
        from flask import url_for

        assert url_for(links[0].endpoint) == "/workforce"
