from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import (
    AccordForm,
    OneTimeCodeForm,
    confirm_password_field,
    new_password_field,
)
from app.services.people import email_problem


class SignInForm(AccordForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter your password"), Length(max=1024)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SetPasswordForm(AccordForm):
    password = new_password_field("New password", "Enter a password")
    confirm = confirm_password_field("Confirm the password", "Enter the password again")
    submit = SubmitField("Set my password", widget=GovSubmitInput())


class ForgottenPasswordForm(AccordForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter your email address"), Length(max=254)],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        if message := email_problem(field.data):
            raise ValidationError(message)


class TwoFactorCodeForm(OneTimeCodeForm):
    """The second step of signing in."""


class RecoveryCodeForm(AccordForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter one of your recovery codes"),
            Length(max=40, message="Enter one of your recovery codes"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
