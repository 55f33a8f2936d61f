from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import AccordForm
from app.joint_sessions.forms import ClockField
from app.models import utcnow
from app.review.forms import RealDateField
from app.services.joint_sessions import london


class InterestForm(AccordForm):
    reason = StringField(
        "Why do you have an interest?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Say briefly why you have an interest"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Declare interest", widget=GovSubmitInput())


def _percent(label: str) -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=f"Enter the {label.lower()} as a whole number"),
            NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100"),
        ],
    )


class RuleForm(AccordForm):
    member_turnout_percent = _percent("Minimum turnout of Members (%)")
    officer_turnout_percent = _percent("Minimum turnout of Officers (%)")
    submit = SubmitField("Save the agreement rule", widget=GovSubmitInput())


class OpenVotingForm(AccordForm):
    """Opening voting, optionally saying when it will close (UK time)."""

    closes_on = RealDateField(
        "Date voting closes", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()]
    )
    closes_time = ClockField("Time voting closes", widget=GovTextInput(), validators=[Optional()])

    @property
    def closes_at(self) -> datetime | None:
        if self.closes_on.data is None or getattr(self.closes_time, "parsed", None) is None:
            return None
        return london(self.closes_on.data, self.closes_time.parsed)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        has_day = self.closes_on.data is not None
        has_time = getattr(self.closes_time, "parsed", None) is not None
        if has_day and not has_time:
            self.closes_time.errors = ["Enter the time voting closes, for example 5pm"]
        elif has_time and not has_day:
            self.closes_on.errors = ["Enter the date voting closes, for example 12 3 2027"]
        elif has_day and self.closes_at <= utcnow():
            self.closes_on.errors = ["The date and time voting closes must be in the future"]
        return not self.errors
