"""The OAuth 2.0 authorization server (Authlib), with its defaults hardened.

Grants: client credentials (agency back ends), authorization code with PKCE (an app acting for a
signed-in person) and refresh tokens. No implicit grant, no password grant.

Hardening over Authlib's defaults (see ``docs/oauth.md``):

* PKCE with ``S256`` is required for every code grant, confidential clients included; ``plain``
  is refused, and so is a ``code_verifier`` for a code issued without a challenge.
* Client secrets, access tokens, refresh tokens and authorization codes are stored only as
  SHA-256 hashes; the plaintext is shown once.
* Refresh tokens rotate; presenting a rotated refresh token again revokes the whole token family
  (every token descended from the same authorization). Refresh tokens expire at a fixed time
  after the original authorization, however often they are rotated.
* An authorization code is single use, lives 5 minutes, and is kept after use so that a replay
  revokes the tokens issued from it.
* Every token is bound to its client's organization. A token acting as an account never carries a
  scope the account's roles do not allow (checked at issue time and again on every request).
* Redirect URIs must match exactly and be ``https`` (``http`` only for loopback development).
"""

from __future__ import annotations

import base64
import hmac
import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import request as flask_request
from flask_wtf import FlaskForm
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Length

from . import audit
from .auth.actor import Actor, actor_for_account, load_roles
from .auth.session import current_account, login_required
from .auth.tokens import revoke_token_family, scopes_allowed_for_roles
from .crypto import new_token, token_hash
from .db import new_uuid, utcnow
from .models import Account, OAuthAuthorizationCode, OAuthClient, OAuthToken, Organization
from .web import current_registry, registry_session

if TYPE_CHECKING:
    from .runtime import Registry

ACCESS_TOKEN_TTL = 3600  # seconds, every grant
REFRESH_TOKEN_TTL = 30 * 24 * 3600  # absolute, from the original authorization
CODE_TTL = 300  # seconds (ASVS 10.4.3: at most 10 minutes)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CONFIDENTIAL_AUTH = ["client_secret_basic", "client_secret_post"]
ANY_CLIENT_AUTH = [*CONFIDENTIAL_AUTH, "none"]
GRANT_TYPES = ["authorization_code", "client_credentials", "refresh_token"]


class ClientError(ValueError):
    """Invalid client registration input (the message says which)."""


def _t(text: str, **values: Any) -> str:
    """``gettext`` when Flask-Babel is set up, the English text otherwise."""
    try:
        from flask_babel import gettext

        return gettext(text, **values)
    except (KeyError, RuntimeError):
        return text % values if values else text


# --- client registration ---------------------------------------------------------------------

def validate_redirect_uri(uri: str) -> str:
    """An exact redirect URI: ``https`` (``http`` only on loopback), no user info, no fragment."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ClientError(f"redirect URI {uri!r} is malformed") from exc
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ClientError(f"redirect URI {uri!r} must not carry user information")
    if parts.fragment or uri.endswith("#"):
        raise ClientError(f"redirect URI {uri!r} must not have a fragment")
    if not host:
        raise ClientError(f"redirect URI {uri!r} has no host")
    if parts.scheme == "https":
        return uri
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return uri
    raise ClientError(f"redirect URI {uri!r} must use https (http only for 127.0.0.1 or "
                      "localhost during development)")


def create_client(session: Session, registry: Registry, *, organization_id: int, name: str,
                  scopes: list[str], redirect_uris: list[str], public: bool = False,
                  actor: Actor | None = None) -> tuple[str, str | None]:
    """Register an OAuth client for an organization; returns ``(client_id, client_secret)``.

    A confidential client (the default) may use the client-credentials grant, and the
    authorization-code grant when it has redirect URIs. A public client (an app that cannot keep
    a secret) has no secret and may only use the authorization-code grant with PKCE. The secret is
    returned once; only its SHA-256 is stored.
    """
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ClientError("the client name must be 1 to 200 characters")
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise ClientError("no such organization")
    wanted = list(dict.fromkeys(s for s in scopes if s))
    if not wanted:
        raise ClientError("give at least one scope")
    unknown = [s for s in wanted if s not in registry.scopes]
    if unknown:
        raise ClientError("unknown scope(s): " + ", ".join(unknown)
                          + "; known: " + ", ".join(sorted(registry.scopes)))
    uris = list(dict.fromkeys(validate_redirect_uri(u.strip()) for u in redirect_uris))
    if public and not uris:
        raise ClientError("a public client needs at least one redirect URI")
    grant_types = [] if public else ["client_credentials"]
    if uris:
        grant_types += ["authorization_code", "refresh_token"]
    client_id = new_token(24)
    secret = None if public else new_token(32)
    client = OAuthClient(client_id=client_id,
                         client_secret_hash=token_hash(secret) if secret else None,
                         name=name, organization_id=organization.id, scopes=" ".join(wanted),
                         redirect_uris=uris, grant_types=grant_types,
                         token_endpoint_auth_method="none" if public else "client_secret_basic")
    session.add(client)
    session.flush()
    audit.record(session, actor=actor, action="oauth.client.create",
                 resource_type="oauth_client", resource_id=client_id, fields=wanted,
                 reason=f"{'public' if public else 'confidential'} client for organization "
                        f"{organization.slug}; grants: {' '.join(grant_types)}")
    return client_id, secret


def revoke_client(session: Session, client_id: str, *, actor: Actor | None = None) -> bool:
    """Disable a client and revoke every token it holds. ``False`` if there is no such client."""
    client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None:
        return False
    now = utcnow()
    client.revoked_at = client.revoked_at or now
    session.execute(update(OAuthToken).where(OAuthToken.client_id == client_id,
                                             OAuthToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    audit.record(session, actor=actor, action="oauth.client.revoke",
                 resource_type="oauth_client", resource_id=client_id)
    return True


def revoke_account_tokens(session: Session, account_id: int, *, actor: Actor | None = None,
                          reason: str = "") -> int:
    """Revoke every live token acting as an account (password reset, "sign out everywhere",
    a deactivated account). Returns how many were revoked."""
    count = session.execute(update(OAuthToken).where(OAuthToken.account_id == account_id,
                                                     OAuthToken.revoked_at.is_(None))
                            .values(revoked_at=utcnow())).rowcount
    if count:
        account = session.get(Account, account_id)
        audit.record(session, actor=actor, action="oauth.token.revoke",
                     subject_participant_id=account.participant_id if account else None,
                     resource_type="account", resource_id=account_id,
                     reason=reason or f"all {count} tokens of the account revoked")
    return count


# --- Authlib adapters over the kernel's models -----------------------------------------------

class Client(ClientMixin):
    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.client_id = row.client_id

    @property
    def is_public(self) -> bool:
        return self.row.client_secret_hash is None

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous default; with several URIs the request must name one.
        uris = self.row.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes, all of which the client must hold (``None``: invalid_scope);
        no scope requested means all of the client's scopes."""
        allowed = self.row.scopes.split()
        if not scope:
            return list_to_scope(allowed)
        requested = list(dict.fromkeys(scope_to_list(scope)))
        if any(s not in allowed for s in requested):
            return None
        return list_to_scope(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.row.client_secret_hash
        return bool(stored) and hmac.compare_digest(stored, token_hash(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in CONFIDENTIAL_AUTH

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in (self.row.grant_types or [])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.row.grant_types or [])


class Token(TokenMixin):
    def __init__(self, row: OAuthToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


class AuthorizationCode(AuthorizationCodeMixin):
    def __init__(self, row: OAuthAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


# --- grants ----------------------------------------------------------------------------------

class S256CodeChallenge(CodeChallenge):
    """PKCE for every client, ``S256`` only (ASVS 5.0 10.4.6, RFC 9700)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with "
                                      "'code_challenge_method=S256'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        code = grant.request.authorization_code
        if not code.code_challenge:
            if grant.request.form.get("code_verifier"):
                raise InvalidRequestError("The authorization request had no 'code_challenge', "
                                          "but a 'code_verifier' was provided.")
            raise InvalidGrantError("this code was issued without PKCE")
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


def granted_scopes(session: Session, registry: Registry, client: Client, account: Account,
                   scope: str | None) -> tuple[list[str], list[str]]:
    """(granted, withheld): the requested scopes the account's roles allow for the client's
    organization, and those they do not."""
    roles = load_roles(session, account.id)
    allowed = scopes_allowed_for_roles(registry, roles, client.row.organization_id)
    requested = scope_to_list(scope) or []
    return ([s for s in requested if s in allowed], [s for s in requested if s not in allowed])


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ANY_CLIENT_AUTH

    def create_authorization_response(self, redirect_uri: str, grant_user: Any) -> Any:
        if grant_user:
            granted, _ = granted_scopes(registry_session(), current_registry(),
                                        self.request.client, grant_user, self.request.scope)
            if not granted:
                raise InvalidScopeError("your account's roles allow none of the requested scopes",
                                        redirect_uri=redirect_uri)
            self.request.scope = list_to_scope(granted)
        return super().create_authorization_response(redirect_uri, grant_user)

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        registry_session().add(OAuthAuthorizationCode(
            code_hash=token_hash(code), client_id=request.client.get_client_id(),
            account_id=request.user.id, redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope, code_challenge=data.get("code_challenge"),
            code_challenge_method="S256", auth_time=int(time.time())))

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        session = registry_session()
        row = session.scalar(select(OAuthAuthorizationCode).where(
            OAuthAuthorizationCode.code_hash == token_hash(code),
            OAuthAuthorizationCode.client_id == client.get_client_id()))
        if row is None:
            return None
        consumed = session.execute(
            update(OAuthAuthorizationCode)
            .where(OAuthAuthorizationCode.id == row.id, OAuthAuthorizationCode.used_at.is_(None))
            .values(used_at=utcnow())).rowcount
        if consumed != 1:
            # A replay (ASVS 10.4.2): revoke what the first redemption issued.
            session.refresh(row)
            if row.token_family_id:
                revoke_token_family(session, row.token_family_id)
            audit.record(session, actor=_client_actor(client), action="oauth.code.replay",
                         resource_type="oauth_code", resource_id=row.id,
                         reason="authorization code presented twice; its tokens were revoked")
            return None
        if row.auth_time + CODE_TTL < time.time():
            return None
        return AuthorizationCode(row)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Kept (marked used, linked to its tokens) so that a replay can be detected."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        account = registry_session().get(Account, authorization_code.row.account_id)
        return account if account is not None and account.is_active else None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ANY_CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        session = registry_session()
        client = self.request.client
        row = session.scalar(select(OAuthToken).where(
            OAuthToken.refresh_token_hash == token_hash(refresh_token)))
        if row is None or row.client_id != client.get_client_id():
            return None
        now = utcnow()
        if row.refresh_used_at is None and row.revoked_at is None:
            if row.refresh_expires_at is None or row.refresh_expires_at <= now:
                return None
            claimed = session.execute(
                update(OAuthToken).where(OAuthToken.id == row.id,
                                         OAuthToken.refresh_used_at.is_(None),
                                         OAuthToken.revoked_at.is_(None))
                .values(refresh_used_at=now)).rowcount
            if claimed == 1:
                return Token(row)
            session.refresh(row)
        if row.refresh_used_at is not None:
            # Reuse of a rotated refresh token (ASVS 10.4.5): end the whole family.
            revoke_token_family(session, row.family_id)
            audit.record(session, actor=_client_actor(client), action="oauth.refresh.reuse",
                         resource_type="oauth_token", resource_id=row.id,
                         reason="a rotated refresh token was presented again; token family "
                                "revoked")
        return None

    def authenticate_user(self, refresh_token: Token) -> Account | None:
        if refresh_token.row.account_id is None:
            return None
        account = registry_session().get(Account, refresh_token.row.account_id)
        return account if account is not None and account.is_active else None

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """The rotated pair retires: its access token stops working too."""
        refresh_token.row.revoked_at = refresh_token.row.revoked_at or utcnow()


class TokenRevocation(RevocationEndpoint):
    """RFC 7009. Revoking any token of a family revokes the family (access and refresh)."""

    CLIENT_AUTH_METHODS = ANY_CLIENT_AUTH

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        digest = token_hash(token_string)
        if token_type_hint == "access_token":  # noqa: S105 - a hint name, not a secret
            condition = OAuthToken.access_token_hash == digest
        elif token_type_hint == "refresh_token":  # noqa: S105
            condition = OAuthToken.refresh_token_hash == digest
        else:
            condition = or_(OAuthToken.access_token_hash == digest,
                            OAuthToken.refresh_token_hash == digest)
        row = registry_session().scalar(select(OAuthToken).where(condition))
        if row is None and token_type_hint:
            row = registry_session().scalar(select(OAuthToken).where(or_(
                OAuthToken.access_token_hash == digest, OAuthToken.refresh_token_hash == digest)))
        return Token(row) if row is not None else None

    def revoke_token(self, token: Token, request: Any) -> None:
        session = registry_session()
        revoke_token_family(session, token.row.family_id)
        audit.record(session, actor=_client_actor(request.client), action="oauth.token.revoke",
                     resource_type="oauth_token", resource_id=token.row.id)


# --- server wiring ---------------------------------------------------------------------------

def _client_actor(client: Client | None) -> Actor | None:
    if client is None:
        return None
    return Actor(client_id=client.get_client_id(), organization_id=client.row.organization_id,
                 via="client")


_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FAMILY_ID = re.compile(r"[0-9a-f-]{1,36}")


def _query_client(client_id: str) -> Client | None:
    if not client_id or not _CLIENT_ID.fullmatch(client_id):  # also keeps NUL bytes off the DB
        return None
    row = registry_session().scalar(select(OAuthClient).where(
        OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None)))
    return Client(row) if row is not None else None


def _save_token(token: dict[str, Any], request: Any) -> None:
    """Store a freshly issued token: hashes only, bound to the client's organization."""
    session, registry = registry_session(), current_registry()
    client: Client = request.client
    grant_type = request.payload.grant_type
    now = utcnow()
    expires_at = now + timedelta(seconds=int(token.get("expires_in") or ACCESS_TOKEN_TTL))
    account: Account | None = request.user
    scopes = scope_to_list(token.get("scope")) or []
    if account is None:
        row = OAuthToken(client_id=client.get_client_id(), account_id=None,
                         organization_id=client.row.organization_id,
                         access_token_hash=token_hash(token["access_token"]),
                         scope=" ".join(scopes), expires_at=expires_at, source="oauth")
        actor = _client_actor(client)
    else:
        granted, _ = granted_scopes(session, registry, client, account, " ".join(scopes))
        if not granted:
            raise InvalidGrantError("the account's roles no longer allow any of these scopes")
        scopes = granted
        token["scope"] = list_to_scope(granted)
        if grant_type == "refresh_token":
            previous = request.refresh_token.row
            family_id, refresh_expires_at = previous.family_id, previous.refresh_expires_at
        else:
            family_id, refresh_expires_at = new_uuid(), now + timedelta(seconds=REFRESH_TOKEN_TTL)
        refresh = token.get("refresh_token")
        row = OAuthToken(client_id=client.get_client_id(), account_id=account.id,
                         organization_id=client.row.organization_id,
                         access_token_hash=token_hash(token["access_token"]),
                         refresh_token_hash=token_hash(refresh) if refresh else None,
                         family_id=family_id, scope=" ".join(scopes), expires_at=expires_at,
                         refresh_expires_at=refresh_expires_at if refresh else None,
                         source="oauth")
        if grant_type == "authorization_code":
            request.authorization_code.row.token_family_id = family_id
        actor = actor_for_account(session, account, via="token",
                                  client_id=client.get_client_id(),
                                  organization_id=client.row.organization_id,
                                  permission_roles=registry.permission_roles)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="oauth.token.issue",
                 subject_participant_id=account.participant_id if account else None,
                 resource_type="oauth_token", resource_id=row.id, fields=scopes,
                 reason=f"grant_type={grant_type}")


def _generate(**_: Any) -> str:
    return new_token(32)


def _expires_in(client: Any, grant_type: str) -> int:
    return ACCESS_TOKEN_TTL


class _ProxiedRequest(FlaskOAuth2Request):
    """A request whose URL is rebuilt on the configured ``https`` base URL: behind a reverse
    proxy that terminates TLS, the app itself sees plain ``http``."""

    def __init__(self, request: Any, uri: str) -> None:
        OAuth2Request.__init__(self, method=request.method, uri=uri, headers=request.headers)
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


class RegistryAuthorizationServer(AuthorizationServer):
    """Authlib refuses OAuth over plain ``http`` (loopback excepted). When the registry's
    ``base_url`` is ``https``, TLS is taken to end at the proxy in front of it."""

    def create_oauth2_request(self, request: Any) -> FlaskOAuth2Request:
        base_url = current_registry().settings.base_url
        if base_url.startswith("https://"):
            return _ProxiedRequest(flask_request, base_url.rstrip("/") + flask_request.full_path)
        return super().create_oauth2_request(request)


def make_server(app: Flask) -> AuthorizationServer:
    registry = app.extensions["registry"]
    server = RegistryAuthorizationServer()
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_token_generator("default",
                                    BearerTokenGenerator(_generate, _generate, _expires_in))
    server.scopes_supported = sorted(registry.scopes)
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(TokenRevocation)
    # Deliberately absent: ImplicitGrant, ResourceOwnerPasswordCredentialsGrant.
    return server


def _server() -> AuthorizationServer:
    return current_app.extensions["oauth_server"]


# --- views -----------------------------------------------------------------------------------

bp = Blueprint("oauth", __name__)
MACHINE_ENDPOINTS = ("oauth.token", "oauth.revoke", "oauth.metadata")


class ConsentForm(FlaskForm):
    approve = SubmitField()
    deny = SubmitField()


def _malformed_basic_auth() -> bool:
    """Authlib would fail with a 500 on HTTP Basic credentials that are not UTF-8."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        base64.b64decode(value.strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return True
    return False


def _bad_client_response(server: AuthorizationServer) -> Response:
    return server.handle_error_response(None, InvalidClientError(
        status_code=401, description="malformed HTTP Basic credentials"))


@bp.post("/oauth/token")
def token() -> Response:
    server = _server()
    if _malformed_basic_auth():
        return _bad_client_response(server)
    try:
        response = server.create_token_response()
    except OAuth2Error as error:
        response = server.handle_error_response(None, error)
    # Commit on errors too: a consumed code, a claimed refresh token or a revoked family must
    # stick even though the request is refused.
    registry_session().commit()
    return response


@bp.post("/oauth/revoke")
def revoke() -> Response:
    server = _server()
    if _malformed_basic_auth():
        return _bad_client_response(server)
    try:
        response = server.create_endpoint_response(TokenRevocation.ENDPOINT_NAME)
    except OAuth2Error as error:
        response = server.handle_error_response(None, error)
    registry_session().commit()
    return response


@bp.get("/.well-known/oauth-authorization-server")
def metadata() -> Response:
    """RFC 8414 authorization server metadata."""
    registry = current_registry()
    base = registry.settings.base_url.rstrip("/")
    response = jsonify({
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": sorted(registry.scopes),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "token_endpoint_auth_methods_supported": ANY_CLIENT_AUTH,
        "revocation_endpoint_auth_methods_supported": ANY_CLIENT_AUTH,
        "code_challenge_methods_supported": ["S256"],
        "service_documentation": f"{base}/api/v1/openapi.json",
    })
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _authorize_error(server: AuthorizationServer, error: OAuth2Error) -> Any:
    if error.redirect_uri:  # only set once the client and its redirect URI are validated
        return server.handle_error_response(None, error)
    return render_template("oauth/error.html", error=error.error,
                           description=error.description, _=_t), 400


@bp.route("/oauth/authorize", methods=["GET", "POST"])
@login_required
def authorize() -> Any:
    server = _server()
    session, registry = registry_session(), current_registry()
    account = current_account()
    try:
        grant = server.get_consent_grant(end_user=account)
    except OAuth2Error as error:
        return _authorize_error(server, error)
    form = ConsentForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="the form expired; go back and try again")
        approved = bool(form.approve.data) and not form.deny.data
        response = server.create_authorization_response(
            grant_user=account if approved else None, grant=grant)
        if approved and response.status_code == 302 and "code=" in response.headers.get(
                "Location", ""):
            audit.record(session, actor=actor_for_account(
                session, account, permission_roles=registry.permission_roles),
                action="oauth.consent", subject_participant_id=account.participant_id,
                resource_type="oauth_client", resource_id=grant.client.get_client_id(),
                fields=scope_to_list(grant.request.scope) or [])
        session.commit()
        return response
    client: Client = grant.client
    granted, withheld = granted_scopes(session, registry, client, account, grant.request.scope)
    if not granted:
        return server.handle_error_response(None, InvalidScopeError(
            "your account's roles allow none of the requested scopes",
            redirect_uri=grant.redirect_uri, state=request.args.get("state")))
    organization = session.get(Organization, client.row.organization_id)
    body = render_template(
        "oauth/consent.html", form=form, client_name=client.row.name,
        organization_name=organization.name if organization else None,
        granted=[(s, registry.scopes[s].description) for s in granted],
        withheld=[(s, registry.scopes[s].description) for s in withheld],
        redirect_host=urlsplit(grant.redirect_uri).netloc, _=_t)
    response = Response(body)
    # The approve/deny POST answers with a redirect to the client: let the form go there.
    target = urlsplit(grant.redirect_uri)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-ancestors 'none'; form-action 'self' {target.scheme}://{target.netloc}")
    response.headers["Cache-Control"] = "no-store"
    return response


class RevokeConnectionForm(FlaskForm):
    family = HiddenField(validators=[DataRequired(), Length(max=36)])


def connected_apps(session: Session, account_id: int) -> list[dict[str, Any]]:
    """The apps holding live access for an account: one entry per authorization (token family)."""
    now = utcnow()
    rows = session.execute(
        select(OAuthToken, OAuthClient.name, Organization.name)
        .join(OAuthClient, OAuthClient.client_id == OAuthToken.client_id)
        .outerjoin(Organization, Organization.id == OAuthClient.organization_id)
        .where(OAuthToken.account_id == account_id, OAuthToken.revoked_at.is_(None),
               OAuthClient.revoked_at.is_(None),
               or_(OAuthToken.expires_at > now,
                   (OAuthToken.refresh_expires_at > now)
                   & OAuthToken.refresh_used_at.is_(None)))
        .order_by(OAuthToken.id)).all()
    families: dict[str, dict[str, Any]] = {}
    for token_row, client_name, org_name in rows:
        families[token_row.family_id] = {
            "family": token_row.family_id, "client": client_name, "organization": org_name,
            "scopes": token_row.scope.split(), "since": token_row.issued_at}
    return list(families.values())


@bp.route("/oauth/connections", methods=["GET", "POST"])
@login_required
def connections() -> Any:
    """Connected apps: what each can do, and a button to take the access back (ASVS 10.4.9)."""
    session, registry = registry_session(), current_registry()
    account = current_account()
    form = RevokeConnectionForm()
    if request.method == "POST":
        if not form.validate_on_submit() or not _FAMILY_ID.fullmatch(form.family.data):
            abort(400)
        owned = session.scalar(select(OAuthToken.id).where(
            OAuthToken.family_id == form.family.data, OAuthToken.account_id == account.id)
            .limit(1))
        if owned is None:
            abort(404)
        revoke_token_family(session, form.family.data)
        audit.record(session, actor=actor_for_account(
            session, account, permission_roles=registry.permission_roles),
            action="oauth.token.revoke", subject_participant_id=account.participant_id,
            resource_type="oauth_token", resource_id=owned,
            reason="access withdrawn by the account holder")
        session.commit()
        flash(_t("The app's access has been withdrawn."), "success")
        return redirect(url_for("oauth.connections"))
    apps = connected_apps(session, account.id)
    for entry in apps:
        entry["scopes"] = [(s, registry.scopes[s].description if s in registry.scopes else s)
                           for s in entry["scopes"]]
    response = Response(render_template("oauth/connections.html", apps=apps, form=form, _=_t))
    response.headers["Cache-Control"] = "no-store"
    return response


def _exempt_machine_endpoints_from_csrf() -> None:
    csrf = current_app.extensions.get("csrf")
    if csrf is not None and request.endpoint in MACHINE_ENDPOINTS:
        for view in (token, revoke, metadata):
            csrf.exempt(view)


def init_oauth(app: Flask) -> None:
    """Mount the authorization server on ``app`` (call after the other blueprints)."""
    app.extensions["oauth_server"] = make_server(app)
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        for view in (token, revoke, metadata):
            csrf.exempt(view)
    else:  # CSRFProtect may be set up later in create_app: exempt lazily, before it runs
        app.before_request_funcs.setdefault(None, []).insert(
            0, _exempt_machine_endpoints_from_csrf)
