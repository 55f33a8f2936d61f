from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import AccordForm, confirm_password_field, new_password_field


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
    password = new_password_field("New password", "Enter a new password")
    confirm = confirm_password_field("Confirm the new password", "Enter the new password again")
    submit = SubmitField("Change password", widget=GovSubmitInput())
