"""The verified staff qualifications report: a PDF (reportlab) for personnel files and
licensing visits, and the Excel rows served by the kernel at
``/api/v1/reports/staff-qualifications.xlsx``."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from registry_kernel.models import Organization

from . import services as svc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

STAFF_COLUMNS = ("Program", "Registry ID", "Name", "Position", "Role category", "Start date",
                 "ECE units", "GE units", "Highest degree", "Permits", "Permit expires",
                 "Training hours (12 months)", "Renewal window hours", "Flags")

FLAG_TEXT = {"permit_expired": "Permit expired", "permit_expiring": "Permit expiring soon",
             "below_minimum": "Below program minimum"}


def _permits_text(row: dict[str, Any]) -> tuple[str, str]:
    names = "; ".join(p["name"] + (f" #{p['number']}" if p["number"] else "")
                      for p in row["permits"])
    expires = "; ".join(p["expires_on"] or "-" for p in row["permits"])
    return names, expires


def _renewal_text(row: dict[str, Any]) -> str:
    renewal = row.get("renewal")
    if not renewal:
        return ""
    return f"{renewal['hours']} of {renewal['required_hours'].split('.')[0]}"


def flat_row(org: Organization, row: dict[str, Any]) -> list[Any]:
    permits, expires = _permits_text(row)
    return [org.name, row["registry_id"], row["name"], row["position"], row["role_category"],
            row["start_date"], row["ece_units"] or "", row["ge_units"] or "",
            row["highest_degree"] or "", permits, expires, row["training_hours_12_months"],
            _renewal_text(row), ", ".join(FLAG_TEXT.get(f, f) for f in row["flags"])]


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


def staff_report_pdf(registry: Registry, org: Organization, rows: list[dict[str, Any]],
                     code: str, issued_at: datetime) -> bytes:
    """The dated PDF with its verification code."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(letter), leftMargin=0.5 * inch,
                            rightMargin=0.5 * inch, topMargin=0.5 * inch,
                            bottomMargin=0.5 * inch, title=f"Staff qualifications: {org.name}",
                            author=registry.settings.registry_name)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    local = issued_at.astimezone(ZoneInfo(registry.settings.timezone))
    story: list[Any] = [
        Paragraph("Verified Staff Qualifications", styles["Title"]),
        Paragraph(f"{org.name}" + (f" &middot; License {org.license_number}"
                                   if org.license_number else ""), styles["Heading2"]),
        Paragraph(f"Issued {local:%B %d, %Y %I:%M %p %Z} by {registry.settings.registry_name}. "
                  f"Verification code: <b>{code}</b>", styles["BodyText"]),
        Paragraph("Education and permits shown were verified by registry staff from documents; "
                  "training hours come from verified certificates and registry trainings "
                  "attended. Only staff whose employment the program confirmed are listed.",
                  small),
        Spacer(1, 0.15 * inch),
    ]
    header = ["Name / Registry ID", "Position", "ECE / GE units", "Degree", "Permits (expires)",
              "Hours 12 mo.", "Renewal hours", "Flags"]
    data: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", small) for h in header]]
    for row in rows:
        permits = "<br/>".join(
            f"{_esc(p['name'])} ({p['expires_on'] or 'no expiry'})" for p in row["permits"]) \
            or "-"
        units = "-" if row["ece_units"] is None else f"{row['ece_units']} / {row['ge_units']}"
        data.append([
            Paragraph(f"{_esc(row['name'])}<br/>{row['registry_id']}", small),
            Paragraph(_esc(row["position"]), small),
            Paragraph(units, small),
            Paragraph(row["highest_degree"] or "-", small),
            Paragraph(permits, small),
            Paragraph(row["training_hours_12_months"], small),
            Paragraph(_renewal_text(row) or "-", small),
            Paragraph(", ".join(FLAG_TEXT.get(f, f) for f in row["flags"]) or "-", small),
        ])
    if not rows:
        data.append([Paragraph("No confirmed staff.", small)] + [""] * 7)
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
    story.append(Paragraph(f"Check this report with its code {code} on the registry's "
                           f"report check page (/jobs/report-check).", small))
    doc.build(story)
    return buffer.getvalue()


def _esc(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
