"""Organizations: training sponsors, employers, R&R agencies, counties and colleges."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from .counties import canonical_county
from .models import ORG_KINDS, Organization


class OrganizationError(ValueError):
    """The organization cannot be created as asked; the message says why."""


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "org"


def create_organization(session: Session, *, name: str, kind: str, county: str | None = None,
                        license_number: str | None = None, city: str | None = None,
                        slug: str | None = None) -> Organization:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise OrganizationError("name must be 1 to 200 characters")
    if kind not in ORG_KINDS:
        raise OrganizationError(f"kind must be one of {', '.join(ORG_KINDS)}")
    canonical = None
    if county:
        canonical = canonical_county(county)
        if canonical is None:
            raise OrganizationError(f"{county!r} is not a California county")
    base = slugify(slug or name)
    candidate, n = base, 1
    while session.scalar(select(Organization.id).where(Organization.slug == candidate)):
        n += 1
        candidate = f"{base}-{n}"
    org = Organization(slug=candidate, name=name, kind=kind, county=canonical,
                       license_number=license_number, city=city)
    session.add(org)
    session.flush()
    return org


def get_by_slug(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug))
