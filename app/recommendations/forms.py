from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import AccordForm, Radios, reason_field, submission_key_field, version_field
from app.importers.recommendations import FIELD_LIMITS
from app.services.recommendations import MAX_IMPORT_CHARS


def _within(name: str) -> Length:
    """A recommendation's field's limit (the import's too: ``FIELD_LIMITS``)."""
    limit = FIELD_LIMITS[name]
    return Length(max=limit, message=f"The {name} must be {limit:,} characters or fewer")


class SourceForm(AccordForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the source's name, for example Culture Review 2019"),
            Length(max=160, message="The name must be 160 characters or fewer"),
        ],
    )
    short_name = StringField(
        "Short name",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter a short name, for example CR"),
            Length(max=12, message="The short name must be 12 characters or fewer"),
        ],
    )
    title = StringField(
        "Title of the report (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=255, message="The title must be 255 characters or fewer"),
        ],
    )
    submission_key = submission_key_field()
    submit = SubmitField("Add the source", widget=GovSubmitInput())


class ImportForm(AccordForm):
    source = Radios(
        "Which source are the recommendations from?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the source the recommendations are from")],
    )
    upload = FileField("Upload a file", widget=GovFileInput())
    text = StringField(
        "Or paste the action plan",
        widget=GovTextArea(),
        validators=[
            Length(
                max=MAX_IMPORT_CHARS,
                message=f"Paste at most {MAX_IMPORT_CHARS:,} characters at a time",
            )
        ],
    )
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


class ConfirmImportForm(AccordForm):
    """Step 2: the import's text travels back (base64) and is read again; nothing is kept."""

    source = HiddenField(validators=[DataRequired()])
    content = HiddenField(validators=[DataRequired()])
    format = HiddenField(validators=[DataRequired()])
    fingerprint = HiddenField(validators=[DataRequired()])
    submission_key = submission_key_field()  # saved twice, it saves once (``create_once``)
    submit = SubmitField("Save", widget=GovSubmitInput())


class EditRecommendationForm(AccordForm):
    text = StringField(
        "Text",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter the recommendation's text"),
            _within("text"),
        ],
    )
    theme = StringField(
        "Theme (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            _within("theme"),
        ],
    )
    response = StringField(
        "The council's response (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            _within("response"),
        ],
    )
    timescale = StringField(
        "Timescale (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            _within("timescale"),
        ],
    )
    reason = StringField(
        "What changed and why (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="Keep it to 500 characters or fewer")],
    )
    version = version_field()  # the version the form was drawn from
    submit = SubmitField("Save the new wording", widget=GovSubmitInput())


class RetireForm(AccordForm):
    reason = reason_field("Why is it retired?", "Say why the recommendation is retired")
    submit = SubmitField("Retire the recommendation", widget=GovSubmitInput())
