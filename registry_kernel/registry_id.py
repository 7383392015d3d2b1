"""Registry IDs: random, never derived from personal data, with a Damm check digit.

A Registry ID is nine random digits plus one check digit, shown as ``1234-5678-90``. The Damm
algorithm detects every single-digit error and every adjacent transposition, the two mistakes
people make when reading an ID off a card.
"""

from __future__ import annotations

import secrets

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
LENGTH = 10


class InvalidRegistryId(ValueError):
    """The text is not a well-formed Registry ID (wrong length, characters or check digit)."""


def check_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def generate() -> str:
    """A new random Registry ID (the first digit is never 0, so it never loses digits)."""
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(8))
    return body + str(check_digit(body))


def normalize(text: str) -> str:
    """Canonical form of a typed Registry ID, or :class:`InvalidRegistryId` saying why."""
    digits = "".join(ch for ch in str(text) if ch not in " -")
    if not digits.isdigit() or not digits.isascii():
        raise InvalidRegistryId("a Registry ID has only digits")
    if len(digits) != LENGTH:
        raise InvalidRegistryId(f"a Registry ID has {LENGTH} digits")
    if check_digit(digits) != 0:
        raise InvalidRegistryId("the check digit does not match: the Registry ID was mistyped")
    return digits


def is_valid(text: str) -> bool:
    try:
        normalize(text)
    except InvalidRegistryId:
        return False
    return True


def display(registry_id: str) -> str:
    """``1234567890`` -> ``1234-5678-90``."""
    return f"{registry_id[:4]}-{registry_id[4:8]}-{registry_id[8:]}"
