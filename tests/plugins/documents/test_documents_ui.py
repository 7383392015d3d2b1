"""The documents pages through the Flask test client, with CSRF on (signed in by a test-only
route; the kernel's sign-in form is tested by the kernel)."""

from __future__ import annotations

import io
import re

import pytest
from documents_helpers import COURSE, World, bearer, image_bytes, pdf_bytes, pdf_text
from flask import Blueprint

from registry_kernel.db import unit_of_work
from registry_kernel.hookspecs import hookimpl
from registry_kernel.models import Account
from registry_kernel.testing import Factory
from registry_kernel.web import writes_on_get

login_bp = Blueprint("documents_test_login", __name__)


@login_bp.get("/_test/documents-login/<int:account_id>")
@writes_on_get
def _login(account_id: int):
    from registry_kernel.auth.session import login_user
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
def ui(make_app) -> World:
    factory = Factory(make_app(plugins=["documents"], extra_plugins=(TestLogin(),)))
    participant = factory.account("participant", county="Alameda")
    staff = factory.account("registry_staff")
    with unit_of_work(factory.registry.sessions) as session:
        session.get(Account, staff.id).totp_enabled = True  # staff pages need two-factor
    return World(factory=factory, participant=participant,
                 token=factory.token(participant, "me"), staff=staff,
                 staff_token=factory.token(staff, "verification me"))


def _client(world: World, account) -> object:
    client = world.app.test_client()
    assert client.get(f"/_test/documents-login/{account.id}").status_code == 200
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_pages_need_sign_in(ui):
    client = ui.app.test_client()
    for path in ("/documents/", "/documents/report", "/documents/report.pdf",
                 "/documents/verification"):
        assert client.get(path).status_code == 302, path


def test_participant_uploads_sees_unverified_downloads_and_deletes(ui):
    client = _client(ui, ui.participant)
    page = client.get("/documents/").get_data(as_text=True)
    assert "My Documents" in page and 'enctype="multipart/form-data"' in page
    data = pdf_bytes("browser upload")
    response = client.post("/documents/", data={
        "csrf_token": _csrf(page), "type": "transcript",
        "file": (io.BytesIO(data), "college transcript.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    listing = client.get("/documents/").get_data(as_text=True)
    assert "college transcript.pdf" in listing and "Unverified" in listing
    document_id = re.search(r'data-document-id="([^"]+)"', listing).group(1)
    download = client.get(f"/documents/{document_id}/file")
    assert download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    hidden = client.post(f"/documents/{document_id}/visibility",
                         data={"csrf_token": _csrf(listing), "hidden": "1"})
    assert hidden.status_code == 303
    assert "Show to employers" in client.get("/documents/").get_data(as_text=True)
    portfolio = client.get("/documents/portfolio.zip")
    assert portfolio.status_code == 200 and portfolio.data.startswith(b"PK")
    deleted = client.post(f"/documents/{document_id}/delete",
                          data={"csrf_token": _csrf(listing)})
    assert deleted.status_code == 303
    assert "college transcript.pdf" not in client.get("/documents/").get_data(as_text=True)


def test_upload_without_csrf_is_refused(ui):
    client = _client(ui, ui.participant)
    response = client.post("/documents/", data={
        "type": "transcript", "file": (io.BytesIO(pdf_bytes()), "t.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert ui.client().get("/api/v1/me/documents",
                           headers=bearer(ui.token)).get_json()["total"] == 0


def test_wrong_file_and_missing_permit_details_are_shown_next_to_the_field(ui):
    client = _client(ui, ui.participant)
    page = client.get("/documents/").get_data(as_text=True)
    response = client.post("/documents/", data={
        "csrf_token": _csrf(page), "type": "transcript",
        "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "virus.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "only PDF, JPEG or PNG files are accepted" in response.get_data(as_text=True)
    response = client.post("/documents/", data={
        "csrf_token": _csrf(page), "type": "permit", "level": "teacher", "number": "CDP-1",
        "file": (io.BytesIO(image_bytes("PNG")), "permit.png")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="issued_on-error"' in html and 'id="expires_on-error"' in html
    assert 'value="CDP-1"' in html  # what was typed is kept


def test_staff_verify_from_the_queue_and_report_pages(ui):
    document_id = ui.upload().get_json()["id"]
    staff = _client(ui, ui.staff)
    queue = staff.get("/documents/verification").get_data(as_text=True)
    assert f"/documents/verification/{document_id}" in queue
    assert "1 documents waiting" in queue
    page = staff.get(f"/documents/verification/{document_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="courses-0-grade"' in html
    token = _csrf(html)
    bad = staff.post(f"/documents/verification/{document_id}", data={
        "csrf_token": token, "courses-0-institution": "Laney College",
        "courses-0-course_number": "CHDEV 50", "courses-0-title": "Child Growth",
        "courses-0-units": "4", "courses-0-unit_system": "quarter", "courses-0-grade": "ZZ",
        "courses-0-completed_on": "2020-05-20", "courses-0-category": "ece"})
    assert bad.status_code == 422
    assert "is not a grade" in bad.get_data(as_text=True)
    assert 'value="Child Growth"' in bad.get_data(as_text=True)
    good = staff.post(f"/documents/verification/{document_id}", data={
        "csrf_token": token, "courses-0-institution": "Laney College",
        "courses-0-course_number": "CHDEV 50", "courses-0-title": "Child Growth",
        "courses-0-units": "4", "courses-0-unit_system": "quarter", "courses-0-grade": "B",
        "courses-0-completed_on": "2020-05-20", "courses-0-category": "ece",
        "training-0-sponsor": "R&R", "training-0-title": "CPR",
        "training-0-completed_on": "2021-01-01", "training-0-hours": "8"})
    assert good.status_code == 303
    participant = _client(ui, ui.participant)
    report = participant.get("/documents/report").get_data(as_text=True)
    assert "Child Growth" in report
    assert '<dd id="total-ece">2.67</dd>' in report
    assert '<dd id="total-hours">8.00</dd>' in report
    assert "Permit levels your education appears to meet" in report
    assert "No current Child Development Permit is on file." in report
    pdf = participant.get("/documents/report.pdf")
    assert pdf.data.startswith(b"%PDF") and "Child Growth" in pdf_text(pdf.data)
    assert "Verified" in participant.get("/documents/").get_data(as_text=True)


def test_staff_reject_from_the_page(ui):
    document_id = ui.upload().get_json()["id"]
    staff = _client(ui, ui.staff)
    html = staff.get(f"/documents/verification/{document_id}").get_data(as_text=True)
    response = staff.post(f"/documents/verification/{document_id}/reject",
                          data={"csrf_token": _csrf(html), "reason": "Page 2 is missing"})
    assert response.status_code == 303
    doc = ui.client().get(f"/api/v1/me/documents/{document_id}",
                          headers=bearer(ui.token)).get_json()
    assert doc["status"] == "rejected" and doc["reject_reason"] == "Page 2 is missing"
    page = _client(ui, ui.participant).get("/documents/").get_data(as_text=True)
    assert "Page 2 is missing" in page


def test_participants_cannot_open_the_queue(ui):
    client = _client(ui, ui.participant)
    assert client.get("/documents/verification").status_code == 403
    document_id = ui.upload().get_json()["id"]
    assert client.get(f"/documents/verification/{document_id}/file").status_code == 403


def test_second_staff_member_sees_the_claim(ui):
    document_id = ui.upload().get_json()["id"]
    _client(ui, ui.staff).get(f"/documents/verification/{document_id}")
    other = ui.factory.account("registry_staff")
    with unit_of_work(ui.registry.sessions) as session:
        session.get(Account, other.id).totp_enabled = True
    html = _client(ui, other).get(f"/documents/verification/{document_id}").get_data(as_text=True)
    assert "another staff member is working on this document" in html


def test_public_check_page_without_a_code(ui):
    page = ui.app.test_client().get("/reports/verify")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)


def test_spanish_and_chinese_pages(ui):
    client = _client(ui, ui.participant)
    ui.upload(type="permit", level="teacher", number="CDP-1", issued_on="2022-01-01",
              expires_on="2027-01-01")
    spanish = client.get("/documents/?lang=es").get_data(as_text=True)
    assert "Mis documentos" in spanish and "No verificado" in spanish
    assert "Permiso de Desarrollo Infantil" in spanish
    chinese = client.get("/documents/report?lang=zh_Hant").get_data(as_text=True)
    assert "教育及培訓報告" in chinese and "許可證續期" in chinese
    page = client.get("/documents/?lang=es").get_data(as_text=True)
    wrong = client.post("/documents/", data={
        "csrf_token": _csrf(page), "type": "transcript",
        "file": (io.BytesIO(b"plain text"), "x.pdf")}, content_type="multipart/form-data")
    assert "solo se aceptan archivos PDF, JPEG o PNG" in wrong.get_data(as_text=True)


def test_catalogs_translate_every_string():
    from pathlib import Path

    import registry_plugins.documents as plugin
    from babel.messages.pofile import read_po

    folder = Path(plugin.__file__).parent / "translations"
    template = {m.id for m in read_po((folder / "messages.pot").open("rb")) if m.id}
    for locale in ("es", "zh_Hant"):
        catalog = read_po((folder / locale / "LC_MESSAGES" / "messages.po").open("rb"))
        done = {m.id for m in catalog if m.id and m.string}
        assert template <= done, (locale, sorted(template - done)[:5])
        assert (folder / locale / "LC_MESSAGES" / "messages.mo").exists()


def test_verified_records_suggest_courses_to_staff(ui):
    document_id = ui.upload().get_json()["id"]
    ui.verify(document_id, {"courses": [COURSE]})
    second = ui.upload().get_json()["id"]
    html = _client(ui, ui.staff).get(
        f"/documents/verification/{second}?institution=Laney+College").get_data(as_text=True)
    assert "CHDEV 50: Child Growth and Development" in html


def test_staff_upload_a_mailed_document_for_a_participant(ui):
    staff = _client(ui, ui.staff)
    page = staff.get("/documents/verification").get_data(as_text=True)
    assert "Add a document received by mail or email" in page
    unknown = staff.post("/documents/verification/upload", data={
        "csrf_token": _csrf(page), "registry_id": "not-an-id", "type": "transcript",
        "file": (io.BytesIO(pdf_bytes()), "mailed.pdf")}, content_type="multipart/form-data")
    assert unknown.status_code == 422
    assert "No participant has this Registry ID." in unknown.get_data(as_text=True)
    registry_id = ui.participant.participant.registry_id
    response = staff.post("/documents/verification/upload", data={
        "csrf_token": _csrf(page), "registry_id": registry_id, "type": "transcript",
        "file": (io.BytesIO(pdf_bytes()), "mailed.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert "/documents/verification/" in response.headers["Location"]
    mine = ui.client().get("/api/v1/me/documents", headers=bearer(ui.token)).get_json()
    assert mine["total"] == 1 and mine["items"][0]["filename"] == "mailed.pdf"


def test_an_image_document_is_shown_beside_the_entry_form(ui):
    document_id = ui.upload(image_bytes("PNG"), filename="permit.png",
                            content_type="image/png").get_json()["id"]
    staff = _client(ui, ui.staff)
    html = staff.get(f"/documents/verification/{document_id}").get_data(as_text=True)
    assert f'<img src="/documents/verification/{document_id}/file"' in html
    assert staff.get("/documents/static/documents.css").status_code == 200


def test_permit_guidance_is_translated(ui):
    client = _client(ui, ui.participant)
    html = client.get("/documents/report?lang=es").get_data(as_text=True)
    assert "6.00 unidades más de ECE/CD" in html
    assert "curso básico: child growth (3 unidades)" in html


def test_an_evening_upload_is_dated_by_californias_day_in_my_documents_and_the_queue(ui):
    """Uploaded at 7:30 PM in California (already tomorrow in UTC): both pages show today."""
    from datetime import UTC, timedelta

    import time_machine

    from registry_kernel.testing import local_evening

    evening = local_evening()
    with time_machine.travel(evening.astimezone(UTC), tick=True):
        client = _client(ui, ui.participant)
        page = client.get("/documents/").get_data(as_text=True)
        client.post("/documents/", data={
            "csrf_token": _csrf(page), "type": "transcript",
            "file": (io.BytesIO(pdf_bytes("evening upload")), "evening.pdf")},
            content_type="multipart/form-data")
        day, utc_day = evening.date().isoformat(), (evening.date() + timedelta(days=1)).isoformat()
        listing = client.get("/documents/").get_data(as_text=True)
        assert "evening.pdf" in listing and day in listing and utc_day not in listing
        queue = _client(ui, ui.staff).get("/documents/verification").get_data(as_text=True)
        assert day in queue and utc_day not in queue
