"""The membership card (PDF) and the resume (Word), parsed back."""

from __future__ import annotations

import io

import docx
from pypdf import PdfReader

from registry_kernel.extension import ReportSection
from registry_kernel.hookspecs import hookimpl
from registry_kernel.registry_id import display
from registry_kernel.testing import Factory, bearer


def test_card_pdf_has_name_registry_id_and_member_since(app, token, person):
    response = app.test_client().get("/api/v1/me/card.pdf", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width_in = float(page.mediabox.width) / 72
    assert 3.3 < width_in < 3.5  # wallet-sized
    text = page.extract_text()
    assert "Ana Ruiz" in text
    assert display(person.participant.registry_id) in text
    assert "MEMBER SINCE" in text.upper()
    profile = app.test_client().get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert profile["member_since"] in text


def test_card_needs_a_token(app):
    assert app.test_client().get("/api/v1/me/card.pdf").status_code == 401


def resume_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def test_resume_docx_has_profile_and_included_jobs(app, token, center):
    client = app.test_client()
    client.patch("/api/v1/me/profile", headers=bearer(token), json={
        "phone": "510-555-0100",
        "education": {"highest_level": "ba", "degree_field": "Early Childhood Education",
                      "ece_units": "30"}})
    client.post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Lead Teacher", "role_category": "lead_teacher",
        "start_date": "2019-07-01", "responsibilities": ["Led a classroom of 24 children"]})
    hidden = client.post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_name": "Hidden Job Co", "position": "Aide", "role_category": "assistant",
        "start_date": "2010-01-01", "end_date": "2011-01-01",
        "include_in_resume": False}).get_json()
    assert hidden["include_in_resume"] is False
    response = client.get("/api/v1/me/resume.docx", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]
    text = resume_text(response.data)
    assert "Ana Ruiz" in text
    assert "510-555-0100" in text
    assert "Lead Teacher" in text and "Sunshine Learning Center" in text
    assert "Led a classroom of 24 children" in text
    assert "Hidden Job Co" not in text
    assert "Early Childhood Education" in text


class Transcripts:
    """A stand-in for the documents plugin's Education & Training Report sections."""

    @hookimpl
    def education_report_sections(self, session, registry, participant):
        return ReportSection(key="permits", title="Permits", order=10, data=[],
                             columns=["Permit", "Expires"],
                             rows=[["Child Development Teacher Permit", "2029-06-30"]],
                             totals={"training_hours": "42.00"})


def test_resume_includes_sections_other_plugins_contribute(make_app):
    app = make_app(plugins=["profile"], extra_plugins=(Transcripts(),))
    factory = Factory(app)
    token = factory.token(factory.account(first_name="Wei", last_name="Chen"), "me")
    response = app.test_client().get("/api/v1/me/resume.docx", headers=bearer(token))
    text = resume_text(response.data)
    assert "Permits" in text
    assert "Child Development Teacher Permit" in text
    assert "42.00" in text


def test_card_in_traditional_chinese_with_a_chinese_name(make_app):
    from registry_kernel.testing import TestLogin

    app = make_app(plugins=["profile"], extra_plugins=(TestLogin(),))
    factory = Factory(app)
    person = factory.account(first_name="偉", last_name="陳")
    client = app.test_client()
    client.get(f"/_test/login/{person.id}")
    pdf = client.get("/profile/card.pdf?lang=zh-Hant")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "偉 陳" in text and "會員卡" in text and "登記編號" in text


def test_card_keeps_spanish_accents(make_app):
    from registry_kernel.testing import TestLogin

    app = make_app(plugins=["profile"], extra_plugins=(TestLogin(),))
    factory = Factory(app)
    person = factory.account(first_name="María", last_name="López")
    client = app.test_client()
    client.get(f"/_test/login/{person.id}")
    text = PdfReader(io.BytesIO(client.get("/profile/card.pdf?lang=es").data)).pages[0] \
        .extract_text()
    assert "María López" in text and "Tarjeta de membresía" in text


def test_resume_headings_follow_the_language(app, token, center):
    client = app.test_client()
    client.patch("/api/v1/me/profile", headers=bearer(token),
                 json={"experience": {"first_year_in_field": 2009},
                       "education": {"ece_units": "24"}})
    client.post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Maestra", "role_category": "teacher",
        "start_date": "2019-07-01"})
    spanish = resume_text(client.get("/api/v1/me/resume.docx", headers={
        **bearer(token), "Accept-Language": "es"}).data)
    assert "Experiencia" in spanish and "Actualidad" in spanish
    assert "desde 2009" in spanish and "24 unidades" in spanish
    english = resume_text(client.get("/api/v1/me/resume.docx", headers=bearer(token)).data)
    assert "Experience" in english and "Present" in english


def test_resume_builder_choices_through_the_api(app, pf, token, center):
    client = app.test_client()
    job = client.post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Lead Teacher", "role_category": "lead_teacher",
        "start_date": "2019-07-01"}).get_json()
    assert client.get("/api/v1/me/resume", headers=bearer(token)).get_json() == {
        "summary": "", "jobs": [{"id": job["id"], "employer_name": "Sunshine Learning Center",
                                 "position": "Lead Teacher", "start_date": "2019-07-01",
                                 "end_date": None, "include": True, "responsibilities": []}]}
    saved = client.put("/api/v1/me/resume", headers=bearer(token), json={
        "summary": "Calm, bilingual, organized.",
        "jobs": [{"id": job["id"], "include": True, "responsibilities": ["Mentored aides"]}]})
    assert saved.status_code == 200
    assert saved.get_json()["jobs"][0]["responsibilities"] == ["Mentored aides"]
    text = resume_text(client.get("/api/v1/me/resume.docx", headers=bearer(token)).data)
    assert "Calm, bilingual, organized." in text and "Mentored aides" in text
    theirs = client.post("/api/v1/me/employment", headers=bearer(pf.token(pf.account(), "me")),
                         json={"employer_name": "X", "position": "Aide",
                               "role_category": "assistant",
                               "start_date": "2019-07-01"}).get_json()
    refused = client.put("/api/v1/me/resume", headers=bearer(token),
                         json={"jobs": [{"id": theirs["id"], "include": False}]})
    assert refused.status_code == 422 and "jobs.0.id" in refused.get_json()["errors"]
