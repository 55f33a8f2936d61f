from __future__ import annotations

from typing import TYPE_CHECKING

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from app.forms import AccordForm, Radios, RealDateField
from app.models import Document

if TYPE_CHECKING:
    from app.exports.model import CommitteePaper


def _paper_text(label: str, length: int, hint: str = "", *extra) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        description=hint,
        validators=[
            Optional(),
            Length(max=length, message=f"{label} must be {length} characters or fewer"),
            *extra,
        ],
    )


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

    format = Radios(
        "Format",
        widget=GovRadioInput(),
        choices=FORMATS,
        validators=[InputRequired(message="Choose a format")],
        default="docx",
    )
    version = SelectField("Which text", widget=GovSelect(), validators=[Optional()])
    clauses = Radios(
        "Clauses",
        widget=GovRadioInput(),
        default="agreed",
        choices={
            "agreed": "The agreed text: only clauses agreed by Members and Officers",
            "all": "All clauses, each with its status",
        },
    )
    annexes = Radios(
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
    # The committee-paper details printed on the cover and in every page's header.
    committee = _paper_text("Committee", 120, "For example, Standards Committee")
    meeting_date = RealDateField(
        "Meeting date",
        widget=GovDateInput(),
        format="%d %m %Y",
        description="For example, 12 3 2027",
        validators=[Optional()],
    )
    agenda_item = _paper_text(
        "Agenda item",
        12,
        "For example, 7 or 7(b)",
        Regexp(r"^[0-9A-Za-z().]+$", message="Enter the agenda item as on the agenda, like 7(b)"),
    )
    appendix = _paper_text(
        "Appendix",
        3,
        "For example, B",
        Regexp(r"^[A-Za-z]{1,3}$", message="Enter the appendix as a letter, for example B"),
    )
    author = _paper_text("Report author", 120, "For example, Jo Bloggs, Democratic Services")
    submit = SubmitField("Download", widget=GovSubmitInput())

    def about(self, document: Document) -> None:
        """As ``AccordForm.about``, and the choices of what to include too (they are ours, not
        people's text): "agenda items" in an agenda's export."""
        super().about(document)
        for field in (self.clauses, self.annexes):
            field.choices = {key: document.worded(label) for key, label in field.choices.items()}

    def paper(self) -> CommitteePaper | None:
        """The committee-paper details given (validated), or None when none were."""
        from app.exports.model import CommitteePaper  # the export's model: only when made

        paper = CommitteePaper(
            committee=self.committee.data or "",
            meeting_date=self.meeting_date.data,
            agenda_item=self.agenda_item.data or "",
            appendix=(self.appendix.data or "").upper(),
            author=self.author.data or "",
        )
        return paper if paper.rows else None
