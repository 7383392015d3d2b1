"""Flask-WTF forms of the jobs plugin (CSRF on every change). Rules live in the services; these
only carry what the person typed back to them with messages beside the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.form_fields import MultiCheckboxField, SelectField

COUNTY_CHOICES = [(c, c) for c in CALIFORNIA_COUNTIES]

ROLE_LABELS = {
    "assistant": _l("Assistant / aide"), "associate_teacher": _l("Associate Teacher"),
    "teacher": _l("Teacher"), "lead_teacher": _l("Lead Teacher"),
    "master_teacher": _l("Master Teacher"), "site_supervisor": _l("Site Supervisor"),
    "program_director": _l("Program Director"), "fcc_owner": _l("Family child care owner"),
    "fcc_assistant": _l("Family child care assistant"), "support_staff": _l("Support staff"),
    "other": _l("Other"),
}
SCHEDULE_LABELS = {"full_time": _l("Full time"), "part_time": _l("Part time"),
                   "substitute": _l("Substitute")}
AGE_LABELS = {"infant": _l("Infants"), "toddler": _l("Toddlers"), "preschool": _l("Preschool"),
              "school_age": _l("School age")}
PERMIT_LABELS = {"assistant": _l("Assistant"), "associate_teacher": _l("Associate Teacher"),
                 "teacher": _l("Teacher"), "master_teacher": _l("Master Teacher"),
                 "site_supervisor": _l("Site Supervisor"),
                 "program_director": _l("Program Director")}


class CsrfForm(FlaskForm):
    """Only the CSRF token (buttons that change something)."""


class AccessForm(FlaskForm):
    organization_id = HiddenField()
    job_title = StringField(_l("Your job title at the program"),
                            validators=[Optional(), Length(max=100)])
    license_number = StringField(_l("Family child care license number"),
                                 validators=[Optional(), Length(max=32)])
    letter = FileField(_l("Letter on the agency's letterhead (PDF, JPEG or PNG)"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required to deny; sent to the person)"),
                           validators=[Optional(), Length(max=500)])


class EndDateForm(FlaskForm):
    end_date = DateField(_l("Last day of work"), validators=[Optional()])



class PostingForm(FlaskForm):
    title = StringField(_l("Job title"), validators=[Length(max=200)])
    position = SelectField(_l("Position"), choices=[("", "-"), *list(ROLE_LABELS.items())])
    county = SelectField(_l("County"), choices=[("", "-"), *COUNTY_CHOICES])
    city = StringField(_l("City"), validators=[Length(max=100)])
    schedule = SelectField(_l("Schedule"), choices=[("", "-"), *list(SCHEDULE_LABELS.items())])
    pay_min = DecimalField(_l("Lowest hourly pay ($)"), places=2, validators=[Optional()])
    pay_max = DecimalField(_l("Highest hourly pay ($)"), places=2, validators=[Optional()])
    age_groups = MultiCheckboxField(_l("Ages of children"), choices=list(AGE_LABELS.items()))
    required_permit = SelectField(_l("Required permit level"),
                                  choices=[("", _l("None required")), *list(PERMIT_LABELS.items())])
    description = TextAreaField(_l("Description (plain text)"), validators=[Length(max=10000)])
    how_to_apply = TextAreaField(_l("How to apply"), validators=[Length(max=2000)])
    closing_date = DateField(_l("Closing date"), validators=[Optional()])

    def values(self) -> dict[str, object]:
        data: dict[str, object] = {
            "title": self.title.data or "", "position": self.position.data or None,
            "county": self.county.data or "", "city": self.city.data or "",
            "schedule": self.schedule.data or None, "pay_min": self.pay_min.data,
            "pay_max": self.pay_max.data, "description": self.description.data or "",
            "closing_date": self.closing_date.data,
            "age_groups": list(self.age_groups.data or []),
            "required_permit": self.required_permit.data or None,
            "how_to_apply": (self.how_to_apply.data or "").strip() or None,
        }
        return data


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Keywords"), validators=[Optional(), Length(max=100)])
    county = SelectField(_l("County"), choices=[("", _l("Any")), *COUNTY_CHOICES],
                         validators=[Optional()])
    position = SelectField(_l("Position"), choices=[("", _l("Any")), *list(ROLE_LABELS.items())],
                           validators=[Optional()])
    schedule = SelectField(_l("Schedule"),
                           choices=[("", _l("Any")), *list(SCHEDULE_LABELS.items())],
                           validators=[Optional()])
    required_permit = SelectField(_l("Required permit"),
                                  choices=[("", _l("Any")), *list(PERMIT_LABELS.items())],
                                  validators=[Optional()])

