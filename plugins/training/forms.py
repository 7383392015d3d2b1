"""Flask-WTF forms of the Training Module and the calendar (CSRF on every POST)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, Email, InputRequired, Length, NumberRange, Optional

from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.form_fields import MultiCheckboxField, RadioField, SelectField

from .i18n import lazy_gettext as _l
from .services import COMPETENCY_AREAS


class ActionForm(FlaskForm):
    """A button that changes something (enroll, withdraw, save, approve): CSRF only."""


class TrainingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    hours = DecimalField(_l("Hours"), places=2,
                         validators=[InputRequired(), NumberRange(min=0.01, max=1000)])
    competency_area = SelectField(_l("Competency area"),
                                  choices=[(c, f"{c} – {label}")
                                           for c, label in COMPETENCY_AREAS.items()])
    language = SelectField(_l("Language"), choices=[])
    level = StringField(_l("Level (optional)"), validators=[Optional(), Length(max=40)])
    audience = StringField(_l("Audience (optional)"), validators=[Optional(), Length(max=200)])


class SessionRowForm(Form):
    """One session row of the event form; a row left blank is ignored."""

    date = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Starts (Pacific time)"), validators=[Optional()])
    end = TimeField(_l("Ends (Pacific time)"), validators=[Optional()])


class EventForm(FlaskForm):
    """Schedule or edit an event (the view drops ``training_id`` when editing and
    ``instructor`` when an instructor schedules their own event)."""

    training_id = SelectField(_l("Training"), coerce=int, choices=[])
    sessions = FieldList(FormField(SessionRowForm), min_entries=1, max_entries=60)
    instructor = SelectField(_l("Instructor (optional)"), coerce=int, choices=[], default=0)
    capacity = IntegerField(_l("Capacity"),
                            validators=[InputRequired(), NumberRange(min=1, max=10000)])
    waitlist = BooleanField(_l("Keep a waitlist when full"), default=True)
    visibility = RadioField(_l("Visibility"), default="published", choices=[
        ("published", _l("Published on the Training Calendar")),
        ("invite_only", _l("Invite only (a private link you send)"))])
    mode = RadioField(_l("Where"), default="in_person", choices=[
        ("in_person", _l("In person")), ("online", _l("Online"))])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    county = SelectField(_l("County"), choices=[("", "—")] + [(c, c) for c in CALIFORNIA_COUNTIES],
                         validators=[Optional()])
    zip = StringField(_l("ZIP code"), validators=[Optional(), Length(max=10)])
    online_url = StringField(_l("Online meeting link"),
                             validators=[Optional(), URL(), Length(max=500)])
    funding_source = StringField(_l("Funding source (optional)"),
                                 validators=[Optional(), Length(max=100)])


class SponsorInfoForm(FlaskForm):
    contact_email = StringField(_l("Contact email"), validators=[Optional(), Email(),
                                                                Length(max=254)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=32)])
    website = StringField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])
    logistics = TextAreaField(_l("Logistics (parking, access, what to bring)"),
                              validators=[Optional(), Length(max=5000)])
    vendor_number = StringField(_l("Vendor number (for state reports)"),
                                validators=[Optional(), Length(max=32)])
    self_withdrawal_allowed = BooleanField(_l("Participants may withdraw online"))
    withdrawal_window_days = IntegerField(
        _l("Online withdrawal closes this many days before the event"),
        validators=[InputRequired(), NumberRange(min=0, max=60)], default=0)
    withdrawal_contact = StringField(_l("Whom to call to withdraw"),
                                     validators=[Optional(), Length(max=300)])
    instructors_may_manage_events = BooleanField(_l("Instructors may add and edit events"))


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo (PNG, JPEG, GIF or WebP, at most 512 KB)"))


class SponsorApplicationForm(FlaskForm):
    organization_id = SelectField(_l("Organization"), coerce=int, choices=[])
    note = TextAreaField(_l("Tell registry staff about your trainings"),
                         validators=[Optional(), Length(max=2000)])


class InstructorRequestForm(FlaskForm):
    organization_id = SelectField(_l("Training sponsor"), coerce=int, choices=[])
    message = TextAreaField(_l("Message to the sponsor"), validators=[Optional(),
                                                                     Length(max=1000)])


class DecisionForm(FlaskForm):
    reason = StringField(_l("Reason (required to deny)"), validators=[Optional(),
                                                                       Length(max=500)])



class InstructorProfileForm(FlaskForm):
    display_name = StringField(_l("Name shown on your profile"),
                               validators=[DataRequired(), Length(max=100)])
    expertise = TextAreaField(_l("Expertise (topics you teach)"),
                              validators=[Optional(), Length(max=2000)])
    experience = TextAreaField(_l("Experience"), validators=[Optional(), Length(max=4000)])
    languages = MultiCheckboxField(_l("Languages you teach in"), choices=[])
    bio = TextAreaField(_l("About you"), validators=[Optional(), Length(max=4000)])
