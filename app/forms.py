"""Form pieces shared by several blueprints (text, reason, date and clock fields, the
recommendations field and its choices, the confirm form), the handling of the clauses' and
agenda items' move buttons, and of a create form sent twice (``create_once``). No blueprint
imports another blueprint's forms: what two share lives here."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any

from flask import flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput, TextArea

from app.boundaries import RELOAD, IdField, IdsField, whole_number
from app.extensions import db
from app.models import Clause, Recommendation, RecommendationSource, utcnow
from app.models.documents import DocumentKind
from app.page_notes import note_submission_key
from app.services import DomainError, clauses, submissions
from app.services.joint_sessions import london, wall_clock_problem
from app.services.passwords import WeakPassword, check_password_strength
from app.text import normalise, upper_first

POSITION_NEEDED = "Enter a position number, for example 3"


def _normaliser(*, multiline: bool):
    def clean(value):
        return normalise(value, multiline=multiline) if isinstance(value, str) else value

    return clean


_MULTI_LINE, _SINGLE_LINE = _normaliser(multiline=True), _normaliser(multiline=False)


_CHOICE_MESSAGES = {
    "Not a valid choice.",
    "Invalid Choice: could not coerce.",
    "Invalid choice(s): one or more data inputs could not be coerced.",
    "'%(value)s' is not a valid choice for this field.",
}
_NUMBER_MESSAGES = {
    "Not a valid integer value.",
    "Not a valid decimal value.",
    "Not a valid float value.",
}


def field_name(field) -> str:
    """What a message calls ``field``: its label without a closing remark in brackets ("Lead
    (optional)" → "Lead"); empty for a field without a label (a hidden one)."""
    return re.sub(r"\s*\([^()]*\)$", "", field.label.text or "").strip()


class _HouseWords:
    """The messages WTForms writes itself (a field's or a validator's default, used when the
    form gave none), in house words naming one field: "Description must be 5,000 characters
    or fewer", not "Field cannot be longer than 5000 characters." (GOV.UK design system,
    Error message). An unknown choice gets the field's own "nothing chosen" message (the
    radios' "Choose a format"); a hidden field, which a person never types in, asks for a
    reload. Any other text (such as a label made from a field's name) passes through."""

    def __init__(self, translations) -> None:
        self.translations = translations
        self.field = None

    def _message(self, string: str, n: int | None = None) -> str | None:
        field = self.field
        if field is None:
            return None
        name = field_name(field)
        if not name or isinstance(field.widget, HiddenInput):
            return RELOAD
        if string in _CHOICE_MESSAGES:
            asked = [
                v.message
                for v in field.validators
                if isinstance(v, InputRequired | DataRequired) and v.message
            ]
            return asked[0] if asked else f"Choose {in_a_sentence(name)} from the list"
        if string in _NUMBER_MESSAGES:
            return f"Enter {in_a_sentence(name)} as a whole number, for example 3"
        if string == "This field is required.":
            return f"Enter {in_a_sentence(name)}"
        if string.startswith("Field cannot be longer than") and n is not None:
            return f"{upper_first(name)} must be {n:,} characters or fewer"
        if string.startswith("Field must be at least") and n is not None:
            return f"{upper_first(name)} must be {n:,} characters or more"
        return None

    def gettext(self, string: str) -> str:
        message = self._message(string)
        if message is not None:  # the validator may %-format it: keep a % a %
            return message.replace("%", "%%")
        return self.translations.gettext(string) if self.translations else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        message = self._message(singular, n)
        if message is not None:
            return message.replace("%", "%%")
        if self.translations:
            return self.translations.ngettext(singular, plural, n)
        return singular if n == 1 else plural


class AccordForm(FlaskForm):
    """The base of every form: each text a person types is normalised (``app.text.normalise``)
    before it is validated, so length limits count the text as it will be kept. A text area
    (``TextAreaField``, or any field drawn with a textarea widget such as GOV.UK's character
    count) keeps its line breaks; other text fields are single-line. Passwords and hidden
    fields are left exactly as sent. WTForms' own messages are in house words naming the
    field (``_HouseWords``)."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            words = _HouseWords(options.get("translations"))
            field = super().bind_field(form, unbound_field, {**options, "translations": words})
            words.field = field
            if isinstance(field, StringField) and not (
                isinstance(field, PasswordField | HiddenField)
                or isinstance(field.widget, HiddenInput)
            ):
                multiline = isinstance(field, TextAreaField) or isinstance(field.widget, TextArea)
                field.filters = (*field.filters, _MULTI_LINE if multiline else _SINGLE_LINE)
            return field

    #: The kind of document whose words the form speaks (None until ``about``: as written).
    worded_as: DocumentKind | None = None

    def about(self, document) -> None:
        """Word the form for ``document``'s parts: on an agenda each "clause" in the labels,
        hints, buttons and (once validated) error messages says "agenda item" (shared/DOMAIN.md,
        Words; ``DocumentKind.worded``). The forms are written with "clause"; choices, which
        may quote people's text, are left as they are."""
        self.worded_as = kind = DocumentKind(document.kind)
        for field in self:
            field.label.text = kind.worded(field.label.text)
            if isinstance(field.description, str):
                field.description = kind.worded(field.description)

    def validate(self, extra_validators=None) -> bool:
        """Validate as WTForms does, then word the errors for the document (see ``about``)."""
        valid = super().validate(extra_validators)
        if self.worded_as is not None:
            for field in self:
                field.errors = [
                    self.worded_as.worded(e) if isinstance(e, str) else e for e in field.errors
                ]
        return valid


class Radios(RadioField):
    """Radios whose answer must be one of the choices: a value that is none of them (a stale
    or tampered form) is told the field's own "Choose ..." message (its ``InputRequired``'s),
    by the field and in the summary, rather than WTForms' "Not a valid choice"."""

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            required = next((v for v in self.validators if isinstance(v, InputRequired)), None)
            if required is None or not required.message:
                raise
            raise ValidationError(required.message) from None


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


def new_submission_key() -> str:
    """A form's one-time key (32 characters), noted for a page kept whole
    (``app.kept_pages``) to carry a new one on each serving."""
    return note_submission_key(secrets.token_urlsafe(24))


def submission_key_field() -> HiddenField:
    """The form's one-time key (stored in 64 characters): a longer one is not Accord's."""
    return HiddenField(
        default=new_submission_key,
        validators=[Length(max=64, message="Reload the page and try again")],
    )


def claim_sending(form: AccordForm, *, made: str, compare_fields: bool = True) -> str | None:
    """Claim the form's one-time key (``submission_key``) for this sending, as the
    transaction's first write (``submissions.claim``): None for its first sending (or a form
    without a key), else where the first sending's answer went. ``compare_fields`` False
    treats the key sent with other fields as the same sending (a form whose fields are a
    code good once, such as a two-factor code); else that is ``SentAgainChanged``, naming
    ``made``. The caller records where its answer goes (``submissions.record``)."""
    key = form.submission_key.data
    if not key:
        return None
    fields = (
        {
            field.short_name: field.data
            for field in form
            if field.short_name not in ("csrf_token", "submission_key")
            and not isinstance(field, SubmitField)
        }
        if compare_fields
        else {}
    )
    return submissions.claim(
        key,
        by=current_user,
        kind=request.endpoint or request.path,
        digest=submissions.fields_digest(request.path, fields),
        made=made,
    )


def create_once(
    form: AccordForm, create: Callable[[], tuple[str, str]], *, made: str
) -> ResponseReturnValue:
    """Make what a create form asks once per its one-time key (its ``submission_key``, made
    when its page was drawn), however often it is sent: a double click without JavaScript,
    back and send again, a retry after a network error (``app.services.submissions``).

    ``create`` makes it through a service and returns where the answer goes (the page of what
    it made) and what to say there. The first sending claims the key, makes, records where
    its answer went, commits, says so and redirects there (303). The same form sent again
    redirects to the same place (303), saying it was already sent: nothing is made twice. The
    key with other fields is refused, ``SentAgainChanged`` (409), and the error page shows
    what it carried to copy; a key from someone else's page or another form is refused too
    (409, saying to reload the page). ``made`` names it in those messages ("the note").
    Should ``create`` raise, nothing is kept, the key included: the corrected form can be
    sent with it. A form without a key (its page drawn before its form had one) makes what it
    asks."""
    key = form.submission_key.data
    earlier = claim_sending(form, made=made)
    if earlier is not None:
        flash(
            f"This form was already sent, and {made} it added is kept: nothing was added again.",
            "info",
        )
        return redirect(earlier, 303)
    try:
        location, message = create()
    except Exception:
        db.session.rollback()  # the claimed key with what failed: it is still unused
        raise
    if key:
        submissions.record(key, location)
    db.session.commit()
    flash(message, "success")
    return redirect(location, 303)


def reason_field(label: str, message: str, length: int = 2_000) -> StringField:
    """A required reason in a text area (rejecting, retiring, declining, hiding), ``length``
    characters at most."""
    return StringField(
        label,
        widget=GovTextArea(),
        validators=[
            DataRequired(message=message),
            Length(max=length, message=f"The reason must be {length:,} characters or fewer"),
        ],
    )


EARLY_CLOSE_REASON_NEEDED = "Say why you are closing voting before the announced time"


def early_close_reason_field() -> StringField:
    """Why voting closes before its announced time: shown and required only then (the service
    says so, ReasonRequired); the route puts its refusal on this field."""
    return StringField(
        "Why are you closing voting before the announced time?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2_000, message="Keep the reason to 2,000 characters")],
    )


class _NoDateTyped(Optional):
    """``Optional`` for a date: it stops validation only when all three boxes are empty
    (WTForms' looks at the first box, the day, and would drop a year typed alone)."""

    def __call__(self, form, field) -> None:
        if not any(part.strip() for part in field.raw_data or ()):
            field.errors[:] = []
            raise StopValidation()


class _DateTyped(InputRequired):
    """``InputRequired`` for a date: satisfied by any box filled in (the field itself then
    says which part is missing)."""

    def __call__(self, form, field) -> None:
        if not any(part.strip() for part in field.raw_data or ()):
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("This field is required."))


# The years a date typed into Accord may have: council business, with room either side. The
# last date there is (31 12 9999) was a 500 wherever a day was added to it.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def year_problem(year: int) -> str | None:
    """What is wrong with a typed date's ``year`` (None: nothing), for every date field."""
    if EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    return f"The year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"


class RealDateField(DateField):
    """A date in three boxes (day, month, year), as GOV.UK's date input asks for it: ``data``
    is a ``date``, or None when all three boxes are empty. A date with any box filled must be
    complete ("Due date must include a day and month"), in the digits 0 to 9 with a 4-digit
    year, and real ("Due date must be a real date"); the messages name the field ``called``
    (else its label without "(optional)"). Its ``Optional()`` and ``InputRequired()``
    validators look at all three boxes, not only the first (GOV.UK design system, Date input:
    error messages)."""

    data: Any  # a date once a form with a required date validated, else a date or None

    def __init__(self, label=None, validators=None, *, called: str | None = None, **kwargs):
        validators = [
            _NoDateTyped()
            if isinstance(v, Optional)
            else _DateTyped(v.message)
            if isinstance(v, InputRequired)
            else v
            for v in validators or ()
        ]
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)
        self.called = called

    def process_formdata(self, valuelist):
        # The widget shows what was typed in three boxes: always give it three values.
        self.raw_data = [*valuelist, "", "", ""][:3]
        parts = [part.strip() for part in self.raw_data]
        if not any(parts):
            return
        self.data = None
        named = self.called or self.label.text.removesuffix(" (optional)")
        missing = [
            box for box, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise ValueError(f"{upper_first(named)} must include a {' and '.join(missing)}")
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValueError(f"{upper_first(named)} must be a real date")
        if len(parts[2]) != 4:
            raise ValueError("The year must include 4 numbers, for example 2027")
        if message := year_problem(int(parts[2])):
            raise ValueError(message)
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError as error:
            raise ValueError(f"{upper_first(named)} must be a real date") from error


def in_a_sentence(label: str) -> str:
    """A field's label inside a sentence: its first letter lower case, the names in it kept
    ("date of the Full Council meeting", not "date of the full council meeting")."""
    return label[:1].lower() + label[1:]


def date_field(label: str) -> RealDateField:
    """A required date in three boxes (day, month, year), with the house message."""
    return RealDateField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        validators=[
            InputRequired(
                message=f"Enter the {in_a_sentence(label)} as a real date, for example 2 4 2019"
            )
        ],
    )


class ClockField(StringField):
    """A time of day typed as 10:00, 10am or 2.30pm, in the ASCII digits 0 to 9 (as
    ``app.boundaries.whole_number``: "١٠:٠٠" is not a time)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.parsed = None
        text = (self.data or "").strip().lower().replace(".", ":")
        if not text:
            return
        match = re.fullmatch(r"([0-9]{1,2})(?::([0-9]{2}))?\s*(am|pm)?", text)
        if match:
            hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
            twelve_hour = not half or 1 <= hour <= 12  # "13pm", "0am": no such time
            if half == "pm" and hour < 12:
                hour += 12
            if half == "am" and hour == 12:
                hour = 0
            if twelve_hour and hour < 24 and minute < 60:
                self.parsed = time(hour, minute)
                return
        raise ValueError(
            f"Enter the {self.label.text.lower()} as a time, for example 10:00 or 2:30pm"
        )


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


class RecommendationsField(IdsField):
    """Checkboxes of every recommendation; at least one must be ticked. ``answering`` names
    what the form makes ("the session", "this discussion"), in its label ("Which
    recommendations does the session answer?") and its message ("Choose at least one
    recommendation the session answers"): there is no default, so no form borrows another's."""

    widget = GovCheckboxesInput()

    def __init__(self, answering: str, **kwargs):
        super().__init__(
            f"Which recommendations does {answering} answer?",
            required_message=f"Choose at least one recommendation {answering} answers",
            unknown_message="Choose recommendations from the list",
            **kwargs,
        )


class OneTimeCodeForm(AccordForm):
    """The 6-digit code from an authenticator app (signing in, switching two-factor on)."""

    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def strong_password(form, field) -> None:
    """At least 12 characters and not a common password (the rule every password follows)."""
    try:
        check_password_strength(field.data or "")
    except WeakPassword as error:
        raise ValidationError(str(error)) from error


def new_password_field(label: str, missing: str) -> PasswordField:
    """A new password: required (``missing`` when empty), at most 1,024 characters, strong."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message=missing),
            Length(max=1024, message="The password must be 1,024 characters or fewer"),
            strong_password,
        ],
    )


def confirm_password_field(label: str, missing: str) -> PasswordField:
    """The new password again, which must equal the form's ``password`` field."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message=missing),
            EqualTo("password", message="The passwords do not match: enter the same one twice"),
        ],
    )


class ConfirmForm(AccordForm):
    """Only a CSRF token: for withdraw, unhide, lock and unlock."""


class OpenVotingForm(AccordForm):
    """Opening voting, optionally saying when it will close (UK time)."""

    closes_on = RealDateField(
        "Date voting closes", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()]
    )
    closes_time = ClockField("Time voting closes", widget=GovTextInput(), validators=[Optional()])

    @property
    def closes_at(self) -> datetime | None:
        parsed = getattr(self.closes_time, "parsed", None)
        if self.closes_on.data is None or parsed is None:
            return None
        return london(self.closes_on.data, parsed)

    def _wall_clock_problem(self) -> str | None:
        parsed = getattr(self.closes_time, "parsed", None)
        if self.closes_on.data is None or parsed is None:
            return None
        return wall_clock_problem(self.closes_on.data, parsed)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        has_day = self.closes_on.data is not None
        has_time = getattr(self.closes_time, "parsed", None) is not None
        if has_day and not has_time:
            self.closes_time.errors = ["Enter the time voting closes, for example 5pm"]
        elif has_time and not has_day:
            self.closes_on.errors = ["Enter the date voting closes, for example 12 3 2027"]
        elif has_day and has_time and (problem := self._wall_clock_problem()):
            self.closes_time.errors = [problem]
        elif has_day and self.closes_at is not None and self.closes_at <= utcnow():
            self.closes_on.errors = ["The date and time voting closes must be in the future"]
        return not self.errors


class MoveForm(AccordForm):
    """Move a clause or an agenda item to a numbered position (the up and down buttons post
    ``direction`` instead)."""

    position = IdField(
        "Move to position",
        widget=GovTextInput(),
        message=POSITION_NEEDED,
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


class VersionField(HiddenField):
    """The version an edit form was drawn from (a clause's revision number, a comment's edit
    count, a recommendation's version, a person's ``details_version``), sent back for the
    service to compare, under the write's lock, with the version now: any other is a stale
    form, refused with the form's conflict page (409) beside what is there now.

    Nobody types it, so it is never a field error. One sent blank, missing or malformed says
    no version at all, and its ``data`` is then one no version has (None for a number, ""
    for a digest): the edit is refused as a stale one is, never taken as current (a person's
    blank version was) nor answered with "reload the page" (a summary linking to a field
    nobody can see). The routes set ``data`` when drawing the form; ``number`` says whether
    the version is a whole number or a digest."""

    data: Any  # int | None for a number, str for a digest

    def __init__(self, *, number: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.number = number

    def process_formdata(self, valuelist) -> None:
        sent = valuelist[0].strip() if valuelist else ""
        if not self.number:
            self.data = sent
            return
        try:
            self.data = whole_number(sent)
        except ValueError:
            self.data = None


def version_field(*, number: bool = True) -> VersionField:
    """The version an edit form was drawn from (``VersionField``)."""
    return VersionField(number=number)


def shown_field() -> HiddenField:
    """The digest of what a check page showed (``app.services.shown``); its route sets it
    when drawing the page, and the confirming service compares it with what it would record."""
    return HiddenField()
