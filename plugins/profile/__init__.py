"""Profile plugin: the participant's personal profile, employment history, membership ID card
and resume builder (issue 4).

Other plugins use :mod:`.services`: the jobs plugin's program administrators call
``confirm_employment`` and ``employments_at``; the ``participant_visible_to_org`` hook opens a
participant to an organization that confirmed their employment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, EmailStr

from registry_kernel.extension import MigrationLocation, Permission, PluginInfo, QuickLink
from registry_kernel.hookspecs import hookimpl


class ProfileConfig(BaseModel):
    """``[plugins.profile]``: where people are sent for help."""

    model_config = ConfigDict(extra="forbid")

    admin_email: EmailStr = "registry-admin@example.org"
    documents_office: str = ("Registry Verification Office\nPO Box 0000\n"
                             "Sacramento, CA 95800")
    documents_instructions: str = (
        "Upload transcripts, permits and certificates under My Documents, or mail copies "
        "(never originals) to the office below. Write your Registry ID on every page.")


PLUGIN = PluginInfo(
    name="profile",
    version="0.1.0",
    description="Personal profile, employment history, membership ID card and resume builder",
    config_model=ProfileConfig,
)

HERE = Path(__file__).parent


def config(registry: Any) -> ProfileConfig:
    return registry.plugin_config("profile") or ProfileConfig()


@hookimpl
def migration_location() -> MigrationLocation:
    return MigrationLocation("profile", HERE / "migrations" / "versions")


@hookimpl
def registry_startup(app: Any, registry: Any) -> None:
    if "babel" not in app.extensions:  # the kernel's web shell normally sets Babel up
        from flask_babel import Babel

        Babel(app)


@hookimpl
def blueprints() -> list[Any]:
    from .api import bp as api_bp
    from .views import bp as web_bp

    return [api_bp, web_bp]


@hookimpl
def quick_links(actor: Any, participant: Any) -> list[QuickLink]:
    return [
        QuickLink("profile", _l("View/Update Personal Profile"), "profile_web.profile",
                  color="#1f6f8b", icon="person", order=10,
                  description=_l("Contact details, experience, education and demographics")),
        QuickLink("employment", _l("Employment History"), "profile_web.employment",
                  color="#2e7d32", icon="briefcase", order=20,
                  description=_l("Your jobs, newest first; employers confirm them")),
        QuickLink("card", _l("Membership Card"), "profile_web.card", color="#6a1b9a",
                  icon="card", order=30, description=_l("Print or show your Registry ID card")),
        QuickLink("resume", _l("Resume Builder"), "profile_web.resume", color="#ad5f00",
                  icon="document", order=40,
                  description=_l("Create a Word resume from your registry record")),
        QuickLink("contact_admin", _l("Email the Registry administrator"),
                  "profile_web.contact_admin", color="#455a64", icon="mail", order=90),
        QuickLink("submit_documents", _l("Where to submit education/training documents"),
                  "profile_web.submit_documents", color="#455a64", icon="inbox", order=91),
    ]


@hookimpl
def permissions() -> list[Permission]:
    return [Permission("employment.confirm",
                       "Confirm or reject employment records that name your organization",
                       ("program_admin", "registry_staff"))]


@hookimpl
def participant_visible_to_org(session: Any, participant_id: str, organization_id: int) -> Any:
    from .services import has_confirmed_employment

    return True if has_confirmed_employment(session, participant_id, organization_id) else None


@hookimpl
def attention_items(session: Any, actor: Any, participant: Any) -> Any:
    from registry_kernel.extension import AttentionItem

    from .services import list_employment

    if any(r.status == "rejected" for r in list_employment(session, participant.id)):
        return AttentionItem(_l("An employer could not confirm one of your jobs; please check "
                                "it in your employment history."), "profile_web.employment",
                             "warning")
    return None


@hookimpl
def participant_export(session: Any, registry: Any, participant: Any) -> Any:
    from .services import export

    return ("profile", export(session, registry, participant))


@hookimpl
def participant_erased(session: Any, participant_id: str) -> None:
    from .services import erase

    erase(session, participant_id)


@hookimpl
def participants_merged(session: Any, registry: Any, survivor_id: str, merged_id: str) -> None:
    from .services import merge

    # Sealed values are re-sealed under the survivor's data key with the registry the kernel
    # passes (in a web request, the CLI or a bare script alike).
    merge(session, registry, survivor_id, merged_id)


@hookimpl
def event_types() -> list[str]:
    return ["employment.confirmed"]


DEMO_JOBS: dict[str, list[dict[str, Any]]] = {
    "participant": [
        {"org": "fcc", "position": "Assistant", "role_category": "fcc_assistant",
         "start_date": date(2012, 8, 1), "end_date": date(2016, 6, 30),
         "hours_per_week": Decimal("30"), "hourly_wage": Decimal("14.50"),
         "age_groups": ["infant", "toddler"], "confirm": False,
         "responsibilities": ["Cared for infants and toddlers in a mixed-age home program",
                              "Prepared meals following the CACFP guidelines"]},
        {"org": "center", "position": "Preschool Teacher", "role_category": "teacher",
         "start_date": date(2016, 8, 15), "end_date": None, "hours_per_week": Decimal("40"),
         "hourly_wage": Decimal("23.75"), "age_groups": ["preschool"], "confirm": True,
         "responsibilities": ["Plan and lead a play-based curriculum for 20 preschoolers",
                              "Hold family conferences in English and Spanish"]},
    ],
    "teacher": [
        {"employer_name": "Little Dragons Preschool", "position": "Lead Teacher",
         "role_category": "lead_teacher", "start_date": date(2005, 9, 1),
         "end_date": date(2019, 5, 31), "hours_per_week": Decimal("38.5"),
         "age_groups": ["preschool", "school_age"], "confirm": False},
        {"org": "center", "position": "Site Supervisor", "role_category": "site_supervisor",
         "start_date": date(2019, 7, 1), "end_date": None, "hours_per_week": Decimal("40"),
         "hourly_wage": Decimal("31.00"), "age_groups": ["toddler", "preschool"],
         "confirm": False},
    ],
}

DEMO_SECTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "participant": {
        "experience": {"first_year_in_field": 2012, "current_roles": ["teacher"]},
        "education": {"highest_level": "aa", "ece_units": "32", "degree_field":
                      "Child Development"},
        "demographics": {"ethnicity": "latino", "gender": "female", "age_band": "30_39",
                         "primary_language": "es", "other_languages": ["en"],
                         "county_of_residence": "Alameda", "county_of_work": "Alameda",
                         "hours_per_week": "40_plus", "ages_served": ["preschool"]},
    },
    "teacher": {
        "experience": {"first_year_in_field": 2003, "current_roles": ["site_supervisor"]},
        "education": {"highest_level": "ba", "ece_units": "48", "degree_field":
                      "Early Childhood Education"},
        "demographics": {"ethnicity": "asian", "gender": "declined", "age_band": "40_49",
                         "primary_language": "zh-yue", "other_languages": ["en", "cmn"],
                         "county_of_residence": "declined", "county_of_work": "Alameda",
                         "hours_per_week": "40_plus", "ages_served": "declined"},
    },
}


@hookimpl
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.models import Participant

    from . import services

    admin = demo.accounts.get("program_admin")
    confirmer = actor_for_account(session, admin, permission_roles=registry.permission_roles) \
        if admin is not None else None
    for key, jobs in DEMO_JOBS.items():
        account = demo.accounts.get(key)
        if account is None:
            continue
        participant = session.get(Participant, account.participant_id)
        if key in DEMO_SECTIONS:
            services.update_sections(session, registry, participant, DEMO_SECTIONS[key],
                                     actor=None)
        for job in jobs:
            org = demo.orgs.get(job.get("org", ""))
            if job.get("org") and org is None:
                continue
            data = services.parse_employment({
                k: v for k, v in job.items() if k not in ("org", "confirm")}
                | ({"employer_id": org.id} if org is not None else {}))
            record = services.create_employment(session, registry, participant, data,
                                                actor=None)
            if job.get("confirm") and confirmer is not None and \
                    record.employer_id == demo.orgs["center"].id:
                services.confirm_employment(session, registry, record.id, actor=confirmer,
                                            confirmed=True)
