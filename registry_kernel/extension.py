"""The small value types that plugins return from hooks (see :mod:`registry_kernel.hookspecs`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .db import utcnow


@dataclass(frozen=True)
class PluginInfo:
    """Every plugin module defines ``PLUGIN = PluginInfo(...)``.

    ``requires`` names plugins that must be enabled too; ``county_scoped`` plugins act only in
    counties where a county administrator switched them on; ``config_model`` validates the
    plugin's ``[plugins.<name>]`` section at start-up.
    """

    name: str
    version: str
    description: str
    requires: tuple[str, ...] = ()
    county_scoped: bool = False
    config_model: type[BaseModel] | None = None
    hookspecs: Any = None  # a module or class of extra hookspecs this plugin defines


@dataclass(frozen=True)
class MigrationLocation:
    """A plugin's alembic branch: its label and its ``versions`` folder."""

    branch: str
    path: Path


@dataclass(frozen=True)
class Permission:
    """A named permission and the roles that hold it (org roles hold it within their org)."""

    name: str
    description: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """An OAuth scope. ``roles``: which roles an account needs for a token acting as it to use
    the scope (``None``: any account, e.g. ``me``). Client-credentials clients get the scopes the
    operator grants them."""

    name: str
    description: str
    roles: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QuickLink:
    """A coloured square on the participant's home page."""

    key: str
    label: str  # already translated (use flask_babel.lazy_gettext in the plugin)
    endpoint: str
    color: str = "#1f6f8b"
    icon: str = "square"
    order: int = 100
    description: str = ""


@dataclass(frozen=True)
class AttentionItem:
    """Something on the home page that needs the participant's attention."""

    message: str
    endpoint: str | None = None
    level: str = "info"  # info|warning|danger


@dataclass
class ReportSection:
    """A section of the Education & Training Report contributed by a plugin.

    ``data`` is JSON-ready (it also appears in the JSON form of the report); ``rows`` are the
    printable lines, ``columns`` their headings.
    """

    key: str
    title: str
    order: int
    data: Any
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportDefinition:
    """A downloadable report (Excel) that a plugin offers under ``/api/v1/reports/<name>.xlsx``."""

    name: str
    title: str
    scope: str
    build: Callable[..., Any]  # build(session, registry, actor, params) -> iterable of rows
    columns: tuple[str, ...] = ()
    # check(session, registry, actor, params): raise ProblemError for a bad parameter. Called
    # when a background run is asked for, so the caller gets a 422 at once, not a failed run.
    check: Callable[..., Any] | None = None


@dataclass(frozen=True)
class TrainingOffering:
    """An upcoming training a program can enroll its staff in (``training_offerings`` hook)."""

    event_id: int
    title: str
    starts_at: datetime
    county: str | None = None
    city: str | None = None
    seats_left: int | None = None


@dataclass(frozen=True)
class EnrollmentOutcome:
    """What ``enroll_in_training`` did: a seat (``enrolled``) or a place on the waitlist."""

    enrollment_id: int
    status: str
    waitlist_position: int | None = None


class EnrollmentRefused(Exception):
    """Raised by an ``enroll_in_training`` implementation that refuses the enrollment.

    ``status`` is the HTTP meaning (404 no such event, 409 conflict such as full or already
    enrolled, 422 invalid); ``errors`` maps fields to messages. The caller rolls back.
    """

    def __init__(self, status: int, detail: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors


@dataclass(frozen=True)
class Event:
    """A domain event. ``data`` carries ids only (a Registry ID, an event id), never personal data."""

    type: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=utcnow)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type,
                "timestamp": self.occurred_at.isoformat().replace("+00:00", "Z"),
                "data": self.data}
