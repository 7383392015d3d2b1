"""The registry's calendar: what "today" is where the registry's people live.

Every date a person sees or a rule compares against (closing dates, start dates, expiry,
"current staff") is a date in the registry's own time zone (``[registry] timezone``,
America/Los_Angeles by default), never the server's: a server on UTC is already in tomorrow
from 4 or 5 PM in California. Times are stored in UTC (:func:`registry_kernel.db.utcnow`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .config import DEFAULT_TIMEZONE

if TYPE_CHECKING:
    from .runtime import Registry


@cache
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (an IANA name such as ``America/Los_Angeles``)."""
    return ZoneInfo(name)


def local_now(registry: Registry) -> datetime:
    """The current time in the registry's time zone, timezone-aware."""
    return datetime.now(zone(registry.settings.timezone))


def local_today(registry: Registry) -> date:
    """Today's date in the registry's time zone."""
    return local_now(registry).date()


def current_zone() -> ZoneInfo:
    """The running registry's time zone, for code that is handed no registry (validators,
    template filters, report cells): the current Flask app's registry, else the default."""
    from flask import current_app, has_app_context

    registry = current_app.extensions.get("registry") if has_app_context() else None
    return zone(registry.settings.timezone if registry is not None else DEFAULT_TIMEZONE)


def today() -> date:
    """Today's date in the running registry's time zone (see :func:`current_zone`)."""
    return datetime.now(current_zone()).date()


def local_date_text(value: Any) -> str:
    """A stored UTC time (datetime or ISO text) as its ``YYYY-MM-DD`` date in the registry's
    zone, for pages: an upload at 6 PM in California is dated that day, not the UTC day after.
    A plain date is shown as it is; None as an empty string. (Template filter ``local_date``.)"""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored times are UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(current_zone()).date().isoformat()
    return value.isoformat()
