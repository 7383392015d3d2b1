"""Items for the home page's "needs attention" box (``attention_items`` hook)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry_kernel.extension import AttentionItem

from .models import Application, Pathway, Program


def items(session: Session, actor: Any, participant: Any) -> list[AttentionItem]:
    out: list[AttentionItem] = []
    if participant is not None:
        waiting = session.scalar(select(func.count()).select_from(Application).where(
            Application.participant_id == participant.id,
            Application.status == "documents_requested"))
        if waiting:
            out.append(AttentionItem(
                _("County staff asked for more documents for your stipend application."),
                endpoint="stipends_web.index", level="warning"))
        returned = session.scalar(select(func.count()).select_from(Pathway).where(
            Pathway.participant_id == participant.id, Pathway.status == "returned"))
        if returned:
            out.append(AttentionItem(
                _("County staff returned your professional development plan for changes."),
                endpoint="stipends_web.index", level="warning"))
    if actor is not None and actor.has_role("county_admin"):
        ids = actor.org_ids_for("county_admin")
        proposed = session.scalar(
            select(func.count()).select_from(Pathway)
            .join(Application, Application.id == Pathway.application_id)
            .join(Program, Program.id == Application.program_id)
            .where(Pathway.status == "proposed", Program.organization_id.in_(ids))) if ids else 0
        if proposed:
            out.append(AttentionItem(
                ngettext("%(num)s professional development plan waits for your approval.",
                         "%(num)s professional development plans wait for your approval.",
                         proposed),
                endpoint="stipends_web.admin_programs", level="info"))
    return out
