"""Sign-in helpers behind the web front door: mailed links, failed-sign-in limits and TOTP.

Plain functions over a session, used by :mod:`registry_kernel.auth.views` and the help desk.

* Mailed links (email verification, password reset) carry a random token; only its SHA-256 is
  stored, with an expiry and ``used_at``. Using a link is one conditional ``UPDATE`` so a link
  works once even when two requests race.
* Failed sign-ins are counted in the database per email (its blind index) and per client
  address (an HMAC, so no address is stored in clear). Password reset is never blocked by them.
* TOTP secrets are sealed under the account holder's data key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..crypto import new_token, token_hash
from ..db import utcnow
from ..models import Account, EmailToken, LoginAttempt

if TYPE_CHECKING:
    from ..runtime import Registry

TOKEN_TTL = {"verify": timedelta(days=3), "reset": timedelta(hours=1)}
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
TOTP_ISSUER = "ECE Registry"


# --- mailed links ----------------------------------------------------------------------------

def issue_email_token(session: Session, account: Account, purpose: str) -> str:
    """A new single-use link token for ``purpose`` (``verify`` or ``reset``); earlier unused
    tokens of the same purpose stop working."""
    if purpose not in TOKEN_TTL:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = utcnow()
    session.execute(update(EmailToken).where(
        EmailToken.account_id == account.id, EmailToken.purpose == purpose,
        EmailToken.used_at.is_(None)).values(used_at=now))
    token = new_token()
    session.add(EmailToken(account_id=account.id, purpose=purpose, token_hash=token_hash(token),
                           created_at=now, expires_at=now + TOKEN_TTL[purpose]))
    session.flush()
    return token


@dataclass
class TokenCheck:
    status: str  # ok | invalid | expired | used
    account: Account | None = None


def check_email_token(session: Session, token: str, purpose: str) -> TokenCheck:
    """What a link's token is worth, without using it."""
    row = session.scalar(select(EmailToken).where(EmailToken.token_hash == token_hash(token),
                                                  EmailToken.purpose == purpose))
    if row is None:
        return TokenCheck("invalid")
    account = session.get(Account, row.account_id)
    if row.used_at is not None:
        return TokenCheck("used", account)
    if row.expires_at <= utcnow():
        return TokenCheck("expired", account)
    if account is None or not account.is_active:
        return TokenCheck("invalid")
    return TokenCheck("ok", account)


def use_email_token(session: Session, token: str, purpose: str) -> TokenCheck:
    """Use a link's token once: ``ok`` for exactly one caller."""
    check = check_email_token(session, token, purpose)
    if check.status != "ok":
        return check
    now = utcnow()
    result = session.execute(update(EmailToken).where(
        EmailToken.token_hash == token_hash(token), EmailToken.used_at.is_(None),
        EmailToken.expires_at > now).values(used_at=now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return TokenCheck("used", check.account)
    return check


# --- failed sign-ins -------------------------------------------------------------------------

def _keys(registry: Registry, email: str, address: str | None) -> tuple[str, str | None]:
    index = registry.vault.index
    email_key = "e:" + index.email(email)
    address_key = "a:" + index.index("client_address", address) if address else None
    return email_key, address_key


def _failures(session: Session, key: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    return session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.key == key, LoginAttempt.occurred_at > since)) or 0


def sign_in_blocked(session: Session, registry: Registry, email: str,
                    address: str | None) -> bool:
    """Whether too many recent failures for this email or this address block a sign-in."""
    email_key, address_key = _keys(registry, email, address)
    if _failures(session, email_key) >= MAX_FAILURES_PER_EMAIL:
        return True
    return address_key is not None and _failures(session, address_key) >= MAX_FAILURES_PER_ADDRESS


def record_failed_sign_in(session: Session, registry: Registry, email: str,
                          address: str | None) -> None:
    now = utcnow()
    for key in _keys(registry, email, address):
        if key:
            session.add(LoginAttempt(key=key, occurred_at=now))
    # Old rows are of no use: trim them as we go.
    session.execute(delete(LoginAttempt).where(LoginAttempt.occurred_at < now - 4 * FAILURE_WINDOW))
    session.flush()


def clear_failed_sign_ins(session: Session, registry: Registry, email: str) -> None:
    """A successful sign-in or password reset forgives the email's failures."""
    email_key, _ = _keys(registry, email, None)
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == email_key))


# --- two-factor (TOTP) -----------------------------------------------------------------------

def _seal_args(account: Account) -> tuple[str, str, str, str]:
    return account.participant_id, "accounts", "totp_secret", str(account.id)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, label: str, issuer: str = TOTP_ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=issuer)


def verify_code(secret: str, code: str) -> bool:
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    return len(digits) == 6 and pyotp.TOTP(secret).verify(digits, valid_window=1)


def enable_totp(session: Session, registry: Registry, account: Account, secret: str) -> None:
    participant_id, table, column, row = _seal_args(account)
    account.totp_secret_enc = registry.vault.seal(session, participant_id, table, column, row,
                                                  secret)
    account.totp_enabled = True


def disable_totp(account: Account) -> None:
    account.totp_secret_enc = None
    account.totp_enabled = False


def totp_secret(session: Session, registry: Registry, account: Account) -> str | None:
    if not account.totp_enabled or account.totp_secret_enc is None:
        return None
    participant_id, table, column, row = _seal_args(account)
    return registry.vault.open(session, participant_id, table, column, row,
                               account.totp_secret_enc)


def _matching_step(secret: str, code: str) -> int | None:
    """The 30-second time step (now, or one either side) whose code is ``code``."""
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        if totp.verify(digits, for_time=moment, valid_window=0):
            return totp.timecode(moment)
    return None


def check_totp(session: Session, registry: Registry, account: Account, code: str) -> bool:
    """Whether ``code`` is right for the account and not used before (RFC 6238 s5.2: a code
    that signed someone in cannot sign in again). Used steps are remembered as ``t:`` rows in
    ``login_attempts``, trimmed with the rest."""
    secret = totp_secret(session, registry, account)
    step = _matching_step(secret, code) if secret is not None else None
    if step is None:
        return False
    key = f"t:{account.id}:{step}"
    if session.scalar(select(LoginAttempt.id).where(LoginAttempt.key == key)) is not None:
        return False
    session.add(LoginAttempt(key=key, occurred_at=utcnow()))
    session.flush()
    return True
