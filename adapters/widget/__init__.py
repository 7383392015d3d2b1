"""The embeddable enrollment widget: one ``<script>`` tag on an agency's site lists that
sponsor's published trainings from the public calendar API and lets visitors enroll through the
registry's OAuth sign-in (authorization code + PKCE). CORS only for registered origins: those
configured here and the pages organizations register at ``/widget/sites``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry_kernel.extension import MigrationLocation, PluginInfo
from registry_kernel.hookspecs import hookimpl


class WidgetConfig(BaseModel):
    """``[plugins.widget]``."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Agency sites allowed to embed the widget, e.g. "
                    "['https://www.valley-rr.org'], besides the pages organizations register "
                    "themselves at /widget/sites. Browsers refuse the data to any other site.")

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        from urllib.parse import urlsplit

        cleaned = []
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in (
                    "", "/") or parts.query:
                raise ValueError(f"{origin!r} is not an origin like https://www.example.org")
            cleaned.append(f"{parts.scheme}://{parts.netloc}".lower())
        return cleaned


PLUGIN = PluginInfo(
    name="widget",
    version="0.1.0",
    description="Embeddable enrollment widget for agencies' sites (one script tag)",
    requires=("training",),
    config_model=WidgetConfig,
)


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("widget", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def nav_links(actor: Any) -> list[tuple[Any, str]]:
    from .._shared import ORG_STAFF, lazy_gettext

    if actor is not None and actor.org_ids_for(*ORG_STAFF):
        return [(lazy_gettext("Website widget"), "widget_web.sites")]
    return []


@hookimpl
def blueprints() -> Any:
    from .views import bp

    return bp


@hookimpl
def registry_startup(app: Any, registry: Any) -> None:
    from .views import install_cors

    install_cors(app, registry)
