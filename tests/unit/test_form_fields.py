"""The shared form fields on their own: numbers, dates."""

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms.validators import Optional

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
