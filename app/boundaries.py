"""What a request may carry: ids the database can hold and text without NUL bytes.

Every id column is a 32-bit ``INTEGER`` on PostgreSQL (SQLite's holds 64 bits), so a number
beyond ``2**31 - 1`` can name nothing: on PostgreSQL it fails the statement ("integer out of
range"), on SQLite beyond ``2**63`` the driver refuses it. Such numbers are treated as not
numbers at all, wherever they arrive:

- in a path (``<int:...>``): ``IdConverter`` does not match, so the answer is 404;
- in a query string (``request.args.get(name, type=int)``, or ``request.values``):
  ``AccordRequest`` gives the default;
- in a form: ``IdField`` (and ``in_id_range`` for other fields) makes it a field error (422).

A number a person sends is a whole number written in the ASCII digits 0 to 9, spaces around it
trimmed (``whole_number``): Python's ``int`` also reads other scripts' digits ("٣٠", "３０")
and underscores ("1_5" is 15), which would save a number the person never saw on the page.
Signs, decimal points and anything else are not numbers either.

Bodies are bounded: ``MAX_CONTENT_LENGTH`` (1 MiB by default) for every request, and the larger
``MAX_IMPORT_CONTENT_LENGTH`` (8 MiB) only for the views marked ``takes_import_body`` (the
people and recommendation imports). A body declared larger is refused with 413 before a byte of
it is read or spooled to disk; one without a length stops being read at the limit (413).

NUL bytes cannot be stored in PostgreSQL text and are never typed by a person: a request with
one in its path, query or form answers 400 before any view runs (``reject_nul_bytes``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Request, abort, current_app, request
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as RouteMismatch
from werkzeug.utils import cached_property
from wtforms import IntegerField, SelectMultipleField, ValidationError

ID_MAX = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's is wider
RELOAD = "Reload the page and try again"  # a hidden field the page filled in came back wrong
_ID_DIGITS = len(str(ID_MAX))


def in_id_range(value: int | None) -> bool:
    """Whether ``value`` fits every integer column."""
    return value is None or abs(value) <= ID_MAX


def whole_number(text: str) -> int:
    """The whole number ``text`` writes in ASCII digits (spaces around it trimmed), at most
    ``ID_MAX``; ValueError for anything else: a sign, "1.5", "1_5", other scripts' digits
    ("٣٠", "３０"), or a number no integer column can hold (module docstring)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > _ID_DIGITS:
        raise ValueError("not a whole number in the digits 0 to 9")
    number = int(digits)
    if number > ID_MAX:
        raise ValueError("out of range")
    return number


def id_choice(value: int | str) -> int:
    """A select field's ``coerce`` for choices keyed by id: an id stays as it is, a sent text
    must be a ``whole_number`` (ValueError, so an unknown choice, otherwise)."""
    return value if isinstance(value, int) else whole_number(value)


def as_whole_number(text: str) -> int | None:
    """``whole_number(text)``, or None when ``text`` is not one (a filter left unapplied)."""
    try:
        return whole_number(text)
    except ValueError:
        return None


class IdConverter(IntegerConverter):
    """``<int:...>``: a non-negative integer the database can hold; anything else is a 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max=ID_MAX, **kwargs):
        super().__init__(map, fixed_digits, min, max, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > _ID_DIGITS:
            raise RouteMismatch()
        return super().to_python(value)


class BoundedArgs(ImmutableMultiDict):
    """Query and form values where ``get(name, type=int)`` gives the default for a number
    beyond the database's range, as it does for one that is not a number."""

    def get(self, key, default=None, type=None):  # type: ignore[override]
        return super().get(key, default, whole_number if type is int else type)


class BoundedValues(CombinedMultiDict):
    """``request.values`` (the query and the form together), bounded as ``BoundedArgs``: its
    own ``get`` would call ``int`` on each dict's value, unbounded (a 500 on a number too
    large for the database)."""

    def get(self, key, default=None, type=None):  # type: ignore[override]
        return super().get(key, default, whole_number if type is int else type)


class AccordRequest(Request):
    parameter_storage_class = BoundedArgs

    @cached_property
    def values(self) -> CombinedMultiDict[str, str]:
        return BoundedValues(super().values.dicts)  # Werkzeug's own, then bounded


class IdField(IntegerField):
    """A whole-number form field (a hidden id, a count, a number typed by a person): its value
    is a ``whole_number``, so it fits the database. Anything else, a larger or a negative one
    included, is a field error with ``message``, never a query. The default message suits a
    hidden field; a field a person types in names itself ("Enter the duration in minutes, for
    example 30")."""

    data: Any  # an int once the form validated (its validators require one), else None

    def __init__(self, label=None, validators=None, *, message: str = RELOAD, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            self.data = whole_number(valuelist[0])
        except ValueError:
            raise ValueError(self.message) from None


class IdsField(SelectMultipleField):
    """Checkboxes whose values are ids (``choices`` keyed by id): ``data`` is the ids ticked,
    each once, in the order sent. A value that is not a whole number in ASCII digits within
    ``ID_MAX``, or not among the choices, is a field error (``unknown_message``), as is none
    ticked (``required_message``); never a query with it."""

    widget: Any

    def __init__(self, label: str, *, required_message: str, unknown_message: str, **kwargs):
        super().__init__(label, coerce=id_choice, **kwargs)
        self.required_message = required_message
        self.unknown_message = unknown_message

    def process_formdata(self, valuelist) -> None:
        ids: dict[int, None] = {}
        self.sent_other = False  # a value that is no id: refused in pre_validate
        for value in valuelist:
            # A checkbox's value is never typed: no spaces around it either.
            number = as_whole_number(value) if value.isdigit() else None
            if number is None:
                self.sent_other = True
            else:
                ids[number] = None
        self.data = list(ids)  # the ids sent stay ticked when the form is shown again

    def pre_validate(self, form) -> None:
        choices = self.choices or ()
        known = set(choices) if isinstance(choices, dict) else {c[0] for c in choices}
        if getattr(self, "sent_other", False):
            raise ValidationError(self.unknown_message)
        if not self.data:
            raise ValidationError(self.required_message)
        if any(value not in known or not in_id_range(value) for value in self.data):
            raise ValidationError(self.unknown_message)


View = TypeVar("View", bound=Callable[..., Any])


def takes_import_body(view: View) -> View:
    """Mark an import view: its requests may carry up to ``MAX_IMPORT_CONTENT_LENGTH`` bytes."""
    view.takes_import_body = True  # type: ignore[attr-defined]
    return view


def limit_body() -> None:
    """Raise the body limit for an import view, before anything reads the body.

    Every other request keeps ``MAX_CONTENT_LENGTH``; werkzeug refuses a larger declared
    length with 413 without reading, and stops a body without one at the limit."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "takes_import_body", False):
        limit = current_app.config["MAX_IMPORT_CONTENT_LENGTH"]
        request.max_content_length = limit
        request.max_form_memory_size = limit


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def has_nul_in_address(asked: Request) -> bool:
    """Whether ``asked``'s path or query string holds a NUL byte (which no page accepts)."""
    return "\x00" in asked.path or _has_nul(asked.args)


def reject_nul_bytes() -> None:
    """400 for a request whose path, query string or form contains a NUL byte, and 415 for a
    JSON body: Accord's forms are web forms, and Flask-WTF would read a JSON body as one,
    where the sign-in throttle (which reads the form) saw no email address, so guesses sent
    as JSON never counted against the account (outside tester)."""
    if has_nul_in_address(request):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json:
        abort(415, "Send the form from its page. Nothing was changed.")
    if request.method in ("POST", "PUT", "PATCH"):
        if _has_nul(request.form):
            abort(400)
        if any(file.filename and "\x00" in file.filename for file in request.files.values()):
            abort(400)


def posted_action(*allowed: str) -> str:
    """The form's ``action`` (which of a pair of buttons was meant: open/close, stop/resume,
    lock/unlock), one of ``allowed``; a missing or unknown one is refused with 400, so a form
    that lost its hidden field changes nothing."""
    action = request.form.get("action", "")
    if action not in allowed:
        abort(
            400,
            "The form did not say what to do. Nothing was changed. Go back and use the "
            "buttons on the page.",
        )
    return action
