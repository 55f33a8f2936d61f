from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import AccordForm, strong_password


class ChangePasswordForm(AccordForm):
    """The current password, then the new one twice (the service checks the current one)."""

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter your current password"),
            Length(max=1024, message="Enter your current password"),
        ],
    )
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter a new password"),
            Length(max=1024, message="The password must be 1,024 characters or fewer"),
            strong_password,
        ],
    )
    confirm = PasswordField(
        "Confirm the new password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter the new password again"),
            EqualTo("password", message="The passwords do not match: enter the same one twice"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
