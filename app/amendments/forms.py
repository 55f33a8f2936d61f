from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import (
    AccordForm,
    RecommendationsField,
    reason_field,
    shown_field,
    submission_key_field,
    version_field,
)

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


class AmendmentForm(AccordForm):
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
    recommendations = RecommendationsField("the amendment")
    submission_key = submission_key_field()
    submit = SubmitField("Propose amendment", widget=GovSubmitInput())


class ClauseEditForm(AccordForm):
    heading = _heading()
    body = _body("Text")
    reason = StringField(
        "What changed and why",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="Keep it to 500 characters or fewer")],
    )
    revision_number = version_field()  # the version the form was drawn from
    submit = SubmitField("Save the new wording", widget=GovSubmitInput())


class RejectForm(AccordForm):
    reason = reason_field(
        "Why is the amendment rejected?", "Give the reason the amendment is rejected"
    )
    submit = SubmitField("Reject amendment", widget=GovSubmitInput())


ACCEPTANCE_REASON_NEEDED = (
    "Say why you are accepting an amendment that the agreement rule does not agree"
)


class AcceptForm(AccordForm):
    confirm_out_of_date = BooleanField(
        "I have checked the differences: the amendment's text should replace the current wording",
        widget=GovCheckboxInput(),
    )
    # Shown and required only when the agreement rule does not agree the amendment (the
    # service says so, ReasonRequired; the route puts its refusal on this field).
    acceptance_reason = StringField(
        "Why are you accepting it although the agreement rule does not agree it?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2_000, message="Keep the reason to 2,000 characters")],
    )
    shown = shown_field()
    submit = SubmitField("Accept amendment", widget=GovSubmitInput())
