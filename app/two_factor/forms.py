from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import AccordForm, OneTimeCodeForm, submission_key_field


class ConfirmCodeForm(OneTimeCodeForm):
    """The first code from the app, which switches two-factor sign-in on (and shows the
    recovery codes, once: its one-time key tells a second sending so)."""

    submission_key = submission_key_field()
    submit = SubmitField("Switch on two-factor sign-in", widget=GovSubmitInput())


class StartForm(AccordForm):
    submit = SubmitField("Set up two-factor sign-in", widget=GovSubmitInput())


class CodeOrRecoveryCodeForm(AccordForm):
    """A current code (or a recovery code) before new recovery codes or switching off."""

    code = StringField(
        "Code from your authenticator app, or a recovery code",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the code from your authenticator app, or a recovery code"),
            Length(max=40, message="Enter the code from your authenticator app"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NewRecoveryCodesForm(CodeOrRecoveryCodeForm):
    """A current code before ten new recovery codes, shown once: its one-time key tells a
    second sending so."""

    submission_key = submission_key_field()
