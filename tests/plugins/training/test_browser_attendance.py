"""The issue's "done when" in a real browser (Playwright + Debian's Chromium): a sponsor takes
attendance (Attended, No Show, a walk-in by Registry ID); the participant then sees the hours on
their Education & Training Report (documents plugin) and downloads the certificate."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from registry_kernel.testing import Factory, bearer

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"
PLUGINS = ["profile", "documents", "training"]


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


def _iso(days: float, hours: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(
        microsecond=0).isoformat()


def test_sponsor_takes_attendance_and_the_participant_sees_hours_and_certificate(
        live, tmp_path, new_page, axe_check):
    from registry_plugins.training.models import TrainingEvent

    from registry_kernel.db import unit_of_work

    factory = Factory(live)
    registry = live.extensions["registry"]
    org = factory.org(kind="training_sponsor", name="Bay Area Child Care Training")
    manager = factory.account("sponsor_manager", org=org, email="lee@example.org",
                              password=PASSWORD, first_name="Lee", last_name="Park")
    token = factory.token(manager, "training:read training:write enrollments:write", org=org)
    ana = factory.account(email="ana@example.org", password=PASSWORD, first_name="Ana",
                          last_name="Ruiz")
    bo, walk_in = factory.participant(), factory.participant()
    api = live.test_client()
    training = api.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Positive Guidance", "description": "Guiding behavior", "hours": "3.00",
        "competency_area": "RIG", "language": "en"}).get_json()
    event = api.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training["id"], "starts_at": _iso(7), "ends_at": _iso(7, 3),
        "capacity": 10, "location": {"address": "1200 Broadway", "city": "Oakland",
                                     "county": "Alameda", "zip": "94612"}}).get_json()
    for person in (ana.participant, bo):
        enrolled = api.post(f"/api/v1/events/{event['id']}/enrollments",
                            headers=bearer(token), json={"registry_id": person.registry_id})
        assert enrolled.status_code == 201, enrolled.get_json()
    with unit_of_work(registry.sessions) as session:  # the training took place yesterday
        held = session.get(TrainingEvent, event["id"])
        held.starts_at -= timedelta(days=8)
        held.ends_at -= timedelta(days=8)

    page = new_page()
    sign_in(page, live.url, "lee@example.org")
    page.goto(f"{live.url}/training/manage/{org.id}/events/{event['id']}")
    page.get_by_label(f"Attendance for {ana.participant.registry_id}").select_option(
        "attended")
    page.get_by_label(f"Attendance for {bo.registry_id}").select_option("no_show")
    page.get_by_label("Walk-ins: one Registry ID a line (marked Attended)").fill(
        "12345\n")  # not a Registry ID: nothing is recorded
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("main")).to_contain_text("nothing was recorded")
    page.get_by_label(f"Attendance for {ana.participant.registry_id}").select_option(
        "attended")
    page.get_by_label(f"Attendance for {bo.registry_id}").select_option("no_show")
    page.get_by_label("Walk-ins: one Registry ID a line (marked Attended)").fill(
        walk_in.registry_id + "\n")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("main")).to_contain_text("Attendance saved for 3 people")
    rows = {r.registry_id: r for r in (ana.participant, bo, walk_in)}
    table = page.locator("table").first.inner_text()
    assert all(rid in table for rid in rows)
    assert "No Show" in table and table.count("3.00 h") == 2
    axe_check(page)

    # the attendance report from the Training Module's Reports page
    page.get_by_role("navigation", name="Training Module").get_by_role(
        "link", name="Reports").click()
    axe_check(page)
    section = page.locator("section", has=page.get_by_role("heading", name="Attendance",
                                                            exact=True))
    section.get_by_label("From").fill("2026-05-02")
    section.get_by_label("To").fill("2026-05-01")
    section.get_by_role("button", name="Download (Excel)").click()
    expect(page.locator("main")).to_contain_text("'from' must not be after 'to'")
    axe_check(page)
    section = page.locator("section", has=page.get_by_role("heading", name="Attendance",
                                                            exact=True))
    section.get_by_label("From").fill("")
    section.get_by_label("To").fill("")
    with page.expect_download() as info:
        section.get_by_role("button", name="Download (Excel)").click()
    workbook = tmp_path / "attendance.xlsx"
    info.value.save_as(workbook)
    sheet = load_workbook(workbook, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    total = dict(zip(header, rows[-1], strict=False))
    assert rows[1][1] == event["id"]
    assert (total["Sponsor"], total["Attended"], total["No show"], total["Hours granted"]) == (
        "Total", 2, 1, 6.0)
    # the catalog entry's feedback survey editor
    page.goto(f"{live.url}/training/manage/{org.id}/catalog/{training['id']}/survey")
    page.get_by_label("Question", exact=True).first.fill("Was the pace right?")
    page.get_by_role("button", name="Save survey").click()
    expect(page.locator("main")).to_contain_text("The survey is saved.")
    axe_check(page)
    page.context.close()

    page = new_page()
    sign_in(page, live.url, "ana@example.org")
    page.goto(live.url + "/documents/report")
    report = page.locator("main").inner_text()
    assert "Positive Guidance" in report and "Bay Area Child Care Training" in report
    assert page.locator("#total-hours").inner_text().strip() == "3.00"
    page.goto(live.url + "/training/my")
    assert "Give feedback (anonymous)" in page.locator("main").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Certificate (PDF)").click()
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    text = PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text()
    assert "Certificate of Completion" in text and "Ana Ruiz" in text
    assert "3.00" in text and ana.participant.registry_id in text
    axe_check(page)
    # the anonymous survey the sponsor configured for this catalog entry
    page.get_by_role("link", name="Give feedback (anonymous)").click()
    expect(page.locator("main")).to_contain_text("Was the pace right?")
    page.get_by_role("button", name="Send").click()  # nothing chosen: each question says so
    expect(page.locator("main")).to_contain_text("choose 1 to 5")
    assert page.locator("main").inner_text().count("choose 1 to 5") == 3
    axe_check(page)
    for group in page.locator("fieldset").all():
        group.get_by_role("radio").nth(3).check()
    page.get_by_label("Comments (optional)").fill("Clear and practical")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("main")).to_contain_text("Thank you: your answers are in.")
    assert "Give feedback (anonymous)" not in page.locator("main").inner_text()
    page.context.close()
