"""The actor behind a request: an account (through a web session or a token) or an agency client.

Permissions are checked in one place, :meth:`Actor.can`, against the permissions plugins declare.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import REGISTRY_ROLES, Account, RoleGrant

ANY_ORG = object()


@dataclass(frozen=True)
class Actor:
    """Who is acting, with which roles and (for tokens) which scopes."""

    account_id: int | None = None
    participant_id: str | None = None
    client_id: str | None = None
    organization_id: int | None = None  # the organization a token acts for
    roles: frozenset[tuple[str, int | None]] = frozenset()
    scopes: frozenset[str] | None = None  # None: a web session, not limited by scopes
    via: str = "session"  # session | token | client | cli | system
    token_id: int | None = None  # the OAuth token a request came with (a job it starts keeps it)
    permission_roles: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False,
                                                         hash=False, repr=False)

    @property
    def acting_role(self) -> str:
        """The most significant role, for the audit log."""
        if self.via == "client":
            return "client"
        names = {role for role, _ in self.roles}
        for role in ("superuser", "registry_staff", "help_desk", "county_admin",
                     "sponsor_executive_director", "sponsor_contact_manager", "sponsor_manager",
                     "program_admin", "instructor"):
            if role in names:
                return role
        return "participant" if self.account_id else "system"

    def has_role(self, role: str, org_id: object = ANY_ORG) -> bool:
        if org_id is ANY_ORG:
            return any(r == role for r, _ in self.roles)
        return (role, org_id) in self.roles

    @property
    def is_superuser(self) -> bool:
        return self.has_role("superuser")

    @property
    def is_staff(self) -> bool:
        return any(r in REGISTRY_ROLES for r, _ in self.roles)

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def org_ids_for(self, *roles: str) -> set[int]:
        return {org for role, org in self.roles if role in roles and org is not None}

    def can(self, permission: str, org_id: int | None = None) -> bool:
        """Whether the actor holds ``permission`` (within ``org_id`` for org roles)."""
        if self.is_superuser:
            return True
        allowed = self.permission_roles.get(permission)
        if allowed is None:
            return False
        for role, grant_org in self.roles:
            if role not in allowed:
                continue
            if grant_org is None or org_id is None or grant_org == org_id:
                return True
        return False

    def acts_for_org(self, org_id: int) -> bool:
        """A client of that organization, anyone with a role there, or registry staff."""
        if self.via == "client":
            return self.organization_id == org_id
        if self.organization_id is not None and self.organization_id != org_id \
                and not self.is_staff:
            return False
        return self.is_staff or any(grant_org == org_id for _, grant_org in self.roles)


def load_roles(session: Session, account_id: int) -> frozenset[tuple[str, int | None]]:
    rows = session.execute(select(RoleGrant.role, RoleGrant.organization_id)
                           .where(RoleGrant.account_id == account_id)).all()
    return frozenset({("participant", None), *((r.role, r.organization_id) for r in rows)})


def actor_for_account(session: Session, account: Account, *, via: str = "session",
                      scopes: frozenset[str] | None = None, client_id: str | None = None,
                      organization_id: int | None = None,
                      permission_roles: dict[str, tuple[str, ...]] | None = None,
                      roles: frozenset[tuple[str, int | None]] | None = None,
                      token_id: int | None = None) -> Actor:
    """The account's actor; ``roles`` if the caller already loaded them."""
    return Actor(account_id=account.id, participant_id=account.participant_id,
                 client_id=client_id, organization_id=organization_id,
                 roles=load_roles(session, account.id) if roles is None else roles,
                 scopes=scopes, via=via, token_id=token_id,
                 permission_roles=permission_roles or {})


SYSTEM = Actor(via="system")
