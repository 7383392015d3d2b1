"""Mail through the outbox. Messages are sealed under the recipient participant's data key, so
the outbox table holds no readable address or text; delivered mail is dropped from it.

Backends: ``folder`` (``<instance>/mail/*.eml``, the development default), ``console``,
``smtp`` (``[mail]`` host, port, username, password, starttls, from) and ``memory`` (tests).
"""

from __future__ import annotations

import base64
import json
import smtplib
import sys
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .crypto import KeyShredded
from .db import utcnow
from .models import OutboxMessage
from .outbox import enqueue

if TYPE_CHECKING:
    from .runtime import Registry

_AAD = b"outbox|mail"


def send_mail(session: Session, registry: Registry, *, participant_id: str, to: str,
              subject: str, text: str, html: str | None = None) -> OutboxMessage:
    """Queue a message to ``to`` (an address of ``participant_id``) in the caller's transaction."""
    body = json.dumps({"to": to, "subject": subject, "text": text, "html": html}).encode()
    sealed = registry.vault.seal_bytes(session, participant_id, _AAD, body)
    return enqueue(session, "mail", {"participant_id": participant_id,
                                     "sealed": base64.b64encode(sealed).decode()})


def _build(registry: Registry, message_id: str, fields: dict[str, str | None]) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = registry.settings.smtp.get("from", "registry@localhost")
    mail["To"] = fields["to"]
    mail["Subject"] = fields["subject"]
    mail["Message-ID"] = f"<{message_id}@registry>"
    mail["Date"] = utcnow().strftime("%a, %d %b %Y %H:%M:%S +0000")
    mail.set_content(fields["text"] or "")
    if fields.get("html"):
        mail.add_alternative(fields["html"], subtype="html")
    return mail


def deliver_mail(registry: Registry, message: OutboxMessage) -> None:
    """Outbox handler for ``mail``."""
    payload = message.payload
    if not payload:
        return
    with registry.sessions() as session:
        try:
            raw = registry.vault.open_bytes(session, payload["participant_id"], _AAD,
                                            base64.b64decode(payload["sealed"]))
        except KeyShredded:
            return  # the person was erased: nothing to send
    fields = json.loads(raw)
    mail = _build(registry, message.message_id, fields)
    backend = registry.settings.mail_backend
    if backend == "memory":
        registry.sent_mail.append(mail)
    elif backend == "console":
        sys.stdout.write(mail.as_string() + "\n")
    elif backend == "folder":
        folder = registry.settings.instance_path / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{utcnow():%Y%m%dT%H%M%S}-{message.message_id}.eml"
        path.write_bytes(bytes(mail))
    else:
        smtp = registry.settings.smtp
        with smtplib.SMTP(smtp.get("host", "localhost"), int(smtp.get("port", 25)),
                          timeout=30) as client:
            if smtp.get("starttls"):
                client.starttls()
            if smtp.get("username"):
                client.login(smtp["username"], smtp.get("password", ""))
            client.send_message(mail)
