"""The issue's "done when" in a real browser (Playwright + Debian's Chromium, the worker's shared
browser): a county administrator switches stipends on and defines a program; an eligible and an
ineligible participant apply (the ineligible one sees every unmet rule); staff approve with a
reason, download the payments for the payment system, upload its return file (first with bad
rows: nothing changes) and the payment shows paid; staff write a professional development plan;
the participant sees the status, the payment and the plan. Then the raw database (every table,
and on SQLite the database files' bytes) holds no plaintext SSN."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import inspect, text
from stipends_helpers import PLUGINS, World

from registry_kernel import clock
from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"
SSN, SSN_DIGITS = "123-45-6789", "123456789"
OTHER_SSN, OTHER_DIGITS = "234-56-7890", "234567890"


def loaded_html(page: Any) -> str:
    """The page's whole HTML once it has loaded (``content()`` alone may catch it half-parsed)."""
    page.wait_for_load_state()
    return page.content()


@pytest.fixture
def live(live_server: Any) -> Any:
    """A live registry (the Flask app, with its ``url``)."""
    server = live_server(plugins=PLUGINS)
    server.app.url = server.url
    return server.app


def sign_in(page: Any, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def world_on(app: Any) -> World:
    """Organizations and people of the scenario, created through the factory and the API."""
    factory = Factory(app)
    county_org = factory.org(kind="county", county="Alameda", name="Alameda County")
    county_admin = factory.account("county_admin", org=county_org, email="kim@example.org",
                                   password=PASSWORD, first_name="Kim", last_name="Tran")
    center = factory.org(kind="employer_center", county="Alameda", name="Sunshine Center")
    program_admin = factory.account("program_admin", org=center)
    staff = factory.account("registry_staff")
    return World(app=app, factory=factory, county_org=county_org, county_admin=county_admin,
                 admin_token=factory.token(county_admin, "stipends:admin"), center=center,
                 program_admin=program_admin, staff=staff,
                 staff_token=factory.token(staff, "verification"))


def test_program_applications_payment_and_plan_in_a_real_browser(
        live, tmp_path, new_page, axe_check):
    world = world_on(live)
    world.person(email="ana@example.org", password=PASSWORD, first_name="Ana",
                 last_name="Ruiz")
    world.person(email="ben@example.org", password=PASSWORD, first_name="Ben",
                 last_name="Lee", role="assistant", hours="10", permit_level=None,
                 training_hours="5", start=(clock.today() - timedelta(days=40)).isoformat())
    today = clock.today()

    # --- a county administrator switches stipends on and defines a program ---------------------
    admin = new_page(viewport={"width": 1280, "height": 900})
    sign_in(admin, live.url, "kim@example.org")
    admin.goto(live.url + "/stipends/admin")
    assert "stipends are off" in admin.locator("main").inner_text()
    admin.get_by_label("Stipends are on for the county").check()
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator("main")).to_contain_text("stipends are on")
    axe_check(admin)
    admin.get_by_role("link", name="New program").click()
    admin.get_by_label("Name", exact=True).fill("Retention Stipend")
    admin.get_by_label("Funding year").fill(str(today.year))
    admin.get_by_label("Applications open on").fill((today - timedelta(days=2)).isoformat())
    admin.get_by_label("Applications close on").fill((today + timedelta(days=30)).isoformat())
    admin.get_by_label("Fixed amount ($)").fill("500")
    admin.get_by_label("Minimum hours a week at a program in the county").fill("20")
    admin.get_by_label("Minimum months employed there").fill("6")
    admin.get_by_label("Permit levels (any of)").select_option(["teacher", "master_teacher"])
    admin.get_by_label("Role categories (any of)").select_option(["teacher", "lead_teacher"])
    axe_check(admin)
    admin.get_by_role("button", name="Save program").click()
    expect(admin.locator("main")).to_contain_text("Program saved.")
    program_url = admin.url

    # --- the eligible participant applies -------------------------------------------------
    ana = new_page(viewport={"width": 390, "height": 844})  # a phone
    sign_in(ana, live.url, "ana@example.org")
    ana.goto(live.url + "/stipends/")
    assert "Your verified records meet this program's rules." in ana.locator("main").inner_text()
    axe_check(ana)
    ana.get_by_role("link", name="Apply to Retention Stipend").click()
    ana.get_by_label("Funding of your program (as many as apply)").select_option(["CSPP"])
    ana.get_by_label("Taxpayer ID type").select_option("ssn")
    ana.get_by_label("Taxpayer ID (123-45-6789)").fill(SSN)
    axe_check(ana)
    ana.get_by_role("button", name="Apply").click()
    expect(ana.locator("main")).to_contain_text("Your application was sent")
    assert "submitted" in ana.locator(".application-status").inner_text()
    assert SSN not in loaded_html(ana) and "6789" not in ana.locator("main").inner_text()

    # --- the ineligible participant applies and sees every unmet rule ------------------------
    ben = new_page(viewport={"width": 1280, "height": 900})
    sign_in(ben, live.url, "ben@example.org")
    ben.goto(live.url + "/stipends/")
    assert "Not yet eligible:" in ben.locator("main").inner_text()
    ben.get_by_role("link", name="Apply to Retention Stipend").click()
    ben.get_by_label("Taxpayer ID (123-45-6789)").fill(OTHER_SSN)
    ben.get_by_role("button", name="Apply").click()
    unmet = ben.locator("#unmet").inner_text()
    assert "You do not meet every rule of this program yet" in unmet
    for explanation in ("At least 20 hours a week required; your confirmed employment shows 10",
                        "At least 6 months at one program required; you have 1",
                        "Role must be one of teacher, lead_teacher; yours: assistant",
                        "A current Child Development Permit at one of these levels is "
                        "required: teacher, master_teacher; verified: —"):
        assert explanation in unmet, explanation
    assert OTHER_SSN not in loaded_html(ben)
    axe_check(ben)
    ben.goto(live.url + "/stipends/")
    assert "You have not applied for a stipend yet." in ben.locator("main").inner_text()

    # --- staff review and approve with a reason --------------------------------------------
    admin.goto(program_url)
    assert "Applications (1)" in admin.locator("main").inner_text()
    admin.locator("tbody a").first.click()
    expect(admin.locator("main")).to_contain_text("Ana Ruiz")
    review = admin.locator("main").inner_text()
    assert "Ana Ruiz" in review and "***-**-6789" in review and SSN not in loaded_html(admin)
    axe_check(admin)
    admin.get_by_label("Decision", exact=True).select_option("approve")
    admin.get_by_label("Reason (sent to the applicant)").fill("Meets every rule; welcome!")
    admin.get_by_role("button", name="Record decision").click()
    expect(admin.locator("main")).to_contain_text("Decision recorded")
    review_url = admin.url

    # --- export payments, upload the return file (bad, then good) --------------------------
    admin.goto(live.url + "/stipends/admin")
    admin.get_by_role("link", name="Payments and return file").click()
    expect(admin.locator(".payment-status")).to_contain_text("pending")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download the payments for the payment system "
                                       "(Excel)").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "payment_id" and len(rows) == 2
    exported = dict(zip(rows[0], rows[1], strict=True))
    assert exported["tin_masked"] == "***-**-6789" and exported["amount"] == 500
    assert exported["first_name"] == "Ana" and exported["status"] == "pending"
    assert SSN_DIGITS not in " ".join(str(c) for c in rows[1])

    def return_file(name: str, lines: list[list[Any]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["payment_id", "paid_on", "amount"], *lines])
        path = tmp_path / name
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return str(path)

    payment_id, paid_on = exported["payment_id"], today.isoformat()
    label = "Return file of the payment system (.xlsx or .csv with payment_id, paid_on and " \
            "optionally amount)"
    admin.get_by_label(label).set_input_files(return_file("bad.csv", [
        [payment_id, paid_on, "500.00"], [999999, paid_on, "10.00"],
        [payment_id, paid_on, "500.00"]]))
    admin.get_by_role("button", name="Mark the listed payments paid").click()
    errors = admin.locator("#return-errors").inner_text()
    assert "nothing was marked paid" in errors
    assert "row 3: no payment 999999 of your county" in errors
    assert f"row 4: payment {payment_id} is listed twice" in errors
    assert "pending" in admin.locator(".payment-status").inner_text()
    axe_check(admin)
    admin.get_by_label(label).set_input_files(return_file("good.csv", [
        [payment_id, paid_on, "500.00"]]))
    admin.get_by_role("button", name="Mark the listed payments paid").click()
    expect(admin.locator("main")).to_contain_text("1 payment marked paid.")
    assert admin.locator(".payment-status").inner_text().strip() == "paid"

    # --- staff write a professional development plan --------------------------------------
    admin.goto(review_url)
    admin.get_by_role("link", name="Professional development plan").click()
    admin.get_by_label("Plan title").fill("Toward the Master Teacher Permit")
    admin.locator("#goals-0-kind").select_option("permit_level")
    admin.locator("#goals-0-permit_level").select_option("master_teacher")
    admin.locator("#goals-0-courses").fill("ECE 60\nECE 70")
    admin.locator("#goals-1-kind").select_option("training_hours")
    admin.locator("#goals-1-amount").fill("21")
    admin.locator("#goals-1-competency_area").select_option("HSN")
    admin.get_by_role("button", name="Save plan").click()
    expect(admin.locator("main")).to_contain_text("Plan saved.")
    axe_check(admin)

    # --- the participant sees the decision, the payment and the plan ------------------------
    ana.goto(live.url + "/stipends/")
    status = ana.locator(".application-status").inner_text()
    assert "approved" in status and f"payment: paid {paid_on}" in status
    main = ana.locator("main").inner_text()
    assert "Meets every rule; welcome!" in main
    assert "Toward the Master Teacher Permit" in main
    assert "Reach the Master Teacher Child Development Permit" in main
    assert "21.00 more verified training hours (HSN)" in main
    expect(ana.locator("progress").nth(2)).to_be_attached()
    axe_check(ana)
    ana.goto(live.url + "/stipends/?lang=es")
    assert "aprobado" in ana.locator(".application-status").inner_text()
    assert "Mis planes de desarrollo profesional" in ana.locator("main").inner_text()
    for page in (admin, ana, ben):
        page.context.close()

    # --- the raw database holds no plaintext SSN ---------------------------------------------
    registry = live.extensions["registry"]
    with registry.engine.connect() as connection:
        dump = []
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                dump.append(repr(tuple(row)))
                dump += [bytes(v).hex() for v in row if isinstance(v, (bytes, memoryview))]
    flat = "\n".join(dump)
    assert "stipends_applications" in inspect(registry.engine).get_table_names()
    for needle in (SSN, SSN_DIGITS, OTHER_SSN, OTHER_DIGITS):
        assert needle not in flat and needle.encode().hex() not in flat, needle
    if registry.engine.url.get_backend_name() == "sqlite":
        database = Path(registry.engine.url.database)
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                raw = path.read_bytes()
                for needle in (SSN, SSN_DIGITS, OTHER_SSN, OTHER_DIGITS):
                    assert needle.encode() not in raw, (path.name, needle)
