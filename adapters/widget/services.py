"""Agency pages registered for the widget: validation, their public OAuth client, CORS origins.

An organization's staff register the page that embeds the widget (``/widget/sites``). The
registry then (1) answers CORS to the page's origin on the widget's paths, and (2) gives the
page a public OAuth client (no secret, authorization code + PKCE only, scopes
``me enrollments:write``) whose only redirect URI is that page. Removing the page revokes the
client and every token it holds. Origins can also be fixed by the operator in
``[plugins.widget] allowed_origins`` (with clients made by ``registry oauth create-client``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.db import utcnow
from registry_kernel.oauth import ClientError, create_client, revoke_client, validate_redirect_uri

from .._shared import _
from .models import WidgetSite

if TYPE_CHECKING:
    from registry_kernel.runtime import Registry

WIDGET_SCOPES = ("me", "enrollments:write")
MAX_SITES = 20  # per organization


class SiteError(ValueError):
    """Bad input, with ``errors`` by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def sites_of(session: Session, organization_id: int) -> list[WidgetSite]:
    return list(session.scalars(select(WidgetSite).where(
        WidgetSite.organization_id == organization_id, WidgetSite.removed_at.is_(None))
        .order_by(WidgetSite.created_at, WidgetSite.id)))


def register_site(session: Session, registry: Registry, *, organization_id: int,
                  page_url: str, actor: Any = None) -> WidgetSite:
    """Register a page of the organization's site; returns it with its OAuth client id."""
    page_url = (page_url or "").strip()
    try:
        validate_redirect_uri(page_url)
    except ClientError:
        raise SiteError({"page_url": _("Enter the full address of the page, starting with "
                                       "https://")}) from None
    parts = urlsplit(page_url)
    if registry.settings.production and parts.scheme != "https":
        raise SiteError({"page_url": _("The page must use https.")})
    if parts.query or len(page_url) > 2000:
        raise SiteError({"page_url": _("Give the page's address without a ? part.")})
    current = sites_of(session, organization_id)
    if any(site.page_url == page_url for site in current):
        raise SiteError({"page_url": _("This page is already registered.")})
    if len(current) >= MAX_SITES:
        raise SiteError({"page_url": _("Remove a page first: at most %(n)s are allowed.",
                                       n=MAX_SITES)})
    client_id, _secret = create_client(
        session, registry, organization_id=organization_id,
        name=f"Enrollment widget on {parts.netloc}"[:200], scopes=list(WIDGET_SCOPES),
        redirect_uris=[page_url], public=True, actor=actor)
    site = WidgetSite(organization_id=organization_id, page_url=page_url,
                      origin=origin_of(page_url), client_id=client_id,
                      created_by_account_id=getattr(actor, "account_id", None),
                      created_at=utcnow())
    session.add(site)
    session.flush()
    audit.record(session, actor=actor, action="widget.site.register",
                 resource_type="widget_site", resource_id=site.id, reason=site.origin)
    return site


def remove_site(session: Session, site: WidgetSite, *, actor: Any = None) -> None:
    """Stop the page: its origin loses CORS, its client and tokens are revoked."""
    site.removed_at = utcnow()
    revoke_client(session, site.client_id, actor=actor)
    audit.record(session, actor=actor, action="widget.site.remove",
                 resource_type="widget_site", resource_id=site.id, reason=site.origin)


def origin_registered(session: Session, registry: Registry, origin: str | None) -> bool:
    """Whether ``origin`` may use the widget: configured, or a registered page's origin."""
    if not origin:
        return False
    origin = origin.lower()
    if origin in registry.plugin_config("widget").allowed_origins:
        return True
    if len(origin) > 300:
        return False
    return session.scalar(select(WidgetSite.id).where(
        WidgetSite.origin == origin, WidgetSite.removed_at.is_(None)).limit(1)) is not None
