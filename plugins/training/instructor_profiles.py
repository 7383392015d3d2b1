"""Instructor Profiles: an approved instructor's optional public page (expertise, experience,
languages, a short bio), partly filled in from their registry profile.

One profile per account, whatever the sponsors. The texts are sealed with the person's data key
(erasing the person shreds them) and are shown to others only while published; the leading
instructor's published profile is linked from an event's details page. Plain functions over a
session, like :mod:`.services`; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.db import utcnow
from registry_kernel.models import Account, Participant

from .i18n import _
from .models import Instructor, InstructorProfile, TrainingEvent
from .services import Forbidden, Invalid, NotFound, language_codes

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor
    from registry_kernel.runtime import Registry

TABLE = "training_instructor_profiles"
TEXT_FIELDS: dict[str, int] = {"display_name": 100, "expertise": 2000, "experience": 4000,
                               "bio": 4000}


@dataclass
class ProfileView:
    """A profile's contents, opened."""

    id: int | None
    account_id: int
    display_name: str = ""
    expertise: str = ""
    experience: str = ""
    bio: str = ""
    languages: list[str] = field(default_factory=list)
    published: bool = False


def is_instructor(session: Session, account_id: int) -> bool:
    """Whether the account is an approved instructor of at least one sponsor."""
    return session.scalar(select(Instructor.id).where(
        Instructor.account_id == account_id, Instructor.status == "approved").limit(1)) \
        is not None


def profile_of(session: Session, account_id: int) -> InstructorProfile | None:
    return session.scalar(select(InstructorProfile)
                          .where(InstructorProfile.account_id == account_id))


def _open(session: Session, registry: Registry, profile: InstructorProfile) -> ProfileView:
    texts = {name: registry.vault.open(session, profile.participant_id, TABLE, f"{name}_enc",
                                       str(profile.account_id),
                                       getattr(profile, f"{name}_enc")) or ""
             for name in TEXT_FIELDS}
    return ProfileView(id=profile.id, account_id=profile.account_id,
                       languages=list(profile.languages or []), published=profile.published,
                       **texts)


def read(session: Session, registry: Registry, account_id: int) -> ProfileView | None:
    """The account's own profile, opened (no audit: a person reading their own words)."""
    profile = profile_of(session, account_id)
    return _open(session, registry, profile) if profile is not None else None


def published_profile_of(session: Session, registry: Registry, account_id: int
                         ) -> ProfileView | None:
    """The account's profile if it is published and they still instruct; else ``None``."""
    profile = profile_of(session, account_id)
    if profile is None or not profile.published or not is_instructor(session, account_id):
        return None
    return _open(session, registry, profile)


def public_profile(session: Session, registry: Registry, profile_id: int,
                   viewer_account_id: int | None = None) -> ProfileView:
    """A profile for its page: published ones for everyone, an unpublished one only for its
    owner (a preview); :class:`NotFound` otherwise, so unpublished profiles are not revealed."""
    profile = session.get(InstructorProfile, profile_id)
    if profile is None:
        raise NotFound(_("no such instructor profile"))
    own = viewer_account_id is not None and viewer_account_id == profile.account_id
    if not own and not (profile.published and is_instructor(session, profile.account_id)):
        raise NotFound(_("no such instructor profile"))
    return _open(session, registry, profile)


def led_events(session: Session, account_id: int, *, listed_only: bool = True
               ) -> list[TrainingEvent]:
    """Upcoming events the instructor leads (with ``listed_only``, those on the calendar)."""
    query = select(TrainingEvent).where(TrainingEvent.instructor_account_id == account_id,
                                        TrainingEvent.ends_at > utcnow())
    if listed_only:
        query = query.where(TrainingEvent.visibility == "published",
                            TrainingEvent.status == "scheduled")
    return list(session.scalars(query.order_by(TrainingEvent.starts_at).limit(100)))


# --- filling in from the registry profile ----------------------------------------------------

def prefill(session: Session, registry: Registry, account: Account) -> ProfileView:
    """A first draft for someone without a profile: their name, and (when the profile plugin
    is on) their experience, education, languages and resume summary from it. Nothing is
    stored until they save."""
    from registry_kernel.participants import personal_data

    participant = account.participant
    name = personal_data(session, registry, participant,
                         fields=("first_name", "last_name")).full_name()
    view = ProfileView(id=None, account_id=account.id, display_name=name.strip())
    if registry.plugins.is_enabled("profile"):
        _from_registry_profile(session, registry, participant, view)
    return view


def _from_registry_profile(session: Session, registry: Registry, participant: Participant,
                           view: ProfileView) -> None:
    from registry_plugins.profile import services as profile
    from registry_plugins.profile.forms import LEVEL_CHOICES, ROLE_CHOICES

    sections = profile.read_sections(session, registry, participant)
    experience = sections.get("experience") or {}
    education = sections.get("education") or {}
    demographics = sections.get("demographics") or {}
    parts = []
    year = experience.get("first_year_in_field")
    if isinstance(year, int):
        parts.append(_("In early care and education since %(year)s.", year=year))
    roles = dict(ROLE_CHOICES)
    current = [str(roles[r]) for r in experience.get("current_roles") or [] if r in roles]
    if current:
        parts.append(_("Current roles: %(roles)s.", roles=", ".join(current)))
    view.experience = " ".join(parts)
    level = dict(LEVEL_CHOICES).get(education.get("highest_level") or "")
    subject = education.get("degree_field")
    if level and subject:
        view.expertise = _("%(level)s in %(field)s", level=str(level), field=subject)
    elif subject or level:
        view.expertise = str(subject or level)
    spoken = [demographics.get("primary_language")]
    others = demographics.get("other_languages")
    if isinstance(others, list):
        spoken += others
    known = language_codes(session)
    view.languages = [code for code in dict.fromkeys(spoken) if code in known]
    view.bio = profile.resume_summary(session, registry, participant)[:TEXT_FIELDS["bio"]]


# --- changing it -----------------------------------------------------------------------------

def save(session: Session, registry: Registry, account: Account, actor: Actor,
         values: dict[str, Any]) -> InstructorProfile:
    """Create or change the account's profile. Only approved instructors have one; texts are
    trimmed and limited, languages must be on the registry's list. Audited by field name."""
    if not is_instructor(session, account.id):
        raise Forbidden(_("only approved instructors have an instructor profile"))
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        text = (values.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("at most %(n)s characters", n=limit)
        clean[name] = text
    if not clean["display_name"]:
        errors["display_name"] = _("required")
    known = language_codes(session)
    chosen = list(dict.fromkeys(values.get("languages") or []))
    unknown = [code for code in chosen if code not in known]
    if unknown:
        errors["languages"] = _("unknown language %(code)s", code=", ".join(unknown))
    if errors:
        raise Invalid(_("some fields are not valid"), errors)
    profile = profile_of(session, account.id)
    before = _open(session, registry, profile) if profile is not None else None
    if profile is None:
        profile = InstructorProfile(account_id=account.id,
                                    participant_id=account.participant_id, languages=[],
                                    published=False)
        session.add(profile)
    changed = []
    for name in TEXT_FIELDS:
        if before is None or getattr(before, name) != clean[name]:
            setattr(profile, f"{name}_enc", registry.vault.seal(
                session, profile.participant_id, TABLE, f"{name}_enc", str(account.id),
                clean[name]) if clean[name] else None)
            changed.append(name)
    if before is None or before.languages != chosen:
        profile.languages = chosen
        changed.append("languages")
    session.flush()
    if changed:
        audit.record(session, actor=actor, action="training.instructor_profile.update",
                     subject_participant_id=account.participant_id,
                     resource_type="instructor_profile", resource_id=profile.id, fields=changed)
    return profile


def set_published(session: Session, account: Account, actor: Actor, published: bool
                  ) -> InstructorProfile:
    """Publish or unpublish the account's profile (it must exist and have a name)."""
    profile = profile_of(session, account.id)
    if profile is None or profile.display_name_enc is None:
        raise Invalid(_("save your profile before publishing it"),
                      {"display_name": _("required")})
    if published and not is_instructor(session, account.id):
        raise Forbidden(_("only approved instructors have an instructor profile"))
    if profile.published != published:
        profile.published = published
        profile.published_at = utcnow() if published else None
        audit.record(session, actor=actor, action=("training.instructor_profile.publish"
                                                   if published else
                                                   "training.instructor_profile.unpublish"),
                     subject_participant_id=account.participant_id,
                     resource_type="instructor_profile", resource_id=profile.id)
    return profile


def export(session: Session, registry: Registry, participant_id: str) -> dict[str, Any] | None:
    """The person's profile, for their data export."""
    profile = session.scalar(select(InstructorProfile)
                             .where(InstructorProfile.participant_id == participant_id))
    if profile is None:
        return None
    view = _open(session, registry, profile)
    return {"display_name": view.display_name, "expertise": view.expertise,
            "experience": view.experience, "bio": view.bio, "languages": view.languages,
            "published": view.published}
