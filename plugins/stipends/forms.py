"""Flask-WTF forms of the stipend pages (CSRF on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .eligibility import FUNDING_TYPES

PERMIT_CHOICES = [("assistant", _l("Assistant")), ("associate_teacher", _l("Associate Teacher")),
                  ("teacher", _l("Teacher")), ("master_teacher", _l("Master Teacher")),
                  ("site_supervisor", _l("Site Supervisor")),
                  ("program_director", _l("Program Director"))]
ROLE_CHOICES = [("assistant", _l("Assistant / aide")),
                ("associate_teacher", _l("Associate Teacher")), ("teacher", _l("Teacher")),
                ("lead_teacher", _l("Lead Teacher")), ("master_teacher", _l("Master Teacher")),
                ("site_supervisor", _l("Site Supervisor")),
                ("program_director", _l("Program Director")),
                ("fcc_owner", _l("Family child care owner")),
                ("fcc_assistant", _l("Family child care assistant")),
                ("support_staff", _l("Support staff")), ("other", _l("Other"))]
FUNDING_CHOICES = [(f, f) for f in FUNDING_TYPES]


class ApplyForm(FlaskForm):
    tier = SelectField(_l("Stipend"), choices=[], validate_choice=False)
    funding_types = SelectMultipleField(_l("Funding of your program (as many as apply)"),
                                        choices=FUNDING_CHOICES)
    tin_kind = SelectField(_l("Taxpayer ID type"),
                           choices=[("ssn", _l("Social Security number")),
                                    ("itin", _l("Individual Taxpayer Identification Number"))])
    tin = PasswordField(_l("Taxpayer ID (123-45-6789)"),
                        validators=[DataRequired(), Length(min=9, max=11)])
    submit = SubmitField(_l("Apply"))


class ProgramForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    funding_year = StringField(_l("Funding year"), validators=[DataRequired(), Length(max=16)])
    opens_on = DateField(_l("Applications open on"), validators=[DataRequired()])
    closes_on = DateField(_l("Applications close on"), validators=[DataRequired()])
    amount = DecimalField(_l("Fixed amount ($)"), places=2,
                          validators=[Optional(), NumberRange(min=0)])
    tiers = TextAreaField(_l('Tiers instead of a fixed amount (JSON: [{"key": "pd21", '
                             '"label": "...", "amount": "315.00", "rules": {...}}])'),
                          validators=[Optional(), Length(max=20000)])
    min_hours_per_week = DecimalField(_l("Minimum hours a week at a program in the county"),
                                      validators=[Optional(), NumberRange(min=0, max=80)])
    min_months_employed = IntegerField(_l("Minimum months employed there"),
                                       validators=[Optional(), NumberRange(min=0, max=600)])
    permit_levels = SelectMultipleField(_l("Permit levels (any of)"), choices=PERMIT_CHOICES)
    min_units = DecimalField(_l("Minimum verified semester units"),
                             validators=[Optional(), NumberRange(min=0)])
    units_since = DateField(_l("... completed since"), validators=[Optional()])
    min_training_hours = DecimalField(_l("Minimum verified training hours"),
                                      validators=[Optional(), NumberRange(min=0)])
    training_since = DateField(_l("... completed since"), validators=[Optional()])
    role_categories = SelectMultipleField(_l("Role categories (any of)"), choices=ROLE_CHOICES)
    funding_types = SelectMultipleField(_l("Funding types (any of)"), choices=FUNDING_CHOICES)
    allow_itin = BooleanField(_l("Accept an ITIN instead of an SSN"), default=True)
    submit = SubmitField(_l("Save program"))


class ActivationForm(FlaskForm):
    active = BooleanField(_l("Stipends are on for the county"))
    submit = SubmitField(_l("Save"))


class NoteForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[("note", _l("Staff note")),
                                            ("request_documents",
                                             _l("Request more documents (emails the applicant)"))])
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Add"))


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("approve", _l("Approve")),
                                                    ("deny", _l("Deny"))])
    reason = TextAreaField(_l("Reason (sent to the applicant)"),
                           validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Record decision"))


class PaidForm(FlaskForm):
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])
    submit = SubmitField(_l("Mark paid"))
