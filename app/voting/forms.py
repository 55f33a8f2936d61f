from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.boundaries import IdField
from app.forms import AccordForm, early_close_reason_field, in_a_sentence, shown_field


class InterestForm(AccordForm):
    reason = StringField(
        "Why do you have an interest?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Say briefly why you have an interest"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Declare interest", widget=GovSubmitInput())


def _percent(label: str) -> IdField:
    """A turnout threshold: one message whatever is wrong with it (blank, not a number, -5,
    101), naming the field as a sentence does ("the minimum turnout of Members")."""
    needed = (
        f"Enter the {in_a_sentence(label.removesuffix(' (%)'))} as a whole number from 0 to 100"
    )
    return IdField(
        label,
        widget=GovTextInput(),
        message=needed,
        validators=[InputRequired(message=needed), NumberRange(min=0, max=100, message=needed)],
    )


class RuleForm(AccordForm):
    member_turnout_percent = _percent("Minimum turnout of Members (%)")
    officer_turnout_percent = _percent("Minimum turnout of Officers (%)")
    submit = SubmitField("Save the agreement rule", widget=GovSubmitInput())
    shown = shown_field()  # the rule the page showed (``voting.rule_shown``)


class CloseVotingForm(AccordForm):
    """The confirmation of closing voting; the reason only when closing before the announced
    time."""

    close_reason = early_close_reason_field()
    shown = shown_field()
    submit = SubmitField("Close voting and record the results", widget=GovSubmitInput())


class BallotForm(AccordForm):
    """The ballot's CSRF and submit; the items' choices are fields named after each item
    (``choice-<key>``, ``reason-<key>``, ``wording-<key>``), read by ``read_ballot``."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
