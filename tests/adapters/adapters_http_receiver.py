"""A real HTTP receiver on 127.0.0.1 in a thread, and Standard Webhooks checks as a receiver
would make them: shared by the adapter tests (through the fixtures of this folder's conftest)
and the webhooks browser test (a unique module name, unlike conftest)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import update


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local HTTP server. ``responder(request) -> (status, body dict)`` decides answers."""

    url: str
    requests: list[Received] = field(default_factory=list)
    responder: Callable[[Received], tuple[int, Any]] = lambda r: (200, {"ok": True})


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """Serve a :class:`Receiver` on a free port of 127.0.0.1 until the block ends."""
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(self.command, self.path,
                                {k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(length) if length else b"")
            recv = state["r"]
            recv.requests.append(received)
            status, body = recv.responder(received)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the registry gave up waiting (a timeout test)

        do_GET = do_POST = do_PUT = do_PATCH = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["r"] = Receiver(url=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def make_due(app: Any) -> None:
    """Move every pending outbox message's next attempt into the past."""
    from registry_kernel.db import unit_of_work, utcnow
    from registry_kernel.models import OutboxMessage

    registry = app.extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                        .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def verify_standard_webhook(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """An independent implementation of the Standard Webhooks check (as a receiver would)."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = (headers["webhook-id"] + "." + headers["webhook-timestamp"] + ".").encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part.split(",", 1)[1] == expected
               for part in headers["webhook-signature"].split(" ") if part.startswith("v1,"))


def signatures(headers: dict[str, str]) -> list[str]:
    """The ``v1,...`` signatures of one delivery."""
    return headers["webhook-signature"].split(" ")
