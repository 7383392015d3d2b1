"""A participant uploads from a real browser (Playwright + Debian's Chromium), staff verify the
document, and the participant sees the records on the report; axe-core checks the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from documents_helpers import COURSE, bearer, pdf_bytes
from playwright.sync_api import expect

from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"


@pytest.fixture
def live(live_server: Any) -> Any:
    """A live registry with the documents plugin (the Flask app, with its ``url``)."""
    server = live_server(plugins=["documents"])
    server.app.url = server.url
    return server.app


def test_upload_in_the_browser_then_verified_records_on_the_report(page, live, tmp_path,
                                                                   axe_check):
    factory = Factory(live)
    person = factory.account(email="rosa@example.org", password=PASSWORD, first_name="Rosa")
    staff = factory.account("registry_staff")
    scan = tmp_path / "my transcript.pdf"
    scan.write_bytes(pdf_bytes("Rosa's transcript"))

    page.goto(live.url + "/login")
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="My Documents").first.click()
    expect(page.locator("h1")).to_contain_text("My Documents")
    axe_check(page)

    # a file that is not a PDF, JPEG or PNG: the message is beside the field
    fake = tmp_path / "notes.pdf"
    fake.write_text("just text pretending to be a PDF")
    page.get_by_label("Document type").select_option("transcript")
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(str(fake))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#file-error")).to_contain_text("only PDF, JPEG or PNG")

    page.get_by_label("Document type").select_option("transcript")
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(str(scan))
    page.get_by_role("button", name="Upload").click()
    row = page.locator("tr[data-document-id]")
    expect(row).to_have_count(1)  # (waits for the page the upload redirects to)
    assert "Unverified" in row.inner_text() and "my transcript.pdf" in row.inner_text()
    document_id = row.get_attribute("data-document-id")
    axe_check(page)

    client = live.test_client()
    staff_token = factory.token(staff, "verification")
    queue = client.get("/api/v1/verification-queue", headers=bearer(staff_token)).get_json()
    assert [item["id"] for item in queue["items"]] == [document_id]
    verified = client.post(f"/api/v1/documents/{document_id}/verify", headers=bearer(staff_token),
                           json={"courses": [{**COURSE, "units": "4", "unit_system": "quarter"}]})
    assert verified.status_code == 200, verified.get_json()

    page.reload()
    assert "Verified" in page.locator("tr[data-document-id]").inner_text()
    page.get_by_role("link", name="See your Education & Training Report").click()
    expect(page.locator("#total-ece")).to_have_text("2.67")
    assert "Child Growth and Development" in page.locator("main").inner_text()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert person.participant.registry_id in page.locator("main").inner_text()


def test_staff_verify_through_the_queue_page_with_the_keyboard_form(page, live, tmp_path,
                                                                     axe_check):
    import pyotp

    from registry_kernel.auth import recovery
    from registry_kernel.models import Account

    factory = Factory(live)
    person = factory.account(email="lee@example.org", password=PASSWORD, first_name="Lee",
                             county="Fresno")
    staff = factory.account("registry_staff", email="verifier@example.org", password=PASSWORD)
    secret = pyotp.random_base32()
    registry = live.extensions["registry"]
    with registry.sessions() as db:
        recovery.enable_totp(db, registry, db.get(Account, staff.id), secret)
        db.commit()
    document_id = live.test_client().post(
        "/api/v1/me/documents", headers=bearer(factory.token(person, "me")),
        data={"type": "transcript", "file": (__import__("io").BytesIO(pdf_bytes()), "t.pdf")},
        content_type="multipart/form-data").get_json()["id"]

    page.goto(live.url + "/login")
    page.get_by_label("Email").fill("verifier@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Verification queue").first.click()
    expect(page.locator("#queue-stats")).to_contain_text("1 documents waiting")
    axe_check(page)
    page.get_by_label("County").fill("Fresno")
    page.get_by_role("button", name="Filter").click()
    rid = person.participant.registry_id
    page.get_by_role("link", name=f"Open Transcript {rid}").click()
    expect(page.locator("h1")).to_contain_text("Verify a document")
    assert "Lee" in page.locator("main").inner_text()
    axe_check(page)

    # keyboard entry: type into the first course row, moving with Tab
    page.locator("#courses-0-institution").focus()
    for value in ("Fresno City College", "CHDEV 39", "Child Growth"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.locator("#courses-0-unit_system").select_option("quarter")
    page.locator("#courses-0-grade").fill("C")
    page.locator("#courses-0-completed_on").fill("2019-06-10")
    page.get_by_role("button", name="Verify and save records").click()
    expect(page.locator("main")).to_contain_text("The document was verified.")
    assert "Nothing is waiting." in page.locator("main").inner_text()
    report = live.test_client().get("/api/v1/me/education-report",
                                    headers=bearer(factory.token(person, "me"))).get_json()
    assert report["totals"]["ece_units"] == "2.67"
    assert document_id == report["courses"][0]["document_id"]
