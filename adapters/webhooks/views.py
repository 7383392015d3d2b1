"""Webhooks page for an organization's staff: endpoints, recent deliveries, redeliver."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from registry_kernel.auth.session import login_required, web_actor
from registry_kernel.models import Organization
from registry_kernel.submit_once import already_submitted, mark_submitted
from registry_kernel.web import current_registry, registry_session

from .._shared import _, chosen_organization, staff_organizations
from . import services as svc
from .models import WebhookDelivery

bp = Blueprint("webhooks_web", __name__, url_prefix="/webhooks", template_folder="templates")


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


OVERLAP_CHOICES = (24, 72, 168, 1, 0)  # hours; the first is the default


def status_labels() -> dict[str, str]:
    """Delivery statuses as shown on the page (the API keeps the codes)."""
    return {"pending": _("pending"), "retrying": _("retrying"), "delivered": _("delivered"),
            "failed": _("failed"), "cancelled": _("cancelled")}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    orgs = staff_organizations()
    org = chosen_organization(orgs)
    session, registry = registry_session(), current_registry()
    form = ActionForm()
    new_secret = None
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        if already_submitted():
            return _sent_again(orgs, org, form)
        try:
            _endpoint, new_secret = svc.create_endpoint(
                session, registry, organization_id=org.id, url=request.form.get("url", ""),
                events=request.form.getlist("events"), actor=web_actor())
            session.commit()
            mark_submitted()
        except svc.WebhookError as exc:
            session.rollback()
            errors = exc.errors
    return _page(orgs, org, form, new_secret=new_secret, errors=errors,
                 typed_url=request.form.get("url", ""),
                 typed_events=request.form.getlist("events"))


def _sent_again(orgs: list[Organization], org: Organization, form: ActionForm) -> Any:
    """A reload of a page that showed a secret: nothing is done twice, and the secret is not
    shown again."""
    return _page(orgs, org, form, status=409, notice=_(
        "This form was already sent, so nothing was changed again. A signing secret is shown "
        "only once: if you did not copy it, rotate the endpoint's secret."))


def _page(orgs: list[Organization], org: Organization, form: ActionForm, *,
          new_secret: str | None = None, rotated: str | None = None,
          errors: dict[str, str] | None = None, typed_url: str = "",
          typed_events: list[str] | None = None, notice: str | None = None,
          status: int = 200) -> Any:
    session, registry = registry_session(), current_registry()
    endpoints = svc.endpoints_of(session, org.id)
    recent = {e.id: list(session.scalars(svc.deliveries_of(session, e).limit(20)))
              for e in endpoints}
    overlap = {e.id: e.previous_secret_expires_at for e in endpoints
               if svc.previous_secret_active(e)}
    return render_template("webhooks/index.html", orgs=orgs, org=org, endpoints=endpoints,
                           recent=recent, overlap=overlap, form=form, new_secret=new_secret,
                           rotated=rotated, errors=errors or {}, notice=notice,
                           event_types=sorted(registry.event_types), typed_url=typed_url,
                           typed_events=typed_events or [],
                           overlap_choices=OVERLAP_CHOICES,
                           status_labels=status_labels()), status, \
        {"Cache-Control": "no-store"}  # a secret may be on it


@bp.post("/<endpoint_id>/rotate")
@login_required
def rotate(endpoint_id: str) -> Any:
    """A new signing secret, shown once on the page this answers with (never in a redirect or
    the session); the old one keeps signing for the chosen overlap."""
    orgs = staff_organizations()
    org = chosen_organization(orgs)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    session, registry = registry_session(), current_registry()
    endpoint = svc.get_endpoint(session, org.id, endpoint_id)
    if endpoint is None:
        abort(404)
    overlap = request.form.get("overlap_hours", type=int)
    if overlap not in OVERLAP_CHOICES:
        return _page(orgs, org, form, errors={
            f"overlap:{endpoint.id}": _("Choose how long the old secret keeps working.")},
            status=422)
    if already_submitted():
        return _sent_again(orgs, org, form)
    secret = svc.rotate_secret(session, registry, endpoint, overlap_hours=overlap,
                               actor=web_actor())
    session.commit()
    mark_submitted()
    return _page(orgs, org, form, new_secret=secret, rotated=endpoint.url)


@bp.post("/<endpoint_id>/drop-previous")
@login_required
def drop_previous(endpoint_id: str) -> Any:
    org = chosen_organization(staff_organizations())
    if not ActionForm().validate_on_submit():
        abort(400)
    session = registry_session()
    endpoint = svc.get_endpoint(session, org.id, endpoint_id)
    if endpoint is None:
        abort(404)
    if svc.end_overlap(session, endpoint, actor=web_actor()):
        flash(_("Only the new secret signs from now on."))
    session.commit()
    return redirect(url_for(".index", org=org.id))


@bp.post("/<endpoint_id>/delete")
@login_required
def delete(endpoint_id: str) -> Any:
    org = chosen_organization(staff_organizations())
    if not ActionForm().validate_on_submit():
        abort(400)
    session = registry_session()
    endpoint = svc.get_endpoint(session, org.id, endpoint_id)
    if endpoint is None:
        abort(404)
    svc.delete_endpoint(session, endpoint, actor=web_actor())
    session.commit()
    flash(_("The endpoint was deleted."))
    return redirect(url_for(".index", org=org.id))


@bp.post("/deliveries/<delivery_id>/redeliver")
@login_required
def redeliver(delivery_id: str) -> Any:
    org = chosen_organization(staff_organizations())
    if not ActionForm().validate_on_submit():
        abort(400)
    session, registry = registry_session(), current_registry()
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint.organization_id != org.id:
        abort(404)
    try:
        svc.redeliver(session, registry, delivery)
        session.commit()
        registry.outbox.wake()
        flash(_("The event will be sent again."))
    except svc.WebhookError:
        session.rollback()
        flash(_("This delivery is still being attempted."))
    return redirect(url_for(".index", org=org.id))
