from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.boundaries import id_choice
from app.forms import (
    AccordForm,
    date_field,
    early_close_reason_field,
    shown_field,
    submission_key_field,
)
from app.models import Decision
from app.services import lifecycle


class PublishForm(AccordForm):
    note = StringField(
        "Note (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="Keep the note to 500 characters")],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Publish a new version", widget=GovSubmitInput())


class MoveForm(AccordForm):
    note = StringField(
        "Note",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2_000, message="Keep the note to 2,000 characters")],
    )
    version = SelectField(
        "Version to submit", coerce=id_choice, widget=GovSelect(), validators=[Optional()]
    )
    close_reason = early_close_reason_field()
    shown = shown_field()  # the closing summary shown, when voting was open
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class NoteForm(AccordForm):
    clause_number = SelectField("What it is about", widget=GovSelect(), validators=[Optional()])
    body = StringField(
        "Your note",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Write your note"),
            Length(max=5_000, message="Keep the note to 5,000 characters"),
        ],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Add note", widget=GovSubmitInput())


def _minute_field(label: str, message: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            DataRequired(message=message),
            Length(max=100, message="Keep the minute reference to 100 characters"),
        ],
    )


def _not_in_future(field, message: str) -> None:
    """A meeting already held: today or before (the council's date)."""
    if field.data is not None and field.data > lifecycle.council_today():
        raise ValidationError(message)


class DecisionForm(AccordForm):
    """The committee's decision; every field is checked at once, so every error shows together
    (a referral without reasons, a meeting in the future, a missing minute reference)."""

    decision = RadioField(
        "The committee's decision",
        widget=GovRadioInput(),
        choices={
            Decision.RECOMMEND.value: "Recommend it to Full Council",
            Decision.REFER_BACK.value: "Refer it back",
        },
        validators=[InputRequired(message="Choose the committee's decision")],
    )
    # No Optional(): it would stop validate_reasons, which needs to see an empty answer.
    reasons = StringField(
        "Reasons",
        widget=GovTextArea(),
        validators=[Length(max=5_000, message="Keep it to 5,000 characters")],
    )
    meeting_date = date_field("Date of the meeting")
    minute_reference = _minute_field(
        "Minute reference", "Enter the minute reference, for example SC 12/19"
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_meeting_date(self, field) -> None:
        _not_in_future(field, "The date of the meeting must be today or in the past")

    def validate_reasons(self, field) -> None:
        if self.decision.data == Decision.REFER_BACK.value and not (field.data or "").strip():
            raise ValidationError("Give the reasons for referring the document back")


class ConfirmDecisionForm(AccordForm):
    """The check page's confirmation: it carries the digest of the answers the page showed."""

    shown = shown_field()
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class AdoptForm(AccordForm):
    full_council_date = date_field("Date of the Full Council meeting")
    minute_reference = _minute_field(
        "Full Council minute reference",
        "Enter the Full Council minute reference, for example FC 34/19",
    )
    submit = SubmitField("Mark as adopted", widget=GovSubmitInput())

    def validate_full_council_date(self, field) -> None:
        _not_in_future(field, "The date of the Full Council meeting must be today or in the past")
