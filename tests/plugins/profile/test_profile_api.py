"""``/api/v1/me/profile``: four sections, read-only names, email change with re-verification."""

from __future__ import annotations

import re

from registry_kernel.testing import bearer


def test_profile_shows_personal_data_and_empty_sections(app, token, person):
    response = app.test_client().get("/api/v1/me/profile", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["first_name"] == "Ana" and body["last_name"] == "Ruiz"
    assert body["names_editable"] is False
    assert body["experience"] == {"first_year_in_field": None, "current_roles": None}
    assert set(body["demographics"]) >= {"ethnicity", "gender", "age_band", "primary_language",
                                         "other_languages", "county_of_residence",
                                         "county_of_work", "hours_per_week", "ages_served"}
    assert body["education"]["highest_level"] is None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["member_since"])


def test_patch_updates_every_section_and_reads_back(app, token):
    client = app.test_client()
    response = client.patch("/api/v1/me/profile", headers=bearer(token), json={
        "phone": "510-555-0100", "birth_date": "1990-05-01",
        "address": {"street": "1 Main St", "city": "Oakland", "zip": "94601"},
        "preferred_language": "es", "county": "alameda",
        "experience": {"first_year_in_field": 2010, "current_roles": ["teacher"]},
        "education": {"highest_level": "aa", "ece_units": "24.5", "degree_field": "Child Dev"},
        "demographics": {"ethnicity": "latino", "gender": "declined", "age_band": "30_39",
                         "primary_language": "es", "other_languages": ["en"],
                         "county_of_residence": "Alameda", "county_of_work": "declined",
                         "hours_per_week": "40_plus", "ages_served": "declined"}})
    assert response.status_code == 200, response.get_json()
    body = client.get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert body["phone"] == "510-555-0100" and body["birth_date"] == "1990-05-01"
    assert body["address"] == {"street": "1 Main St", "city": "Oakland", "state": "CA",
                               "zip": "94601"}
    assert body["preferred_language"] == "es" and body["county"] == "Alameda"
    assert body["experience"] == {"first_year_in_field": 2010, "current_roles": ["teacher"]}
    assert body["education"]["ece_units"] == "24.5"
    assert body["demographics"]["gender"] == "declined"
    assert body["demographics"]["ages_served"] == "declined"
    assert body["demographics"]["other_languages"] == ["en"]


def test_patch_merges_a_section_and_null_clears_a_field(app, token):
    client = app.test_client()
    client.patch("/api/v1/me/profile", headers=bearer(token), json={
        "demographics": {"ethnicity": "asian", "gender": "female"}})
    client.patch("/api/v1/me/profile", headers=bearer(token), json={
        "demographics": {"gender": None, "age_band": "40_49"}})
    demographics = client.get("/api/v1/me/profile", headers=bearer(token)).get_json()["demographics"]
    assert demographics["ethnicity"] == "asian"
    assert demographics["gender"] is None
    assert demographics["age_band"] == "40_49"


def test_names_are_read_only_with_a_reason(app, token):
    client = app.test_client()
    response = client.patch("/api/v1/me/profile", headers=bearer(token),
                            json={"first_name": "Anita", "phone": "510-555-0199"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert "help desk" in body["errors"]["first_name"]
    assert "help desk" in body["detail"]
    after = client.get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert after["first_name"] == "Ana"
    assert after["phone"] is None  # nothing changed
    last = client.patch("/api/v1/me/profile", headers=bearer(token), json={"last_name": "X"})
    assert last.status_code == 422 and "last_name" in last.get_json()["errors"]


def test_bad_section_values_are_named(app, token):
    response = app.test_client().patch("/api/v1/me/profile", headers=bearer(token), json={
        "demographics": {"ethnicity": "martian", "county_of_work": "Gotham",
                         "ages_served": ["infant", "teen"]},
        "experience": {"first_year_in_field": 1800},
        "education": {"ece_units": "-3"},
        "county": "Atlantis", "surprise": True})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"demographics.ethnicity", "demographics.county_of_work", "demographics.ages_served",
            "experience.first_year_in_field", "education.ece_units", "county",
            "surprise"} <= set(errors)


def test_email_change_reverifies_new_address_and_tells_the_old_one(app, pf, token, person):
    registry = app.extensions["registry"]
    client = app.test_client()
    old = client.get("/api/v1/me/profile", headers=bearer(token)).get_json()["email"]
    response = client.patch("/api/v1/me/profile", headers=bearer(token),
                            json={"email": "ana.new@example.org"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == old  # not changed until verified
    assert body["email_pending"] == "ana.new@example.org"
    registry.outbox.drain()
    sent = {m["To"]: m for m in registry.sent_mail}
    assert set(sent) == {old, "ana.new@example.org"}
    link = re.search(r"/profile/email/verify/(\S+)", sent["ana.new@example.org"].get_content())
    assert link, "the new address gets a verification link"
    assert "verify" not in sent[old].get_content()  # the old address gets no link

    # The API can confirm with the token (the UI link does the same)
    wrong = client.post("/api/v1/me/profile/email-verification", headers=bearer(token),
                        json={"token": "x" * 43})
    assert wrong.status_code == 422
    done = client.post("/api/v1/me/profile/email-verification", headers=bearer(token),
                       json={"token": link.group(1)})
    assert done.status_code == 200
    assert done.get_json()["email"] == "ana.new@example.org"
    assert done.get_json()["email_pending"] is None
    registry.outbox.drain()
    assert any(m["To"] == old and "changed" in m["Subject"] for m in registry.sent_mail)
    again = client.post("/api/v1/me/profile/email-verification", headers=bearer(token),
                        json={"token": link.group(1)})
    assert again.status_code == 422  # single use


def test_email_already_registered_is_409(app, pf, token):
    other = pf.account(email="taken@example.org")
    assert other is not None
    response = app.test_client().patch("/api/v1/me/profile", headers=bearer(token),
                                       json={"email": "TAKEN@example.org"})
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"email": "already registered"}


def test_profile_needs_the_me_scope_and_a_participant_token(app, pf, person):
    client = app.test_client()
    assert client.get("/api/v1/me/profile").status_code == 401
    org = pf.org(kind="employer_center")
    admin = pf.account("program_admin", org=org)
    wrong_scope = pf.token(admin, "participants:read", org=org)
    assert client.get("/api/v1/me/profile", headers=bearer(wrong_scope)).status_code == 403


def test_openapi_lists_the_profile_paths(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/me/profile", "/api/v1/me/employment",
                 "/api/v1/me/employment/{employment_id}", "/api/v1/me/card.pdf",
                 "/api/v1/me/resume.docx"):
        assert path in paths
    assert "patch" in paths["/api/v1/me/profile"]


def test_the_sign_in_email_cannot_be_removed(app, token):
    response = app.test_client().patch("/api/v1/me/profile", headers=bearer(token),
                                       json={"email": None})
    assert response.status_code == 422 and "email" in response.get_json()["errors"]


def test_email_changes_are_limited_per_day(app, token):
    client = app.test_client()
    for n in range(5):
        response = client.patch("/api/v1/me/profile", headers=bearer(token),
                                json={"email": f"try{n}@example.org"})
        assert response.status_code == 200
    limited = client.patch("/api/v1/me/profile", headers=bearer(token),
                           json={"email": "one-more@example.org"})
    assert limited.status_code == 429
    assert limited.get_json()["title"] == "Too Many Requests"
    body = client.get("/api/v1/me/profile", headers=bearer(token)).get_json()
    assert body["email_pending"] == "try4@example.org"  # only the latest link works
