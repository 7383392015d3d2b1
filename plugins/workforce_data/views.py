"""Workforce dashboard (filled in below)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workforce_web", __name__, url_prefix="/workforce", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("")
def dashboard() -> str:
    return "workforce"
