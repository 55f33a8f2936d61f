from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Optional

from app.forms import AccordForm

FORMATS = {
    "docx": "Word (.docx)",
    "pdf": "PDF",
    "md": "Markdown",
    "html": "Print-friendly web page",
}


class ExportForm(AccordForm):
    """Choices for an export. A GET form: downloading changes nothing."""

    class Meta:
        csrf = False

    format = RadioField(
        "Format",
        widget=GovRadioInput(),
        choices=FORMATS,
        validators=[InputRequired(message="Choose a format")],
        default="docx",
    )
    version = SelectField("Which text", widget=GovSelect(), validators=[Optional()])
    clauses = RadioField(
        "Clauses",
        widget=GovRadioInput(),
        default="agreed",
        choices={
            "agreed": "The agreed text: only clauses agreed by Members and Officers",
            "all": "All clauses, each with its status",
        },
    )
    annexes = RadioField(
        "Annexes",
        widget=GovRadioInput(),
        default="yes",
        choices={
            "yes": "Include the annexes (clause history, recommendation coverage, voting record)",
            "no": "Leave out the annexes",
        },
    )
    changes_since = SelectField(
        "Show the changes since", widget=GovSelect(), validators=[Optional()]
    )
    submit = SubmitField("Download", widget=GovSubmitInput())
