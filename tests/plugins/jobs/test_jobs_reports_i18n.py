"""Staff qualifications in the requester's language (the page, the verified staff report PDF with
Chinese drawn in a CID font, the Excel export through the API), every way of viewing them
audited per person, and the plugin's catalogs complete and compiled."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jobs_helpers import WebClient, report_employment, text_of, verify_permit
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.models import AuditEvent
from registry_kernel.testing import Factory, bearer


class Program:
    """A center with an administrator and three confirmed staff: a permit expiring in 40 days
    (Ana), an expired one (Ben, named in Chinese), and no permit while the program asks
    Teachers for a Teacher permit (Cai)."""

    def __init__(self, app) -> None:
        jf = Factory(app)
        self.app, self.jf = app, jf
        self.center = jf.org(kind="employer_center", name="Sunshine Learning Center",
                             license_number="010203040")
        self.admin = jf.account("program_admin", org=self.center)
        staff_token = jf.token(jf.account("registry_staff"), "verification")
        self.ana = jf.account(first_name="Ana", last_name="Ruiz")
        self.ben = jf.account(first_name="偉", last_name="陳")
        self.cai = jf.account(first_name="Cai", last_name="Lin")
        verify_permit(app, jf, self.ana, staff_token,
                      expires_on=(clock.today() + timedelta(days=40)).isoformat(),
                      issued_on=(clock.today() - timedelta(days=1800)).isoformat())
        verify_permit(app, jf, self.ben, staff_token,
                      expires_on=(clock.today() - timedelta(days=3)).isoformat(),
                      issued_on=(clock.today() - timedelta(days=1900)).isoformat())
        self.web = WebClient(app, self.admin)
        for person in (self.ana, self.ben, self.cai):
            job = report_employment(app, person, self.center)
            assert self.web.post(f"/jobs/admin/{self.center.id}/staff/{job}/confirm"
                                 ).status_code == 302
        assert self.web.post(f"/jobs/admin/{self.center.id}/minimums",
                             data={"min_teacher": "teacher"}).status_code == 302


@pytest.fixture
def program(docs_app) -> Program:
    return Program(docs_app)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def xlsx_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


FLAGS = {"en": ("Permit expiring soon", "Permit expired", "Below program minimum"),
         "es": ("Permiso por vencer", "Permiso vencido", "Por debajo del mínimo del programa"),
         "zh_Hant": ("許可證即將到期", "許可證已過期", "低於機構最低要求")}


@pytest.mark.parametrize(("lang", "title", "permit"), [
    ("en", "Verified Staff Qualifications", "Child Development Permit: Teacher"),
    ("es", "Calificaciones verificadas del personal", "Permiso de Desarrollo Infantil: Maestro"),
    ("zh_Hant", "經核實的員工資格", "兒童發展許可證："),
])
def test_verified_report_pdf_in_the_requesters_language(program, lang, title, permit):
    response = program.web.get(f"/jobs/admin/{program.center.id}/qualifications.pdf"
                               f"?lang={lang}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert title in text
    for flag in FLAGS[lang]:
        assert flag in text, (flag, text)
    assert permit in text
    assert "Ana Ruiz" in text and "陳" in text  # a Chinese name in any language
    assert b"MSung-Light" in response.data  # Chinese is drawn by the CID font
    others = [f for other, flags in FLAGS.items() if other != lang for f in flags]
    assert not [f for f in others if f in text]
    page = text_of(program.web.get(f"/jobs/admin/{program.center.id}/qualifications"
                                   f"?lang={lang}"))
    for flag in FLAGS[lang]:
        assert flag in page


def test_english_report_without_chinese_needs_no_cid_font(docs_app):
    jf = Factory(docs_app)
    center = jf.org(kind="employer_center")
    admin = jf.account("program_admin", org=center)
    person = jf.account(first_name="José", last_name="Núñez")
    web = WebClient(docs_app, admin)
    job = report_employment(docs_app, person, center)
    web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    response = web.get(f"/jobs/admin/{center.id}/qualifications.pdf?lang=en")
    assert "José Núñez" in pdf_text(response.data)
    assert b"MSung-Light" not in response.data


@pytest.mark.parametrize(("accept", "heading", "role"), [
    ("en-US", "Program", "Teacher"), ("es-MX,es;q=0.9", "Programa", "Maestro"),
    ("zh-TW", "機構", "教師")])
def test_excel_export_in_the_requesters_language(program, accept, heading, role):
    lang = {"en-US": "en", "zh-TW": "zh_Hant"}.get(accept, "es")
    token = program.jf.token(program.admin, "reports:read", org=program.center)
    response = program.app.test_client().get(
        "/api/v1/reports/staff-qualifications.xlsx",
        headers={**bearer(token), "Accept-Language": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = xlsx_rows(response.data)
    assert rows[0][0] == heading and len(rows) == 4
    by_name = {row[2]: row for row in rows[1:]}
    expiring, expired, below = FLAGS[lang]
    assert by_name["Ana Ruiz"][13] == expiring
    ben = next(row for name, row in by_name.items() if "陳" in name)
    assert expired in ben[13] and below in ben[13]  # an expired permit meets no minimum
    assert by_name["Cai Lin"][13] == below
    assert by_name["Ana Ruiz"][4] == role


def test_excel_download_from_the_page_in_its_language(program):
    page = program.web.get(f"/jobs/admin/{program.center.id}/qualifications?lang=zh-Hant")
    assert "下載 Excel 檔" in page.get_data(as_text=True)
    response = program.web.get(f"/jobs/admin/{program.center.id}/qualifications.xlsx")
    assert response.status_code == 200
    rows = xlsx_rows(response.data)
    assert rows[0][0] == "機構" and len(rows) == 4
    assert FLAGS["zh_Hant"][2] in {row[13] for row in rows[1:]}
    other = program.jf.org(kind="employer_center")
    assert program.web.get(f"/jobs/admin/{other.id}/qualifications.xlsx").status_code == 404
    with unit_of_work(program.jf.registry.sessions, write=False) as session:
        exports = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "report.export")).all()
    assert [e.resource_id for e in exports] == ["staff-qualifications"]


def test_api_report_pdf_follows_accept_language(program):
    token = program.jf.token(program.admin, "jobs:staff", org=program.center)
    response = program.app.test_client().get(
        f"/api/v1/programs/{program.center.id}/staff-qualifications.pdf",
        headers={**bearer(token), "Accept-Language": "es"})
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Permiso por vencer" in text
    assert response.headers["X-Verification-Code"] in text


def test_every_way_of_viewing_staff_qualifications_is_audited(program):
    def views() -> list[tuple[int, str]]:
        with unit_of_work(program.jf.registry.sessions, write=False) as session:
            return [(e.actor_account_id, e.subject_participant_id) for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "jobs.staff_qualifications.view"))]

    people = {p.participant_id for p in (program.ana, program.ben, program.cai)}
    client = program.app.test_client()
    org = program.center.id
    staff_token = program.jf.token(program.admin, "jobs:staff", org=program.center)
    report_token = program.jf.token(program.admin, "reports:read", org=program.center)
    ways = [
        lambda: program.web.get(f"/jobs/admin/{org}/qualifications"),
        lambda: program.web.get(f"/jobs/admin/{org}/qualifications.pdf"),
        lambda: client.get(f"/api/v1/programs/{org}/staff-qualifications",
                           headers=bearer(staff_token)),
        lambda: client.get(f"/api/v1/programs/{org}/staff-qualifications.pdf",
                           headers=bearer(staff_token)),
        lambda: client.get("/api/v1/reports/staff-qualifications.xlsx",
                           headers=bearer(report_token)),
        lambda: program.web.get(f"/jobs/admin/{org}/qualifications.xlsx"),
    ]
    for n, way in enumerate(ways, 1):
        before = views()
        response = way()
        assert response.status_code == 200, (n, response.get_data(as_text=True)[:300])
        new = views()[len(before):]
        assert sorted(new) == sorted((program.admin.id, p) for p in people), n
    # issuing a report is audited too, with its code; the staff names read are audited reads
    with unit_of_work(program.jf.registry.sessions, write=False) as session:
        issued = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "jobs.staff_report.issue")).all()
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "participant.read",
            AuditEvent.actor_account_id == program.admin.id)).all()
    assert len(issued) == 2 and reads


def test_qualifications_api_shows_only_what_the_role_needs(program):
    token = program.jf.token(program.admin, "jobs:staff", org=program.center)
    body = program.app.test_client().get(
        f"/api/v1/programs/{program.center.id}/staff-qualifications",
        headers=bearer(token)).get_json()
    assert {tuple(item["flags"]) for item in body["items"]} == {
        ("permit_expiring",), ("below_minimum", "permit_expired"), ("below_minimum",)}
    personal = {"email", "phone", "birth_date", "address", "ssn", "hourly_wage", "wage",
                "demographics", "preferred_language"}
    for item in body["items"]:
        assert not personal & set(item)
    by_name = {item["name"]: item for item in body["items"]}
    documents = by_name["Ana Ruiz"]["verified_documents"]
    assert [(d["type"], d["verified_on"]) for d in documents] == [
        ("permit", clock.today().isoformat())]  # which documents were verified, not the files
    assert not {"url", "blob", "filename", "file"} & set(documents[0])
    assert by_name["Cai Lin"]["verified_documents"] == []
    page = text_of(program.web.get(f"/jobs/admin/{program.center.id}/qualifications"))
    assert "Verified documents" in page and "Child Development Permit (verified" in page


def test_documents_hidden_from_employers_are_not_listed(docs_app):
    jf = Factory(docs_app)
    center = jf.org(kind="employer_center")
    admin = jf.account("program_admin", org=center)
    person = jf.account(first_name="Dee", last_name="Kay")
    verify_permit(docs_app, jf, person, jf.token(jf.account("registry_staff"), "verification"),
                  expires_on=(clock.today() + timedelta(days=900)).isoformat(),
                  issued_on=(clock.today() - timedelta(days=900)).isoformat(), hidden=True)
    web = WebClient(docs_app, admin)
    job = report_employment(docs_app, person, center)
    web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    token = jf.token(admin, "jobs:staff", org=center)
    item = docs_app.test_client().get(f"/api/v1/programs/{center.id}/staff-qualifications",
                                      headers=bearer(token)).get_json()["items"][0]
    assert item["verified_documents"] == [] and item["permits"] == []


@pytest.mark.parametrize("locale", ["es", "zh_Hant"])
def test_catalogs_are_complete_and_compiled(locale):
    import registry_plugins.jobs as plugin

    folder = Path(plugin.__file__).parent / "translations"
    template = {key(m.id) for m in read_po((folder / "messages.pot").open("rb")) if m.id}
    with (folder / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=locale)
    done = {key(m.id) for m in po if m.id and m.string and not m.fuzzy}
    assert template <= done, sorted(map(str, template - done))[:5]
    with (folder / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if isinstance(m.id, str) and m.id}
    assert compiled == {m.id: m.string for m in po if isinstance(m.id, str) and m.id
                        and m.string}, "run pybabel compile"
    for message in po:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", " ".join(ids)))
        for string in strings:
            assert wanted >= set(re.findall(r"%\((\w+)\)s", string)), message.id
            assert wanted - {"num"} <= set(re.findall(r"%\((\w+)\)s", string)), message.id


def key(message_id):
    return message_id if isinstance(message_id, str) else tuple(message_id)


def test_every_message_in_the_code_is_in_the_template():
    """The template is current: every _() / _l() / N_() message of the plugin is in it."""
    import registry_plugins.jobs as plugin
    from babel.messages.extract import extract_from_dir

    folder = Path(plugin.__file__).parent
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "_l": None, "N_": None, "gettext": None, "ngettext": (1, 2),
                "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(folder), method_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    template = {m.id if isinstance(m.id, str) else m.id[0]
                for m in read_po((folder / "translations" / "messages.pot").open("rb"))
                if m.id}
    assert found - template == set()
