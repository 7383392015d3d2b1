"""Serves the widget's script and style, a demo page, and CORS for the public calendar."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, redirect, render_template, request, url_for

bp = Blueprint("widget_web", __name__, url_prefix="/widget", static_folder="static",
               static_url_path="/static", template_folder="templates")

CORS_PATHS = ("/api/v1/calendar",)


def allowed_origin(registry: Any, origin: str | None) -> bool:
    return bool(origin) and origin.lower() in registry.plugin_config("widget").allowed_origins


def install_cors(app: Flask, registry: Any) -> None:
    """``Access-Control-Allow-Origin`` on the public calendar (GET) for registered origins only;
    nothing for any other origin or path, so the browser keeps the data from other sites."""

    @app.after_request
    def _widget_cors(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if request.path in CORS_PATHS and request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers.add("Vary", "Origin")
            if allowed_origin(registry, origin):
                response.headers["Access-Control-Allow-Origin"] = origin or ""
                response.headers["Access-Control-Allow-Methods"] = "GET"
                response.headers["Access-Control-Max-Age"] = "600"
        return response


def _asset(name: str, mimetype: str) -> Response:
    response = bp.send_static_file(name)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "public, max-age=300"
    # a <script src> from another site: allow it to be loaded cross-origin
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/registry-enroll.js")
def script() -> Response:
    return _asset("registry-enroll.js", "text/javascript")


@bp.get("/registry-enroll.css")
def style() -> Response:
    return _asset("registry-enroll.css", "text/css")


@bp.get("/")
def demo() -> Any:
    """How to embed the widget, with a live preview for a sponsor (``?sponsor=slug``)."""
    sponsor = (request.args.get("sponsor") or "").strip()[:80]
    return render_template("widget/demo.html", sponsor=sponsor)


@bp.get("/enroll/<int:event_id>")
def enroll(event_id: int) -> Any:
    """Where the widget's Enroll links go: the event page, through sign-in (or profile creation,
    linked from the sign-in page) first when nobody is signed in, so that the visitor comes back
    to the event and enrolls with one press."""
    from registry_kernel.auth.session import web_actor

    event_page = url_for("training_web.event_detail", event_id=event_id)
    if web_actor() is None:
        return redirect(url_for("kernel_web.login", next=event_page))
    return redirect(event_page)
