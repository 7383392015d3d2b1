"""Password policy (NIST SP 800-63B / ASVS 6.2): length, not common, not the email."""

from __future__ import annotations

import functools
from importlib import resources

MIN_LENGTH = 10
MAX_LENGTH = 256


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("registry_kernel").joinpath("data/common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why the password is refused, as a code (``too_short``, ``too_long``, ``common``,
    ``is_email``; UIs translate them), or ``None`` if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) < 4:
        return "common"
    if email and lowered == email.strip().lower():
        return "is_email"
    return None


MESSAGES = {
    "too_short": f"use at least {MIN_LENGTH} characters",
    "too_long": f"use at most {MAX_LENGTH} characters",
    "common": "this password is too common; choose a less predictable one",
    "is_email": "the password must not be your email address",
}


def check_password_policy(password: str, *, email: str | None = None) -> str | None:
    """A message explaining why the password is refused, or ``None`` if it is acceptable."""
    problem = password_problem(password, email=email)
    return MESSAGES[problem] if problem else None
