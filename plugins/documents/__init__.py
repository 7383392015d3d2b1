"""The documents plugin: My Documents, the staff verification queue and the Education & Training
Report.

Participants upload transcripts, permits, credentials and certificates (PDF, JPEG or PNG,
checked by content, sealed under their data key, stored content-addressed); registry staff
verify them into degrees, courses, permits, credentials and training records; the participant
downloads a verifiable report (PDF and JSON).

For other plugins:

* :func:`plugins.documents.services.verified_education` returns a person's verified units,
  degrees, permits and certificate training hours (qris, jobs, stipends).
* The report collects ``education_report_sections`` from every plugin. A section with
  ``key="training"`` whose ``data`` is a list of ``{"title", "hours", "completed_on",
  "sponsor", "competency_area"}`` joins the report's training list and its hour total; any
  other section is printed as its own table (``columns``/``rows``).

Config (``[plugins.documents]``): ``max_upload_mb`` (default 10), ``storage_path`` (default
``<instance>/files``), ``storage_backend`` (``"package.module:factory"``, a callable taking the
registry and returning a :class:`~plugins.documents.storage.FileStorage`, for object storage;
default the local file system), ``report_cache_entries`` (rendered report PDFs kept per process,
default 256, 0 turns the cache off) and ``report_cache_seconds`` (default 3600).

Translations live in ``translations/`` (Spanish, Traditional Chinese); refresh them with::

    pybabel extract -F registry_kernel/translations/babel.cfg -k _l -k N_ \
        -o plugins/documents/translations/messages.pot plugins/documents
    pybabel update -i plugins/documents/translations/messages.pot -d plugins/documents/translations
    pybabel compile -d plugins/documents/translations
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from registry_kernel.extension import (
    AttentionItem,
    Permission,
    PluginInfo,
    QuickLink,
    Scope,
)
from registry_kernel.hookspecs import hookimpl

from .workforce_facts import workforce_facts  # noqa: F401


class DocumentsConfig(BaseModel):
    """``[plugins.documents]``."""

    model_config = ConfigDict(extra="forbid")

    max_upload_mb: float = Field(10, gt=0, le=100)
    storage_path: str | None = None
    storage_backend: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    report_cache_entries: int = Field(256, ge=0, le=100_000)
    report_cache_seconds: int = Field(3600, ge=0, le=7 * 86400)


PLUGIN = PluginInfo(
    name="documents",
    version="0.1.0",
    description="My Documents, staff verification and the Education & Training Report",
    config_model=DocumentsConfig,
)

VERIFY_PERMISSION = "documents.verify"


@hookimpl
def registry_startup(app: Any, registry: Any) -> None:
    from . import services

    services.bind_registry(registry)
    services.storage_for(registry)
    config = registry.plugin_config("documents")
    # Let the request through to the plugin's own size check (413 problem+json with a reason).
    limit = int(config.max_upload_mb * 1024 * 1024) + 512 * 1024
    if (app.config.get("MAX_CONTENT_LENGTH") or 0) < limit:
        app.config["MAX_CONTENT_LENGTH"] = limit
    if "babel" not in app.extensions:  # the kernel's web shell normally sets Babel up
        app.jinja_env.globals.setdefault("_", _fallback_gettext)
        app.jinja_env.globals.setdefault("gettext", _fallback_gettext)


def _fallback_gettext(text: str, **values: Any) -> str:
    return text % values if values else text


@hookimpl
def cli_commands(cli: Any) -> None:
    from .cli import documents

    cli.add_command(documents)


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp
    from .views import public_bp

    return [api_bp, web_bp, public_bp]


@hookimpl
def permissions() -> list[Permission]:
    return [Permission(VERIFY_PERMISSION, "Verify participants' documents into records",
                       ("registry_staff",))]


@hookimpl
def oauth_scopes() -> list[Scope]:
    return [Scope("verification", "Work the document verification queue (registry staff)",
                  roles=("registry_staff",))]


@hookimpl
def quick_links(actor: Any, participant: Any) -> list[QuickLink]:
    return [
        QuickLink("documents", _l("My Documents"), "documents_web.my_documents",
                  color="#2a7f62", icon="folder", order=30,
                  description=_l("Upload transcripts, permits and certificates")),
        QuickLink("education_report", _l("Education & Training Report"),
                  "documents_web.report", color="#6b4c9a", icon="file-text", order=31,
                  description=_l("Your verified education and training")),
    ]


@hookimpl
def nav_links(actor: Any) -> Any:
    if actor is not None and actor.can(VERIFY_PERMISSION):
        return [(_l("Verification queue"), "documents_web.queue")]
    return None


@hookimpl
def attention_items(session: Any, actor: Any, participant: Any) -> list[AttentionItem]:
    from sqlalchemy import func, select

    from .models import Document, Permit
    from .services import participant_guidance, registry_for

    if participant is None:
        return []
    items = []
    rejected = session.scalar(select(func.count(Document.id)).where(
        Document.participant_id == participant.id, Document.status == "rejected"))
    if rejected:
        items.append(AttentionItem(
            _l("A document was not accepted; please upload it again."),  # type: ignore[arg-type]
            "documents_web.my_documents", "warning"))
    registry = registry_for(session)
    # Renewal guidance needs a verified Child Development Permit: most people have none, and
    # then the home page skips summing their education and training (a query per plugin).
    has_permit = session.scalar(select(Permit.id).where(
        Permit.participant_id == participant.id, Permit.kind == "cd_permit").limit(1))
    renewal = participant_guidance(session, registry, participant)["renewal"] \
        if registry and has_permit is not None else None
    if renewal:
        short = renewal["days_left"] < 180 and renewal["remaining_hours"] != "0.00"
        items.append(AttentionItem(
            _l("Permit renewal: %(hours)s of %(required)s professional growth hours; your "  # type: ignore[arg-type]
               "permit expires on %(date)s.", hours=renewal["hours"],
               required=renewal["required_hours"].split(".")[0], date=renewal["expires_on"]),
            "documents_web.report", "warning" if short else "info"))
    return items


@hookimpl
def event_types() -> list[str]:
    return ["document.verified"]


@hookimpl
def participant_export(session: Any, registry: Any, participant: Any) -> Any:
    from .services import export_participant

    return ("documents", export_participant(session, registry, participant))


@hookimpl
def participant_erased(session: Any, participant_id: str) -> None:
    from .services import erase_participant

    erase_participant(session, participant_id)


@hookimpl
def participants_merged(session: Any, survivor_id: str, merged_id: str) -> None:
    from .services import merge_participants

    merge_participants(session, survivor_id, merged_id)


@hookimpl
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    from .demo import load_demo

    load_demo(session, registry, demo)
