"""Serves the widget's script and style, a demo page, and CORS for registered agency origins.

CORS is granted only to the origins in ``[plugins.widget] allowed_origins`` and only on what
the widget calls from the agency's page: the public calendar, the OAuth token and revocation
endpoints (the widget is a public client using the authorization-code grant with PKCE), the
participant's ``/api/v1/me`` and an event's enrollments (with the bearer token the visitor
granted). No credentials (cookies) are ever allowed cross-origin: the token is the only
authority, and it acts for the visitor alone.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm

from registry_kernel.auth.session import login_required, web_actor
from registry_kernel.web import current_registry, registry_session

from .._shared import _, chosen_organization, staff_organizations

bp = Blueprint("widget_web", __name__, url_prefix="/widget", static_folder="static",
               static_url_path="/static", template_folder="templates")

# (path pattern, methods the agency's page may use, request headers it may send)
CORS_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"/api/v1/calendar"), ("GET",), ""),
    (re.compile(r"/oauth/(token|revoke)"), ("POST",), ""),
    (re.compile(r"/api/v1/me"), ("GET",), "Authorization"),
    (re.compile(r"/api/v1/events/[0-9]{1,18}/enrollments"), ("POST",),
     "Authorization, Content-Type"),
)
#: the OAuth scopes the widget asks the visitor for
WIDGET_SCOPES = "me enrollments:write"


def allowed_origin(registry: Any, origin: str | None) -> bool:
    """Configured (``allowed_origins``) or the origin of a page an organization registered.
    Looked up in a short read-only session of its own (never the request's, which may hold
    SQLite's write lock or be finished)."""
    if not origin:
        return False
    if origin.lower() in registry.plugin_config("widget").allowed_origins:
        return True
    from .services import origin_registered

    with registry.sessions() as session:
        return origin_registered(session, registry, origin)


def cors_rule(path: str) -> tuple[tuple[str, ...], str] | None:
    """The methods and headers a registered origin may use on ``path``, or ``None``."""
    for pattern, methods, headers in CORS_RULES:
        if pattern.fullmatch(path):
            return methods, headers
    return None


def install_cors(app: Flask, registry: Any) -> None:
    """``Access-Control-Allow-*`` for registered origins on the widget's paths only; nothing for
    any other origin or path, so browsers keep the answers from other sites' scripts."""

    @app.after_request
    def _widget_cors(response: Response) -> Response:
        rule = cors_rule(request.path)
        if rule is None:
            return response
        methods, headers = rule
        method = request.method
        if method == "OPTIONS":
            method = request.headers.get("Access-Control-Request-Method", "").upper()
        if method == "HEAD":
            method = "GET"
        if method not in methods:
            return response
        response.headers.add("Vary", "Origin")
        origin = request.headers.get("Origin")
        if origin and allowed_origin(registry, origin):
            response.headers["Access-Control-Allow-Origin"] = origin or ""
            response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
            if headers:
                response.headers["Access-Control-Allow-Headers"] = headers
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
    return render_template("widget/demo.html", sponsor=sponsor, scopes=WIDGET_SCOPES)


@bp.get("/enroll/<int:event_id>")
def enroll(event_id: int) -> Any:
    """Where the widget's Enroll links go when the site has no OAuth client (``data-client-id``
    not set): the event page, through sign-in (or profile creation, linked from the sign-in
    page) first when nobody is signed in, so that the visitor comes back to the event and
    enrolls with one press."""
    from registry_kernel.auth.session import web_actor

    event_page = url_for("training_web.event_detail", event_id=event_id)
    if web_actor() is None:
        return redirect(url_for("kernel_web.login", next=event_page))
    return redirect(event_page)


# --- the organization's own pages (/widget/sites) -------------------------------------------

class ActionForm(FlaskForm):
    """A button or form that changes something: CSRF only."""


@bp.route("/sites", methods=["GET", "POST"])
@login_required
def sites() -> Any:
    """Register the pages of the organization's website that embed the widget."""
    from . import services as svc

    orgs = staff_organizations()
    org = chosen_organization(orgs)
    session, registry = registry_session(), current_registry()
    form = ActionForm()
    errors: dict[str, str] = {}
    typed = ""
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        typed = request.form.get("page_url", "")[:2000]
        try:
            svc.register_site(session, registry, organization_id=org.id, page_url=typed,
                              actor=web_actor())
            session.commit()
            flash(_("The page is registered. Paste its snippet into the page."))
            return redirect(url_for(".sites", org=org.id))
        except svc.SiteError as exc:
            session.rollback()
            errors, status = exc.errors, 422
    return render_template("widget/sites.html", orgs=orgs, org=org, form=form,
                           sites=svc.sites_of(session, org.id), errors=errors, typed=typed,
                           script_url=url_for(".script", _external=True)), status


@bp.post("/sites/<int:site_id>/remove")
@login_required
def remove_site(site_id: int) -> Any:
    from . import services as svc
    from .models import WidgetSite

    org = chosen_organization(staff_organizations())
    if not ActionForm().validate_on_submit():
        abort(400)
    session = registry_session()
    site = session.get(WidgetSite, site_id)
    if site is None or site.organization_id != org.id or site.removed_at is not None:
        abort(404)
    svc.remove_site(session, site, actor=web_actor())
    session.commit()
    flash(_("The page was removed: the widget no longer works there."))
    return redirect(url_for(".sites", org=org.id))
