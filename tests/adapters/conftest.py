"""Shared helpers for adapter tests: a real HTTP receiver on 127.0.0.1 in a thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
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


@pytest.fixture
def due() -> Callable[[Any], None]:
    """``due(app)``: make every pending outbox message due now (instead of waiting)."""
    return make_due
