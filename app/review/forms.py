from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import AccordForm, date_field, early_close_reason_field
from app.models import Decision


class PublishForm(AccordForm):
    note = StringField(
        "Note (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="Keep the note to 500 characters")],
    )
    submit = SubmitField("Publish a new version", widget=GovSubmitInput())


class MoveForm(AccordForm):
    note = StringField(
        "Note",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2_000, message="Keep the note to 2,000 characters")],
    )
    version = SelectField(
        "Version to submit", coerce=int, widget=GovSelect(), validators=[Optional()]
    )
    close_reason = early_close_reason_field()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class NoteForm(AccordForm):
    clause_number = SelectField("About", widget=GovSelect(), validators=[Optional()])
    body = StringField(
        "Your note",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Write your note"),
            Length(max=5_000, message="Keep the note to 5,000 characters"),
        ],
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())


class DecisionForm(AccordForm):
    decision = RadioField(
        "The committee's decision",
        widget=GovRadioInput(),
        choices={
            Decision.RECOMMEND.value: "Recommend it to Full Council",
            Decision.REFER_BACK.value: "Refer it back",
        },
        validators=[InputRequired(message="Choose the committee's decision")],
    )
    reasons = StringField(
        "Reasons",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5_000, message="Keep it to 5,000 characters")],
    )
    meeting_date = date_field("Date of the meeting")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class AdoptForm(AccordForm):
    full_council_date = date_field("Date of the Full Council meeting")
    submit = SubmitField("Mark as adopted", widget=GovSubmitInput())
