from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from app.forms import AccordForm, Radios
from app.models import EmailPreference

# Shown in this order, each with a hint (see templates/notifications/preferences.html).
PREFERENCE_CHOICES = {
    EmailPreference.DAILY_DIGEST.value: EmailPreference.DAILY_DIGEST.label,
    EmailPreference.IMMEDIATE.value: EmailPreference.IMMEDIATE.label,
    EmailPreference.NONE.value: EmailPreference.NONE.label,
}
PREFERENCE_HINTS = [
    "One email in the morning listing what is new since the day before (the default).",
    "An email as soon as something happens.",
    "You still see your notifications in Accord.",
]


class PreferencesForm(AccordForm):
    email_notifications = Radios(
        "How should Accord email you about your notifications?",
        widget=GovRadioInput(),
        choices=PREFERENCE_CHOICES,
        validators=[InputRequired(message="Choose how Accord should email you")],
    )
    submit = SubmitField("Save your email settings", widget=GovSubmitInput())
