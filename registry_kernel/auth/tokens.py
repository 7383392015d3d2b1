"""Bearer tokens: issued by the OAuth server or the CLI, stored hashed, bound to an organization.

A client-credentials token acts for its client's organization only; a token acting as an
account never exceeds that account's roles (checked on every request, so a revoked role takes
effect at once).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..api import ProblemError
from ..crypto import new_token, token_hash
from ..db import utcnow
from ..models import Account, OAuthClient, OAuthToken
from .actor import Actor, actor_for_account, load_roles

if TYPE_CHECKING:
    from ..runtime import Registry


def scopes_allowed_for_roles(registry: Registry, roles: frozenset[tuple[str, int | None]],
                             organization_id: int | None = None) -> set[str]:
    """The scopes a token acting as an account with ``roles`` may carry."""
    names = {role for role, org in roles
             if organization_id is None or org is None or org == organization_id}
    allowed: set[str] = set()
    for scope in registry.scopes.values():
        if scope.roles is None or "superuser" in names or names & set(scope.roles):
            allowed.add(scope.name)
    return allowed


def issue_account_token(session: Session, registry: Registry, account: Account,
                        scopes: list[str], *, ttl: int = 3600,
                        organization_id: int | None = None, client_id: str | None = None,
                        source: str = "cli") -> tuple[str, OAuthToken]:
    """Issue a bearer token acting as ``account`` (CLI ``tokens create``)."""
    unknown = [s for s in scopes if s not in registry.scopes]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    roles = load_roles(session, account.id)
    if organization_id is not None and not any(org == organization_id for _, org in roles) \
            and not any(org is None and role != "participant" for role, org in roles):
        raise ValueError("the account holds no role in that organization")
    excess = set(scopes) - scopes_allowed_for_roles(registry, roles, organization_id)
    if excess:
        raise ValueError("the account's roles do not allow scope(s): " + ", ".join(sorted(excess)))
    if not 60 <= ttl <= 60 * 60 * 24 * 90:
        raise ValueError("ttl must be between 60 seconds and 90 days")
    plaintext = new_token()
    token = OAuthToken(client_id=client_id, account_id=account.id,
                       organization_id=organization_id, access_token_hash=token_hash(plaintext),
                       scope=" ".join(scopes), expires_at=utcnow() + timedelta(seconds=ttl),
                       source=source)
    session.add(token)
    session.flush()
    return plaintext, token


def actor_from_token(session: Session, registry: Registry, plaintext: str) -> Actor | None:
    """The actor a bearer token stands for, or ``None`` if it is unknown, expired or revoked."""
    token = session.scalar(select(OAuthToken).where(
        OAuthToken.access_token_hash == token_hash(plaintext)))
    if token is None or token.expires_at <= utcnow():
        return None
    return actor_for_token(session, registry, token)


def actor_for_token(session: Session, registry: Registry, token: OAuthToken) -> Actor | None:
    """The actor ``token`` stands for now, ignoring its expiry (a background job it started
    outlives it) but not its revocation, nor its account's, client's or roles' changes."""
    if token.revoked_at is not None:
        return None
    requested = frozenset(token.scope.split())
    if token.account_id is not None:
        account = session.get(Account, token.account_id)
        if account is None or not account.is_active:
            return None
        if token.client_id is not None:
            client = session.scalar(select(OAuthClient).where(
                OAuthClient.client_id == token.client_id))
            if client is None or client.revoked_at is not None:
                return None
        roles = load_roles(session, account.id)
        effective = requested & scopes_allowed_for_roles(registry, roles, token.organization_id)
        return actor_for_account(session, account, via="token", scopes=frozenset(effective),
                                 client_id=token.client_id,
                                 organization_id=token.organization_id,
                                 permission_roles=registry.permission_roles, roles=roles,
                                 token_id=token.id)
    client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == token.client_id))
    if client is None or client.revoked_at is not None:
        return None
    effective = requested & frozenset(client.scopes.split())
    return Actor(client_id=client.client_id, organization_id=client.organization_id,
                 scopes=frozenset(effective), via="client", token_id=token.id,
                 permission_roles=registry.permission_roles)


def authenticate_request() -> Actor:
    """The actor behind the request's ``Authorization: Bearer`` header, or a 401 problem."""
    from ..web import registry_session

    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ProblemError(401, "Unauthorized", "an 'Authorization: Bearer <token>' header is "
                           "required")
    registry = current_app.extensions["registry"]
    actor = actor_from_token(registry_session(), registry, value.strip())
    if actor is None:
        raise ProblemError(401, "Unauthorized", "the token is unknown, expired or revoked")
    return actor


def revoke_token_family(session: Session, family_id: str) -> None:
    session.execute(update(OAuthToken).where(OAuthToken.family_id == family_id,
                                             OAuthToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
