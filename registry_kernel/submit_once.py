"""Forms whose answer shows something only once (a new signing secret, say) answer the POST
itself with a page instead of redirecting, so a reload would send the form again and do it
twice. Such a form carries a one-time submission token (``{{ submit_once_field() }}``); the
view asks :func:`already_submitted` first and calls :func:`mark_submitted` once the change is
committed. Used tokens are kept, the last few, in the signed session cookie.
"""

from __future__ import annotations

import secrets

from flask import Flask, request, session
from markupsafe import Markup

FIELD = "submission"
_KEY = "submitted_forms"
_KEEP = 20


def submit_once_field() -> Markup:
    """A hidden input with a fresh submission token."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, secrets.token_urlsafe(16))


def already_submitted() -> bool:
    """Whether this request repeats a form that was already carried out (reload, back)."""
    token = request.form.get(FIELD)
    return bool(token) and token in session.get(_KEY, [])


def mark_submitted() -> None:
    """Remember this request's submission token: sending the same form again is refused."""
    token = request.form.get(FIELD)
    if token:
        session[_KEY] = [*session.get(_KEY, []), token][-_KEEP:]


def init_submit_once(app: Flask) -> None:
    app.jinja_env.globals["submit_once_field"] = submit_once_field
