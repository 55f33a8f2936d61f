"""The one normalisation of people's text, and the base form that applies it to every field."""

import pytest
from flask import Flask
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextArea, GovTextInput
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length

from app.forms import AccordForm
from app.text import normalise, same_text


@pytest.mark.parametrize(
    ("text", "multiline", "kept"),
    [
        ("One\r\nTwo\rThree\nFour", True, "One\nTwo\nThree\nFour"),
        ("Line one   \r\nLine two\t\r\n", True, "Line one\nLine two"),
        ("  \r\n Indented\tcell\r\n\r\nNext  ", True, "Indented\tcell\n\nNext"),
        ("Esc\x1bape, del\x7fete, nul\x00l, bell\x07", True, "Escape, delete, null, bell"),
        ("Page\x0cbreak and\x0bline", True, "Page\nbreak and\nline"),
        ("Next\x85line\u2028sep\u2029para", True, "Next\nline\nsep\npara"),
        ("Cafe\u0301", True, "Caf\u00e9"),
        ("C1\x80\x9fgone", True, "C1gone"),
        ("A title\r\nwith\ta break", False, "A title with a break"),
        ("Vertical\x0btab", False, "Vertical tab"),
        ("  Padded   ", False, "Padded"),
        ("Zero\u200dwidth joiner stays", True, "Zero\u200dwidth joiner stays"),
        ("Budget \u202egnp.exe\u202c review", False, "Budget gnp.exe review"),
        ("\u2066a\u2067b\u2068c\u2069 \u202ad\u202be\u202c\u202d", False, "abc de"),
        ("Clause\n\u202eno override\n\u2067", True, "Clause\nno override"),
        ("I agree: &#x202E;elbat&#x202c; &#X2066;x&#8297;", True, "I agree: elbat x"),
        (
            "&#8238;rlo &#x0202e;zeros &#0008234;no semicolon &#x202Dlro",
            True,
            "rlo zeros no semicolon lro",
        ),
        (
            "Kept: &#x263A; &#8230; &amp;#x202E; &#x200F;",
            True,
            "Kept: &#x263A; &#8230; &amp;#x202E; &#x200F;",
        ),
        (
            "\u05e9\u05dc\u05d5\u05dd\u200f (Shalom)",
            False,
            "\u05e9\u05dc\u05d5\u05dd\u200f (Shalom)",
        ),
    ],
    ids=[
        "line breaks",
        "trailing spaces",
        "edges",
        "controls",
        "form feed and vertical tab",
        "unicode line breaks",
        "nfc",
        "c1 controls",
        "single line",
        "single-line vertical tab",
        "single-line strip",
        "format characters kept",
        "single-line override",
        "embeddings and isolates",
        "multi-line override",
        "overrides as character references",
        "references spelt otherwise",
        "other references kept",
        "right-to-left text and marks kept",
    ],
)
def test_normalise(text, multiline, kept):
    assert normalise(text, multiline=multiline) == kept
    assert normalise(kept, multiline=multiline) == kept  # normalising twice changes nothing


def test_same_text_ignores_line_endings_only():
    assert same_text("a\r\nb  ", "a\nb")
    assert same_text(None, "")
    assert not same_text("a\nb", "a b")


class _Form(AccordForm):
    class Meta:
        csrf = False

    title = StringField(widget=GovTextInput())
    email = EmailField()
    body = StringField(widget=GovCharacterCount(), validators=[Length(max=10)])
    notes = StringField(widget=GovTextArea())
    plain = TextAreaField()
    password = PasswordField()
    key = HiddenField()


def test_the_base_form_normalises_every_text_field():
    app = Flask(__name__)
    app.config["WTF_CSRF_ENABLED"] = False
    raw = {
        "title": " A\r\ntitle\x1b ",
        "email": " someone@example.org\t",
        "body": "12345\r\n678",  # 10 characters as the character count counts them
        "notes": "Notes  \r\nhere",
        "plain": "Plain\rtext",
        "password": " secret\x07 ",
        "key": " key\r\n",
    }
    with app.test_request_context(method="POST", data=raw):
        form = _Form(formdata=MultiDict(raw))
        assert form.validate(), form.errors
    assert form.title.data == "A title"
    assert form.email.data == "someone@example.org"
    assert form.body.data == "12345\n678"
    assert form.notes.data == "Notes\nhere"
    assert form.plain.data == "Plain\ntext"
    assert form.password.data == " secret\x07 "  # exactly as typed
    assert form.key.data == " key\r\n"


def test_a_field_not_sent_stays_empty():
    app = Flask(__name__)
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict({}))
    assert form.title.data is None


def test_comparing_versions_ignores_line_endings_only():
    from app.comparison import compare

    def clause(body, heading="Respect"):
        return {"id": 1, "number": "1", "heading": heading, "body": body, "recommendations": []}

    published = [clause("Members listen.\r\nOfficers reply.  ", heading="Respect ")]
    assert compare(published, [clause("Members listen.\nOfficers reply.")]).summary == {
        "added": 0,
        "removed": 0,
        "moved": 0,
        "changed": 0,
    }
    assert compare(published, [clause("Members listen.\nOfficers answer.")]).summary["changed"]


def test_a_people_file_is_normalised_cell_by_cell():
    from app.importers.people import parse

    text = (
        "name,email,roles,group,ward,title,service\r\n"
        '"Jo\r\nBloggs\x1b ",jo@example.org,member,Green\tGroup,Cafe\u0301 Ward ,,\r\n'
    )
    [row] = parse(text).rows
    assert (row.name, row.group, row.ward) == ("Jo Bloggs", "Green Group", "Caf\u00e9 Ward")


def test_recommendation_files_are_normalised():
    from app.importers.recommendations import parse_csv, parse_plain_text

    result = parse_csv(
        b'letter,text,response\r\na,Meet\x0c monthly\x7f,"First.\r\n\r\nSecond\x1b."\r\n'
    )
    [recommendation] = result.recommendations
    assert recommendation.text == "Meet monthly"
    assert recommendation.response == "First.\n\nSecond."
    plain = parse_plain_text("a)\tMeet\x1b monthly\rb)\tWrite it down\r")
    assert [(r.letter, r.text) for r in plain.recommendations] == [
        ("a", "Meet monthly"),
        ("b", "Write it down"),
    ]


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",
        "\u200b\u00a0",
        "\ufeff \u200d",
        "\u00ad\n\u2060",
        "\u200e",  # left-to-right mark: a format character (Cf), like every one below
        "\u200f\u061c",
        "\u2061\u2062\u2063\u2064",
        "\u180e",
        "\ufff9\ufffb",
        "\u3164",  # Hangul filler: a letter that shows as nothing, as do the next three
        "\u115f\u1160",
        "\uffa0",
        "\u2800",  # braille pattern blank
        "\U000e0020\U000e0041",  # tag characters
    ],
)
def test_a_text_of_nothing_visible_is_empty(invisible):
    """A reason typed as a zero-width space (or a non-breaking one) is no reason: required
    fields refuse it."""
    assert normalise(invisible, multiline=True) == ""
    assert normalise(invisible, multiline=False) == ""
    assert normalise("\u200bWhy\u200b", multiline=False) == "Why"


def test_format_characters_inside_a_text_stay():
    """Only a text's ends lose them: inside, a mark or a joiner may be part of the words."""
    assert normalise("\u3164Why\u200e", multiline=False) == "Why"
    assert normalise("a\u200eb \u200dc", multiline=False) == "a\u200eb \u200dc"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Übergrößenträger café", "ubergrossentrager-cafe"),
        ("Member/Officer Protocol", "member-officer-protocol"),
        ("Œuvre of Ørsted and Łódź", "oeuvre-of-orsted-and-lodz"),
        ("Ymddiriedaeth â’r Cyngor", "ymddiriedaeth-a-r-cyngor"),
        ("Доверие", "doverie"),
        ("!!!", "document"),
    ],
)
def test_a_documents_address_spells_its_title_in_plain_letters(title, slug):
    """Letters without an ASCII decomposition were dropped ("ß" from "größen"); they are spelt
    as people would ("ss"), by anyascii."""
    from app.services.documents import slug_for

    assert slug_for(title) == slug


def test_a_recommendation_sources_address_spells_its_name_in_plain_letters():
    """ "Überprüfung Report 2020" gave berpr-fung-report-2020, and a name in Japanese was
    refused as having no letters."""
    from app.services.recommendations import slug_for

    assert slug_for("Überprüfung Report 2020") == "uberprufung-report-2020"
    assert slug_for("日本語レポート") == "ribenyurepoto"
    assert slug_for("Culture Review 2019") == "culture-review-2019"
