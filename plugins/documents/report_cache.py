"""A per-process cache of rendered Education & Training Report PDFs.

Rendering the PDF (reportlab) is most of the cost of a report download, and a person's report
changes rarely: only when staff verify a document or a plugin records training hours. The cache
is keyed by a content hash of everything the PDF prints (the report's digest, which covers every
course, permit, training hour and section, plus the name, the registry's name and the
verification address), so any verification or hours change gives a new key: nothing has to be
invalidated by hand, and a stale PDF cannot be served. A hit returns the same PDF and the same
verification code that was issued for that content; a miss issues a new code as before.

The cache lives in memory (never on disk: the PDF holds a name), is bounded by ``entries`` and
``max_age`` seconds, and is safe for gunicorn's threads. Each worker process has its own.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedReport:
    code: str
    pdf: bytes
    stored_at: float


def report_key(participant_id: str, digest: str, *, name: str, registry_name: str,
               verify_base: str) -> str:
    """The content hash a rendered PDF is cached under."""
    material = json.dumps([participant_id, digest, name, registry_name, verify_base])
    return hashlib.sha256(material.encode()).hexdigest()


class ReportCache:
    """A thread-safe least-recently-used map of content hash to rendered PDF."""

    def __init__(self, entries: int, max_age: float) -> None:
        self.entries = entries
        self.max_age = max_age
        self._items: OrderedDict[str, CachedReport] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedReport | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item.stored_at > self.max_age:
                if item is not None:
                    del self._items[key]
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: str, code: str, pdf: bytes) -> None:
        if self.entries <= 0:
            return
        with self._lock:
            self._items[key] = CachedReport(code, pdf, time.monotonic())
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
