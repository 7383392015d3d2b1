"""A configurable generic REST CRM client (the ``rest_crm`` adapter).

Each push is one JSON request to ``base_url + path`` with the registry's record renamed through
the configured field map (a registry field missing from the map is not sent), an
``Idempotency-Key`` header carrying the event id (stable across retries), and the configured
authentication: an API-key header, or an OAuth 2.0 client-credentials bearer token fetched
from ``token_url`` and kept until shortly before it expires. A non-2xx answer raises, and the
outbox retries with backoff.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .config import RestCrmConfig


class CrmError(RuntimeError):
    """The CRM answered with an error or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _request(method: str, url: str, *, body: bytes | None, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method,  # noqa: S310 - http(s)
                                     headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096) if exc.fp else b""
    except (urllib.error.URLError, OSError) as exc:
        raise CrmError(f"the CRM could not be reached: {getattr(exc, 'reason', exc)}") from exc


class RestCrmClient:
    """One CRM connection; thread-safe token cache."""

    def __init__(self, config: RestCrmConfig) -> None:
        self.config = config
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    # --- authentication ------------------------------------------------------------------------

    def _bearer(self, *, refresh: bool = False) -> str:
        with self._lock:
            if not refresh and self._token and self._token[1] > time.time() + 30:
                return self._token[0]
            oauth = self.config.oauth2
            assert oauth is not None
            form = {"grant_type": "client_credentials"}
            if oauth.scope:
                form["scope"] = oauth.scope
            basic = base64.b64encode(f"{urllib.parse.quote(oauth.client_id)}:"
                                     f"{urllib.parse.quote(oauth.client_secret)}"
                                     .encode()).decode()
            status, raw = _request("POST", oauth.token_url,
                                   body=urllib.parse.urlencode(form).encode(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded",
                                            "Accept": "application/json",
                                            "Authorization": f"Basic {basic}"},
                                   timeout=self.config.timeout_seconds)
            if status != 200:
                raise CrmError(f"the CRM token endpoint answered {status}", status)
            answer = json.loads(raw)
            token = answer["access_token"]
            self._token = (token, time.time() + float(answer.get("expires_in", 300)))
            return token

    def _auth_headers(self, *, refresh: bool = False) -> dict[str, str]:
        if self.config.auth == "api_key":
            return {self.config.api_key_header: self.config.api_key or ""}
        if self.config.auth == "oauth2":
            return {"Authorization": f"Bearer {self._bearer(refresh=refresh)}"}
        return {}

    # --- requests ------------------------------------------------------------------------------

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None, *,
             idempotency_key: str | None = None) -> tuple[int, Any]:
        url = self.config.base_url.rstrip("/") + path
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Accept": "application/json", "User-Agent": "open-ece-registry-crm/1"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        status, raw = _request(method, url, body=body, headers={**headers,
                               **self._auth_headers()}, timeout=self.config.timeout_seconds)
        if status == 401 and self.config.auth == "oauth2":  # expired or revoked: once more
            status, raw = _request(method, url, body=body, headers={
                **headers, **self._auth_headers(refresh=True)},
                timeout=self.config.timeout_seconds)
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return status, data

    def push(self, kind: str, record: dict[str, Any], event_id: str) -> None:
        mapping = self.config.field_map.get(kind, {})
        payload = {mapping[name]: value for name, value in record.items() if name in mapping}
        path = self.config.paths[kind]
        status, _data = self.call(self.config.push_method, path, payload,
                                  idempotency_key=event_id)
        if not 200 <= status < 300:
            raise CrmError(f"the CRM answered {status} to a {kind} push", status)

    def lookup(self, registry_id: str) -> dict[str, Any] | None:
        path = self.config.paths["lookup"].format(
            registry_id=urllib.parse.quote(registry_id, safe=""))
        status, data = self.call("GET", path)
        if status == 404:
            return None
        if not 200 <= status < 300:
            raise CrmError(f"the CRM answered {status} to a look-up", status)
        return data if isinstance(data, dict) else {"value": data}
