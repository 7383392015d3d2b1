"""Signed webhooks (Standard Webhooks) delivered through the kernel's outbox.

* ``create_endpoint`` validates the URL and events, makes a ``whsec_`` secret and stores it only
  wrapped under the master key ring.
* ``on_domain_event`` (the ``domain_event`` hook, inside the causing transaction) writes one
  ``WebhookDelivery`` per subscribed endpoint of an organization the event concerns, and one
  outbox message per delivery; nothing leaves the process before the change commits.
* ``deliver`` (the outbox handler for kind ``webhook``) POSTs ``{"type", "timestamp", "data"}``
  with ``webhook-id`` (the event id, stable across retries), ``webhook-timestamp`` and
  ``webhook-signature``; a non-2xx answer or a network error raises so the outbox retries with
  backoff; after the last attempt the delivery is ``failed``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import socket
import ssl
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.db import new_uuid, unit_of_work, utcnow
from registry_kernel.models import OutboxMessage
from registry_kernel.outbox import enqueue

from .._shared import _
from .models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from registry_kernel.extension import Event
    from registry_kernel.runtime import Registry

log = logging.getLogger(__name__)

OUTBOX_KIND = "webhook"
# The kernel's outbox backs off exponentially with full jitter (about 30 s, 1, 2, 4 ... minutes,
# capped at an hour). 40 attempts span roughly 16 to 31 hours, about a day on average.
DEFAULT_MAX_ATTEMPTS = 40
RESPONSE_EXCERPT = 500
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


class WebhookError(ValueError):
    """Bad input, with ``errors`` by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx (the outbox retries)."""


def _config(registry: Registry) -> Any:
    return registry.plugin_config("webhooks")


# --- secrets and signatures ------------------------------------------------------------------

def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def _binding(endpoint_id: str) -> str:
    return f"webhooks_endpoints.secret|{endpoint_id}"


def seal_secret(registry: Registry, endpoint: WebhookEndpoint, secret: str) -> None:
    kek_id, wrapped = registry.vault.keyring.wrap(secret_bytes(secret), _binding(endpoint.id))
    endpoint.secret_kek_id, endpoint.secret_wrapped = kek_id, wrapped


def open_secret(registry: Registry, endpoint: WebhookEndpoint) -> bytes:
    return registry.vault.keyring.unwrap(endpoint.secret_kek_id, endpoint.secret_wrapped,
                                         _binding(endpoint.id))


def rewrap_secrets(session: Session, registry: Registry) -> int:
    """Re-wrap signing secrets (the current one and one still in its overlap) under the primary
    master key after a rotation; commits and returns how many."""
    keyring, count = registry.vault.keyring, 0
    endpoints = session.scalars(select(WebhookEndpoint).where(
        (WebhookEndpoint.secret_kek_id != keyring.primary)
        | (WebhookEndpoint.previous_secret_kek_id != keyring.primary))).all()
    for endpoint in endpoints:
        binding = _binding(endpoint.id)
        if endpoint.secret_kek_id != keyring.primary:
            secret = keyring.unwrap(endpoint.secret_kek_id, endpoint.secret_wrapped, binding)
            endpoint.secret_kek_id, endpoint.secret_wrapped = keyring.wrap(secret, binding)
            count += 1
        if (endpoint.previous_secret_kek_id is not None
                and endpoint.previous_secret_kek_id != keyring.primary):
            previous = keyring.unwrap(endpoint.previous_secret_kek_id,
                                      endpoint.previous_secret_wrapped, binding)
            endpoint.previous_secret_kek_id, endpoint.previous_secret_wrapped = keyring.wrap(
                previous, binding)
            count += 1
    session.commit()
    return count


def signing_keys(registry: Registry, endpoint: WebhookEndpoint, now: datetime | None = None
                 ) -> list[bytes]:
    """The keys that sign a delivery now: the current secret, then the previous one while a
    rotation's overlap lasts."""
    keys = [open_secret(registry, endpoint)]
    if previous_secret_active(endpoint, now):
        keys.append(registry.vault.keyring.unwrap(
            endpoint.previous_secret_kek_id, endpoint.previous_secret_wrapped,
            _binding(endpoint.id)))
    return keys


def previous_secret_active(endpoint: WebhookEndpoint, now: datetime | None = None) -> bool:
    return (endpoint.previous_secret_wrapped is not None
            and endpoint.previous_secret_expires_at is not None
            and endpoint.previous_secret_expires_at > (now or utcnow()))


def _drop_previous(endpoint: WebhookEndpoint) -> None:
    endpoint.previous_secret_kek_id = endpoint.previous_secret_wrapped = None
    endpoint.previous_secret_expires_at = None


MAX_OVERLAP_HOURS = 7 * 24


def rotate_secret(session: Session, registry: Registry, endpoint: WebhookEndpoint, *,
                  overlap_hours: int = 24, actor: Any = None) -> str:
    """Give the endpoint a new signing secret; returns it (shown once).

    For ``overlap_hours`` the old secret keeps signing too: each delivery carries two
    signatures (``v1,<new> v1,<old>``, as Standard Webhooks allows), so the receiver verifies
    with either while the agency switches it over; then only the new one signs. ``0`` drops the
    old secret at once (e.g. it leaked). Rotating again during an overlap retires the oldest
    secret immediately: at most two secrets sign at any time.
    """
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise WebhookError({"overlap_hours": _("must be between 0 and %(max)s",
                                               max=MAX_OVERLAP_HOURS)})
    now = utcnow()
    if overlap_hours:
        endpoint.previous_secret_kek_id = endpoint.secret_kek_id
        endpoint.previous_secret_wrapped = endpoint.secret_wrapped
        endpoint.previous_secret_expires_at = now + timedelta(hours=overlap_hours)
    else:
        _drop_previous(endpoint)
    secret = new_secret()
    seal_secret(registry, endpoint, secret)
    endpoint.secret_rotated_at = now
    session.flush()
    audit.record(session, actor=actor, action="webhook.secret.rotate", resource_type="webhook",
                 resource_id=endpoint.id,
                 reason=f"previous secret signs for {overlap_hours} more hour(s)")
    return secret


def end_overlap(session: Session, endpoint: WebhookEndpoint, *, actor: Any = None) -> bool:
    """Stop signing with the previous secret now. ``False`` if no overlap was running."""
    if not previous_secret_active(endpoint):
        _drop_previous(endpoint)
        return False
    _drop_previous(endpoint)
    audit.record(session, actor=actor, action="webhook.secret.drop_previous",
                 resource_type="webhook", resource_id=endpoint.id)
    return True


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def signature_header(keys: list[bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one ``v1,...`` per key, space separated."""
    return " ".join(sign(key, msg_id, timestamp, body) for key in keys)


# --- URL checks --------------------------------------------------------------------------------

def _non_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def url_problem(url: str, *, production: bool, resolve: bool = True) -> str | None:
    """Why ``url`` may not receive webhooks, or ``None``.

    Outside production (development, tests) ``http://127.0.0.1``/``localhost`` is allowed so
    an agency can try a local receiver. In production only https to a public address: literal
    private, loopback and link-local addresses are refused, and so are host names resolving to
    one (checked again at each delivery against DNS rebinding).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return _("not a valid URL")
    if parts.username or parts.password:
        return _("credentials in the URL are not allowed")
    if not host:
        return _("the URL has no host")
    local = host in LOCAL_HOSTS
    if parts.scheme == "http":
        if production or not local:
            return (_("must be https") if production else
                    _("must be https (http only for 127.0.0.1 or localhost in development)"))
        return None
    if parts.scheme != "https":
        return _("must be https")
    if not production:
        return None
    try:
        if _non_public(host):
            return _("points at a private or loopback address")
        return None
    except ValueError:
        pass  # a host name
    if local or host.endswith((".localhost", ".local", ".internal")):
        return _("points at a private or loopback address")
    if resolve:
        return _resolve_public(host, parts.port or 443)[1]
    return None


def _resolve_public(host: str, port: int) -> tuple[str | None, str | None]:
    """``(address, None)``: an address of ``host`` to connect to, every one of its addresses
    being public; or ``(None, problem)``."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return None, _("the host name does not resolve")
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        return None, _("the host name does not resolve")
    if any(_non_public(address) for address in addresses):
        return None, _("points at a private or loopback address")
    return addresses[0], None


def delivery_address(url: str, *, production: bool) -> tuple[str | None, str | None]:
    """Where one delivery connects: ``(address, problem)``.

    In production the URL is checked again and its host resolved once, here; the connection
    then goes to that vetted address (TLS still verifies the host name), so a DNS answer that
    changes between the check and the connection (DNS rebinding) cannot reach an internal
    address. Outside production ``(None, problem)``: connect by name.
    """
    problem = url_problem(url, production=production, resolve=False)
    if problem or not production:
        return None, problem
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return host, None  # a literal address, already found public
    except ValueError:
        return _resolve_public(host, parts.port or 443)


# --- endpoints ---------------------------------------------------------------------------------

def create_endpoint(session: Session, registry: Registry, *, organization_id: int, url: str,
                    events: list[str], description: str | None = None,
                    actor: Any = None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown once, never stored in clear)."""
    errors: dict[str, str] = {}
    problem = url_problem(url, production=registry.settings.production)
    if problem:
        errors["url"] = problem
    if not events:
        errors["events"] = _("name at least one event")
    unknown = sorted(set(events) - registry.event_types)
    if unknown:
        errors["events"] = _("unknown event type(s): %(unknown)s; known: %(known)s",
                             unknown=", ".join(unknown),
                             known=", ".join(sorted(registry.event_types)))
    if errors:
        raise WebhookError(errors)
    endpoint = WebhookEndpoint(id=new_uuid(), organization_id=organization_id, url=url,
                               events=sorted(set(events)), description=description,
                               created_by_account_id=getattr(actor, "account_id", None))
    secret = new_secret()
    seal_secret(registry, endpoint, secret)
    session.add(endpoint)
    session.flush()
    audit.record(session, actor=actor, action="webhook.create", resource_type="webhook",
                 resource_id=endpoint.id)
    return endpoint, secret


def endpoints_of(session: Session, organization_id: int) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == organization_id,
        WebhookEndpoint.deleted_at.is_(None)).order_by(WebhookEndpoint.created_at)))


def get_endpoint(session: Session, organization_id: int, endpoint_id: str
                 ) -> WebhookEndpoint | None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organization_id != organization_id \
            or endpoint.deleted_at is not None:
        return None
    return endpoint


def delete_endpoint(session: Session, endpoint: WebhookEndpoint, *, actor: Any = None) -> None:
    """Stop deliveries: the endpoint is kept (for its history) but inactive; pending deliveries
    are cancelled."""
    endpoint.is_active = False
    endpoint.deleted_at = utcnow()
    session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id,
        WebhookDelivery.status.in_(("pending", "retrying"))).values(status="cancelled"))
    audit.record(session, actor=actor, action="webhook.delete", resource_type="webhook",
                 resource_id=endpoint.id)


def deliveries_of(session: Session, endpoint: WebhookEndpoint) -> Any:
    return (select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id))


def redeliver(session: Session, registry: Registry, delivery: WebhookDelivery) -> None:
    """Send a delivered or failed event again, with the same ``webhook-id``."""
    if delivery.status in ("pending", "retrying"):
        raise WebhookError({"status": _("this delivery is still being attempted")})
    if delivery.endpoint.deleted_at is not None:
        raise WebhookError({"endpoint": _("the endpoint was deleted")})
    delivery.status = "pending"
    _enqueue(session, registry, delivery)


def _enqueue(session: Session, registry: Registry, delivery: WebhookDelivery) -> None:
    enqueue(session, OUTBOX_KIND, {"delivery_id": delivery.id, "webhook_id": delivery.event_id},
            max_attempts=_config(registry).max_attempts if _config(registry) else
            DEFAULT_MAX_ATTEMPTS)


# --- who receives what (see registry_adapters._shared.event_organizations) ------------------

def on_domain_event(session: Session, registry: Registry, event: Event) -> int:
    """Write a delivery and an outbox message per endpoint that should get ``event``."""
    endpoints = [e for e in session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.is_active.is_(True), WebhookEndpoint.deleted_at.is_(None)))
        if event.type in (e.events or [])]
    if not endpoints:
        return 0
    candidates = {e.organization_id for e in endpoints}
    allowed: set[int] = set()
    for answer in registry.plugins.hook.webhook_event_organizations(
            session=session, registry=registry, event=event, candidate_org_ids=candidates):
        if isinstance(answer, int):
            allowed.add(answer)
        elif answer:
            allowed.update(answer)
    payload = {k: v for k, v in event.as_json().items() if k in ("type", "timestamp", "data")}
    count = 0
    for endpoint in endpoints:
        if endpoint.organization_id not in allowed:
            continue
        delivery = WebhookDelivery(id=new_uuid(), endpoint_id=endpoint.id, event_id=event.id,
                                   event_type=event.type, payload=payload, status="pending",
                                   attempts=0, created_at=utcnow())
        session.add(delivery)
        _enqueue(session, registry, delivery)
        count += 1
    return count


# --- delivery ----------------------------------------------------------------------------------

class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a vetted address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float,
          address: str | None = None) -> tuple[int | None, str, str | None]:
    """POST; returns ``(status code or None, response excerpt, error or None)``.

    Redirects are answers, not instructions (never followed: no SSRF through a redirect).
    With ``address`` the connection goes there (see ``delivery_address``).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = (_PinnedHTTPSConnection(host, parts.port, address, timeout) if address
                      else http.client.HTTPSConnection(host, parts.port, timeout=timeout,
                                                       context=ssl.create_default_context()))
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(4096).decode("utf-8", "replace")
        code = response.status
        return code, text, None if 200 <= code < 300 else f"HTTP {code}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, "", f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


def deliver(registry: Registry, message: OutboxMessage) -> None:
    """The outbox handler: one attempt at one delivery."""
    delivery_id = message.payload.get("delivery_id")
    with unit_of_work(registry.sessions) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status in ("delivered", "cancelled"):
            return
        endpoint = delivery.endpoint
        if endpoint.deleted_at is not None or not endpoint.is_active:
            delivery.status = "cancelled"
            return
        if endpoint.previous_secret_wrapped is not None \
                and not previous_secret_active(endpoint):
            _drop_previous(endpoint)  # the overlap is over: forget the old secret
        keys = signing_keys(registry, endpoint)
        url, payload, msg_id = endpoint.url, dict(delivery.payload), delivery.event_id
    config = _config(registry)
    timeout = config.timeout_seconds if config else 10.0
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    address, problem = delivery_address(url, production=registry.settings.production)
    if problem:
        code, text, error = None, "", f"refused: {problem}"
    else:
        code, text, error = _post(url, body, {
            "Content-Type": "application/json",
            "User-Agent": "open-ece-registry-webhooks/1",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(keys, msg_id, timestamp, body),
        }, timeout, address)
    ok = code is not None and 200 <= code < 300
    last_attempt = message.attempts + 1 >= message.max_attempts
    with unit_of_work(registry.sessions) as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is not None:
            row.attempts = (row.attempts or 0) + 1
            row.last_attempt_at = utcnow()
            row.last_status_code = code
            row.last_response = text[:RESPONSE_EXCERPT] if text else None
            row.last_error = None if ok else error
            if ok:
                row.status, row.delivered_at = "delivered", utcnow()
            else:
                row.status = "failed" if last_attempt else "retrying"
    if not ok:
        raise DeliveryFailed(error or "no answer")
