"""Forms for creating documents and managing their clauses."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.forms import (
    AccordForm,
    Radios,
    RecommendationsField,
    reason_field,
    submission_key_field,
    text_field,
)
from app.models import DocumentKind


class DocumentForm(AccordForm):
    kind = Radios(
        "What kind of document is it?",
        widget=GovRadioInput(),
        choices={kind.value: kind.label for kind in DocumentKind},
        validators=[InputRequired(message="Choose what kind of document it is")],
    )
    title = text_field("Title", "Enter the document's title")
    summary = StringField(
        "Summary",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter a short summary of the document"),
            Length(max=2_000, message="Summary must be 2,000 characters or fewer"),
        ],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Create the document", widget=GovSubmitInput())


class PlacementField(SelectField):
    """Where a new clause goes; a clause chosen on a stale page that has since been retired is
    no longer a choice, and the message says so (not WTForms' "Not a valid choice")."""

    def pre_validate(self, form) -> None:
        if self.data not in dict(self.choices):
            raise ValidationError(
                "The clause you chose to add it after has been retired. Choose where it goes"
            )


class ClauseForm(AccordForm):
    heading = text_field("Heading", "Enter the clause's heading")
    body = StringField(
        "Text",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter the clause's text"),
            Length(max=20_000, message="Text must be 20,000 characters or fewer"),
        ],
    )
    recommendations = RecommendationsField("the clause")
    after = PlacementField(
        "Where does it go?",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose where the clause goes")],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Add the clause", widget=GovSubmitInput())


class NumberForm(AccordForm):
    number = StringField(
        "Number",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the clause's number, for example 4A")],
    )
    submit = SubmitField("Fix the number", widget=GovSubmitInput())


class RetireForm(AccordForm):
    reason = reason_field("Why is the clause retired?", "Give the reason the clause is retired")
    submit = SubmitField("Retire the clause", widget=GovSubmitInput())
