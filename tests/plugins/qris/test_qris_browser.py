"""A county administrator in a real browser (Playwright + Debian's Chromium): switches QRIS on
for the county, uploads the county's rule file (a bad one first), filters the county's sites by
score and opens a site's evidence; axe-core checks every page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from qris_helpers import PLUGINS, World, permit, training

from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"


@pytest.fixture
def live(live_server: Any) -> Any:
    """A live registry (the Flask app, with its ``url``)."""
    server = live_server(plugins=PLUGINS)
    server.app.url = server.url
    return server.app


def test_county_admin_switches_on_uploads_rules_and_reads_scores(page, live, tmp_path, axe_check):
    factory = Factory(live)
    county_org = factory.org(kind="county", county="Alameda", name="Alameda County")
    admin = factory.account("county_admin", org=county_org, email="dana@example.org",
                            password=PASSWORD)
    center = factory.org(kind="employer_center", county="Alameda", name="Sunshine Center")
    fcc = factory.org(kind="employer_fcc", county="Alameda", name="Rosa Family Child Care")
    program_admin = factory.account("program_admin", org=center)
    staff = factory.account("registry_staff")
    world = World(app=live, factory=factory, county_org=county_org, county_admin=admin,
                  center=center, fcc=fcc, program_admin=program_admin, staff=staff,
                  staff_token=factory.token(staff, "verification qris:read"))
    for level in ("program_director", "associate_teacher"):
        teacher = world.person(center)
        world.verify(teacher, permits=[permit(level)], training=[training(21)])

    page.goto(live.url + "/login")
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live.url + "/qris/county")
    assert "QRIS is off." in page.locator(".qris-status").inner_text()
    axe_check(page)
    page.get_by_role("button", name="Switch QRIS on").click()
    expect(page.locator(".qris-status")).to_contain_text("QRIS is on.")

    bad = tmp_path / "alameda-bad.toml"
    bad.write_text('[rule_set]\ncounty = "Alameda"\nversion = "x"\nextends = "statewide"\n'
                   '[elements.3]\naggregate = "median"\n')
    page.get_by_label("County rule file (TOML)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload rule file").click()
    expect(page.locator(".field-error")).to_contain_text(
        "alameda-bad.toml:6: aggregate must be one of")
    axe_check(page)

    good = tmp_path / "alameda.toml"
    assert "Levels are cumulative" in page.locator(".qris-levels").inner_text()
    good.write_text('[rule_set]\ncounty = "Alameda"\nversion = "alameda-2026.2"\n'
                    'extends = "statewide"\nlevels = "highest"\n\n'
                    '[elements.3]\naggregate = "average"\n')
    page.get_by_label("County rule file (TOML)").set_input_files(str(good))
    page.get_by_role("button", name="Upload rule file").click()
    expect(page.locator("main")).to_contain_text("alameda-2026.2")
    assert "The highest level met counts" in page.locator(".qris-levels").inner_text()

    page.get_by_role("link", name="See the county's sites and scores").click()
    table = page.locator("table.qris-table")
    assert "Sunshine Center" in table.inner_text() and "Rosa Family" in table.inner_text()
    axe_check(page)
    page.get_by_label("Element", exact=True).select_option("3")
    page.get_by_label("Points").select_option("3")  # average of 5 and 2, rounded down
    page.get_by_role("button", name="Filter").click()
    expect(table).not_to_contain_text("Rosa Family")
    expect(table).to_contain_text("Sunshine Center")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the county QRIS data file (Excel)").click()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert rows[0][:2] == ("site_slug", "license_number")
    assert {r[0] for r in rows[1:]} == {center.slug, fcc.slug}

    page.get_by_role("link", name="Sunshine Center").click()
    expect(page.locator("main")).to_contain_text("3 points")
    main = page.locator("main").inner_text()
    assert "3 points" in main and "alameda-2026.2" in main
    assert "The highest level met counts, whatever lies below it." in main
    assert "Missing for the next level" in main
    axe_check(page)
    page.goto(page.url + "?lang=zh-Hant")  # the same page in Traditional Chinese
    main = page.locator("main").inner_text()
    assert "下一級別尚欠" in main and "3 分" in main
    axe_check(page)
