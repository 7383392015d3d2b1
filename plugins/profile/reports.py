"""Printable outputs: the membership ID card (PDF, reportlab) and the resume (Word, python-docx)."""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from flask import has_request_context
from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from registry_kernel import participants as kernel_participants
from registry_kernel import registry_id

from . import forms, services

if TYPE_CHECKING:
    from registry_kernel.models import Participant
    from registry_kernel.runtime import Registry

CARD_SIZE = (3.375 * inch, 2.125 * inch)  # ISO/IEC 7810 ID-1, a wallet card
BRAND = HexColor("#1f6f8b")


def member_since(registry: Registry, participant: Participant) -> date:
    return participant.created_at.astimezone(ZoneInfo(registry.settings.timezone)).date()


CJK_FONT = "MSung-Light"  # Adobe's Traditional Chinese CID font: viewers supply the glyphs


def _font(text: str, bold: bool = False) -> str:
    """Helvetica where it has the glyphs (Latin, with accents), else a Chinese CID font."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT
    return "Helvetica-Bold" if bold else "Helvetica"


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size not above ``size`` at which ``text`` fits ``width``."""
    while size > 6 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def membership_card_pdf(session: Session, registry: Registry, participant: Participant,
                        *, labels: dict[str, str] | None = None) -> bytes:
    """A one-page, card-sized PDF: name, Registry ID, member since and a QR code of the ID."""
    labels = {"title": registry.settings.registry_name, "card": _("Membership Card"),
              "registry_id": _("Registry ID"), "since": _("Member since"), **(labels or {})}
    data = kernel_participants.personal_data(session, registry, participant,
                                             fields=("first_name", "last_name"))
    name = data.full_name() or participant.registry_id
    rid = registry_id.display(participant.registry_id)
    buffer = io.BytesIO()
    width, height = CARD_SIZE
    canvas = Canvas(buffer, pagesize=CARD_SIZE, pageCompression=1)
    canvas.setTitle(f"{labels['card']} {rid}")
    canvas.setAuthor(registry.settings.registry_name)
    canvas.setFillColor(BRAND)
    canvas.rect(0, height - 0.42 * inch, width, 0.42 * inch, stroke=0, fill=1)
    canvas.setFillColor(white)
    font = _font(labels["title"], bold=True)
    canvas.setFont(font, _fit(canvas, labels["title"], font, 9, width - 0.3 * inch))
    canvas.drawString(0.15 * inch, height - 0.2 * inch, labels["title"])
    canvas.setFont(_font(labels["card"]), 7)
    canvas.drawString(0.15 * inch, height - 0.34 * inch, labels["card"])

    qr_size = 1.05 * inch
    widget = QrCodeWidget(participant.registry_id)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0,
                                                   qr_size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, width - qr_size - 0.1 * inch, 0.15 * inch)

    text_width = width - qr_size - 0.3 * inch
    canvas.setFillColor(HexColor("#111111"))
    font = _font(name, bold=True)
    canvas.setFont(font, _fit(canvas, name, font, 12, text_width))
    canvas.drawString(0.15 * inch, height - 0.72 * inch, name)
    canvas.setFont(_font(labels["registry_id"]), 6.5)
    canvas.setFillColor(HexColor("#555555"))
    canvas.drawString(0.15 * inch, height - 0.95 * inch, labels["registry_id"].upper())
    canvas.setFillColor(HexColor("#111111"))
    canvas.setFont("Courier-Bold", 11)
    canvas.drawString(0.15 * inch, height - 1.12 * inch, rid)
    canvas.setFont(_font(labels["since"]), 6.5)
    canvas.setFillColor(HexColor("#555555"))
    canvas.drawString(0.15 * inch, height - 1.35 * inch, labels["since"].upper())
    canvas.setFillColor(HexColor("#111111"))
    canvas.setFont("Helvetica", 9)
    canvas.drawString(0.15 * inch, height - 1.5 * inch,
                      member_since(registry, participant).isoformat())
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _labels(choices: list[Any]) -> dict[str, str]:
    return {code: str(label) for code, label in choices}


def _month(value: date | None) -> str:
    if value is None:
        return _("Present")
    if has_request_context():
        return format_date(value, "MMM y")
    return value.strftime("%b %Y")


def resume_docx(session: Session, registry: Registry, participant: Participant,
                *, extra_sections: list[Any] | None = None) -> bytes:
    """A Word resume the person can keep editing: contact, Summary of Qualifications, the jobs
    they included (newest first, with bulleted responsibilities), self-reported education and
    the sections other plugins contribute (degrees, permits, training hours)."""
    data = kernel_participants.personal_data(session, registry, participant,
                                             fields=("first_name", "last_name", "email",
                                                     "phone", "address"))
    sections = services.read_sections(session, registry, participant)
    summary = services.resume_summary(session, registry, participant)
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    heading = document.add_heading(data.full_name() or participant.registry_id, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    contact = [part for part in (data.email, data.phone) if part]
    address = data.address or {}
    place = ", ".join(p for p in (address.get("city"), address.get("state")) if p)
    if place:
        contact.append(place)
    contact.append(f"{_('Registry ID')} {registry_id.display(participant.registry_id)}")
    line = document.add_paragraph(" · ".join(contact))
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in line.runs:
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    if summary:
        document.add_heading(_("Summary of Qualifications"), level=1)
        for paragraph in summary.splitlines():
            if paragraph.strip():
                document.add_paragraph(paragraph.strip())

    jobs = [r for r in services.list_employment(session, participant.id) if r.include_in_resume]
    if jobs:
        document.add_heading(_("Experience"), level=1)
        roles = _labels(forms.ROLE_CHOICES)
        for record in jobs:
            title = document.add_paragraph()
            title.add_run(record.position).bold = True
            title.add_run(f" — {services.employer_label(session, record)}")
            dates = document.add_paragraph(
                f"{_month(record.start_date)} – {_month(record.end_date)}"
                f" · {roles.get(record.role_category, record.role_category)}"
                + (f" · {_('Confirmed by employer')}" if record.status == "confirmed" else ""))
            for run in dates.runs:
                run.italic = True
            for bullet in services.employment_responsibilities(session, registry, record):
                document.add_paragraph(bullet, style="List Bullet")

    education = sections["education"]
    experience = sections["experience"]
    if any(v not in (None, services.DECLINED) for v in education.values()) or extra_sections:
        document.add_heading(_("Education and Training"), level=1)
        level = education.get("highest_level")
        if level and level != services.DECLINED:
            text = _labels(forms.LEVEL_CHOICES).get(level, level)
            if education.get("degree_field"):
                text += f", {education['degree_field']}"
            document.add_paragraph(text, style="List Bullet")
        if education.get("ece_units") is not None:
            document.add_paragraph(_("%(units)s units in Early Childhood Education / Child "
                                     "Development", units=education["ece_units"]),
                                   style="List Bullet")
        for section in sorted(extra_sections or [], key=lambda s: s.order):
            if not section.rows:
                continue
            document.add_heading(section.title, level=2)
            for row in section.rows:
                document.add_paragraph(" · ".join(str(c) for c in row if c not in (None, "")),
                                       style="List Bullet")
            for key, value in (section.totals or {}).items():
                document.add_paragraph(f"{key.replace('_', ' ').capitalize()}: {value}")
    year = experience.get("first_year_in_field")
    if isinstance(year, int):
        document.add_paragraph(_("Working in early care and education since %(year)s.",
                                 year=year))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
