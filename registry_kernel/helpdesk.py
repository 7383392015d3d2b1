"""Help desk pages: find a participant, correct names, merge duplicates, start a password reset,
change a lost email after identity checks, and read the audit trail.

Every page is a POST carrying a reason (no personal data or Registry ID in URLs or logs), and
every read or change is audited with that reason. Staff must have two-factor sign-in on.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from . import audit, registry_id
from .auth.forms import CorrectNamesForm, FindParticipantForm, MergeForm, ReasonForm
from .auth.session import two_factor_required, web_actor
from .models import Account, Participant
from .participants import (
    DuplicateEmail,
    ParticipantNotFound,
    find_by_email,
    get_by_registry_id,
    merge_participants,
    personal_data,
    update_personal_data,
)
from .web import current_registry, registry_session

bp = Blueprint("helpdesk", __name__, url_prefix="/helpdesk")


class ChangeEmailForm(ReasonForm):
    email = EmailField(_l("New email address"), validators=[
        InputRequired(message=_l("Enter the new email address.")),
        Email(message=_l("Enter an email address like name@example.com."),
              check_deliverability=False), Length(max=254)])


class StartResetForm(ReasonForm):
    pass


class TrailForm(ReasonForm):
    pass


def invalid_id_message() -> str:
    return _("This is not a valid Registry ID: a Registry ID has 10 digits and the last one "
             "checks the others. Check each digit.")


def _require(permission: str) -> Any:
    actor = web_actor()
    if actor is None or not actor.can(permission):
        abort(403)
    return actor


def _resolve(text: str) -> Participant | None:
    db = registry_session()
    text = (text or "").strip()
    if "@" in text:
        participant = find_by_email(db, current_registry(), text)
        if participant is not None and participant.status == "merged":
            return get_by_registry_id(db, participant.registry_id)
        return participant if participant is not None and participant.status == "active" else None
    return get_by_registry_id(db, text)


def _page(participant: Participant, reason: str, **forms: FlaskForm) -> str:
    """The participant's help-desk page; reading it is audited with ``reason``."""
    db = registry_session()
    registry = current_registry()
    actor = web_actor()
    data = personal_data(db, registry, participant, actor=actor, reason=reason,
                         fields=("first_name", "last_name", "email", "birth_date", "phone"))
    account = db.scalar(select(Account).where(Account.participant_id == participant.id))
    rid = participant.registry_id
    defaults = {"registry_id": rid, "reason": reason}
    names = forms.get("names") or CorrectNamesForm(
        prefix="names", formdata=None, data={**defaults, "first_name": data.first_name,
                             "last_name": data.last_name})
    merge = forms.get("merge") or MergeForm(prefix="merge", formdata=None, data=defaults)
    reset = forms.get("reset") or StartResetForm(prefix="reset", formdata=None, data=defaults)
    email = forms.get("email") or ChangeEmailForm(prefix="email", formdata=None, data=defaults)
    trail = forms.get("trail") or TrailForm(prefix="trail", formdata=None, data=defaults)
    db.commit()
    return render_template("kernel/helpdesk/participant.html", participant=participant,
                           data=data, account=account, rid=registry_id.display(rid),
                           names_form=names, merge_form=merge, reset_form=reset,
                           email_form=email, trail_form=trail, events=forms.get("events_list"),
                           actor=actor)


def _participant_from(form: ReasonForm) -> Participant:
    try:
        return get_by_registry_id(registry_session(), form.registry_id.data or "")
    except (ParticipantNotFound, registry_id.InvalidRegistryId):
        abort(404)


@bp.route("/", methods=["GET", "POST"])
@two_factor_required
def find() -> Any:
    _require("participants.search")
    form = FindParticipantForm()
    if form.validate_on_submit():
        participant = None
        try:
            participant = _resolve(form.query.data)
        except registry_id.InvalidRegistryId:
            form.query.errors = [invalid_id_message()]
        except ParticipantNotFound:
            participant = None
        if participant is None and not form.query.errors:
            form.query.errors = [_("No profile has this Registry ID or email.")]
        if participant is not None:
            return _page(participant, form.reason.data)
    status = 422 if form.errors else 200
    return render_template("kernel/helpdesk/find.html", form=form), status


@bp.route("/names", methods=["POST"])
@two_factor_required
def correct_names() -> Any:
    actor = _require("participants.correct_names")
    form = CorrectNamesForm(prefix="names")
    valid = form.validate_on_submit()
    participant = _participant_from(form)
    if not valid:
        return _page(participant, form.reason.data or "", names=form), 422
    update_personal_data(registry_session(), current_registry(), participant,
                         {"first_name": form.first_name.data.strip(),
                          "last_name": form.last_name.data.strip()},
                         actor=actor, reason=form.reason.data)
    flash(_("The name is corrected."), "success")
    return _page(participant, form.reason.data)


@bp.route("/merge", methods=["POST"])
@two_factor_required
def merge() -> Any:
    actor = _require("participants.merge")
    form = MergeForm(prefix="merge")
    valid = form.validate_on_submit()
    survivor = _participant_from(form)
    other = None
    if valid:
        try:
            other = get_by_registry_id(registry_session(), form.other_registry_id.data)
        except registry_id.InvalidRegistryId:
            form.other_registry_id.errors = [invalid_id_message()]
        except ParticipantNotFound:
            form.other_registry_id.errors = [_("No profile has this Registry ID.")]
        if other is not None and other.id == survivor.id:
            form.other_registry_id.errors = [_("These are the same profile.")]
            other = None
    if other is None:
        return _page(survivor, form.reason.data or "", merge=form), 422
    merged_rid = other.registry_id
    merge_participants(registry_session(), current_registry(), survivor, other, actor=actor,
                       reason=form.reason.data)
    flash(_("Profile %(other)s is merged into this one; its Registry ID now leads here.",
            other=registry_id.display(merged_rid)), "success")
    return _page(survivor, form.reason.data)


@bp.route("/reset", methods=["POST"])
@two_factor_required
def start_reset() -> Any:
    from .auth.views import send_reset_link

    actor = _require("participants.search")
    form = StartResetForm(prefix="reset")
    valid = form.validate_on_submit()
    participant = _participant_from(form)
    if not valid:
        return _page(participant, form.reason.data or "", reset=form), 422
    db = registry_session()
    account = db.scalar(select(Account).where(Account.participant_id == participant.id))
    if account is None:
        account = Account(participant_id=participant.id, password_hash=None)
        db.add(account)
        db.flush()
    audit.record(db, actor=actor, action="account.reset_started",
                 subject_participant_id=participant.id, resource_type="account",
                 resource_id=account.id, reason=form.reason.data)
    send_reset_link(account)
    flash(_("A password reset link was sent to the participant's email."), "success")
    return _page(participant, form.reason.data)


@bp.route("/email", methods=["POST"])
@two_factor_required
def change_email() -> Any:
    """A person who lost their mailbox: after identity checks, the help desk sets a new email
    and sends a reset link there."""
    from .auth.views import send_reset_link

    actor = _require("participants.correct_names")
    form = ChangeEmailForm(prefix="email")
    valid = form.validate_on_submit()
    participant = _participant_from(form)
    if valid:
        db = registry_session()
        try:
            update_personal_data(db, current_registry(), participant,
                                 {"email": form.email.data.strip()}, actor=actor,
                                 reason=form.reason.data)
        except DuplicateEmail:
            form.email.errors = [_("Another profile already uses this email.")]
        else:
            account = db.scalar(select(Account).where(Account.participant_id == participant.id))
            if account is not None:
                account.email_verified_at = None
                account.session_epoch += 1
                send_reset_link(account, email=form.email.data.strip())
            flash(_("The email is changed and a password reset link was sent to it."), "success")
            return _page(participant, form.reason.data)
    return _page(participant, form.reason.data or "", email=form), 422


@bp.route("/trail", methods=["POST"])
@two_factor_required
def trail() -> Any:
    actor = _require("audit.read")
    form = TrailForm(prefix="trail")
    valid = form.validate_on_submit()
    participant = _participant_from(form)
    if not valid:
        return _page(participant, form.reason.data or "", trail=form), 422
    db = registry_session()
    audit.record(db, actor=actor, action="audit.read", subject_participant_id=participant.id,
                 resource_type="participant", resource_id=participant.registry_id,
                 reason=form.reason.data)
    events = audit.trail_for(db, participant.id)
    return _page(participant, form.reason.data, events_list=events)

