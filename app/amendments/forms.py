from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.boundaries import IdField
from app.discussions.forms import new_submission_key
from app.forms import RecommendationsField, reason_field

MAX_CLAUSE_LENGTH = 20_000


def _heading() -> StringField:
    return StringField(
        "Heading",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the clause heading"),
            Length(max=200, message="The heading must be 200 characters or fewer"),
        ],
    )


def _body(label: str) -> StringField:
    return StringField(
        label,
        widget=GovCharacterCount(),
        validators=[
            DataRequired(message="Enter the clause text"),
            Length(
                max=MAX_CLAUSE_LENGTH,
                message=f"The text must be {MAX_CLAUSE_LENGTH:,} characters or fewer",
            ),
        ],
    )


class AmendmentForm(FlaskForm):
    heading = _heading()
    body = _body("Proposed text")
    rationale = StringField(
        "Why should it change?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Say why the clause should change"),
            Length(max=5_000, message="The reason must be 5,000 characters or fewer"),
        ],
    )
    recommendations = RecommendationsField("Which recommendations does the amendment answer?")
    submission_key = HiddenField(
        default=new_submission_key,
        validators=[Length(max=64, message="Reload the page and try again")],
    )
    submit = SubmitField("Propose amendment", widget=GovSubmitInput())


class ClauseEditForm(FlaskForm):
    heading = _heading()
    body = _body("Text")
    reason = StringField(
        "What changed and why",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="Keep it to 500 characters or fewer")],
    )
    revision_number = IdField(
        widget=HiddenInput(), validators=[InputRequired(message="Reload the page and try again")]
    )
    submit = SubmitField("Save the new wording", widget=GovSubmitInput())


class RejectForm(FlaskForm):
    reason = reason_field(
        "Why is the amendment rejected?", "Give the reason the amendment is rejected"
    )
    submit = SubmitField("Reject amendment", widget=GovSubmitInput())


class AcceptForm(FlaskForm):
    confirm_out_of_date = BooleanField(
        "I have checked the differences: the amendment's text should replace the current wording",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Accept amendment", widget=GovSubmitInput())
