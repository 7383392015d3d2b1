"""Kernel tables: accounts, participants, organizations, roles, keys, audit, outbox, OAuth.

Personal fields are ``*_enc`` binary columns sealed by :mod:`registry_kernel.vault`; nothing
personal is stored in clear. Plugins add their own tables, prefixed with the plugin's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, new_uuid, utcnow

ORG_KINDS = ("training_sponsor", "employer_center", "employer_fcc", "rr_agency", "county",
             "college")
ORG_ROLES = ("program_admin", "sponsor_executive_director", "sponsor_contact_manager",
             "sponsor_manager", "instructor", "county_admin")
REGISTRY_ROLES = ("registry_staff", "help_desk", "superuser")
ROLES = ("participant", *REGISTRY_ROLES, *ORG_ROLES)

BigId = BigInteger().with_variant(Integer, "sqlite")


class Participant(Base):
    """A person with a Registry ID. Personal fields are encrypted under their data key."""

    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    registry_id: Mapped[str] = mapped_column(String(10), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|merged|erased
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("participants.id"))
    first_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    birth_date_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    ssn_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    name_dob_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    ssn_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    county: Mapped[str | None] = mapped_column(String(64), index=True)
    preferred_language: Mapped[str] = mapped_column(String(16), default="en")
    registered_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    research_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[Account | None] = relationship(back_populates="participant", uselist=False)


class RegistryIdAlias(Base):
    """A retired Registry ID (after a merge) that keeps resolving to the surviving participant."""

    __tablename__ = "registry_id_aliases"

    registry_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DataKey(Base):
    """A participant's data key, wrapped by a master key. Deleting the row shreds their data."""

    __tablename__ = "data_keys"

    participant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dek_id: Mapped[bytes] = mapped_column(LargeBinary(8))
    kek_id: Mapped[str] = mapped_column(String(32), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rewrapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Account(Base):
    """A log-in. Every account is also a participant (the email lives on the participant)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    ui_language: Mapped[str | None] = mapped_column(String(16))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="account")
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="account",
                                                   cascade="all, delete-orphan",
                                                   foreign_keys="RoleGrant.account_id")


class Organization(Base):
    """A training sponsor, employer (center or FCC home), R&R agency, county or college."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str | None] = mapped_column(String(64), index=True)
    license_number: Mapped[str | None] = mapped_column(String(32), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleGrant(Base):
    """A role held by an account, within an organization or registry-wide (org is null)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("account_id", "role", "organization_id",
                                       name="uq_role_grants_account_role_org"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    role: Mapped[str] = mapped_column(String(40))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    account: Mapped[Account] = relationship(back_populates="grants", foreign_keys=[account_id])
    organization: Mapped[Organization | None] = relationship()


class PluginActivation(Base):
    """A county-scoped plugin switched on for one county by that county's administrator."""

    __tablename__ = "plugin_activations"
    __table_args__ = (UniqueConstraint("plugin", "county", name="uq_plugin_activations_plugin"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64))
    county: Mapped[str] = mapped_column(String(64))
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class AuditEvent(Base):
    """Append-only, hash-chained record of who read or changed what (field names, never values)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject_time", "subject_participant_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_account_id: Mapped[int | None] = mapped_column(BigId)
    actor_role: Mapped[str | None] = mapped_column(String(40))
    actor_org_id: Mapped[int | None] = mapped_column(BigId)
    oauth_client_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject_participant_id: Mapped[str | None] = mapped_column(String(36))
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[str] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)


class OutboxMessage(Base):
    """Work that leaves the request (mail, webhooks, reports), written with its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=12)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OAuthClient(Base):
    """An agency system. The secret is stored only as a SHA-256 hash."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    scopes: Mapped[str] = mapped_column(Text, default="")
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40),
                                                            default="client_secret_basic")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()


class OAuthToken(Base):
    """An access token (and maybe a refresh token), stored hashed, bound to an organization."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                                   index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True, default=new_uuid)
    scope: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16), default="oauth")  # oauth|cli


class OAuthAuthorizationCode(Base):
    """A single-use authorization code (hash), kept after use to detect replays."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column(BigId)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_family_id: Mapped[str | None] = mapped_column(String(36))


class EmailToken(Base):
    """A single-use link sent by mail (email verification, password reset), stored as a hash."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # verify|reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """A failed sign-in, counted per email (``e:`` + blind index) and per client address
    (``a:`` + HMAC); ``t:<account>:<step>`` rows remember TOTP time steps already used."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_time", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EndedWebSession(Base):
    """A signed-out web session's nonce: a copy of its cookie is refused until it would have
    expired anyway (``session_hours``), then the row is purged."""

    __tablename__ = "ended_web_sessions"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ReportRun(Base):
    """A report built in the background (``POST /api/v1/reports/<name>/runs``): who asked, with
    which parameters, and, once built, the workbook, encrypted with a key of its own wrapped
    under the master key ring (reports hold personal data). Kept until ``expires_at``."""

    __tablename__ = "report_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                                   index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_tokens.id",
                                                            ondelete="SET NULL"))
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    via: Mapped[str] = mapped_column(String(16))  # token | client | session
    language: Mapped[str] = mapped_column(String(16), default="en")  # of the headings
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|done|failed
    rows: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    content_kek_id: Mapped[str | None] = mapped_column(String(32))
    content_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
