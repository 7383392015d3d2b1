"""The dashboard in a real browser (Playwright + Debian's Chromium): the SVG charts render with
visible bars under the page's Content-Security-Policy, and axe-core finds no violations."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from wf_helpers import LoginPlugin, many, refresh_cli

from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PLUGINS = ["profile", "documents", "workforce_data"]


@pytest.fixture
def live(live_server: Any) -> Any:
    """A live registry with profile, documents and workforce_data (the app, with its url)."""
    server = live_server(plugins=PLUGINS, extra_plugins=(LoginPlugin(),))
    server.app.url = server.url
    return server.app


def test_charts_render_in_a_browser(live, page, axe_check):
    factory = Factory(live)
    many(factory, 12, county="Alameda", role="teacher", wage="24")
    many(factory, 14, county="Fresno", role="assistant", wage="19")
    many(factory, 2, county="Yolo")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    response = page.goto(live.url + "/workforce")  # production default: no release yet
    assert response.status == 503 and response.headers["retry-after"]
    assert "being prepared" in page.locator("#wf-preparing").inner_text()
    expect(page.locator("svg.wf-chart")).to_have_count(0)
    refresh_cli(live)  # what cron or the worker runs
    page.goto(live.url + "/workforce")
    assert page.locator("h1").inner_text() == "Workforce Data"
    charts = page.locator("svg.wf-chart")
    expect(charts).to_have_count(12)  # 8 count tables, wages, PD hours, permits, turnover
    bars = page.locator("svg.wf-chart rect.wf-bar")
    expect(bars.nth(3)).to_be_attached()
    box = bars.first.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 5
    fill = bars.first.evaluate("el => getComputedStyle(el).fill")
    assert fill == "rgb(31, 111, 139)"  # from the plugin's stylesheet, allowed by the CSP
    expect(page.locator("table.wf-table")).to_have_count(12)
    expect(page.locator("#wf-wages svg rect.wf-bar")).to_have_count(2)  # teacher and assistant
    expect(page.locator("#wf-turnover svg")).to_have_count(1)
    assert not [p for p in problems if "Content Security Policy" in p], problems
    axe_check(page)


def test_staff_filter_in_a_browser(live, page, axe_check):
    factory = Factory(live)
    many(factory, 12, county="Alameda", role="teacher", wage="24")
    many(factory, 11, county="Alameda", role="assistant", wage="19")
    many(factory, 14, county="Fresno", role="assistant", wage="19")
    refresh_cli(live)
    staff = factory.account("registry_staff")
    page.goto(f"{live.url}/_test/login/{staff.id}")
    page.goto(live.url + "/workforce")
    page.select_option("#wf-county", "Alameda")
    page.select_option("#wf-role_category", "teacher")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/workforce?*")
    assert page.locator(".wf-scope").inner_text() == "County: Alameda"
    county = page.locator("#wf-by-county table")
    assert "12" in county.inner_text() and "Fresno" not in county.inner_text()
    expect(page.locator("#wf-wages rect.wf-bar")).to_have_count(1)  # teachers only
    assert page.locator("#wf-county").input_value() == "Alameda"
    csv_link = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert "county=Alameda" in csv_link and "role_category=teacher" in csv_link
    axe_check(page)
    page.goto(live.url + "/workforce?years_in_field=forever")
    assert "Unknown filter value" in page.locator("#wf-error").inner_text()
    assert page.locator("#wf-years_in_field").get_attribute("aria-invalid") == "true"
    expect(page.locator("svg.wf-chart")).to_have_count(0)
    axe_check(page)
