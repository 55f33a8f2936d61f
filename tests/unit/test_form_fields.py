"""The shared form fields on their own: numbers, dates."""

import importlib
import pkgutil

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, RadioField, SelectField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

import app as accord
from app.boundaries import ID_MAX, whole_number
from app.exports.forms import ExportForm
from app.forms import AccordForm, RealDateField


@pytest.mark.parametrize(
    ("text", "number"), [("30", 30), (" 7 ", 7), ("007", 7), (str(ID_MAX), ID_MAX)]
)
def test_a_whole_number_is_ascii_digits(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["", " ", "٣٠", "３０", "1_5", "1.5", "+3", "-3", "²", "3e2", str(ID_MAX + 1), "9" * 400],
)
def test_anything_else_is_not_a_whole_number(text):
    with pytest.raises(ValueError):
        whole_number(text)


class _Form(AccordForm):
    class Meta:
        csrf = False

    when = RealDateField("When (optional)", validators=[Optional()])


def _posted(form_class, data: dict, **choices):
    app = Flask(__name__)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict(data))
        for field, offered in choices.items():
            form[field].choices = offered
        form.validate()
    return form


def test_an_optional_date_is_none_or_whole():
    assert _posted(_Form, {}).when.data is None and not _posted(_Form, {}).errors
    whole = _posted(_Form, {"when": ["2", "4", "2027"]})
    assert whole.when.data.isoformat() == "2027-04-02" and not whole.errors
    assert _posted(_Form, {"when": ["", "4", ""]}).errors == {
        "when": ["When must include a day and year"]
    }


def test_the_export_form_refuses_a_part_filled_meeting_date():
    form = _posted(
        ExportForm,
        {"format": "md", "version": "working", "meeting_date": ["", "", "2027"]},
        version={"working": "Working text"},
        changes_since={"": "None"},
    )
    assert form.errors["meeting_date"] == ["Meeting date must include a day and month"]


def _every_form() -> list[type]:
    for module in pkgutil.walk_packages(accord.__path__, "app."):
        if module.name.endswith("forms"):
            importlib.import_module(module.name)
    found, stack = [], [AccordForm]
    while stack:
        form = stack.pop()
        found.append(form)
        stack.extend(form.__subclasses__())
    return found


def _lengths_without_a_message() -> list[tuple[str, str]]:
    found = []
    for form in _every_form():
        for name, unbound in vars(form).items():
            if not isinstance(unbound, UnboundField):
                continue
            validators = unbound.kwargs.get("validators") or ()
            label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else "")
            if any(isinstance(v, Length) and v.message is None for v in validators):
                found.append((f"{form.__name__}.{name}", label or ""))
    return found


def test_every_length_without_a_message_has_a_label_a_message_can_name():
    """A Length without a message is worded from the field's label ("Outcome must be 10,000
    characters or fewer"): a question or a remark would not read as a name."""
    unnamed = [
        (where, label)
        for where, label in _lengths_without_a_message()
        if label.endswith("?") or label.split(" ")[0] in ("Why", "What", "How", "Which", "Who")
    ]
    assert not unnamed, unnamed
    assert _lengths_without_a_message(), "the walk found no forms"


class _Words(AccordForm):
    class Meta:
        csrf = False

    outcome = StringField("Outcome", validators=[Optional(), Length(max=10)])
    lead = StringField("Lead (optional)", validators=[Length(max=3)])
    format = RadioField(
        "Format", choices={"md": "Markdown"}, validators=[InputRequired(message="Choose a format")]
    )
    kind = SelectField("Kind of paper", choices={"a": "A"})
    number = IntegerField("Number of copies")
    key = StringField(widget=HiddenInput(), validators=[Length(max=2)])


def test_wtforms_own_messages_name_the_field():
    form = _posted(
        _Words,
        {
            "outcome": "x" * 11,
            "lead": "abcd",
            "format": "pdf",
            "kind": "z",
            "number": "1.5",
            "key": "abc",
        },
    )
    assert form.errors == {
        "outcome": ["Outcome must be 10 characters or fewer"],
        "lead": ["Lead must be 3 characters or fewer"],
        "format": ["Choose a format"],
        "kind": ["Choose kind of paper from the list"],
        "number": ["Enter number of copies as a whole number, for example 3"],
        "key": ["Reload the page and try again"],
    }
