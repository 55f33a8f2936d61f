"""Forms for creating documents and managing their clauses."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from app.discussions.forms import RecommendationsField
from app.models import DocumentKind


def _text(label: str, message: str, length: int = 200) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            DataRequired(message=message),
            Length(max=length, message=f"{label} must be {length} characters or fewer"),
        ],
    )


class DocumentForm(FlaskForm):
    kind = RadioField(
        "What kind of document is it?",
        widget=GovRadioInput(),
        choices={kind.value: kind.label for kind in DocumentKind},
        validators=[InputRequired(message="Choose what kind of document it is")],
    )
    title = _text("Title", "Enter the document's title")
    summary = StringField(
        "Summary",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter a short summary of the document"),
            Length(max=2_000, message="Summary must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Create the document", widget=GovSubmitInput())


class ClauseForm(FlaskForm):
    heading = _text("Heading", "Enter the clause's heading")
    body = StringField(
        "Text",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter the clause's text"),
            Length(max=20_000, message="Text must be 20,000 characters or fewer"),
        ],
    )
    recommendations = RecommendationsField(
        "Which recommendations does the clause answer?",
        required_message="Choose at least one recommendation the clause answers",
    )
    after = SelectField(
        "Where does it go?",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose where the clause goes")],
    )
    submit = SubmitField("Add the clause", widget=GovSubmitInput())


class MoveForm(FlaskForm):
    position = IntegerField(
        "Move to position",
        validators=[InputRequired(message="Enter a position number, for example 3")],
    )


class NumberForm(FlaskForm):
    number = StringField(
        "Number",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the clause's number, for example 4A")],
    )
    submit = SubmitField("Fix the number", widget=GovSubmitInput())


class RetireForm(FlaskForm):
    reason = StringField(
        "Why is the clause retired?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Give the reason the clause is retired"),
            Length(max=2_000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Retire the clause", widget=GovSubmitInput())
