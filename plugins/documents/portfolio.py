""""Download my portfolio": one zip of everything the registry holds about a participant.

Layout (version 1), documented here and in the zip's ``README.txt`` so another instance can
import it::

    manifest.json          format, version, Registry ID, generation time, sections, files
    record.json            {"participant": {...personal fields...},
                            "<section>": <data>, ...}   one key per participant_export hook result
    education-report.json  the Education & Training Report as JSON (with its verification code)
    education-report.pdf   the same report as a PDF
    documents/<id>-<name>  every uploaded file, decrypted, as uploaded

``manifest.json`` lists each file with its document id, type, status, media type and SHA-256,
so an importer can check integrity and link files to the ``documents`` section of record.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from sqlalchemy.orm import Session

from registry_kernel import participants as participant_svc
from registry_kernel.db import utcnow
from registry_kernel.models import Participant

from . import services as svc
from .reports import render_pdf

FORMAT = "open-ece-registry-portfolio"
VERSION = 1
README = """Open ECE Workforce Registry: portfolio export (format version 1)

manifest.json          what this archive holds: format, version, Registry ID, time, files
record.json            your personal data and every feature's records (one key per feature)
education-report.pdf   your Education & Training Report, with a verification code
education-report.json  the same report as data
documents/             the files you uploaded, exactly as uploaded

Another registry instance can import this archive; keep it somewhere safe, it holds personal
information.
"""


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, sort_keys=True, default=str, ensure_ascii=False).encode()


def build_portfolio(session: Session, registry: Any, participant: Participant, *,
                    actor: Any) -> bytes:
    """The zip as bytes. Issues a report verification code; the caller commits."""
    data = participant_svc.personal_data(session, registry, participant, actor=actor,
                                         reason="portfolio export")
    record: dict[str, Any] = {"participant": {
        "registry_id": participant.registry_id, "first_name": data.first_name,
        "last_name": data.last_name, "email": data.email,
        "birth_date": data.birth_date.isoformat() if data.birth_date else None,
        "phone": data.phone, "address": data.address,
        "preferred_language": participant.preferred_language, "county": participant.county}}
    for result in registry.plugins.hook.participant_export(
            session=session, registry=registry, participant=participant):
        if result:
            name, section = result
            record[name] = section
    report = svc.build_report(session, registry, participant)
    issue = svc.issue_report(session, participant, report)
    base = registry.settings.base_url.rstrip("/")
    pdf = render_pdf(report, name=data.full_name(), registry_name=registry.settings.registry_name,
                     verify_url=f"{base}/reports/verify/{issue.code}")
    files = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in svc.own_documents(session, participant.id):
            content = svc.read_file(session, registry, document, actor=actor,
                                    reason="portfolio export")
            path = f"documents/{document.id}-{content.filename}"
            archive.writestr(path, content.data)
            files.append({"path": path, "document_id": document.id, "type": document.type,
                          "status": document.status, "media_type": content.media_type,
                          "sha256": hashlib.sha256(content.data).hexdigest()})
        archive.writestr("record.json", _json(record))
        archive.writestr("education-report.json", _json(report))
        archive.writestr("education-report.pdf", pdf)
        archive.writestr("README.txt", README)
        archive.writestr("manifest.json", _json({
            "format": FORMAT, "version": VERSION, "registry_id": participant.registry_id,
            "registry": registry.settings.registry_name, "source": base,
            "generated_at": utcnow().replace(microsecond=0).isoformat(),
            "sections": sorted(record), "files": files,
            "report_verification_code": issue.code}))
    return buffer.getvalue()
