"""The Education & Training Report as a PDF (reportlab).

The PDF prints the data of :func:`plugins.documents.services.build_report` plus the report's
verification code and the public address where anyone can check it.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_TABLE_STYLE = TableStyle([
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
    ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef2")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa7b0")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def _p(text: Any, style: Any) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


def _table(columns: list[str], rows: list[list[Any]], style: Any, widths: list[float] | None = None
           ) -> Table:
    data = [[_p(c, style) for c in columns]] + [[_p(v, style) for v in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_TABLE_STYLE)
    return table


def render_pdf(report: dict[str, Any], *, name: str, registry_name: str, verify_url: str) -> bytes:
    """Render ``report`` (with its ``verification`` entry) as PDF bytes."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=0.6 * inch,
                            rightMargin=0.6 * inch, topMargin=0.6 * inch,
                            bottomMargin=0.6 * inch, title="Education & Training Report",
                            author=registry_name)
    verification = report.get("verification") or {}
    story: list[Any] = [
        _p(registry_name, styles["Heading3"]),
        _p("Education & Training Report", styles["Title"]),
        _p(f"Name: {name}", styles["BodyText"]),
        _p(f"Registry ID: {report['registry_id']}", styles["BodyText"]),
        _p(f"Generated: {report['generated_at']}", styles["BodyText"]),
        _p(f"Verification code: {verification.get('code', '-')}", styles["BodyText"]),
        _p(f"Check this report at {verify_url}", small),
        Spacer(1, 10),
    ]

    totals = report["totals"]
    story += [_p("Totals", styles["Heading2"]), _table(
        ["ECE/CD units (semester)", "General education units (semester)", "Training hours"],
        [[totals["ece_units"], totals["ge_units"], totals["training_hours"]]], small)]

    story.append(_p("Degrees", styles["Heading2"]))
    if report["degrees"]:
        story.append(_table(["Degree", "Major", "Institution", "Accredited", "Conferred"],
                            [[d["level"], d["major"], d["institution"],
                              "yes" if d["accredited"] else "no", d["conferred_on"]]
                             for d in report["degrees"]], small))
    else:
        story.append(_p("No verified degrees.", small))

    story.append(_p(f"College courses (grade {report['grade_threshold']} or better)",
                    styles["Heading2"]))
    if report["courses"]:
        story.append(_table(
            ["Course", "Title", "Institution", "Completed", "Units", "Semester units",
             "Grade", "ECE/GE"],
            [[c["course_number"], c["title"], c["institution"], c["completed_on"],
              f"{c['units']} {c['unit_system']}", c["semester_units"], c["grade"],
              "ECE/CD" if c["category"] == "ece" else "GE"] for c in report["courses"]],
            small, widths=[0.7 * inch, 1.9 * inch, 1.4 * inch, 0.75 * inch, 0.9 * inch,
                           0.65 * inch, 0.45 * inch, 0.55 * inch]))
    else:
        story.append(_p("No verified courses.", small))

    story.append(_p("Permits and credentials", styles["Heading2"]))
    if report["permits"]:
        story.append(_table(["Permit or credential", "Number", "Issued", "Expires"],
                            [[p["name"], p["number"], p["issued_on"], p["expires_on"] or "-"]
                             for p in report["permits"]], small))
    else:
        story.append(_p("No verified permits or credentials.", small))

    story.append(_p("Training", styles["Heading2"]))
    if report["training"]:
        story.append(_table(["Date", "Title", "Sponsor", "Competency area", "Hours"],
                            [[t["completed_on"], t["title"], t["sponsor"] or "-",
                              t["competency_area"] or "-", t["hours"]]
                             for t in report["training"]], small))
    else:
        story.append(_p("No training recorded.", small))

    guidance = report.get("permit_guidance") or {}
    renewal = guidance.get("renewal")
    if renewal:
        story += [_p("Permit renewal", styles["Heading2"]), _p(
            f"{renewal['label']} Permit {renewal['number']} expires {renewal['expires_on']}. "
            f"Professional growth since {renewal['window_start']}: {renewal['hours']} of "
            f"{renewal['required_hours']} hours.", small)]

    for section in report.get("sections", []):
        story.append(_p(section["title"], styles["Heading2"]))
        if section["rows"]:
            story.append(_table(section["columns"], section["rows"], small))
        else:
            story.append(_p("Nothing to show.", small))

    story += [Spacer(1, 12), _p(
        "Only records verified by registry staff from the participant's documents, and training "
        "recorded by approved training sponsors, appear on this report. Units are semester "
        "units; a quarter unit counts as 2/3 of a semester unit.", small)]
    doc.build(story)
    return buffer.getvalue()
