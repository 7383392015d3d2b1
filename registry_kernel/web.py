"""Request plumbing shared by UI and API: the per-request session and response headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from .db import writing_session
from .read_only import mark_read_only

if TYPE_CHECKING:
    from .runtime import Registry


def current_registry() -> Registry:
    return current_app.extensions["registry"]


_View = TypeVar("_View", bound=Callable[..., Any])
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_on_get(view: _View) -> _View:
    """Mark a view that writes even when asked with GET (a sign-in link that is used up, say).

    Without it a GET request's session is read-only (:mod:`registry_kernel.read_only`)."""
    view.registry_writes_on_get = True  # type: ignore[attr-defined]
    return view


def request_is_read_only() -> bool:
    """Whether this request only reads: set by the API's routes, else a GET, HEAD or OPTIONS
    request whose view is not marked :func:`writes_on_get`."""
    read_only = g.get("registry_read_only")
    if read_only is None:
        view = current_app.view_functions.get(request.endpoint or "")
        read_only = (request.method in READING_METHODS
                     and not getattr(view, "registry_writes_on_get", False))
    return read_only


def registry_session() -> Session:
    """The request's session.

    A request that only reads gets a read-only session (plain ``BEGIN``: on SQLite it runs
    beside other readers and one writer). A request that may write takes SQLite's write lock at
    its first statement (``BEGIN IMMEDIATE``), so reads and the writes they lead to cannot race.
    """
    session: Session | None = g.get("registry_session")
    if session is None:
        registry = current_registry()
        session = registry.sessions()
        if has_request_context() and request_is_read_only():
            mark_read_only(session, strict=not registry.settings.production)
        else:
            writing_session(session)
        g.registry_session = session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("registry_session", None)
    if session is not None:
        session.rollback()
        session.close()


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                       "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    if current_registry().settings.production:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/") and request.path not in (
            "/api/v1/health", "/api/v1/openapi.json"):
        headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_nul_characters() -> Any:
    """No text column (PostgreSQL's least of all) can hold a NUL: refuse it at the door.
    (The OAuth endpoints answer hostile input with OAuth errors themselves.)"""
    if request.path.startswith("/oauth/"):
        return None
    from .api import CONTROL_CHARACTERS

    if any(CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value)
           for multi in (request.args, request.form) for key, value in multi.items(multi=True)):
        if request.path.startswith("/api/"):
            from .api import problem_response

            return problem_response(400, "Bad Request", "the request contains a NUL character")
        abort(400, "the request contains a NUL character")
    return None


def init_request_handling(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
    app.teardown_appcontext(_close_session)
    app.after_request(_security_headers)
