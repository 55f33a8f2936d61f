from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.boundaries import IdField
from app.forms import (
    AccordForm,
    RecommendationsField,
    reason_field,
    shown_field,
    submission_key_field,
    version_field,
)
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
    recommendations = RecommendationsField("this discussion")
    submission_key = submission_key_field()
    submit = SubmitField("Start discussion", widget=GovSubmitInput())


class CommentForm(AccordForm):
    body = _comment_field("Your comment", "Enter your comment")
    parent_id = IdField(widget=HiddenInput(), validators=[Optional()])
    submission_key = submission_key_field()
    submit = SubmitField("Post comment", widget=GovSubmitInput())


class EditCommentForm(AccordForm):
    body = _comment_field("Your comment", "Enter your comment")
    edit_count = version_field()  # the version the form was drawn from
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class HideCommentForm(AccordForm):
    reason = reason_field(
        "Why are you hiding this comment?",
        "Enter the reason, so readers know why it is hidden",
        length=500,
    )
    submit = SubmitField("Hide comment", widget=GovSubmitInput())


class RelinkForm(AccordForm):
    recommendations = RecommendationsField("this discussion")
    submit = SubmitField("Save recommendations", widget=GovSubmitInput())
    shown = shown_field()  # the links the page showed (``discussions.relink_shown``)
