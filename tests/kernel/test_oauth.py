"""The OAuth 2.0 authorization server, through HTTP and the CLI: grants, PKCE, rotation, reuse
detection, revocation, organization binding, and secrets that never reach the database."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from click.testing import CliRunner
from flask import Blueprint
from sqlalchemy import select, text, update

from registry_kernel.auth.session import login_user
from registry_kernel.cli import cli
from registry_kernel.db import unit_of_work, utcnow
from registry_kernel.hookspecs import hookimpl
from registry_kernel.models import Account, OAuthAuthorizationCode, OAuthToken
from registry_kernel.testing import Factory, bearer
from registry_kernel.web import registry_session

REDIRECT = "https://agency.example.org/callback"
PARTICIPANT = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana.oauth@example.org"}


class SignInForTests:
    """A test-only route that signs an account in (the real sign-in page is the web shell's)."""

    @hookimpl
    def blueprints(self) -> Blueprint:
        bp = Blueprint("test_sign_in", __name__)

        @bp.get("/_test/sign-in/<int:account_id>")
        def sign_in(account_id: int) -> str:
            login_user(registry_session().get(Account, account_id))
            return "signed in"

        return bp


@pytest.fixture
def env(make_app: Any) -> Factory:
    return Factory(make_app(plugins=[], extra_plugins=(SignInForTests(),)))


def cc_token(client: Any, client_id: str, secret: str, scope: str | None = None) -> Any:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return client.post("/oauth/token", data=data, auth=(client_id, secret))


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def sign_in(http: Any, account: Any) -> None:
    assert http.get(f"/_test/sign-in/{account.id}").status_code == 200


def authorize_url(client_id: str, **params: str) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
             "state": "st-123", **params}
    return "/oauth/authorize?" + urlencode({k: v for k, v in query.items() if v is not None})


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def redirect_params(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(http: Any, client_id: str, scope: str = "me", challenge: str | None = None,
             **extra: str) -> dict[str, str]:
    """Walk the consent page (GET, then POST with CSRF) and return the redirect's parameters."""
    url = authorize_url(client_id, scope=scope, code_challenge=challenge,
                        code_challenge_method="S256" if challenge else None, **extra)
    page = http.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return redirect_params(http.post(url, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "approve": "1"}))


def redeem(http: Any, client_id: str, secret: str | None, code: str, verifier: str | None,
           redirect_uri: str = REDIRECT) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    if secret is None:
        return http.post("/oauth/token", data={**data, "client_id": client_id})
    return http.post("/oauth/token", data=data, auth=(client_id, secret))


def refresh(http: Any, client_id: str, secret: str, refresh_token: str) -> Any:
    return http.post("/oauth/token", data={"grant_type": "refresh_token",
                                           "refresh_token": refresh_token},
                     auth=(client_id, secret))


def code_flow_tokens(env: Factory, http: Any, scopes: str = "me",
                     account: Any = None) -> tuple[str, str, dict[str, Any]]:
    org = env.org()
    client_id, secret = env.client(org, scopes, redirect_uris=[REDIRECT])
    sign_in(http, account or env.account())
    verifier, challenge = pkce()
    params = get_code(http, client_id, scope=scopes, challenge=challenge)
    response = redeem(http, client_id, secret, params["code"], verifier)
    assert response.status_code == 200, response.get_json()
    return client_id, secret, response.get_json()


# --- client credentials ----------------------------------------------------------------------

def test_client_credentials_token_registers_a_participant(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "participants:write participants:read")
    response = cc_token(http, client_id, secret, "participants:write participants:read")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert "refresh_token" not in body
    assert response.headers["Cache-Control"] == "no-store"
    created = http.post("/api/v1/participants", headers=bearer(body["access_token"]),
                        json=PARTICIPANT)
    assert created.status_code == 201, created.get_json()
    fetched = http.get(f"/api/v1/participants/{created.get_json()['registry_id']}",
                       headers=bearer(body["access_token"]))
    assert fetched.status_code == 200 and fetched.get_json()["first_name"] == "Ana"


def test_client_secret_post_works_and_default_scope_is_the_clients(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "participants:read")
    response = http.post("/oauth/token", data={"grant_type": "client_credentials",
                                               "client_id": client_id, "client_secret": secret})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "participants:read"


def test_wrong_secret_and_unknown_client_are_invalid_client(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "participants:read")
    wrong = cc_token(http, client_id, secret + "x")
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    unknown = cc_token(http, "no-such-client", secret)
    assert unknown.status_code == 401 and unknown.get_json()["error"] == "invalid_client"


def test_a_client_cannot_ask_for_scopes_it_was_not_given(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "participants:read")
    response = cc_token(http, client_id, secret, "participants:read participants:write")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_scope"


def test_token_without_the_scope_is_403(env: Factory) -> None:
    http = env.app.test_client()
    token = env.client_token(env.org(), "participants:read")
    response = http.post("/api/v1/participants", headers=bearer(token), json=PARTICIPANT)
    assert response.status_code == 403


def test_org_a_token_cannot_read_org_b_participant(env: Factory) -> None:
    http = env.app.test_client()
    org_a, org_b = env.org(), env.org()
    token_b = env.client_token(org_b, "participants:write participants:read")
    token_a = env.client_token(org_a, "participants:read")
    created = http.post("/api/v1/participants", headers=bearer(token_b), json=PARTICIPANT)
    registry_id = created.get_json()["registry_id"]
    assert http.get(f"/api/v1/participants/{registry_id}",
                    headers=bearer(token_b)).status_code == 200
    assert http.get(f"/api/v1/participants/{registry_id}",
                    headers=bearer(token_a)).status_code == 404


def test_client_credentials_token_is_bound_to_the_clients_organization(env: Factory) -> None:
    org = env.org()
    token = env.client_token(org, "participants:read")
    from registry_kernel.crypto import token_hash

    with unit_of_work(env.registry.sessions, write=False) as session:
        row = session.scalar(select(OAuthToken).where(
            OAuthToken.access_token_hash == token_hash(token)))
        assert row.organization_id == org.id and row.account_id is None


def test_password_and_implicit_grants_are_refused(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    account = env.account()
    password = http.post("/oauth/token", data={
        "grant_type": "password", "username": "x@example.org", "password": "pw"},
        auth=(client_id, secret))
    assert password.status_code == 400
    assert password.get_json()["error"] == "unsupported_grant_type"
    sign_in(http, account)
    implicit = http.get(authorize_url(client_id, response_type="token", scope="me"))
    assert implicit.status_code == 302
    assert redirect_params(implicit)["error"] == "unsupported_response_type"
    assert "access_token" not in implicit.headers["Location"]


def test_a_public_client_cannot_use_client_credentials(env: Factory) -> None:
    from registry_kernel.oauth import create_client

    with unit_of_work(env.registry.sessions) as session:
        client_id, secret = create_client(session, env.registry, organization_id=env.org().id,
                                          name="Phone app", scopes=["me"],
                                          redirect_uris=[REDIRECT], public=True)
    assert secret is None
    response = env.app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] in ("invalid_client", "unauthorized_client")


# --- authorization code with PKCE ------------------------------------------------------------

def test_full_code_flow_with_pkce_then_me(env: Factory) -> None:
    http = env.app.test_client()
    account = env.account()
    _, _, tokens = code_flow_tokens(env, http, "me", account=account)
    assert tokens["scope"] == "me" and tokens["refresh_token"]
    me = http.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.get_json()
    assert me.get_json()["registry_id"] == account.participant.registry_id


def test_consent_page_lists_scopes_and_the_state_comes_back(env: Factory) -> None:
    http = env.app.test_client()
    org = env.org(name="Bay Area Child Care Link")
    client_id, _ = env.client(org, "me", name="Workshop check-in", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    _, challenge = pkce()
    url = authorize_url(client_id, scope="me", code_challenge=challenge,
                        code_challenge_method="S256")
    page = http.get(url)
    html = page.get_data(as_text=True)
    assert "Workshop check-in" in html and "Bay Area Child Care Link" in html
    assert "<code>me</code>" in html
    assert "form-action 'self' https://agency.example.org" in page.headers[
        "Content-Security-Policy"]
    params = redirect_params(http.post(url, data={"csrf_token": csrf_token(html),
                                                  "approve": "1"}))
    assert params["state"] == "st-123" and params["code"]


def test_deny_redirects_with_access_denied(env: Factory) -> None:
    http = env.app.test_client()
    client_id, _ = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    _, challenge = pkce()
    url = authorize_url(client_id, scope="me", code_challenge=challenge,
                        code_challenge_method="S256")
    page = http.get(url)
    params = redirect_params(http.post(url, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "deny": "1"}))
    assert params["error"] == "access_denied" and "code" not in params


def test_consent_post_without_csrf_token_issues_no_code(env: Factory) -> None:
    http = env.app.test_client()
    client_id, _ = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    _, challenge = pkce()
    url = authorize_url(client_id, scope="me", code_challenge=challenge,
                        code_challenge_method="S256")
    http.get(url)
    response = http.post(url, data={"approve": "1"})
    assert response.status_code == 400
    assert "code=" not in response.headers.get("Location", "")


def test_code_flow_without_code_challenge_is_refused(env: Factory) -> None:
    http = env.app.test_client()
    client_id, _ = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    params = redirect_params(http.get(authorize_url(client_id, scope="me")))
    assert params["error"] == "invalid_request" and "code" not in params
    assert "PKCE" in params["error_description"]


def test_plain_code_challenge_is_refused(env: Factory) -> None:
    http = env.app.test_client()
    client_id, _ = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    verifier = secrets.token_urlsafe(48)
    for method in ("plain", None):
        params = redirect_params(http.get(authorize_url(
            client_id, scope="me", code_challenge=verifier, code_challenge_method=method)))
        assert params["error"] == "invalid_request", method


def test_wrong_or_missing_verifier_is_refused(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    _, challenge = pkce()
    code = get_code(http, client_id, challenge=challenge)["code"]
    missing = redeem(http, client_id, secret, code, None)
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"
    code = get_code(http, client_id, challenge=challenge)["code"]
    wrong = redeem(http, client_id, secret, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"


def test_verifier_without_a_challenge_is_refused(env: Factory) -> None:
    """A code stored without a challenge (never issued by this server, but defence in depth)."""
    from registry_kernel.crypto import token_hash

    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    account = env.account()
    code = secrets.token_urlsafe(32)
    with unit_of_work(env.registry.sessions) as session:
        session.add(OAuthAuthorizationCode(
            code_hash=token_hash(code), client_id=client_id, account_id=account.id,
            redirect_uri=REDIRECT, scope="me", code_challenge="", code_challenge_method="S256",
            auth_time=int(utcnow().timestamp())))
    response = redeem(http, client_id, secret, code, secrets.token_urlsafe(48))
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    assert "access_token" not in response.get_json()


def test_redirect_uri_must_match_exactly_and_is_never_followed_otherwise(env: Factory) -> None:
    http = env.app.test_client()
    client_id, _ = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    _, challenge = pkce()
    for uri in (REDIRECT + "/extra", REDIRECT + "?x=1", "https://evil.example.com/callback"):
        response = http.get(authorize_url(client_id, scope="me", redirect_uri=uri,
                                          code_challenge=challenge,
                                          code_challenge_method="S256"))
        assert response.status_code == 400, uri
        assert "Location" not in response.headers


def test_code_replay_is_invalid_grant_and_revokes_the_first_token(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    verifier, challenge = pkce()
    code = get_code(http, client_id, challenge=challenge)["code"]
    first = redeem(http, client_id, secret, code, verifier)
    assert first.status_code == 200
    token = first.get_json()["access_token"]
    assert http.get("/api/v1/me", headers=bearer(token)).status_code == 200
    replay = redeem(http, client_id, secret, code, verifier)
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    assert http.get("/api/v1/me", headers=bearer(token)).status_code == 401
    again = refresh(http, client_id, secret, first.get_json()["refresh_token"])
    assert again.status_code == 400


def test_expired_code_is_invalid_grant(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    verifier, challenge = pkce()
    code = get_code(http, client_id, challenge=challenge)["code"]
    with unit_of_work(env.registry.sessions) as session:
        session.execute(update(OAuthAuthorizationCode)
                        .where(OAuthAuthorizationCode.client_id == client_id)
                        .values(auth_time=OAuthAuthorizationCode.auth_time - 301))
    response = redeem(http, client_id, secret, code, verifier)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_a_code_only_works_for_its_own_client(env: Factory) -> None:
    http = env.app.test_client()
    org = env.org()
    client_id, _ = env.client(org, "me", redirect_uris=[REDIRECT])
    other_id, other_secret = env.client(org, "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    verifier, challenge = pkce()
    code = get_code(http, client_id, challenge=challenge)["code"]
    response = redeem(http, other_id, other_secret, code, verifier)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_public_client_code_flow_with_pkce(env: Factory) -> None:
    from registry_kernel.oauth import create_client

    http = env.app.test_client()
    with unit_of_work(env.registry.sessions) as session:
        client_id, _ = create_client(session, env.registry, organization_id=env.org().id,
                                     name="Phone app", scopes=["me"],
                                     redirect_uris=[REDIRECT], public=True)
    sign_in(http, env.account())
    verifier, challenge = pkce()
    code = get_code(http, client_id, challenge=challenge)["code"]
    response = redeem(http, client_id, None, code, verifier)
    assert response.status_code == 200, response.get_json()
    assert http.get("/api/v1/me", headers=bearer(response.get_json()["access_token"])
                    ).status_code == 200


def test_account_token_never_exceeds_the_accounts_roles(env: Factory) -> None:
    http = env.app.test_client()
    org = env.org()
    client_id, secret = env.client(org, "me participants:write", redirect_uris=[REDIRECT])
    sign_in(http, env.account())  # a plain participant
    verifier, challenge = pkce()
    page = http.get(authorize_url(client_id, scope="me participants:write",
                                  code_challenge=challenge, code_challenge_method="S256"))
    assert "cannot grant" in page.get_data(as_text=True)
    code = get_code(http, client_id, scope="me participants:write", challenge=challenge)["code"]
    tokens = redeem(http, client_id, secret, code, verifier).get_json()
    assert tokens["scope"] == "me"
    denied = http.post("/api/v1/participants", headers=bearer(tokens["access_token"]),
                       json=PARTICIPANT)
    assert denied.status_code == 403
    only_write = redirect_params(http.get(authorize_url(
        client_id, scope="participants:write", code_challenge=challenge,
        code_challenge_method="S256")))
    assert only_write["error"] == "invalid_scope"


def test_organization_staff_get_their_roles_scopes_through_the_code_flow(env: Factory) -> None:
    http = env.app.test_client()
    org = env.org()
    manager = env.account("sponsor_manager", org=org)
    client_id, secret = env.client(org, "me participants:write", redirect_uris=[REDIRECT])
    sign_in(http, manager)
    verifier, challenge = pkce()
    code = get_code(http, client_id, scope="me participants:write", challenge=challenge)["code"]
    tokens = redeem(http, client_id, secret, code, verifier).get_json()
    assert set(tokens["scope"].split()) == {"me", "participants:write"}
    created = http.post("/api/v1/participants", headers=bearer(tokens["access_token"]),
                        json=PARTICIPANT)
    assert created.status_code == 201
    # Another organization's client gets no organization scope from this manager's roles.
    other_id, other_secret = env.client(env.org(), "me participants:write",
                                        redirect_uris=[REDIRECT])
    code = get_code(http, other_id, scope="me participants:write", challenge=challenge)["code"]
    assert redeem(http, other_id, other_secret, code, verifier).get_json()["scope"] == "me"


# --- refresh, revocation ---------------------------------------------------------------------

def test_refresh_rotates_and_reuse_revokes_the_family(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret, first = code_flow_tokens(env, http)
    second = refresh(http, client_id, secret, first["refresh_token"])
    assert second.status_code == 200, second.get_json()
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert http.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 200
    assert http.get("/api/v1/me", headers=bearer(first["access_token"])).status_code == 401
    third = refresh(http, client_id, secret, second["refresh_token"]).get_json()
    assert http.get("/api/v1/me", headers=bearer(third["access_token"])).status_code == 200
    # The first refresh token again: a thief or a replay. The whole family ends.
    reuse = refresh(http, client_id, secret, first["refresh_token"])
    assert reuse.status_code == 400 and reuse.get_json()["error"] == "invalid_grant"
    assert http.get("/api/v1/me", headers=bearer(third["access_token"])).status_code == 401
    assert refresh(http, client_id, secret, third["refresh_token"]).status_code == 400


def test_refresh_keeps_the_absolute_expiry_and_honours_it(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret, first = code_flow_tokens(env, http)
    second = refresh(http, client_id, secret, first["refresh_token"]).get_json()
    with unit_of_work(env.registry.sessions) as session:
        rows = session.scalars(select(OAuthToken).where(OAuthToken.client_id == client_id)
                               .order_by(OAuthToken.id)).all()
        assert len(rows) == 2 and rows[0].family_id == rows[1].family_id
        assert rows[0].refresh_expires_at == rows[1].refresh_expires_at
        assert rows[1].refresh_expires_at - rows[1].issued_at <= timedelta(days=30, seconds=5)
        rows[1].refresh_expires_at = utcnow() - timedelta(seconds=1)
    expired = refresh(http, client_id, secret, second["refresh_token"])
    assert expired.status_code == 400 and expired.get_json()["error"] == "invalid_grant"


def test_refresh_token_of_another_client_is_refused(env: Factory) -> None:
    http = env.app.test_client()
    _, _, tokens = code_flow_tokens(env, http)
    other_id, other_secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    response = refresh(http, other_id, other_secret, tokens["refresh_token"])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_revoked_access_token_gets_401(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "participants:read")
    token = cc_token(http, client_id, secret).get_json()["access_token"]
    assert http.get("/api/v1/participants/REG-0000000", headers=bearer(token)).status_code != 401
    revoked = http.post("/oauth/revoke", data={"token": token, "token_type_hint": "access_token"},
                        auth=(client_id, secret))
    assert revoked.status_code == 200
    assert http.get("/api/v1/participants/REG-0000000",
                    headers=bearer(token)).status_code == 401


def test_revoking_a_refresh_token_ends_its_access_token(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret, tokens = code_flow_tokens(env, http)
    assert http.post("/oauth/revoke", data={"token": tokens["refresh_token"]},
                     auth=(client_id, secret)).status_code == 200
    assert http.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh(http, client_id, secret, tokens["refresh_token"]).status_code == 400


def test_a_client_cannot_revoke_another_clients_token(env: Factory) -> None:
    http = env.app.test_client()
    token = env.client_token(env.org(), "participants:read")
    other_id, other_secret = env.client(env.org(), "participants:read")
    http.post("/oauth/revoke", data={"token": token}, auth=(other_id, other_secret))
    assert http.get("/api/v1/participants/REG-0000000", headers=bearer(token)).status_code != 401


def test_metadata_document(env: Factory) -> None:
    body = env.app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert body["token_endpoint"].endswith("/oauth/token")
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["response_types_supported"] == ["code"]
    assert "password" not in body["grant_types_supported"]
    assert "implicit" not in body["grant_types_supported"]
    assert {"me", "participants:read", "participants:write"} <= set(body["scopes_supported"])


# --- storage and audit -----------------------------------------------------------------------

def test_the_database_holds_no_raw_token_secret_or_code(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret, tokens = code_flow_tokens(env, http)
    cc_id, cc_secret = env.client(env.org(), "participants:read")
    cc = cc_token(http, cc_id, cc_secret).get_json()["access_token"]
    secrets_issued = [secret, cc_secret, tokens["access_token"], tokens["refresh_token"], cc]
    connection = env.app.extensions["registry_test_connection"]
    dump = []
    for table in ("oauth_clients", "oauth_tokens", "oauth_codes", "audit_events"):
        for row in connection.execute(text(f"SELECT * FROM {table}")):
            dump.append(" ".join(str(value) for value in row))
    everything = "\n".join(dump)
    assert client_id in everything  # the dump really has the rows
    for value in secrets_issued:
        assert value not in everything
    from registry_kernel.crypto import token_hash

    assert token_hash(secret) in everything and token_hash(tokens["access_token"]) in everything


def test_client_creation_and_token_issuance_are_audited(env: Factory) -> None:
    http = env.app.test_client()
    org = env.org()
    client_id, secret = env.client(org, "participants:read")
    cc_token(http, client_id, secret)
    connection = env.app.extensions["registry_test_connection"]
    rows = connection.execute(text(
        "SELECT action, oauth_client_id, actor_org_id, resource_id FROM audit_events "
        "WHERE action LIKE 'oauth.%' ORDER BY id")).all()
    actions = [(r.action, r.oauth_client_id, r.actor_org_id) for r in rows]
    assert ("oauth.token.issue", client_id, org.id) in actions
    assert any(r.action == "oauth.client.create" and r.resource_id == client_id for r in rows)


# --- client registration and CLI -------------------------------------------------------------

def test_create_client_validates_scopes_and_redirect_uris(env: Factory) -> None:
    from registry_kernel.oauth import ClientError, create_client

    org = env.org()
    bad = [(["nope:write"], []), (["me"], ["http://agency.example.org/cb"]),
           (["me"], ["https://user:pw@agency.example.org/cb"]),
           (["me"], ["https://agency.example.org/cb#frag"]), (["me"], ["javascript:alert(1)"]),
           ([], [])]
    for scopes, uris in bad:
        with pytest.raises(ClientError), unit_of_work(env.registry.sessions) as session:
            create_client(session, env.registry, organization_id=org.id, name="x",
                          scopes=scopes, redirect_uris=uris)
    with unit_of_work(env.registry.sessions) as session:
        create_client(session, env.registry, organization_id=org.id, name="dev",
                      scopes=["me"], redirect_uris=["http://127.0.0.1:8000/cb",
                                                    "http://localhost/cb"])


def run_cli(env: Factory, *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), obj={"app": env.app})


def test_cli_create_client_then_token_then_api(env: Factory) -> None:
    org = env.org()
    result = run_cli(env, "oauth", "create-client", "--org", org.slug, "--name", "Check-in",
                     "--scopes", "participants:write participants:read")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert set(created) >= {"client_id", "client_secret"}
    http = env.app.test_client()
    token = cc_token(http, created["client_id"], created["client_secret"],
                     "participants:write").get_json()["access_token"]
    assert http.post("/api/v1/participants", headers=bearer(token),
                     json=PARTICIPANT).status_code == 201


def test_cli_create_client_with_redirect_uri_and_public(env: Factory) -> None:
    org = env.org()
    result = run_cli(env, "oauth", "create-client", "--org", org.slug, "--name", "App",
                     "--scopes", "me", "--redirect-uri", REDIRECT, "--public")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["client_secret"] is None
    http = env.app.test_client()
    sign_in(http, env.account())
    verifier, challenge = pkce()
    code = get_code(http, created["client_id"], challenge=challenge)["code"]
    assert redeem(http, created["client_id"], None, code, verifier).status_code == 200


def test_cli_create_client_errors(env: Factory) -> None:
    org = env.org()
    cases = [("--org", "no-such-org", "--name", "x", "--scopes", "me"),
             ("--org", org.slug, "--name", "x", "--scopes", "bogus:scope"),
             ("--org", org.slug, "--name", "x", "--scopes", "me", "--redirect-uri",
              "http://agency.example.org/cb")]
    for args in cases:
        result = run_cli(env, "oauth", "create-client", *args)
        assert result.exit_code != 0, args
        assert "registry: error:" in result.stderr
        assert result.stdout == ""


def test_cli_revoke_client_ends_its_tokens(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "participants:read")
    token = cc_token(http, client_id, secret).get_json()["access_token"]
    result = run_cli(env, "oauth", "revoke-client", "--client-id", client_id)
    assert result.exit_code == 0, result.output
    assert http.get("/api/v1/participants/REG-0000000", headers=bearer(token)).status_code == 401
    assert cc_token(http, client_id, secret).status_code == 401


def test_signed_out_visitors_are_sent_to_sign_in(env: Factory) -> None:
    if "kernel_web.login" not in env.app.view_functions:
        pytest.skip("the kernel web shell's sign-in page is not installed")
    client_id, _ = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    response = env.app.test_client().get(authorize_url(client_id, scope="me"))
    assert response.status_code == 302
    assert "/oauth/authorize" in response.headers["Location"]
    assert not response.headers["Location"].startswith(REDIRECT)


def test_plain_http_is_refused_off_loopback(make_app: Any) -> None:
    env = Factory(make_app(plugins=[]))
    client_id, secret = env.client(env.org(), "participants:read")
    refused = env.app.test_client().post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret),
        base_url="http://registry.example.org")
    assert refused.status_code == 400 and refused.get_json()["error"] == "insecure_transport"


def test_an_https_base_url_means_tls_ends_at_the_proxy(make_app: Any) -> None:
    env = Factory(make_app(plugins=[], base_url="https://registry.example.org"))
    client_id, secret = env.client(env.org(), "participants:read")
    response = env.app.test_client().post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret),
        base_url="http://registry.example.org")
    assert response.status_code == 200, response.get_json()
    metadata = env.app.test_client().get("/.well-known/oauth-authorization-server")
    assert metadata.get_json()["issuer"] == "https://registry.example.org"


def test_a_person_sees_connected_apps_and_withdraws_access(env: Factory) -> None:
    http = env.app.test_client()
    account = env.account()
    client_id, secret, tokens = code_flow_tokens(env, http, "me", account=account)
    page = http.get("/oauth/connections")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Agency system" in html and "<code>me</code>" in html
    family = re.search(r'name="family" value="([^"]+)"', html).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    # Someone else's authorization cannot be withdrawn from this account.
    stranger = env.app.test_client()
    sign_in(stranger, env.account())
    stranger_page = stranger.get("/oauth/connections").get_data(as_text=True)
    assert "Agency system" not in stranger_page
    stranger_csrf = csrf_token_from(stranger_page)
    assert stranger_csrf
    assert stranger.post("/oauth/connections", data={
        "family": family, "csrf_token": stranger_csrf}).status_code == 404
    assert http.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    withdrawn = http.post("/oauth/connections", data={"family": family, "csrf_token": token})
    assert withdrawn.status_code == 302
    assert http.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh(http, client_id, secret, tokens["refresh_token"]).status_code == 400
    assert "Agency system" not in http.get("/oauth/connections").get_data(as_text=True)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


# --- races on a really-committing database ---------------------------------------------------

def _committing_env(fresh_database: Any, tmp_path: Any) -> Factory:
    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    url = fresh_database(plugins=[])
    app = create_app(test_settings(url, tmp_path / "inst", plugins=[]),
                     extra_plugins=(SignInForTests(),))
    app.config["TESTING"] = True
    return Factory(app)


def _in_parallel(calls: list[Any]) -> list[Any]:
    import threading

    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # surfaced by the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@pytest.mark.slow
def test_parallel_refreshes_with_one_token_succeed_once_then_end_the_family(
        fresh_database: Any, tmp_path: Any) -> None:
    env = _committing_env(fresh_database, tmp_path)
    http = env.app.test_client()
    client_id, secret, tokens = code_flow_tokens(env, http)

    def call() -> tuple[int, Any]:
        response = refresh(env.app.test_client(), client_id, secret, tokens["refresh_token"])
        return response.status_code, response.get_json()

    results = _in_parallel([call] * 8)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * 7, results
    winner = next(body for status, body in results if status == 200)
    # The other seven were reuses of a rotated token: the family is gone, winner included.
    assert http.get("/api/v1/me", headers=bearer(winner["access_token"])).status_code == 401


@pytest.mark.slow
def test_parallel_redemptions_of_one_code_issue_at_most_one_token_and_revoke_it(
        fresh_database: Any, tmp_path: Any) -> None:
    env = _committing_env(fresh_database, tmp_path)
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    sign_in(http, env.account())
    verifier, challenge = pkce()
    code = get_code(http, client_id, challenge=challenge)["code"]

    def call() -> tuple[int, Any]:
        response = redeem(env.app.test_client(), client_id, secret, code, verifier)
        return response.status_code, response.get_json()

    results = _in_parallel([call] * 8)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * 7, results
    winner = next(body for status, body in results if status == 200)
    assert http.get("/api/v1/me", headers=bearer(winner["access_token"])).status_code == 401


def test_revoke_account_tokens_ends_every_token_acting_as_the_account(env: Factory) -> None:
    from registry_kernel.oauth import revoke_account_tokens

    http = env.app.test_client()
    account = env.account()
    client_id, secret, tokens = code_flow_tokens(env, http, account=account)
    cli_token = env.token(account, "me")
    other = env.token(env.account(), "me")
    with unit_of_work(env.registry.sessions) as session:
        assert revoke_account_tokens(session, account.id, reason="password reset") == 2
    for token in (tokens["access_token"], cli_token):
        assert http.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert refresh(http, client_id, secret, tokens["refresh_token"]).status_code == 400
    assert http.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_hostile_client_ids_and_tokens_are_oauth_errors_not_server_errors(env: Factory) -> None:
    http = env.app.test_client()
    client_id, secret = env.client(env.org(), "me", redirect_uris=[REDIRECT])
    for bad in ("a\x00b", "x" * 500, "é"):
        response = cc_token(http, bad, "secret")
        assert response.status_code == 401, bad
        assert response.get_json()["error"] == "invalid_client"
    response = http.post("/oauth/token", data={"grant_type": "refresh_token",
                                               "refresh_token": "a\x00b"},
                         auth=(client_id, secret))
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    response = http.post("/oauth/revoke", data={"token": "a\x00b"}, auth=(client_id, secret))
    assert response.status_code == 200
    sign_in(http, env.account())
    page = http.get("/oauth/connections").get_data(as_text=True)
    response = http.post("/oauth/connections", data={"family": "a\x00b",
                                                     "csrf_token": csrf_token_from(page)})
    assert response.status_code == 400
    response = http.get(authorize_url("a\x00b", scope="me"))
    assert response.status_code == 400


def test_malformed_basic_credentials_are_invalid_client(env: Factory) -> None:
    import base64

    http = env.app.test_client()
    for header in ("Basic " + base64.b64encode(b"\xff:\xfe").decode(), "Basic !!!",
                   "Basic " + base64.b64encode(b"no-colon").decode(), "Basic"):
        for path in ("/oauth/token", "/oauth/revoke"):
            response = http.post(path, data={"grant_type": "client_credentials", "token": "x"},
                                 headers={"Authorization": header})
            assert response.status_code == 401, (header, path, response.get_data(as_text=True))
            assert response.get_json()["error"] == "invalid_client"
