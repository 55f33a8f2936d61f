from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.boundaries import IdsField
from app.forms import AccordForm, RecommendationsField, shown_field, submission_key_field
from app.services.passages import CONTEXT, MAX_QUOTE, NEW_WORDS_TOO_LONG


def _quote(label: str) -> StringField:
    return StringField(
        label,
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Quote the words, exactly as they are in the clause"),
            Length(max=MAX_QUOTE, message=f"Quote at most {MAX_QUOTE:,} characters"),
        ],
    )


def _context(before: bool) -> HiddenField:
    """The words just before (``before``) or after a selection (filled in by the page's
    script, or by a link): only the nearest ``4 * CONTEXT`` characters are kept, as they are
    all that is compared. A longer one was refused with "Reload the page and try again",
    and a link that filled it in again left the person no way on (outside tester)."""
    keep = 4 * CONTEXT

    def nearest(value: str | None) -> str | None:
        if value is None:
            return None
        return value[-keep:] if before else value[:keep]

    return HiddenField(filters=[nearest])


class SuggestForm(AccordForm):
    quote = _quote("The words to change")
    replacement = StringField(
        "The new words",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=MAX_QUOTE, message=NEW_WORDS_TOO_LONG),
        ],
    )
    rationale = StringField(
        "Why should they change?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Say why the words should change"),
            Length(max=5_000, message="The reason must be 5,000 characters or fewer"),
        ],
    )
    recommendations = RecommendationsField("the suggestion")
    prefix = _context(before=True)
    suffix = _context(before=False)
    submission_key = submission_key_field()
    submit = SubmitField("Suggest this change", widget=GovSubmitInput())


class PassageCommentForm(AccordForm):
    quote = _quote("The words you are commenting on")
    body = StringField(
        "Your comment",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter your comment"),
            Length(max=10_000, message="The comment must be 10,000 characters or fewer"),
        ],
    )
    prefix = _context(before=True)
    suffix = _context(before=False)
    submission_key = submission_key_field()
    submit = SubmitField("Post comment", widget=GovSubmitInput())


class AcceptSuggestionsForm(AccordForm):
    suggestions = IdsField(
        "Which suggestions should the new wording take?",
        widget=GovCheckboxesInput(),
        required_message="Choose at least one suggestion",
        unknown_message="Choose suggestions from the list",
    )
    preview = SubmitField("Preview the new wording", widget=GovSubmitInput())
    submit = SubmitField("Accept these suggestions", widget=GovSubmitInput())
    shown = shown_field()  # the digest of the preview shown (``passages.combined_shown``)
