"""Accounts: every account is a participant with a Registry ID, plus a password and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .crypto import hash_password, verify_password
from .db import utcnow
from .models import ORG_ROLES, REGISTRY_ROLES, ROLES, Account, Organization, RoleGrant
from .participants import create_participant, find_by_email
from .passwords import check_password_policy

if TYPE_CHECKING:
    from .auth.actor import Actor
    from .runtime import Registry


class AccountError(ValueError):
    """The account cannot be created or changed as asked; the message says why."""


def create_account(session: Session, registry: Registry, *, email: str, password: str,
                   first_name: str = "", last_name: str = "", role: str = "participant",
                   organization: Organization | None = None, verified: bool = False,
                   actor: Actor | None = None, **personal: object) -> Account:
    """Create a participant and their account; grant ``role`` (in ``organization`` if an org
    role). Raises :class:`AccountError` or ``DuplicateEmail``."""
    problem = check_password_policy(password, email=email)
    if problem:
        raise AccountError(problem)
    participant = create_participant(session, registry, first_name=first_name,
                                     last_name=last_name, email=email, actor=actor,
                                     **personal)  # type: ignore[arg-type]
    account = Account(participant_id=participant.id, password_hash=hash_password(password),
                      email_verified_at=utcnow() if verified else None)
    session.add(account)
    session.flush()
    if role != "participant":
        grant_role(session, account, role, organization, actor=actor)
    return account


def grant_role(session: Session, account: Account, role: str,
               organization: Organization | None, *, actor: Actor | None) -> RoleGrant:
    if role not in ROLES or role == "participant":
        raise AccountError(f"role must be one of {', '.join(r for r in ROLES if r != 'participant')}")
    if role in ORG_ROLES and organization is None:
        raise AccountError(f"role {role!r} is held within an organization: give --org")
    if role in REGISTRY_ROLES and organization is not None:
        raise AccountError(f"role {role!r} is registry-wide: do not give --org")
    existing = session.scalar(select(RoleGrant).where(
        RoleGrant.account_id == account.id, RoleGrant.role == role,
        RoleGrant.organization_id == (organization.id if organization else None)))
    if existing is not None:
        return existing
    grant = RoleGrant(account_id=account.id, role=role,
                      organization_id=organization.id if organization else None,
                      granted_by_account_id=actor.account_id if actor else None)
    session.add(grant)
    session.flush()
    audit.record(session, actor=actor, action="role.grant",
                 subject_participant_id=account.participant_id, resource_type="role_grant",
                 resource_id=grant.id, fields=[role])
    return grant


def revoke_role(session: Session, grant: RoleGrant, *, actor: Actor | None) -> None:
    account = session.get(Account, grant.account_id)
    audit.record(session, actor=actor, action="role.revoke",
                 subject_participant_id=account.participant_id if account else None,
                 resource_type="role_grant", resource_id=grant.id, fields=[grant.role])
    session.delete(grant)


def account_by_email(session: Session, registry: Registry, email: str) -> Account | None:
    participant = find_by_email(session, registry, email)
    if participant is None:
        return None
    return session.scalar(select(Account).where(Account.participant_id == participant.id))


def authenticate(session: Session, registry: Registry, email: str,
                 password: str) -> Account | None:
    """The active account with this email and password, or ``None`` (same work either way)."""
    account = account_by_email(session, registry, email)
    ok = verify_password(password, account.password_hash if account else None)
    if account is None or not ok or not account.is_active:
        return None
    return account


def set_password(session: Session, account: Account, password: str, *, email: str | None = None,
                 actor: Actor | None = None) -> None:
    """Change the password, end every other session of the account and revoke the bearer
    tokens acting as it (apps the person connected must be authorized again)."""
    from .oauth import revoke_account_tokens

    problem = check_password_policy(password, email=email)
    if problem:
        raise AccountError(problem)
    account.password_hash = hash_password(password)
    account.session_epoch += 1
    revoke_account_tokens(session, account.id, actor=actor, reason="password changed")
    audit.record(session, actor=actor, action="account.password_change",
                 subject_participant_id=account.participant_id, resource_type="account",
                 resource_id=account.id)
