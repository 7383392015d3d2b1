"""Participants: create, find, read and change personal data, merge and erase.

Plain functions over a session. Personal fields are sealed with the participant's data key;
look-ups use blind indexes; every read or change by someone other than the owner is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, registry_id
from .db import new_uuid
from .models import Account, Participant, RegistryIdAlias

if TYPE_CHECKING:
    from .auth.actor import Actor
    from .runtime import Registry

TABLE = "participants"
PERSONAL_FIELDS = ("first_name", "last_name", "email", "birth_date", "phone", "address", "ssn")


class DuplicateEmail(ValueError):
    """Another participant already uses this email."""


class ParticipantNotFound(LookupError):
    """No participant has this Registry ID."""


@dataclass
class PersonalData:
    """A participant's decrypted personal fields."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    address: dict[str, str] | None = None
    ssn: str | None = None

    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def _encode(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if name == "birth_date":
        return value.isoformat()
    if name == "address":
        return json.dumps(value, sort_keys=True)
    return str(value)


def _decode(name: str, text: str | None) -> Any:
    if text is None:
        return None
    if name == "birth_date":
        return date.fromisoformat(text)
    if name == "address":
        return json.loads(text)
    return text


def _set_field(session: Session, registry: Registry, participant: Participant, name: str,
               value: Any) -> None:
    blob = registry.vault.seal(session, participant.id, TABLE, name, participant.id,
                               _encode(name, value))
    setattr(participant, f"{name}_enc", blob)


def _refresh_indexes(registry: Registry, participant: Participant, data: PersonalData) -> None:
    index = registry.vault.index
    participant.email_bidx = index.email(data.email) if data.email else None
    participant.ssn_bidx = index.ssn(data.ssn) if data.ssn else None
    if data.first_name and data.last_name and data.birth_date:
        participant.name_dob_bidx = index.name_birth_date(data.first_name, data.last_name,
                                                          data.birth_date.isoformat())
    else:
        participant.name_dob_bidx = None


def _new_registry_id(session: Session) -> str:
    for _ in range(20):
        candidate = registry_id.generate()
        taken = session.scalar(select(Participant.id).where(Participant.registry_id == candidate))
        alias = session.get(RegistryIdAlias, candidate)
        if taken is None and alias is None:
            return candidate
    raise RuntimeError("could not find a free Registry ID")  # pragma: no cover


def email_taken(session: Session, registry: Registry, email: str) -> bool:
    return session.scalar(select(Participant.id).where(
        Participant.email_bidx == registry.vault.index.email(email))) is not None


def create_participant(session: Session, registry: Registry, *, first_name: str, last_name: str,
                       email: str | None, birth_date: date | None = None,
                       phone: str | None = None, address: dict[str, str] | None = None,
                       ssn: str | None = None, preferred_language: str = "en",
                       county: str | None = None, registered_by_org_id: int | None = None,
                       actor: Actor | None = None) -> Participant:
    """Create a participant with a fresh Registry ID and data key; emits ``participant.created``.

    Raises :class:`DuplicateEmail` if the email is already registered.
    """
    if email and email_taken(session, registry, email):
        raise DuplicateEmail(email)
    participant = Participant(id=new_uuid(), registry_id=_new_registry_id(session),
                              preferred_language=preferred_language, county=county,
                              registered_by_org_id=registered_by_org_id)
    registry.vault.create_key(session, participant.id)
    data = PersonalData(first_name=first_name, last_name=last_name, email=email,
                        birth_date=birth_date, phone=phone, address=address, ssn=ssn)
    for name in PERSONAL_FIELDS:
        _set_field(session, registry, participant, name, getattr(data, name))
    _refresh_indexes(registry, participant, data)
    session.add(participant)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise DuplicateEmail(email or "") from exc
    audit.record(session, actor=actor, action="participant.create",
                 subject_participant_id=participant.id, resource_type="participant",
                 resource_id=participant.registry_id,
                 fields=[n for n in PERSONAL_FIELDS if getattr(data, n) is not None])
    registry.emit(session, "participant.created", {"registry_id": participant.registry_id})
    return participant


def personal_data(session: Session, registry: Registry, participant: Participant,
                  *, actor: Actor | None = None, reason: str | None = None,
                  fields: tuple[str, ...] = PERSONAL_FIELDS) -> PersonalData:
    """Decrypt a participant's fields; audited unless the actor is the participant."""
    values = {name: _decode(name, registry.vault.open(
        session, participant.id, TABLE, name, participant.id,
        getattr(participant, f"{name}_enc"))) for name in fields}
    if actor is not None and actor.participant_id != participant.id:
        audit.record(session, actor=actor, action="participant.read",
                     subject_participant_id=participant.id, resource_type="participant",
                     resource_id=participant.registry_id, fields=list(fields), reason=reason)
    return PersonalData(**values)


def update_personal_data(session: Session, registry: Registry, participant: Participant,
                         changes: dict[str, Any], *, actor: Actor | None,
                         reason: str | None = None) -> list[str]:
    """Change personal fields; returns the names that changed. Audited (names only)."""
    unknown = set(changes) - set(PERSONAL_FIELDS)
    if unknown:
        raise ValueError(f"not personal fields: {sorted(unknown)}")
    current = personal_data(session, registry, participant)
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return []
    if "email" in changed and changes["email"] and email_taken(session, registry, changes["email"]):
        raise DuplicateEmail(changes["email"])
    for name in changed:
        setattr(current, name, changes[name])
        _set_field(session, registry, participant, name, changes[name])
    _refresh_indexes(registry, participant, current)
    session.flush()
    audit.record(session, actor=actor, action="participant.update",
                 subject_participant_id=participant.id, resource_type="participant",
                 resource_id=participant.registry_id, fields=changed, reason=reason)
    return changed


def get_by_registry_id(session: Session, text: str) -> Participant:
    """Resolve a typed Registry ID (aliases of merged profiles included).

    Raises :class:`registry_id.InvalidRegistryId` for a malformed or mistyped ID and
    :class:`ParticipantNotFound` for a well-formed ID nobody has.
    """
    rid = registry_id.normalize(text)
    participant = session.scalar(select(Participant).where(Participant.registry_id == rid))
    if participant is None:
        alias = session.get(RegistryIdAlias, rid)
        if alias is not None:
            participant = session.get(Participant, alias.participant_id)
    if participant is None or participant.status == "erased":
        raise ParticipantNotFound(rid)
    while participant.status == "merged" and participant.merged_into_id:
        participant = session.get(Participant, participant.merged_into_id)
    return participant


def find_by_email(session: Session, registry: Registry, email: str) -> Participant | None:
    return session.scalar(select(Participant).where(
        Participant.email_bidx == registry.vault.index.email(email)))


def find_by_name_and_birth_date(session: Session, registry: Registry, first_name: str,
                                last_name: str, birth_date: date) -> list[Participant]:
    bidx = registry.vault.index.name_birth_date(first_name, last_name, birth_date.isoformat())
    return list(session.scalars(select(Participant).where(Participant.name_dob_bidx == bidx,
                                                          Participant.status == "active")))


def merge_participants(session: Session, registry: Registry, survivor: Participant,
                       merged: Participant, *, actor: Actor, reason: str) -> None:
    """Fold ``merged`` into ``survivor``: plugins move their rows, the merged Registry ID keeps
    resolving to the survivor, and the merged profile's personal data is shredded."""
    if survivor.id == merged.id:
        raise ValueError("a profile cannot be merged into itself")
    registry.plugins.hook.participants_merged(session=session, registry=registry,
                                              survivor_id=survivor.id, merged_id=merged.id)
    session.add(RegistryIdAlias(registry_id=merged.registry_id, participant_id=survivor.id))
    for alias in session.scalars(select(RegistryIdAlias).where(
            RegistryIdAlias.participant_id == merged.id)):
        alias.participant_id = survivor.id
    merged_account = session.scalar(select(Account).where(Account.participant_id == merged.id))
    if merged_account is not None:
        merged_account.is_active = False
        merged_account.session_epoch += 1
    merged.status = "merged"
    merged.merged_into_id = survivor.id
    merged.email_bidx = merged.name_dob_bidx = merged.ssn_bidx = None
    registry.vault.shred(session, merged.id)
    audit.record(session, actor=actor, action="participant.merge",
                 subject_participant_id=survivor.id, resource_type="participant",
                 resource_id=merged.registry_id, reason=reason)


def erase_participant(session: Session, registry: Registry, participant: Participant, *,
                      actor: Actor | None, reason: str) -> None:
    """Crypto-shred a participant: their data key and blind indexes go; plugins drop their
    personal rows; anonymous aggregates stay. The Registry ID is never reissued."""
    registry.plugins.hook.participant_erased(session=session, registry=registry,
                                             participant_id=participant.id)
    registry.vault.shred(session, participant.id)
    participant.status = "erased"
    participant.email_bidx = participant.name_dob_bidx = participant.ssn_bidx = None
    account = session.scalar(select(Account).where(Account.participant_id == participant.id))
    if account is not None:
        account.is_active = False
        account.password_hash = None
        account.totp_secret_enc = None
        account.session_epoch += 1
    audit.record(session, actor=actor, action="participant.erase",
                 subject_participant_id=participant.id, resource_type="participant",
                 resource_id=participant.registry_id, reason=reason)
