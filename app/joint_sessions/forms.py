from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.boundaries import IdField
from app.forms import (
    AccordForm,
    ClockField,
    Radios,
    RealDateField,
    RecommendationsField,
    date_field,
    reason_field,
    shown_field,
    submission_key_field,
    text_field,
)
from app.models import AttendanceAnswer, Audience, Purpose
from app.services.joint_sessions import latest_session_day, wall_clock_problem

PURPOSES = {p.value: p.label for p in Purpose}


class SessionForm(AccordForm):
    title = text_field("Title", "Enter the session's title")
    theme = text_field("Theme", "Enter the theme, for example “Roles and trust”")
    day = date_field("Date")
    start = ClockField(
        "Start time",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the start time")],
    )
    end = ClockField(
        "End time", widget=GovTextInput(), validators=[DataRequired(message="Enter the end time")]
    )
    venue = text_field("Venue", "Enter the venue")
    is_off_site = BooleanField("The session is off-site", widget=GovCheckboxInput())
    audience = Radios(
        "Who is it for?",
        widget=GovRadioInput(),
        choices={a.value: a.label for a in Audience},
        default="both",
        validators=[InputRequired(message="Choose who the session is for")],
    )
    facilitator_name = StringField(
        "Facilitator", widget=GovTextInput(), validators=[Optional(), Length(max=200)]
    )
    facilitator_is_external = BooleanField(
        "The facilitator is external (for example the LGA)", widget=GovCheckboxInput()
    )
    recommendations = RecommendationsField("the session")
    submission_key = submission_key_field()
    submit = SubmitField("Create the session", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.day.data is None or self.day.errors:
            return valid
        if self.day.data > latest_session_day():
            self.day.errors = ["The date must be within 10 years of today"]
            return False
        for field in (self.start, self.end):
            parsed = getattr(field, "parsed", None)
            problem = parsed is not None and wall_clock_problem(self.day.data, parsed)
            if problem and not field.errors:
                field.errors = [problem]
                valid = False
        return valid


DURATION_NEEDED = "Enter the duration in minutes, for example 30"


def _minutes() -> IdField:
    return IdField(
        "Duration in minutes",
        widget=GovTextInput(),
        message=DURATION_NEEDED,
        validators=[
            InputRequired(message=DURATION_NEEDED),
            NumberRange(min=1, max=24 * 60, message="The duration must be from 1 to 1,440 minutes"),
        ],
    )


class ItemForm(AccordForm):
    heading = text_field("Title", "Enter the item's title")
    purpose = Radios(
        "Purpose",
        widget=GovRadioInput(),
        choices=PURPOSES,
        default="discussion",
        validators=[InputRequired(message="Choose the item's purpose")],
    )
    lead = StringField("Lead", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    duration_minutes = _minutes()
    body = StringField(
        "Description",
        widget=GovTextArea(),
        validators=[DataRequired(message="Describe the item"), Length(max=10_000)],
    )
    recommendations = RecommendationsField("the item")
    submission_key = submission_key_field()
    submit = SubmitField("Add the item", widget=GovSubmitInput())


class ProposalForm(AccordForm):
    title = text_field("Title", "Enter a title for the item")
    purpose = Radios(
        "Purpose",
        widget=GovRadioInput(),
        choices=PURPOSES,
        default="discussion",
        validators=[InputRequired(message="Choose the item's purpose")],
    )
    duration_minutes = _minutes()
    description = StringField(
        "What should be discussed, and why?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Say what the item is about"),
            Length(max=5_000, message="Description must be 5,000 characters or fewer"),
        ],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Propose the item", widget=GovSubmitInput())


class DeclineForm(AccordForm):
    reason = reason_field("Why is the item declined?", "Give the reason the item is declined")
    submit = SubmitField("Decline the item", widget=GovSubmitInput())


class AttendanceForm(AccordForm):
    answer = Radios(
        "Will you attend?",
        widget=GovRadioInput(),
        choices={a.value: a.label for a in AttendanceAnswer},
        validators=[InputRequired(message="Choose whether you will attend")],
    )
    submit = SubmitField("Save my answer", widget=GovSubmitInput())


class OutcomeForm(AccordForm):
    outcome = StringField(
        "Outcome", widget=GovTextArea(), validators=[Optional(), Length(max=10_000)]
    )
    submit = SubmitField("Save the outcome", widget=GovSubmitInput())
    shown = shown_field()  # the outcome the page showed (``joint_sessions.outcome_shown``)


class ActionForm(AccordForm):
    what = StringField(
        "Action",
        widget=GovTextArea(),
        validators=[DataRequired(message="Say what is to be done"), Length(max=2_000)],
    )
    who = text_field("Who", "Say who will do it")
    due_on = RealDateField(
        "By when (optional)", called="Due date", widget=GovDateInput(), validators=[Optional()]
    )
    submission_key = submission_key_field()
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class ToDocumentForm(AccordForm):
    target = SelectField(
        "Which document",
        widget=GovSelect(),
        validators=[DataRequired(message="Choose the Accord or the Protocol")],
    )
    heading = text_field("Heading of the new clause", "Enter the clause heading")
    body = StringField(
        "Text of the new clause",
        widget=GovTextArea(),
        validators=[DataRequired(message="Enter the clause text"), Length(max=20_000)],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Add the clause", widget=GovSubmitInput())


class RegisterForm(AccordForm):
    """The register: one set of radios per person, named ``mark-<person id>``; its fields are
    made by the template from the people the session is for."""

    submit = SubmitField("Save the register", widget=GovSubmitInput())


class ToAmendmentForm(AccordForm):
    target = SelectField(
        "Which clause",
        widget=GovSelect(),
        validators=[DataRequired(message="Choose the clause to amend")],
    )
    heading = StringField(
        "Heading (leave it to keep the clause's heading)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200)],
    )
    body = StringField(
        "The new wording of the clause",
        widget=GovTextArea(),
        validators=[DataRequired(message="Enter the new wording"), Length(max=20_000)],
    )
    rationale = StringField(
        "Why (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=5_000, message="The reason must be 5,000 characters or fewer"),
        ],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Propose the amendment", widget=GovSubmitInput())


class LinkClauseForm(AccordForm):
    clause = SelectField(
        "Clause this item discusses",
        widget=GovSelect(),
        validators=[DataRequired(message="Choose a clause")],
    )
    submit = SubmitField("Link the clause", widget=GovSubmitInput())
