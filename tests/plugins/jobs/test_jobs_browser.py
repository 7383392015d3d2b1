"""The issue's "done when" in a real browser (Playwright + Debian's Chromium): an administrator
gets access, confirms a staff member, sees the staff qualifications and downloads the verified
report, and posts a job that a participant then finds on the public Job Board (phone width)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from registry_kernel.testing import Factory, bearer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parents[2] / "browser" / "vendor" / "axe.min.js"
PASSWORD = "violet tractor umbrella"
PLUGINS = ["profile", "documents", "jobs"]


@pytest.fixture
def live(fresh_database: Any, tmp_path: Path) -> Iterator[Any]:
    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    url = fresh_database(plugins=PLUGINS)
    app = create_app(test_settings(url, tmp_path / "live", plugins=PLUGINS))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{server.server_port}"
    app.extensions["registry"].settings.base_url = app.url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["registry"].engine.dispose()


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The worker's shared Chromium (see tests/conftest.py)."""
    return chromium


def new_page(browser: Any, **kw: Any) -> Any:
    context = browser.new_context(locale="en-US", **kw)
    context.set_default_timeout(15000)
    return context.new_page()


def axe_violations(page: Any) -> list[str]:
    if not AXE.exists():
        return []
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;window.axe !== undefined")
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [f"{v['id']}: {v['help']} -> {v['nodes'][0]['target']}" for v in result["violations"]]


def sign_in(page: Any, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_administrator_flow_and_job_found_by_a_participant(browser, live, tmp_path):
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

    page = new_page(browser, viewport={"width": 1280, "height": 900})
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
    assert "Waiting for registry staff" in page.locator("main").inner_text()
    assert axe_violations(page) == []

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
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm", exact=True).first.click()
    assert "Confirmed" in page.locator("tbody").inner_text()

    page.get_by_role("link", name="Staff qualifications").click()
    assert "Ana Ruiz" in page.locator("main").inner_text()
    assert axe_violations(page) == []
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
    page.get_by_label("Closing date").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Post job").click()
    assert "cannot be below the lowest" in page.locator("main").inner_text()
    page.get_by_label("Highest hourly pay ($)").fill("29.00")
    page.get_by_role("button", name="Post job").click()
    assert "Job posted." in page.content()
    assert axe_violations(page) == []

    phone = new_page(browser, viewport={"width": 390, "height": 844})
    phone.goto(live.url + "/jobs/")
    phone.get_by_label("Keywords").fill("preschool")
    phone.get_by_label("Position").select_option("teacher")
    phone.get_by_role("button", name="Search").click()
    phone.get_by_role("link", name="Preschool Teacher").click()
    body = phone.locator("main").inner_text()
    assert "Sunshine Learning Center" in body and "$25.00" in body
    assert axe_violations(phone) == []
    api = live.test_client().get("/api/v1/jobs?q=preschool").get_json()
    assert api["total"] == 1
