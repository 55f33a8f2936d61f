from __future__ import annotations

import secrets

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.boundaries import IdField
from app.forms import AccordForm, RecommendationsField, reason_field
from app.services.discussions import MAX_COMMENT_LENGTH


def _comment_field(label: str, message: str):
    return StringField(
        label,
        widget=GovCharacterCount(),
        validators=[
            DataRequired(message=message),
            Length(
                max=MAX_COMMENT_LENGTH,
                message=f"Comments must be {MAX_COMMENT_LENGTH:,} characters or fewer",
            ),
        ],
    )


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def _submission_key() -> HiddenField:
    """The form's one-time key (stored in 64 characters): a longer one is not Accord's."""
    return HiddenField(
        default=new_submission_key,
        validators=[Length(max=64, message="Reload the page and try again")],
    )


class StartDiscussionForm(AccordForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter a title for the discussion"),
            Length(max=200, message="The title must be 200 characters or fewer"),
        ],
    )
    body = _comment_field("Opening comment", "Enter your opening comment")
    recommendations = RecommendationsField()
    submission_key = _submission_key()
    submit = SubmitField("Start discussion", widget=GovSubmitInput())


class CommentForm(AccordForm):
    body = _comment_field("Your comment", "Enter your comment")
    parent_id = IdField(widget=HiddenInput(), validators=[Optional()])
    submission_key = _submission_key()
    submit = SubmitField("Post comment", widget=GovSubmitInput())


class EditCommentForm(AccordForm):
    body = _comment_field("Your comment", "Enter your comment")
    edit_count = IdField(
        widget=HiddenInput(), validators=[InputRequired(message="Reload the page and try again")]
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class HideCommentForm(AccordForm):
    reason = reason_field(
        "Why are you hiding this comment?",
        "Enter the reason, so readers know why it is hidden",
        length=500,
    )
    submit = SubmitField("Hide comment", widget=GovSubmitInput())


class RelinkForm(AccordForm):
    recommendations = RecommendationsField()
    submit = SubmitField("Save recommendations", widget=GovSubmitInput())
