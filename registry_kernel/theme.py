"""An agency's theme: its name, logo and colours, without touching the code.

A theme folder (``REGISTRY_THEME_PATH`` / ``[registry] theme_path``) may hold:

* ``templates/`` - Jinja templates that replace the bundled ones of the same name;
* ``static/`` - files served under ``/theme/static/`` (e.g. ``static/logo.svg``);
* ``theme.toml`` - ``name = "..."``, ``logo = "logo.svg"`` (a file in ``static/``) and a
  ``[colors]`` table: ``primary``, ``primary_text``, ``accent``, ``background``, ``text``
  (``#rrggbb`` values; anything else is refused at start-up).

The colours become CSS custom properties in ``/theme.css`` (a file, because the Content Security
Policy forbids inline styles). Settings overrides ``theme_name``/``theme_logo``/``theme_colors``
win over ``theme.toml`` (tests, one-off deployments).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory, url_for

from .config import ConfigError, Settings

DEFAULT_COLORS = {
    "primary": "#0b5d7a",
    "primary_text": "#ffffff",
    "accent": "#8a3b12",
    "background": "#ffffff",
    "text": "#1b1b1b",
}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

bp = Blueprint("theme", __name__)


@dataclass
class Theme:
    name: str
    logo: str | None = None
    colors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLORS))
    static_folder: Path | None = None

    @property
    def logo_url(self) -> str | None:
        if self.logo and self.static_folder is not None:
            return url_for("theme.static", filename=self.logo)
        return None


def load_theme(settings: Settings) -> Theme:
    data: dict[str, Any] = {}
    static_folder = None
    if settings.theme_path is not None:
        path = Path(settings.theme_path) / "theme.toml"
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text())
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"theme file {path}: {exc}") from exc
        if (Path(settings.theme_path) / "static").is_dir():
            static_folder = Path(settings.theme_path) / "static"
    colors = dict(DEFAULT_COLORS)
    colors.update(data.get("colors", {}))
    colors.update(settings.extra.get("theme_colors", {}))
    for key, value in colors.items():
        if key not in DEFAULT_COLORS:
            raise ConfigError(f"theme colour {key!r} is unknown; use {', '.join(DEFAULT_COLORS)}")
        if not isinstance(value, str) or not _HEX.match(value):
            raise ConfigError(f"theme colour {key} must look like #1a2b3c, not {value!r}")
    name = settings.extra.get("theme_name") or data.get("name") or settings.registry_name
    logo = settings.extra.get("theme_logo") or data.get("logo")
    return Theme(name=str(name), logo=str(logo) if logo else None, colors=colors,
                 static_folder=static_folder)


def current_theme() -> Theme:
    return current_app.extensions["registry_theme"]


@bp.route("/theme.css")
def stylesheet() -> Response:
    theme = current_theme()
    lines = [":root {"]
    lines += [f"  --{key.replace('_', '-')}: {value};" for key, value in theme.colors.items()]
    lines.append("}")
    response = Response("\n".join(lines) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/theme/static/<path:filename>")
def static(filename: str) -> Response:
    theme = current_theme()
    if theme.static_folder is None:
        abort(404)
    return send_from_directory(theme.static_folder, filename)


def init_theme(app: Flask) -> None:
    theme = load_theme(app.extensions["registry"].settings)
    app.extensions["registry_theme"] = theme
    app.register_blueprint(bp)

    @app.context_processor
    def _theme_context() -> dict[str, Any]:
        return {"theme": theme, "registry_name": theme.name}
