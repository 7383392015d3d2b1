"""Demo data: María's verified transcript and permit, and a certificate waiting in the queue."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from registry_kernel.auth.actor import actor_for_account
from registry_kernel.db import utcnow

from . import services as svc


def sample_pdf(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF standing in for a scanned document."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LETTER)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 720, title)
    pdf.setFont("Helvetica", 11)
    for index, line in enumerate(lines):
        pdf.drawString(72, 690 - 16 * index, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def load_demo(session: Any, registry: Any, demo: Any) -> None:
    account = demo.accounts.get("participant")
    staff = demo.accounts.get("registry_staff")
    if account is None or staff is None:
        return
    participant = account.participant
    actor = actor_for_account(session, staff, permission_roles=registry.permission_roles)

    transcript = svc.upload_document(
        session, registry, participant, type_="transcript", filename="laney-transcript.pdf",
        data=sample_pdf("Laney College: Unofficial Transcript",
                        ["CHDEV 50 Child Growth and Development  3.0  A",
                         "CHDEV 51 Child, Family and Community     3.0  B+",
                         "CHDEV 53 Curriculum                     3.0  C-",
                         "ENGL 1A  Composition                    4.0  B",
                         "MATH 13  Statistics                     4.0  D"]))
    svc.verify_document(session, registry, transcript, svc.VerificationIn(courses=[
        svc.CourseIn(institution="Laney College", course_number="CHDEV 50",
                     title="Child Growth and Development", units=Decimal("3"),
                     unit_system="semester", grade="A", completed_on=date(2019, 12, 14),
                     category="ece", core_area="child_growth"),
        svc.CourseIn(institution="Laney College", course_number="CHDEV 51",
                     title="Child, Family and Community", units=Decimal("3"),
                     unit_system="semester", grade="B+", completed_on=date(2020, 5, 20),
                     category="ece", core_area="child_family_community"),
        svc.CourseIn(institution="Laney College", course_number="CHDEV 53",
                     title="Curriculum in Early Childhood", units=Decimal("3"),
                     unit_system="semester", grade="C-", completed_on=date(2020, 12, 15),
                     category="ece", core_area="curriculum"),
        svc.CourseIn(institution="Laney College", course_number="ENGL 1A", title="Composition",
                     units=Decimal("4"), unit_system="semester", grade="B",
                     completed_on=date(2019, 12, 14), category="ge", ge_area="english"),
        svc.CourseIn(institution="Laney College", course_number="MATH 13", title="Statistics",
                     units=Decimal("4"), unit_system="semester", grade="D",
                     completed_on=date(2020, 5, 20), category="ge", ge_area="math_science"),
        svc.CourseIn(institution="De Anza College", course_number="CD 10H",
                     title="Health, Safety and Nutrition", units=Decimal("4.5"),
                     unit_system="quarter", grade="P", completed_on=date(2021, 3, 20),
                     category="ece"),
    ]), actor=actor)

    permit = svc.upload_document(
        session, registry, participant, type_="permit", level="associate_teacher",
        number="CDP-2104417", issued_on=date(2022, 8, 1), expires_on=date(2027, 8, 1),
        filename="permit.pdf",
        data=sample_pdf("Commission on Teacher Credentialing",
                        ["Child Development Associate Teacher Permit", "Document CDP-2104417"]))
    svc.verify_document(session, registry, permit, svc.VerificationIn(permits=[svc.PermitIn(
        level="associate_teacher", number="CDP-2104417", issued_on=date(2022, 8, 1),
        expires_on=date(2027, 8, 1))]), actor=actor)

    waiting = svc.upload_document(
        session, registry, participant, type_="training_certificate", filename="certificate.pdf",
        data=sample_pdf("Certificate of Completion",
                        ["Supporting Dual Language Learners", "6 clock hours"]))
    waiting.uploaded_at = utcnow() - timedelta(days=3)
    session.flush()
