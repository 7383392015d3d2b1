"""Flask-WTF forms of the Profile Editor, Experience Management and Resume Builder.

The forms only collect input (with CSRF); the rules live in :mod:`.services`, whose errors are
put next to the fields they name.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Email, Length, Optional

from registry_kernel import clock
from registry_kernel.counties import CALIFORNIA_COUNTIES
from registry_kernel.form_fields import MultiCheckboxField, SelectField

DECLINED_LABEL = _l("Prefer not to say")

ROLE_CHOICES = [
    ("assistant", _l("Assistant / Aide")), ("associate_teacher", _l("Associate Teacher")),
    ("teacher", _l("Teacher")), ("lead_teacher", _l("Lead Teacher")),
    ("master_teacher", _l("Master Teacher")), ("site_supervisor", _l("Site Supervisor")),
    ("program_director", _l("Program Director")), ("fcc_owner", _l("Family Child Care Owner")),
    ("fcc_assistant", _l("Family Child Care Assistant")),
    ("support_staff", _l("Support Staff")), ("other", _l("Other")),
]
AGE_GROUP_CHOICES = [("infant", _l("Infants")), ("toddler", _l("Toddlers")),
                     ("preschool", _l("Preschool")), ("school_age", _l("School age"))]
ETHNICITY_CHOICES = [("black", _l("Black/African-American")),
                     ("native_american", _l("Native American/Alaskan")),
                     ("asian", _l("Asian")), ("white", _l("White/Caucasian")),
                     ("latino", _l("Latino/Hispanic")), ("pacific_islander", _l("Pacific Islander")),
                     ("multiracial", _l("Multi-racial")), ("other", _l("Other"))]
GENDER_CHOICES = [("female", _l("Female")), ("male", _l("Male")),
                  ("nonbinary", _l("Non-binary")), ("other", _l("Another gender"))]
AGE_BAND_CHOICES = [("under_20", _l("Under 20")), ("20_29", "20–29"), ("30_39", "30–39"),
                    ("40_49", "40–49"), ("50_59", "50–59"), ("60_plus", _l("60 or older"))]
HOURS_CHOICES = [("under_10", _l("Under 10")), ("10_19", "10–19"), ("20_29", "20–29"),
                 ("30_39", "30–39"), ("40_plus", _l("40 or more"))]
LANGUAGE_CHOICES = [("en", _l("English")), ("es", _l("Spanish")), ("zh-yue", _l("Cantonese")),
                    ("cmn", _l("Mandarin")), ("vi", _l("Vietnamese")), ("ru", _l("Russian")),
                    ("hmn", _l("Hmong")), ("fa", _l("Farsi")), ("ko", _l("Korean")),
                    ("tl", _l("Tagalog")), ("ar", _l("Arabic")), ("hy", _l("Armenian")),
                    ("other", _l("Other"))]
LEVEL_CHOICES = [("high_school", _l("High school diploma or equivalent")),
                 ("some_college", _l("Some college")), ("aa", _l("Associate degree (AA/AS)")),
                 ("ba", _l("Bachelor's degree (BA/BS)")), ("ma", _l("Master's degree")),
                 ("doctorate", _l("Doctorate")), ("other", _l("Other"))]
UI_LANGUAGE_CHOICES = [("en", "English"), ("es", "Español"), ("zh-Hant", "中文（繁體）")]
COUNTY_CHOICES = [(c, c) for c in CALIFORNIA_COUNTIES]


def with_blank(choices: list[Any], declinable: bool = True) -> list[Any]:
    return [("", _l("Not answered")), *choices,
            *([("declined", DECLINED_LABEL)] if declinable else [])]



class PersonalForm(FlaskForm):
    email = EmailField(_l("Email (your sign-in)"), validators=[Optional(), Email(),
                                                               Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    street = StringField(_l("Street address"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    state = StringField(_l("State"), validators=[Optional(), Length(max=2)], default="CA")
    zip = StringField(_l("ZIP code"), validators=[Optional(), Length(max=10)])
    preferred_language = SelectField(_l("Preferred language"), choices=UI_LANGUAGE_CHOICES)
    county = SelectField(_l("County"), choices=with_blank(COUNTY_CHOICES, declinable=False))


def _year_choices() -> list[Any]:
    return [(str(y), str(y)) for y in range(clock.today().year, 1939, -1)]


class ExperienceForm(FlaskForm):
    first_year_in_field = SelectField(_l("Year you began working in early care and education"))
    current_roles = MultiCheckboxField(_l("Your current roles"), choices=ROLE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_year_in_field.choices = with_blank(_year_choices())


class EducationForm(FlaskForm):
    highest_level = SelectField(_l("Highest level of education"),
                                choices=with_blank(LEVEL_CHOICES))
    ece_units = DecimalField(_l("Semester units in ECE / Child Development"), places=1,
                             validators=[Optional()])
    degree_field = StringField(_l("Field of your highest degree"),
                               validators=[Optional(), Length(max=200)])


class DemographicsForm(FlaskForm):
    ethnicity = SelectField(_l("Ethnicity"), choices=with_blank(ETHNICITY_CHOICES))
    gender = SelectField(_l("Gender"), choices=with_blank(GENDER_CHOICES))
    age_band = SelectField(_l("Age"), choices=with_blank(AGE_BAND_CHOICES))
    primary_language = SelectField(_l("Primary language"), choices=with_blank(LANGUAGE_CHOICES))
    other_languages = MultiCheckboxField(_l("Other languages you speak with children"),
                                         choices=LANGUAGE_CHOICES)
    other_languages_declined = BooleanField(DECLINED_LABEL)
    county_of_residence = SelectField(_l("County where you live"),
                                      choices=with_blank(COUNTY_CHOICES))
    county_of_work = SelectField(_l("County where you work"), choices=with_blank(COUNTY_CHOICES))
    hours_per_week = SelectField(_l("Hours worked per week"), choices=with_blank(HOURS_CHOICES))
    ages_served = MultiCheckboxField(_l("Ages of children you serve"),
                                     choices=AGE_GROUP_CHOICES)
    ages_served_declined = BooleanField(DECLINED_LABEL)


class EmploymentForm(FlaskForm):
    employer_id = HiddenField()
    employer_name = StringField(_l("My employer is not listed: its name"),
                                validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position (job title)"), validators=[Length(max=100)])
    role_category = SelectField(_l("Role category"),
                                choices=[("", _l("Choose one")), *ROLE_CHOICES])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date (leave empty if you still work there)"),
                         validators=[Optional()])
    hours_per_week = DecimalField(_l("Hours per week"), places=2, validators=[Optional()])
    hourly_wage = DecimalField(_l("Hourly wage in dollars (optional, kept encrypted)"), places=2,
                               validators=[Optional()])
    age_groups = MultiCheckboxField(_l("Age groups served"), choices=AGE_GROUP_CHOICES)
    responsibilities = TextAreaField(_l("Responsibilities, one per line (for your resume)"),
                                     validators=[Optional(), Length(max=9000)])


class ConfirmedEmploymentForm(FlaskForm):
    end_date = DateField(_l("End date"), validators=[Optional()])


class ResumeForm(FlaskForm):
    summary = TextAreaField(_l("Summary of Qualifications"),
                            validators=[Optional(), Length(max=4000)])


def year_or_none(text: str | None) -> Any:
    if not text:
        return None
    return "declined" if text == "declined" else int(text)


def blank_to_none(value: Any) -> Any:
    return None if value in ("", None) else value



class CsrfForm(FlaskForm):
    """A button-only form (remove a job): just the CSRF token."""
