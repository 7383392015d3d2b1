"""The verified staff qualifications report: a PDF (reportlab) for personnel files and
licensing visits, and the Excel rows served by the kernel at
``/api/v1/reports/staff-qualifications.xlsx``.

Both are in the requester's language (the request's locale: the UI's choice, or
``Accept-Language`` for the API): headings, flag labels ("Permit expiring soon"), permit and
role names. Text that Helvetica cannot draw (Chinese labels, or a staff member's name in
Chinese) is set in Adobe's Traditional Chinese CID font, as the profile plugin's membership card
does; PDF viewers supply its glyphs, so nothing is embedded.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from registry_kernel.models import Organization

from . import services as svc
from .forms import PERMIT_LABELS, ROLE_LABELS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

STAFF_COLUMN_LABELS = (
    _l("Program"), _l("Registry ID"), _l("Name"), _l("Position"), _l("Role category"),
    _l("Start date"), _l("ECE units"), _l("GE units"), _l("Highest degree"), _l("Permits"),
    _l("Permit expires"), _l("Training hours (12 months)"), _l("Renewal window hours"),
    _l("Flags"))
STAFF_COLUMNS = tuple(str(c) for c in STAFF_COLUMN_LABELS)  # English, for reference

FLAG_TEXT = {"permit_expired": _l("Permit expired"),
             "permit_expiring": _l("Permit expiring soon"),
             "below_minimum": _l("Below program minimum")}


def N_(text: str) -> str:
    """Mark ``text`` for the catalog; it is translated where it is shown."""
    return text


CREDENTIAL_NAMES = {  # as the documents plugin names credentials without their own title
    "teaching_credential": N_("Teaching credential"),
    "administrative_services_credential": N_("Administrative Services Credential"),
    "cda": N_("Child Development Associate (CDA)"), "other": N_("Other credential")}

CJK_FONT = "MSung-Light"  # Adobe's Traditional Chinese CID font (as the profile plugin's card)
_SPACES = str.maketrans({"\u202f": " ", "\u2009": " ", "\u00a0": " "})


def staff_columns() -> tuple[str, ...]:
    """The Excel column headings in the current request's language."""
    return tuple(str(c) for c in STAFF_COLUMN_LABELS)


def flag_text(flag: str) -> str:
    return str(FLAG_TEXT.get(flag, flag))


def flags_text(flags: list[str]) -> str:
    return ", ".join(flag_text(f) for f in flags)


def role_text(code: str | None) -> str:
    return str(ROLE_LABELS.get(code or "", code or ""))


def permit_name(permit: dict[str, Any]) -> str:
    """A permit's or credential's name in the current language (a credential's own title, as
    verified, is kept)."""
    if permit.get("kind") == "cd_permit":
        level = permit.get("level") or ""
        return _("Child Development Permit: %(level)s",
                 level=str(PERMIT_LABELS.get(level, level)))
    name = permit.get("name") or ""
    english = CREDENTIAL_NAMES.get(permit.get("kind") or "")
    if english is not None and name in ("", english):
        return _(english)
    return name


def _permits_text(row: dict[str, Any]) -> tuple[str, str]:
    names = "; ".join(permit_name(p) + (f" #{p['number']}" if p["number"] else "")
                      for p in row["permits"])
    expires = "; ".join(p["expires_on"] or "-" for p in row["permits"])
    return names, expires


def _renewal_text(row: dict[str, Any]) -> str:
    renewal = row.get("renewal")
    if not renewal:
        return ""
    return _("%(hours)s of %(required)s", hours=renewal["hours"],
             required=renewal["required_hours"].split(".")[0])


def flat_row(org: Organization, row: dict[str, Any]) -> list[Any]:
    permits, expires = _permits_text(row)
    return [org.name, row["registry_id"], row["name"], row["position"],
            role_text(row["role_category"]), row["start_date"], row["ece_units"] or "",
            row["ge_units"] or "", row["highest_degree"] or "", permits, expires,
            row["training_hours_12_months"], _renewal_text(row), flags_text(row["flags"])]


def staff_report_rows(session: Session, registry: Registry, actor: Actor,
                      params: dict[str, Any]) -> Any:
    """``ReportDefinition.build``: one row per current confirmed staff member of every program
    the actor administers (or the client's organization)."""
    for org_id in svc.admin_org_ids(actor):
        org = session.get(Organization, org_id)
        if org is None or org.kind not in svc.EMPLOYER_KINDS:
            continue
        for row in svc.staff_qualifications(session, registry, org_id, actor=actor):
            yield flat_row(org, row)


# --- the PDF ----------------------------------------------------------------------------------

def font_for(text: str) -> str:
    """Helvetica where it has the glyphs (Latin, with accents), else the Chinese CID font."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        for bold_flag in (0, 1):  # <b> in a paragraph set in the CID font: the same font
            for italic in (0, 1):
                addMapping(CJK_FONT, bold_flag, italic, CJK_FONT)
        return CJK_FONT
    return "Helvetica"


def _para(markup: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph whose font can draw its text (``markup`` is already escaped): the style's
    own font, or the CID font for Chinese. Unicode spaces (CLDR puts a narrow no-break space
    before "AM") become plain spaces."""
    markup = markup.translate(_SPACES)
    if font_for(markup) == CJK_FONT and style.fontName != CJK_FONT:
        style = style.clone(f"{style.name}-cjk", fontName=CJK_FONT)
    return Paragraph(markup, style)


def _esc(text: Any) -> str:
    return escape("" if text is None else str(text))


def staff_report_pdf(registry: Registry, org: Organization, rows: list[dict[str, Any]],
                     code: str, issued_at: datetime) -> bytes:
    """The dated PDF with its verification code, in the current request's language."""
    buffer = io.BytesIO()
    title = _("Verified Staff Qualifications")
    doc = SimpleDocTemplate(buffer, pagesize=landscape(letter), leftMargin=0.5 * inch,
                            rightMargin=0.5 * inch, topMargin=0.5 * inch,
                            bottomMargin=0.5 * inch, title=f"{title}: {org.name}",
                            author=registry.settings.registry_name)
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = body.clone("small", fontSize=8, leading=10)
    heading = org.name + (" · " + _("License %(number)s", number=org.license_number)
                          if org.license_number else "")
    issued = _("Issued %(when)s by %(registry)s.",
               when=format_datetime(issued_at, "long"),
               registry=registry.settings.registry_name)
    check_url = registry.settings.base_url.rstrip("/") + "/jobs/report-check"
    story: list[Any] = [
        _para(_esc(title), styles["Title"]),
        _para(_esc(heading), styles["Heading2"]),
        _para(_esc(issued) + " " + _esc(_("Verification code:")) + f" <b>{_esc(code)}</b>",
              body),
        _para(_esc(_("Education and permits shown were verified by registry staff from "
                     "documents; training hours come from verified certificates and registry "
                     "trainings attended. Only staff whose employment the program confirmed "
                     "are listed.")), small),
        Spacer(1, 0.15 * inch),
    ]
    header = [_("Name / Registry ID"), _("Position"), _("ECE / GE units"), _("Degree"),
              _("Permits (expires)"), _("Hours 12 mo."), _("Renewal hours"), _("Flags")]
    data: list[list[Any]] = [[_para(f"<b>{_esc(h)}</b>", small) for h in header]]
    no_expiry = _("no expiry")
    for row in rows:
        permits = "<br/>".join(
            f"{_esc(permit_name(p))} ({_esc(p['expires_on'] or no_expiry)})"
            for p in row["permits"]) or "-"
        units = "-" if row["ece_units"] is None else f"{row['ece_units']} / {row['ge_units']}"
        position = _esc(row["position"])
        role = role_text(row["role_category"])
        if role and role != row["position"]:
            position += f"<br/>({_esc(role)})"
        data.append([
            _para(f"{_esc(row['name'])}<br/>{_esc(row['registry_id'])}", small),
            _para(position, small),
            _para(units, small),
            _para(_esc(row["highest_degree"] or "-"), small),
            _para(permits, small),
            _para(_esc(row["training_hours_12_months"]), small),
            _para(_esc(_renewal_text(row) or "-"), small),
            _para(_esc(flags_text(row["flags"]) or "-"), small),
        ])
    if not rows:
        data.append([_para(_esc(_("No confirmed staff.")), small)] + [""] * 7)
    table = Table(data, repeatRows=1, colWidths=[1.6 * inch, 1.2 * inch, 0.9 * inch,
                                                 0.7 * inch, 2.4 * inch, 0.8 * inch,
                                                 0.9 * inch, 1.4 * inch])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e0e0e0")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    story.append(Spacer(1, 0.2 * inch))
    story.append(_para(_esc(_("Check this report with its code %(code)s at %(url)s.",
                              code=code, url=check_url)), small))
    doc.build(story)
    return buffer.getvalue()
