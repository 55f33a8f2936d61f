"""Form pieces shared by several blueprints, and the handling of the clauses' and agenda items'
move buttons. They live outside the blueprint packages so that importing them does not import
a blueprint's routes (a circular import)."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput, TextArea

from app.models import Clause
from app.services import DomainError, clauses
from app.text import normalise

POSITION_NEEDED = "Enter a position number, for example 3"


def _normaliser(*, multiline: bool):
    def clean(value):
        return normalise(value, multiline=multiline) if isinstance(value, str) else value

    return clean


_MULTI_LINE, _SINGLE_LINE = _normaliser(multiline=True), _normaliser(multiline=False)


class AccordForm(FlaskForm):
    """The base of every form: each text a person types is normalised (``app.text.normalise``)
    before it is validated, so length limits count the text as it will be kept. A text area
    (``TextAreaField``, or any field drawn with a textarea widget such as GOV.UK's character
    count) keeps its line breaks; other text fields are single-line. Passwords and hidden
    fields are left exactly as sent."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField) and not (
                isinstance(field, PasswordField | HiddenField)
                or isinstance(field.widget, HiddenInput)
            ):
                multiline = isinstance(field, TextAreaField) or isinstance(field.widget, TextArea)
                field.filters = (*field.filters, _MULTI_LINE if multiline else _SINGLE_LINE)
            return field


def text_field(label: str, message: str, length: int = 200) -> StringField:
    """A required one-line text, ``length`` characters at most, with the house messages."""
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            DataRequired(message=message),
            Length(max=length, message=f"{label} must be {length} characters or fewer"),
        ],
    )


class MoveForm(AccordForm):
    """Move a clause or an agenda item to a numbered position (the up and down buttons post
    ``direction`` instead)."""

    position = IntegerField(
        "Move to position",
        widget=GovTextInput(),
        validators=[InputRequired(message=POSITION_NEEDED)],
    )


def move_as_asked(clause: Clause) -> int:
    """Move a clause (or agenda item) as the posted form asks: one place up or down (the button
    pressed, ``direction``) or to the typed ``position``. Returns its new position; raises
    ``DomainError`` for a missing or impossible position. Both the manage page and the
    session page use it."""
    direction = request.form.get("direction")
    if direction in ("up", "down"):
        return clauses.move_clause_by(clause, -1 if direction == "up" else 1, by=current_user)
    form = MoveForm()
    if not form.validate():  # nothing typed, or not a whole number ("abc", "2.5")
        raise DomainError(POSITION_NEEDED)
    clauses.move_clause(clause, form.position.data, by=current_user)
    return form.position.data
