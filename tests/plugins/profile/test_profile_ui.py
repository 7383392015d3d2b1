"""The participant's pages through the Flask test client (signed in by a test-only route)."""

from __future__ import annotations

import io
import re

import docx
from pypdf import PdfReader

from registry_kernel.testing import bearer


def test_pages_need_sign_in(app):
    client = app.test_client()
    for path in ("/profile/", "/profile/employment", "/profile/card", "/profile/resume",
                 "/profile/card.pdf", "/profile/edit/personal"):
        assert client.get(path).status_code in (302, 401), path


def test_profile_page_shows_four_sections_and_how_to_change_the_name(web):
    page = web.get("/profile/").get_data(as_text=True)
    for title in ("Personal Information", "Experience", "Self-Reported Education",
                  "Demographic Information"):
        assert title in page
    assert "Ana Ruiz" in page
    assert "help desk" in page
    assert page.count('href="/profile/edit/') == 4


def test_edit_personal_information(web, app, token):
    form = web.get("/profile/edit/personal").get_data(as_text=True)
    assert 'name="first_name"' not in form  # names are not editable here
    assert "help desk" in form
    response = web.post("/profile/edit/personal", data={
        "email": "", "phone": "510-555-0123", "birth_date": "1991-02-03", "street": "9 Elm St",
        "city": "Oakland", "state": "CA", "zip": "94610", "preferred_language": "es",
        "county": "Alameda", "first_name": "Hacker"})
    assert response.status_code == 302
    profile = app.test_client().get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert profile["phone"] == "510-555-0123" and profile["birth_date"] == "1991-02-03"
    assert profile["address"]["zip"] == "94610" and profile["preferred_language"] == "es"
    assert profile["first_name"] == "Ana"


def test_bad_zip_is_shown_next_to_the_field_and_input_is_kept(web):
    response = web.post("/profile/edit/personal", data={
        "phone": "510-555-0123", "zip": "ABCDE", "city": "Oakland", "state": "CA",
        "preferred_language": "en", "county": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="zip-error"' in page
    assert 'value="Oakland"' in page
    bad_phone = web.post("/profile/edit/personal", data={
        "phone": "call me maybe", "preferred_language": "en", "county": "", "state": "CA"})
    assert 'id="phone-error"' in bad_phone.get_data(as_text=True)


def test_email_change_from_the_form_and_the_link(web, app, token):
    registry = app.extensions["registry"]
    response = web.post("/profile/edit/personal", data={
        "email": "ana.moved@example.org", "preferred_language": "en", "county": "",
        "state": "CA"})
    assert response.status_code == 302
    registry.outbox.drain()
    mail = next(m for m in registry.sent_mail if m["To"] == "ana.moved@example.org")
    path = re.search(r"(/profile/email/verify/\S+)", mail.get_content()).group(1)
    assert "ana.moved@example.org" in web.get("/profile/").get_data(as_text=True)  # pending
    assert app.test_client().get(path).status_code == 200
    assert app.test_client().get(path).status_code == 400  # used
    profile = app.test_client().get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert profile["email"] == "ana.moved@example.org"


def test_demographics_with_prefer_not_to_say(web, app, token):
    page = web.get("/profile/edit/demographics").get_data(as_text=True)
    assert page.count("Prefer not to say") >= 9
    response = web.post("/profile/edit/demographics", data={
        "ethnicity": "declined", "gender": "female", "age_band": "", "primary_language": "vi",
        "other_languages": ["en", "es"], "county_of_residence": "declined",
        "county_of_work": "Alameda", "hours_per_week": "30_39", "ages_served_declined": "y"})
    assert response.status_code == 302
    demographics = app.test_client().get("/api/v1/me/profile",
                                         headers=bearer(token)).get_json()["demographics"]
    assert demographics == {"ethnicity": "declined", "gender": "female", "age_band": None,
                            "primary_language": "vi", "other_languages": ["en", "es"],
                            "county_of_residence": "declined", "county_of_work": "Alameda",
                            "hours_per_week": "30_39", "ages_served": "declined"}
    shown = web.get("/profile/").get_data(as_text=True)
    assert "Vietnamese" in shown and "Prefer not to say" in shown


def test_experience_and_education_sections(web, app, token):
    assert web.post("/profile/edit/experience", data={
        "first_year_in_field": "2008", "current_roles": ["teacher", "site_supervisor"]}
    ).status_code == 302
    assert web.post("/profile/edit/education", data={
        "highest_level": "aa", "ece_units": "27.5", "degree_field": "Child Development"}
    ).status_code == 302
    profile = app.test_client().get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert profile["experience"] == {"first_year_in_field": 2008,
                                     "current_roles": ["teacher", "site_supervisor"]}
    assert profile["education"]["ece_units"] == "27.5"
    bad = web.post("/profile/edit/education", data={"highest_level": "aa", "ece_units": "-4"})
    assert bad.status_code == 200 and "pf-error" in bad.get_data(as_text=True)


def test_add_a_job_by_searching_the_employer(web, app, token, center):
    page = web.get("/profile/employment").get_data(as_text=True)
    assert "No jobs yet" in page
    search = web.get("/profile/employment/new?q=010203040").get_data(as_text=True)
    assert "Sunshine Learning Center" in search
    assert f'value="{center.id}"' in search
    response = web.post("/profile/employment/new?q=010203040", data={
        "employer_id": str(center.id), "position": "Infant Teacher", "role_category": "teacher",
        "start_date": "2020-02-03", "hours_per_week": "32", "hourly_wage": "22.50",
        "age_groups": ["infant"], "responsibilities": "Fed babies\nTalked with parents\n"})
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = web.get("/profile/employment").get_data(as_text=True)
    assert "Infant Teacher" in listing and "Sunshine Learning Center" in listing
    assert "Waiting for employer" in listing
    jobs = app.test_client().get("/api/v1/me/employment", headers=bearer(token)).get_json()
    assert jobs["items"][0]["responsibilities"] == ["Fed babies", "Talked with parents"]


def test_job_form_errors_keep_the_input(web):
    response = web.post("/profile/employment/new", data={
        "employer_name": "Kiddie Corner", "position": "Aide", "role_category": "assistant",
        "start_date": "2021-05-01", "end_date": "2020-01-01", "hours_per_week": "-3"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="end_date-error"' in page and 'id="hours_per_week-error"' in page
    assert 'value="Kiddie Corner"' in page


def test_confirmed_job_page_only_offers_the_end_date(web, app, pf, token, center, confirm):
    job = app.test_client().post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Teacher", "role_category": "teacher",
        "start_date": "2015-01-01"}).get_json()
    confirm(pf.account("program_admin", org=center), job["id"])
    page = web.get(f"/profile/employment/{job['id']}/edit").get_data(as_text=True)
    assert 'name="end_date"' in page and 'name="position"' not in page
    assert "Ask your employer" in page
    response = web.post(f"/profile/employment/{job['id']}/edit",
                        data={"end_date": "2023-06-30", "position": "Director"})
    assert response.status_code == 302
    record = app.test_client().get(f"/api/v1/me/employment/{job['id']}",
                                   headers=bearer(token)).get_json()
    assert record["end_date"] == "2023-06-30" and record["position"] == "Teacher"


def test_someone_elses_job_page_is_404(web, app, pf):
    other = pf.token(pf.account(), "me")
    job = app.test_client().post("/api/v1/me/employment", headers=bearer(other), json={
        "employer_name": "Theirs", "position": "Teacher", "role_category": "teacher",
        "start_date": "2015-01-01"}).get_json()
    assert web.get(f"/profile/employment/{job['id']}/edit").status_code == 404


def test_card_page_and_pdf(web, person):
    page = web.get("/profile/card").get_data(as_text=True)
    assert "Ana Ruiz" in page and "/profile/card.pdf" in page
    pdf = web.get("/profile/card.pdf")
    assert pdf.mimetype == "application/pdf"
    assert "Ana Ruiz" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()


def test_resume_builder_without_jobs_explains_how_to_add_them(web):
    page = web.get("/profile/resume").get_data(as_text=True)
    assert "no jobs" in page.lower() and "/profile/employment/new" in page


def test_resume_builder_saves_and_downloads(web, app, token, center):
    client = app.test_client()
    keep = client.post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Teacher", "role_category": "teacher",
        "start_date": "2015-01-01"}).get_json()
    drop = client.post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_name": "Burger Barn", "position": "Cook", "role_category": "other",
        "start_date": "2010-01-01", "end_date": "2012-01-01"}).get_json()
    page = web.get("/profile/resume").get_data(as_text=True)
    assert "Save Qualifications" in page and "Create Resume" in page
    response = web.post("/profile/resume", data={
        "summary": "Ten years with preschoolers.", f"include_{keep['id']}": "y",
        f"bullets_{keep['id']}": "Planned lessons\nCoached new staff",
        f"bullets_{drop['id']}": "Flipped burgers"})
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
    assert "Ten years with preschoolers." in text
    assert "Planned lessons" in text and "Coached new staff" in text
    assert "Burger Barn" not in text
    again = web.get("/profile/resume").get_data(as_text=True)  # the choices were saved
    assert "Ten years with preschoolers." in again and "Coached new staff" in again


def test_help_pages_use_the_configured_addresses(make_app):
    app = make_app(plugins=["profile"], plugin_sections={
        "profile": {"admin_email": "help@county.example.org",
                    "documents_office": "Room 12\n1 Civic Center"}})
    client = app.test_client()
    assert "mailto:help@county.example.org" in client.get("/profile/help/contact").get_data(
        as_text=True)
    assert "1 Civic Center" in client.get("/profile/help/documents").get_data(as_text=True)


def test_a_form_without_the_csrf_token_is_refused(web):
    response = web.post("/profile/edit/personal", csrf=False,
                        data={"phone": "510-555-0000", "preferred_language": "en"})
    assert response.status_code == 400
    page = web.get("/profile/").get_data(as_text=True)
    assert "510-555-0000" not in page


def test_pages_in_spanish_and_traditional_chinese(web):
    spanish = web.get("/profile/?lang=es").get_data(as_text=True)
    assert "Perfil personal" in spanish and "Información demográfica" in spanish
    assert "Prefiero no decirlo" in web.get("/profile/edit/demographics").get_data(as_text=True)
    chinese = web.get("/profile/employment?lang=zh-Hant").get_data(as_text=True)
    assert "工作經歷" in chinese and "加入工作" in chinese


def test_home_page_shows_the_quick_links_and_a_rejected_job(web, app, pf, token, center, confirm):
    job = app.test_client().post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_id": center.id, "position": "Teacher", "role_category": "teacher",
        "start_date": "2015-01-01"}).get_json()
    confirm(pf.account("program_admin", org=center), job["id"], confirmed=False)
    home = web.get("/").get_data(as_text=True)
    for label, path in (("View/Update Personal Profile", "/profile/"),
                        ("Employment History", "/profile/employment"),
                        ("Membership Card", "/profile/card"), ("Resume Builder", "/profile/resume"),
                        ("Email the Registry administrator", "/profile/help/contact"),
                        ("Where to submit education/training documents", "/profile/help/documents")):
        assert label in home and f'href="{path}"' in home, label
    assert "could not confirm one of your jobs" in home


def test_remove_a_job_from_its_page(web, app, token):
    job = app.test_client().post("/api/v1/me/employment", headers=bearer(token), json={
        "employer_name": "Typo Daycare", "position": "Teacher", "role_category": "teacher",
        "start_date": "2015-01-01"}).get_json()
    page = web.get(f"/profile/employment/{job['id']}/edit").get_data(as_text=True)
    assert f"/profile/employment/{job['id']}/delete" in page
    assert web.post(f"/profile/employment/{job['id']}/delete").status_code == 302
    assert "Typo Daycare" not in web.get("/profile/employment").get_data(as_text=True)
