"""Web sign-in sessions.

The Flask session cookie carries the account id, the account's ``session_epoch`` at sign-in and
a per-login nonce. Changing the password, a help-desk reset or "sign out everywhere" bumps the
epoch, which ends every other session at its next request. Signing out records the nonce
(``ended_web_sessions``), so a copy of the cookie taken before is refused too; a cookie signed
more than ``session_hours`` ago is refused by Flask, after which the row is purged.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import delete

from ..db import utcnow
from ..models import Account, EndedWebSession
from .actor import Actor, actor_for_account


def login_user(account: Account) -> None:
    """Start a session for ``account`` (a fresh cookie: the old session's data is dropped)."""
    language = session.get("lang")
    session.clear()
    session["account_id"] = account.id
    session["epoch"] = account.session_epoch
    session["nonce"] = secrets.token_urlsafe(16)
    if language:
        session["lang"] = language
    session.permanent = False
    account.last_login_at = utcnow()
    g.pop("web_actor", None)


def logout_user() -> None:
    """End this session: clear the cookie and refuse its nonce from now on."""
    nonce = session.get("nonce")
    if isinstance(nonce, str) and nonce:
        _end_nonce(nonce)
    _clear()


def current_account() -> Account | None:
    """The signed-in account, or ``None`` (also when its session was ended elsewhere)."""
    from ..web import registry_session

    if "web_account" in g:
        return g.web_account
    account_id = session.get("account_id")
    account = None
    if account_id is not None:
        candidate = registry_session().get(Account, account_id)
        if candidate is not None and candidate.is_active \
                and candidate.session_epoch == session.get("epoch") \
                and not _nonce_ended(session.get("nonce")):
            account = candidate
        else:
            _clear()
    g.web_account = account
    return account


def web_actor() -> Actor | None:
    """The signed-in person as an :class:`Actor` (no scope limits: a web session)."""
    from ..web import current_registry, registry_session

    if "web_actor" not in g:
        account = current_account()
        g.web_actor = None if account is None else actor_for_account(
            registry_session(), account, permission_roles=current_registry().permission_roles)
    return g.web_actor


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Redirect to the sign-in page (then back) when nobody is signed in."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if web_actor() is None:
            return redirect(url_for("kernel_web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def permission_required(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a signed-in actor holding ``permission`` (403 otherwise)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = web_actor()
            if actor is None or not actor.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def two_factor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Staff pages: a signed-in registry staff member without two-factor sign-in is sent to
    turn it on first (participants are not affected)."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor = web_actor()
        account = current_account()
        if actor is not None and actor.is_staff and account is not None \
                and not account.totp_enabled:
            return redirect(url_for("kernel_web.two_factor"))
        return view(*args, **kwargs)

    return wrapper


def _clear() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    g.pop("web_actor", None)


def _nonce_ended(nonce: Any) -> bool:
    from ..web import registry_session

    if not isinstance(nonce, str) or not nonce:
        return True  # every sign-in carries a nonce
    return registry_session().get(EndedWebSession, nonce) is not None


def _end_nonce(nonce: str) -> None:
    """Record the signed-out nonce (committed with the request) and purge rows older than the
    longest a cookie can live."""
    from ..web import current_registry, registry_session

    db = registry_session()
    if db.get(EndedWebSession, nonce) is None:
        db.add(EndedWebSession(nonce=nonce))
    hours = current_registry().settings.session_hours
    db.execute(delete(EndedWebSession).where(
        EndedWebSession.ended_at < utcnow() - timedelta(hours=hours)))
    db.flush()
