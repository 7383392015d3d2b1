"""The profile pages in a real browser (Playwright + Debian's Chromium): add a job found by
license number, build a resume and download it, download the membership card, on a phone-sized
screen, with no axe-core accessibility violations in the profile pages' content."""

from __future__ import annotations

import io

import docx
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from registry_kernel.testing import Factory, TestLogin

pytestmark = pytest.mark.browser


@pytest.fixture
def live(live_server):
    """A live registry with the profile plugin and a test-only sign-in route."""
    return live_server(plugins=["profile"], extra_plugins=(TestLogin(),))


def test_add_a_job_build_a_resume_and_download_the_card(phone_page, live, axe_check):
    app, base, page = live.app, live.url, phone_page
    factory = Factory(app)
    center = factory.org(kind="employer_center", name="Sunshine Learning Center",
                         license_number="010203040")
    person = factory.account(first_name="Rosa", last_name="Chan")
    page.goto(f"{base}/_test/login/{person.id}")
    page.goto(f"{base}/profile/")
    assert "Personal Profile" in page.locator("h1").inner_text()
    axe_check(page)

    # Employment history: empty, then add a job found by license number
    page.get_by_role("link", name="Employment History").first.click()
    expect(page.get_by_text("No jobs yet")).to_be_visible()
    page.get_by_role("link", name="Add a job").click()
    page.get_by_label("Find your employer by name or license number").fill("010203040")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Sunshine Learning Center").check()
    page.get_by_label("Position (job title)").fill("Preschool Teacher")
    page.get_by_label("Role category").select_option("teacher")
    page.get_by_label("Start date").fill("2019-08-19")
    page.get_by_label("Hours per week").fill("40")
    page.get_by_label("Hourly wage").fill("24.10")
    page.get_by_label("Preschool").check()
    page.get_by_label("Responsibilities").fill("Planned daily activities\nMet with families")
    axe_check(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Waiting for employer")).to_be_visible()
    page.locator("summary").first.click()
    expect(page.get_by_text("$24.10")).to_be_visible()
    axe_check(page)

    # Resume Builder: save a summary and download the Word document
    page.get_by_role("link", name="Resume Builder").first.click()
    page.get_by_label("Summary of Qualifications").fill("Bilingual preschool teacher.")
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Create Resume").click()
    resume = docx.Document(download_info.value.path())
    text = "\n".join(p.text for p in resume.paragraphs)
    assert "Rosa Chan" in text and "Bilingual preschool teacher." in text
    assert "Preschool Teacher" in text and "Met with families" in text

    # Membership Card: the page, then the PDF it links to
    page.goto(f"{base}/profile/card")
    expect(page.get_by_text("Rosa Chan")).to_be_visible()
    axe_check(page)
    href = page.get_by_role("link", name="Open the card").get_attribute("href")
    pdf = page.request.get(base + href)
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Rosa Chan" in PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert center.id


def test_profile_editor_pages_are_accessible_and_keep_typed_input(page, live, axe_check):
    app, base = live.app, live.url
    person = Factory(app).account(first_name="Wei", last_name="Chen")
    page.goto(f"{base}/_test/login/{person.id}")
    for section in ("personal", "experience", "education", "demographics"):
        page.goto(f"{base}/profile/edit/{section}")
        axe_check(page)
    page.goto(f"{base}/profile/edit/personal")
    page.get_by_label("City").fill("Oakland")
    page.get_by_label("ZIP code").fill("9461")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#zip-error")).to_be_visible()
    assert page.get_by_label("City").input_value() == "Oakland"
    axe_check(page)
    page.goto(f"{base}/profile/edit/demographics")
    page.get_by_label("Ethnicity").select_option("declined")
    page.locator("#ages_served_declined").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Personal Profile")
    assert page.get_by_text("Prefer not to say").first.is_visible()
    page.goto(f"{base}/profile/help/contact")
    axe_check(page)
