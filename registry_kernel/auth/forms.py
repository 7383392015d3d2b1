"""Forms of the web front door and the help desk (Flask-WTF: CSRF on every one).

Every validator carries its own translated message, so each message appears beside its field in
the page's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from .. import clock
from ..counties import CALIFORNIA_COUNTIES
from ..form_fields import SelectField
from ..passwords import MAX_LENGTH, MIN_LENGTH, password_problem

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(n)s characters.", n=MIN_LENGTH),
    "too_long": _l("Use at most %(n)s characters.", n=MAX_LENGTH),
    "common": _l("This password is too common or easy to guess. Choose a less predictable one, "
                 "for example three or four unrelated words."),
    "is_email": _l("Your password must not be your email address."),
}

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español"), ("zh-Hant", "繁體中文 (廣東話)")]


def _required(message: Any) -> InputRequired:
    return InputRequired(message=message)


class PasswordPolicy:
    """Refuse short, common or breached-list passwords and the account's own email."""

    def __init__(self, email_field: str | None = "email") -> None:
        self.email_field = email_field

    def __call__(self, form: FlaskForm, field: Any) -> None:
        email = None
        if self.email_field and self.email_field in form:
            email = form[self.email_field].data
        elif getattr(form, "account_email", None):
            email = form.account_email
        problem = password_problem(field.data or "", email=email)
        if problem:
            raise ValidationError(str(PASSWORD_MESSAGES[problem]))


class NotInFuture:
    def __call__(self, form: FlaskForm, field: Any) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError(str(_l("The birth date cannot be in the future.")))
        if field.data and field.data.year < 1900:
            raise ValidationError(str(_l("Check the year of your birth date.")))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[_required(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[_required(_l("Enter your password."))])


class TwoFactorForm(FlaskForm):
    code = StringField(_l("6-digit code from your authenticator app"),
                       validators=[_required(_l("Enter the 6-digit code.")),
                                   Regexp(r"^\s*\d{3}\s?\d{3}\s*$",
                                          message=_l("The code has 6 digits."))])


class SignupForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[
        _required(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[
        _required(_l("Enter your last name.")), Length(max=100)])
    email = EmailField(_l("Email (this is your username)"), validators=[
        _required(_l("Enter your email address.")),
        Email(message=_l("Enter an email address like name@example.com."),
              check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        _required(_l("Choose a password.")), PasswordPolicy()])
    password_confirm = PasswordField(_l("Type the password again"), validators=[
        _required(_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords are different."))])
    birth_date = DateField(_l("Birth date"), validators=[
        _required(_l("Enter your birth date.")), NotInFuture()])
    phone = StringField(_l("Phone (optional)"), validators=[
        Optional(), Regexp(r"^[0-9+()\-. ]{7,25}$",
                           message=_l("Enter a phone number like 510-555-0134."))])
    street = StringField(_l("Street address (optional)"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City (optional)"), validators=[Optional(), Length(max=100)])
    postal_code = StringField(_l("ZIP code (optional)"), validators=[
        Optional(), Regexp(r"^\d{5}(-\d{4})?$", message=_l("Enter a 5-digit ZIP code."))])
    county = SelectField(_l("County where you live"), choices=[
        ("", _l("Choose a county")), *[(c, c) for c in CALIFORNIA_COUNTIES],
        ("other", _l("Outside California"))],
        validators=[_required(_l("Choose your county."))])
    preferred_language = SelectField(_l("Language you prefer"), choices=LANGUAGE_CHOICES,
                                     validators=[_required(_l("Choose a language."))])
    ssn = StringField(_l("Social Security number (optional)"), validators=[
        Optional(), Regexp(r"^\d{3}-?\d{2}-?\d{4}$",
                           message=_l("Enter 9 digits, like 123-45-6789, or leave it empty."))])

    def validate_county(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose your county.")))


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[
        _required(_l("Enter your email address.")),
        Email(message=_l("Enter an email address like name@example.com."),
              check_deliverability=False)])


class ResetForm(FlaskForm):
    account_email: str | None = None
    password = PasswordField(_l("New password"), validators=[
        _required(_l("Choose a password.")), PasswordPolicy(email_field=None)])
    password_confirm = PasswordField(_l("Type the new password again"), validators=[
        _required(_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords are different."))])


class TotpEnrolForm(FlaskForm):
    code = TwoFactorForm.code  # type: ignore[assignment]


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token (sign out, resend a link, turn two-factor off)."""


class FindParticipantForm(FlaskForm):
    query = StringField(_l("Registry ID or email"), validators=[
        _required(_l("Enter a Registry ID or an email address.")), Length(max=254)])
    reason = StringField(_l("Reason for looking"), validators=[
        _required(_l("Say why you need to see this record.")),
        Length(min=5, max=300, message=_l("Give a reason of 5 to 300 characters."))])


class ReasonForm(FlaskForm):
    registry_id = StringField(validators=[_required(_l("Missing Registry ID."))])
    reason = StringField(_l("Reason"), validators=[
        _required(_l("Say why.")),
        Length(min=5, max=300, message=_l("Give a reason of 5 to 300 characters."))])


class CorrectNamesForm(ReasonForm):
    first_name = StringField(_l("First name"), validators=[
        _required(_l("Enter the first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[
        _required(_l("Enter the last name.")), Length(max=100)])


class MergeForm(ReasonForm):
    other_registry_id = StringField(_l("Registry ID of the duplicate profile (it will be merged "
                                       "into this one)"),
                                    validators=[_required(_l("Enter the duplicate's Registry ID."))])
    confirm = BooleanField(_l("I checked that both profiles belong to the same person"),
                           validators=[DataRequired(message=_l("Confirm that you checked the identity."))])

