from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import Length, Optional

from app.forms import AccordForm, submission_key_field


class UploadForm(AccordForm):
    file = FileField("Upload the Word file", widget=GovFileInput())
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class ConfirmForm(AccordForm):
    """The confirm step carries the signed preview (``app.word.preview.sign``)."""

    preview = HiddenField()
    submission_key = submission_key_field()
    reason = StringField(
        "Why these changes? (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=2_000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Create the suggestions and comments", widget=GovSubmitInput())
