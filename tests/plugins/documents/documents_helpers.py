"""Helpers for the documents plugin's tests: an app with only the documents plugin, participants,
staff, tokens, and real PDF/PNG/JPEG bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image
from registry_plugins.documents.demo import sample_pdf

from registry_kernel.testing import Factory, bearer


def pdf_bytes(text: str = "Official transcript") -> bytes:
    return sample_pdf(text, ["ECE 101 Child Growth and Development 3.0 A"])


def image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@dataclass
class World:
    factory: Factory
    participant: Any
    token: str
    staff: Any
    staff_token: str

    @property
    def app(self) -> Any:
        return self.factory.app

    @property
    def registry(self) -> Any:
        return self.factory.app.extensions["registry"]

    def client(self) -> Any:
        return self.app.test_client()

    def upload(self, data: bytes | None = None, *, token: str | None = None,
               filename: str = "transcript.pdf", content_type: str = "application/pdf",
               **fields: Any) -> Any:
        form: dict[str, Any] = {"type": "transcript", **fields}
        if data is not None or "file" not in fields:
            form["file"] = (io.BytesIO(pdf_bytes() if data is None else data), filename,
                            content_type)
        return self.client().post("/api/v1/me/documents", headers=bearer(token or self.token),
                                  data=form, content_type="multipart/form-data")

    def verify(self, document_id: str, body: dict[str, Any], token: str | None = None) -> Any:
        return self.client().post(f"/api/v1/documents/{document_id}/verify",
                                  headers=bearer(token or self.staff_token), json=body)


def make_world(make_app: Any, plugins: list[str] | None = None, **settings: Any) -> World:
    factory = Factory(make_app(plugins=plugins or ["documents"], **settings))
    participant = factory.account("participant", county="Alameda")
    staff = factory.account("registry_staff")
    return World(factory=factory, participant=participant,
                 token=factory.token(participant, "me"), staff=staff,
                 staff_token=factory.token(staff, "verification me"))


COURSE = {"institution": "Laney College", "course_number": "CHDEV 50",
          "title": "Child Growth and Development", "units": "3", "unit_system": "semester",
          "grade": "A", "completed_on": "2020-05-20", "category": "ece",
          "core_area": "child_growth"}


__all__ = ["COURSE", "World", "bearer", "image_bytes", "make_world", "pdf_bytes"]


def pdf_text(data: bytes) -> str:
    """The text drawn on a reportlab PDF (its content streams, inflated), for assertions."""
    import re
    import zlib

    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\s*endstream", data, re.S):
        raw = match.group(1)
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            try:
                import base64

                raw = zlib.decompress(base64.a85decode(raw.strip(), adobe=True))
            except (ValueError, zlib.error):
                continue
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw):
            chunks.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return " ".join(chunks)
