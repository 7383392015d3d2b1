"""Participants API: register, read with relationship rules, problem+json errors."""

from registry_kernel.testing import bearer


def test_agency_staff_registers_a_provider_and_reads_it_back(factory):
    org = factory.org()
    admin = factory.account("sponsor_manager", org=org)
    token = factory.token(admin, "participants:write participants:read", org=org)
    client = factory.app.test_client()
    response = client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org",
        "birth_date": "1990-05-01", "county": "alameda county", "preferred_language": "es"})
    assert response.status_code == 201, response.get_json()
    rid = response.get_json()["registry_id"]
    fetched = client.get(f"/api/v1/participants/{rid}", headers=bearer(token))
    assert fetched.status_code == 200
    body = fetched.get_json()
    assert body["first_name"] == "Ana" and body["county"] == "Alameda"


def test_duplicate_email_is_409(factory):
    org = factory.org()
    admin = factory.account("sponsor_manager", org=org)
    token = factory.token(admin, "participants:write", org=org)
    client = factory.app.test_client()
    payload = {"first_name": "A", "last_name": "B", "email": "dup@example.org"}
    assert client.post("/api/v1/participants", headers=bearer(token), json=payload).status_code == 201
    again = client.post("/api/v1/participants", headers=bearer(token),
                        json={**payload, "email": "DUP@example.org "})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_validation_names_each_field(factory):
    org = factory.org()
    admin = factory.account("sponsor_manager", org=org)
    token = factory.token(admin, "participants:write", org=org)
    response = factory.app.test_client().post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "x" * 500, "email": "not-an-email", "birth_date": "1990-13-45",
        "surprise": 1})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) >= {"first_name", "last_name", "email", "birth_date", "surprise"}
    assert errors["surprise"] == "unknown field"


def test_malformed_json_is_400(factory):
    org = factory.org()
    token = factory.token(factory.account("sponsor_manager", org=org), "participants:write", org=org)
    response = factory.app.test_client().post(
        "/api/v1/participants", headers={**bearer(token), "Content-Type": "application/json"},
        data="{not json")
    assert response.status_code == 400
    assert response.get_json()["title"] == "Bad Request"


def test_missing_and_wrong_tokens_are_401_and_missing_scope_is_403(factory):
    client = factory.app.test_client()
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer("nope")).status_code == 401
    person = factory.account()
    token = factory.token(person, "me")
    assert client.post("/api/v1/participants", headers=bearer(token),
                       json={"first_name": "a", "last_name": "b", "email": "c@d.org"}).status_code == 403


def test_other_organizations_cannot_see_a_participant(factory):
    org_a, org_b = factory.org(), factory.org()
    token_a = factory.token(factory.account("sponsor_manager", org=org_a), "participants:write participants:read", org=org_a)
    token_b = factory.token(factory.account("sponsor_manager", org=org_b), "participants:read", org=org_b)
    client = factory.app.test_client()
    rid = client.post("/api/v1/participants", headers=bearer(token_a), json={
        "first_name": "A", "last_name": "B", "email": "seen@example.org"}).get_json()["registry_id"]
    assert client.get(f"/api/v1/participants/{rid}", headers=bearer(token_b)).status_code == 404


def test_mistyped_registry_id_is_told_apart_from_unknown(factory):
    staff = factory.account("registry_staff")
    token = factory.token(staff, "participants:read")
    client = factory.app.test_client()
    person = factory.participant()
    rid = person.registry_id
    typo = rid[:-1] + str((int(rid[-1]) + 1) % 10)
    bad = client.get(f"/api/v1/participants/{typo}", headers=bearer(token))
    assert bad.status_code == 400 and "check digit" in bad.get_json()["detail"]
    from registry_kernel import registry_id
    unknown = registry_id.generate()
    assert client.get(f"/api/v1/participants/{unknown}", headers=bearer(token)).status_code == 404
    assert client.get(f"/api/v1/participants/{rid}", headers=bearer(token)).status_code == 200


def test_me_returns_own_record_and_features(factory):
    person = factory.account(first_name="Lin", last_name="Wu")
    response = factory.app.test_client().get("/api/v1/me", headers=bearer(factory.token(person, "me")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["first_name"] == "Lin" and body["registry_id"] == person.participant.registry_id
    assert isinstance(body["features"], list)


def test_health_and_openapi(factory):
    client = factory.app.test_client()
    assert client.get("/api/v1/health").get_json()["status"] == "ok"
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/participants" in doc["paths"]
    assert "post" in doc["paths"]["/api/v1/participants"]


def test_a_password_change_revokes_tokens_acting_as_the_account(factory):
    from registry_kernel.accounts import set_password
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account

    person = factory.account()
    token = factory.token(person, "me")
    client = factory.app.test_client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with unit_of_work(factory.registry.sessions) as session:
        set_password(session, session.get(Account, person.id), "a brand new passphrase")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
