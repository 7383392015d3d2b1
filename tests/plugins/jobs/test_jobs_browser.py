"""The issue's "done when" in a real browser (Playwright + Debian's Chromium): an administrator
gets access, confirms a staff member, sees the staff qualifications and downloads the verified
report, and posts a job that a participant then finds on the public Job Board (phone width)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from registry_kernel import clock
from registry_kernel.testing import Factory, bearer

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"
PLUGINS = ["profile", "documents", "jobs"]


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


def test_administrator_flow_and_job_found_by_a_participant(live, tmp_path, new_page, axe_check):
    from registry_plugins.jobs import services as svc

    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account

    factory = Factory(live)
    registry = live.extensions["registry"]
    center = factory.org(kind="employer_center", name="Sunshine Learning Center",
                         license_number="010203040", city="Oakland")
    factory.account(email="pat@example.org", password=PASSWORD, first_name="Pat",
                    last_name="Gomez")
    staff = factory.account("registry_staff")
    ana = factory.account(first_name="Ana", last_name="Ruiz")
    token = factory.token(ana, "me")
    reported = live.test_client().post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Teacher", "role_category": "teacher",
        "start_date": "2021-08-16"})
    assert reported.status_code == 201

    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live.url, "pat@example.org")
    page.goto(live.url + "/jobs/access")
    page.get_by_label("Program license number or name").fill("010203040")
    page.get_by_role("button", name="Find program").click()
    page.get_by_role("link", name="Request access to this program").click()
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("Your job title at the program").fill("Director")
    page.get_by_label("Letter on the agency's letterhead (PDF, JPEG or PNG)").set_input_files(
        str(letter))
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("main")).to_contain_text("Waiting for registry staff")
    axe_check(page)

    with unit_of_work(registry.sessions) as session:  # registry staff approve
        actor = actor_for_account(session, session.get(Account, staff.id),
                                  permission_roles=registry.permission_roles)
        request_id = svc.access_requests(session)[0].id
        svc.decide_access(session, registry, request_id, actor=actor, approve=True)

    page.goto(live.url + "/jobs/admin")
    assert "Ana Ruiz" in page.locator("main").inner_text()
    assert "Unconfirmed" in page.locator("main").inner_text()
    assert "Employers cannot search the registry for other people." in \
        page.locator("main").inner_text()
    axe_check(page)
    page.get_by_role("button", name="Confirm", exact=True).first.click()
    expect(page.locator("tbody")).to_contain_text("Confirmed")

    page.get_by_role("link", name="Staff qualifications").click()
    expect(page.locator("main")).to_contain_text("Ana Ruiz")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the verified staff report (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.goto(page.url + "?lang=es")  # the report in the administrator's language
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar el informe verificado del personal (PDF)").click()
    from pypdf import PdfReader

    report = PdfReader(download.value.path()).pages[0].extract_text()
    assert "Calificaciones verificadas del personal" in report and "Ana Ruiz" in report
    page.goto(page.url.replace("lang=es", "lang=en"))

    page.get_by_role("link", name="Job postings").click()
    page.get_by_role("link", name="Post a job (free)").click()
    page.get_by_label("Job title").fill("Preschool Teacher")
    page.get_by_label("Position").select_option("teacher")
    page.get_by_label("Schedule").select_option("full_time")
    page.get_by_label("Lowest hourly pay ($)").fill("25.00")
    page.get_by_label("Highest hourly pay ($)").fill("22.00")
    page.get_by_label("Description (plain text)").fill("Play-based classroom")
    page.get_by_label("Closing date").fill((clock.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Post job").click()
    expect(page.locator("main")).to_contain_text("cannot be below the lowest")
    page.get_by_label("Highest hourly pay ($)").fill("29.00")
    page.get_by_role("button", name="Post job").click()
    expect(page.locator("main")).to_contain_text("Job posted.")
    axe_check(page)

    phone = new_page(viewport={"width": 390, "height": 844})
    phone.goto(live.url + "/jobs/")
    phone.get_by_label("Keywords").fill("preschool")
    phone.get_by_label("Position").select_option("teacher")
    phone.get_by_role("button", name="Search").click()
    phone.get_by_role("link", name="Preschool Teacher").click()
    expect(phone.locator("main")).to_contain_text("Sunshine Learning Center")
    body = phone.locator("main").inner_text()
    assert "Sunshine Learning Center" in body and "$25.00" in body
    axe_check(phone)
    api = live.test_client().get("/api/v1/jobs?q=preschool").get_json()
    assert api["total"] == 1
