from __future__ import annotations

import secrets
from collections.abc import Iterable

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.extensions import db
from app.forms import AccordForm
from app.models import Recommendation, RecommendationSource
from app.services.discussions import MAX_COMMENT_LENGTH


def recommendation_choices(keep: Iterable[int] = ()) -> dict[int, str]:
    """The recommendations a form offers: those in use, and retired ones only if already
    linked (``keep``), so that editing a link does not silently drop them."""
    keep = set(keep)
    recommendations = db.session.scalars(
        select(Recommendation)
        .join(Recommendation.source)
        .where(Recommendation.retired_at.is_(None) | Recommendation.id.in_(keep))
        .options(joinedload(Recommendation.source))
        .order_by(RecommendationSource.position, Recommendation.letter)
    ).all()
    return {
        r.id: f"{r.label}{' (retired)' if r.is_retired else ''}: {r.text}" for r in recommendations
    }


def chosen_recommendations(ids: list[int]) -> list[Recommendation]:
    """The recommendations ticked in a form (already validated against the choices)."""
    return list(db.session.scalars(select(Recommendation).where(Recommendation.id.in_(ids))))


class RecommendationsField(SelectMultipleField):
    """Checkboxes of every recommendation; at least one must be ticked."""

    widget = GovCheckboxesInput()

    def __init__(
        self,
        label="Which recommendations does this answer?",
        *,
        required_message="Choose at least one recommendation this discussion answers",
        **kwargs,
    ):
        super().__init__(label, coerce=int, **kwargs)
        self.required_message = required_message

    def pre_validate(self, form):
        known = set(self.choices or {})
        if not self.data:
            raise ValidationError(self.required_message)
        if any(value not in known for value in self.data):
            raise ValidationError("Choose recommendations from the list")

    def process_formdata(self, valuelist):
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = [-1]  # fails pre_validate with a clear message


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
    submission_key = HiddenField(default=new_submission_key)
    submit = SubmitField("Start discussion", widget=GovSubmitInput())


class CommentForm(AccordForm):
    body = _comment_field("Your comment", "Enter your comment")
    parent_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submission_key = HiddenField(default=new_submission_key)
    submit = SubmitField("Post comment", widget=GovSubmitInput())


class EditCommentForm(AccordForm):
    body = _comment_field("Your comment", "Enter your comment")
    edit_count = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(message="Reload the page and try again")]
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class HideCommentForm(AccordForm):
    reason = StringField(
        "Why are you hiding this comment?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter the reason, so readers know why it is hidden"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Hide comment", widget=GovSubmitInput())


class RelinkForm(AccordForm):
    recommendations = RecommendationsField()
    submit = SubmitField("Save recommendations", widget=GovSubmitInput())


class ConfirmForm(AccordForm):
    """Only a CSRF token: for withdraw, unhide, lock and unlock."""
