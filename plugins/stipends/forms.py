"""Flask-WTF forms of the stipend pages (CSRF on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry_kernel.form_fields import SelectField, SelectMultipleField

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
                                    ("itin", _l("Individual Taxpayer Identification Number")),
                                    ("payroll", _l("None: pay me through my employer's "
                                                   "payroll"))])
    tin = PasswordField(_l("Taxpayer ID (123-45-6789)"),
                        validators=[Optional(), Length(max=11)])
    submit = SubmitField(_l("Apply"))


class TierForm(Form):
    """One tier of a program paid by tiers (a sub-form; rows left empty are ignored). A tier
    adds its own rules to the program's."""

    key = StringField(_l("Tier code (e.g. pd21)"), validators=[Optional(), Length(max=40)])
    label = StringField(_l("What the tier pays for"), validators=[Optional(), Length(max=200)])
    amount = DecimalField(_l("Tier amount ($)"), places=2, validators=[Optional()])
    min_training_hours = DecimalField(_l("Minimum verified training hours for this tier"),
                                      validators=[Optional(), NumberRange(min=0)])
    training_since = DateField(_l("... completed since"), validators=[Optional()])
    min_units = DecimalField(_l("Minimum verified semester units for this tier"),
                             validators=[Optional(), NumberRange(min=0)])
    units_since = DateField(_l("... completed since"), validators=[Optional()])
    permit_levels = SelectMultipleField(_l("Permit levels for this tier (any of)"),
                                        choices=PERMIT_CHOICES, validate_choice=False)


class ProgramForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    funding_year = StringField(_l("Funding year"), validators=[DataRequired(), Length(max=16)])
    opens_on = DateField(_l("Applications open on"), validators=[DataRequired()])
    closes_on = DateField(_l("Applications close on"), validators=[DataRequired()])
    amount = DecimalField(_l("Fixed amount ($)"), places=2,
                          validators=[Optional(), NumberRange(min=0)])
    tiers = FieldList(FormField(TierForm), min_entries=3, max_entries=20)
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
    allow_payroll = BooleanField(_l("Also pay through the employer's payroll, without a "
                                    "taxpayer ID"), default=False)
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


# --- pathways --------------------------------------------------------------------------------

GOAL_KIND_CHOICES = [("", _l("(no goal)")), ("permit_level", _l("Reach a permit level")),
                     ("units", _l("Complete semester units")),
                     ("training_hours", _l("Complete training hours"))]
UNIT_AREA_CHOICES = [("", "—"), ("ece", _l("ECE/CD")), ("ge", _l("General education")),
                     ("child_growth", _l("Child growth and development")),
                     ("child_family_community", _l("Child, family and community")),
                     ("curriculum", _l("Programs and curriculum")),
                     ("administration", _l("Administration")),
                     ("adult_supervision", _l("Adult supervision")),
                     ("specialization", _l("Specialization")),
                     ("supervised_field_experience", _l("Supervised field experience"))]
COMPETENCY_CHOICES = [("", _l("any area")),
                      ("CDL", _l("Child Development and Learning")),
                      ("CDE", _l("Culture, Diversity and Equity")),
                      ("RIG", _l("Relationships, Interactions, and Guidance")),
                      ("FCE", _l("Family and Community Engagement")),
                      ("DLD", _l("Dual-Language Development")),
                      ("OSAD", _l("Observation, Screening, Assessment, and Documentation")),
                      ("SNI", _l("Special Needs and Inclusion")),
                      ("LEC", _l("Learning Environments and Curriculum")),
                      ("HSN", _l("Health, Safety, and Nutrition")),
                      ("LEAD", _l("Leadership in Early Childhood Education")),
                      ("PROF", _l("Professionalism")),
                      ("ADM", _l("Administration and Supervision"))]


class GoalForm(Form):
    """One goal of a pathway (a sub-form: the pathway form carries the CSRF token). Choices
    are checked by the service, which says what is wrong in words."""

    kind = SelectField(_l("Goal"), choices=GOAL_KIND_CHOICES,
                       validate_choice=False)
    permit_level = SelectField(_l("Permit level"), choices=[("", "—"), *PERMIT_CHOICES],
                       validate_choice=False)
    unit_area = SelectField(_l("Units in"), choices=UNIT_AREA_CHOICES,
                       validate_choice=False)
    competency_area = SelectField(_l("Training area"), choices=COMPETENCY_CHOICES,
                       validate_choice=False)
    amount = DecimalField(_l("How many units or hours"), places=2,
                          validators=[Optional(), NumberRange(min=0.01, max=10000)])
    since = DateField(_l("Count records completed since (default: the plan's start)"),
                      validators=[Optional()])
    due_on = DateField(_l("Due by"), validators=[Optional()])
    courses = TextAreaField(_l("Courses it needs (one a line, e.g. ECE 60)"),
                            validators=[Optional(), Length(max=3000)])
    trainings = TextAreaField(_l("Trainings it needs (one a line)"),
                              validators=[Optional(), Length(max=3000)])


class PathwayForm(FlaskForm):
    title = StringField(_l("Plan title"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    target_date = DateField(_l("Target date"), validators=[Optional()])
    goals = FieldList(FormField(GoalForm), min_entries=3, max_entries=10)
    submit = SubmitField(_l("Save plan"))


class PathwayReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("approve", _l("Approve the plan")),
                                                    ("return", _l("Return it for changes"))])
    reason = TextAreaField(_l("Reason (sent to the recipient; needed to return it)"),
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record decision"))


class ReturnFileForm(FlaskForm):
    file = FileField(_l("Return file of the payment system (.xlsx or .csv with payment_id, "
                        "paid_on and optionally amount)"))
    submit = SubmitField(_l("Mark the listed payments paid"))
