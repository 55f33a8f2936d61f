"""The Word round trip: the download's markers, reading an upload, the preview, and every bad
input refused by the field with nothing saved (issue 18)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from docx import Document as WordDocument
from sqlalchemy import func, select

from app.extensions import db
from app.models import Amendment, Discussion, Role
from app.services import clauses as clause_service
from app.word.markers import parse_clauses_value
from tests import factories
from tests.helpers import error_summary_targets
from tests.snapshots import snapshot
from tests.word_files import (
    Change,
    Remark,
    edited_xml,
    entries,
    marked_up,
    pack,
    repacked,
    untracked,
)

SLUG = "ways-of-working-accord"
BASE = f"/documents/{SLUG}/word"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
WORDING = (
    ("Trust", "Members and Officers trust each other's roles and respond promptly."),
    ("Roles", "Members set direction; Officers advise and deliver.\n\n- share early\n- listen"),
    ("Respect", "Members and Officers disagree about ideas, never about people."),
)


@pytest.fixture
@snapshot
def accord(app):
    """An Open Accord of three clauses, a Member, an Officer and a facilitator."""
    with factories.built(app):
        factories.everyone()
        factories.document(clauses=WORDING)
    return app


def _download(client, **params) -> bytes:
    response = client.get(f"{BASE}/download", query_string=params)
    assert response.status_code == 200, response.status_code
    return response.data


def _upload(client, data: bytes, name: str = "accord.docx"):
    return client.post_form(
        f"{BASE}/upload", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _saved(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Amendment.id))),
            db.session.scalar(select(func.count(Discussion.id))),
        )


def _field_error(response, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert error_summary_targets(html) == ["file"]
    assert message in html.replace("&#39;", "'").replace("&#34;", '"'), html[:3000]


# Download ---------------------------------------------------------------------------------


def test_download_marks_each_clause_and_signs_the_file(accord, client):
    client.sign_in("member@example.org")
    response = client.get(f"{BASE}/download")
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert f"{SLUG}-for-suggestions.docx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    word = WordDocument(io.BytesIO(response.data))
    body = word.element.body
    tags = [t.get(f"{W}val") for t in body.iter(f"{W}tag")]
    with accord.app_context():
        document = factories.find_document(SLUG)
        expected = [f"accord:clause:{c.id}:rev:{c.revision_number}" for c in document.clauses]
    assert tags == expected
    first = next(body.iter(f"{W}sdt"))
    texts = ["".join(t.text for t in p.iter(f"{W}t")) for p in first.iter(f"{W}p")]
    assert texts == ["1. Trust", WORDING[0][1]]
    settings = word.settings.element
    assert settings.find(f"{W}trackRevisions") is not None
    variables = {v.get(f"{W}name"): v.get(f"{W}val") for v in settings.iter(f"{W}docVar")}
    assert variables["AccordDocument"] == SLUG
    marks = parse_clauses_value(variables["AccordClauses"])
    assert [m.tag for m in marks or []] == expected
    assert re.fullmatch(r"[0-9a-f]{64}", variables["AccordSignature"])


def test_download_one_clause(accord, client):
    client.sign_in("officer@example.org")
    response = client.get(f"{BASE}/download?clause=2")
    assert "clause-2-for-suggestions.docx" in response.headers["Content-Disposition"]
    tags = [
        t.get(f"{W}val")
        for t in WordDocument(io.BytesIO(response.data)).element.body.iter(f"{W}tag")
    ]
    assert len(tags) == 1 and tags[0].endswith(":rev:1")


@pytest.mark.parametrize("email", ["facilitator@example.org", "standards@example.org"])
def test_only_members_and_officers_take_part(accord, client, email):
    client.sign_in(email)
    assert client.get(f"{BASE}/download").status_code == 403
    assert client.get(f"{BASE}/upload").status_code == 403


def test_nothing_while_the_document_is_closed(accord, client):
    with factories.built(accord):
        factories.move_to(factories.find_document(SLUG), "closed")
    client.sign_in("member@example.org")
    refused = client.get(f"{BASE}/download")  # a Member may, but not now: why, not a 403
    assert refused.status_code == 409
    assert "Open for comment" in refused.get_data(as_text=True)
    assert client.get(f"/documents/{SLUG}").status_code == 200
    assert "Suggest changes in Word" not in client.get(f"/documents/{SLUG}").get_data(True)


def test_links_on_the_document_and_clause_pages(accord, client):
    client.sign_in("member@example.org")
    assert f"{BASE}/upload" in client.get(f"/documents/{SLUG}").get_data(as_text=True)
    page = client.get(f"/documents/{SLUG}/clauses/2").get_data(as_text=True)
    assert f"{BASE}/download?clause=2" in page


# Upload and preview -------------------------------------------------------------------------


def test_preview_shows_suggestions_comments_and_word_authors_saving_nothing(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[
            Change("1", "promptly", "within two working days", author="Word Person"),
            Change("2", "", " clearly", after="advise"),
        ],
        comments=[Remark("3", "ideas", "What counts as an idea?", author="Sam Word")],
    )
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check the suggestions from Word" in html
    assert re.search(r"<del[^>]*>.*promptly</del>", html)
    assert re.search(r"<ins[^>]*>.*within two working days</ins>", html)
    assert "Replace “advise” with “advise clearly”" in html
    assert "Word says by Word Person" in html
    assert "On “ideas”" in html and "What counts as an idea?" in html
    assert "Word says by Sam Word" in html
    assert "Create 2 suggestions and 1 comment" in html
    assert _saved(accord) == (0, 0)


def _preview(app, data: bytes):
    from app.word.preview import make_preview
    from app.word.reading import read_upload

    with app.test_request_context():
        return make_preview(factories.find_document(SLUG), read_upload(data))


def test_adjacent_changes_are_one_suggestion_and_widened_to_whole_words(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[
            Change("1", "trust", "respect"),
            Change("1", "each other's", "one another's"),  # a space apart: one suggestion
            Change("3", "ideas", "idea"),  # part of a word: the whole word
            Change("2", "Members", "", author="A"),  # at the start, a deletion alone
        ],
    )
    plans = {plan.number: plan for plan in _preview(accord, data).clauses}
    [one] = plans["1"].suggestions
    assert (one.quote, one.replacement) == ("trust each other's", "respect one another's")
    assert one.prefix == "Members and Officers "
    assert one.suffix.startswith(" roles and respond")
    [three] = plans["3"].suggestions
    assert (three.quote, three.replacement) == ("ideas", "idea")
    [two] = plans["2"].suggestions
    assert (two.quote, two.replacement) == ("Members", "")


def test_an_insertion_is_shown_and_saved_as_typed(accord, client):
    """Outside tester, three ways the preview and what was saved differed from Word:
    - "Honestly, " inserted at the start of a second paragraph was saved as a paragraph of
      its own (anchored to the full stop ending the paragraph before);
    - "very " inserted between "and " and "good" was shown "verygood";
    - "**bold**" typed in Word was shown bold, though saved as typed."""
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[
            Change("2", "", "Honestly, ", before="share early"),
            Change("1", "", "very ", after="respond "),
            Change("3", "", " **truly**", after="ideas"),
        ],
    )
    plans = {plan.number: plan for plan in _preview(accord, data).clauses}
    [start] = plans["2"].suggestions
    assert (start.quote, start.replacement) == ("share", "Honestly, share")
    [middle] = plans["1"].suggestions
    assert (middle.quote, middle.replacement) == ("respond", "respond very")
    shown = re.sub(r"<del.*?</del>|<[^>]+>", "", str(middle.redline))
    assert "respond very promptly" in " ".join(shown.replace("inserted: ", "").split())
    [typed] = plans["3"].suggestions
    assert "<strong>" not in str(typed.redline) and "**truly**" in str(typed.redline)
    html = _upload(client, data).get_data(as_text=True)
    assert "verypromptly" not in html.replace("</ins>", "").replace("<ins>", "")
    form = {
        "preview": re.search(r'name="preview" type="hidden" value="([^"]+)"', html).group(1),
        "reason": "",
    }
    assert client.post_form(f"{BASE}/confirm", form).status_code == 303
    with accord.app_context():
        bodies = {a.clause.number: a.body for a in db.session.scalars(select(Amendment)).all()}
    assert "- Honestly, share early\n- listen" in bodies["2"]
    assert "respond very promptly" in bodies["1"]
    assert "ideas \\*\\*truly\\*\\*" in bodies["3"]


def test_changes_either_side_of_a_paragraph_break_do_not_join_the_paragraphs(accord, client):
    """Outside tester: deleting the last word of one paragraph and replacing the first words
    of the next made one suggestion whose new words had lost the break between them: the two
    paragraphs were saved as one. Word keeps both, and so does Accord."""
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[Change("2", "deliver.", ""), Change("2", "share", "swap")],
    )
    [plan] = _preview(accord, data).clauses
    for suggestion in plan.suggestions:
        assert "\n" not in suggestion.quote or "\n" in suggestion.replacement
    html = _upload(client, data).get_data(as_text=True)
    form = {
        "preview": re.search(r'name="preview" type="hidden" value="([^"]+)"', html).group(1),
        "reason": "",
    }
    assert client.post_form(f"{BASE}/confirm", form).status_code == 303
    with accord.app_context():
        bodies = [a.body for a in db.session.scalars(select(Amendment)).all()]
    assert bodies and all("\n\n- " in body for body in bodies), bodies


def test_a_comment_across_paragraphs_and_a_list(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[Change("2", "listen", "listen first")],
        comments=[Remark("2", "share early", "Early enough?")],
    )
    [plan] = _preview(accord, data).clauses
    assert plan.comments[0].quote == "share early"
    assert plan.comments[0].prefix.endswith("advise and deliver.\n")
    assert plan.suggestions[0].replacement == "listen first"


def test_clause_changed_since_download_is_marked(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[Change("1", "promptly", "quickly"), Change("3", "ideas", "proposals")],
    )
    with factories.built(accord):
        clause = factories.clause(factories.find_document(SLUG), "3")
        clause_service.revise_clause(
            clause, clause.heading, clause.body + " Always.", by=None, reason="Tidy"
        )
    html = _upload(client, data).get_data(as_text=True)
    assert "Changed since download" in html
    assert "the file has wording 1, it is now at wording 2" in html
    assert "Create 1 suggestion and 0 comments" in html


def test_clauses_renumbered_since_download_keep_their_changes(accord, client):
    """Adding, moving or retiring a clause after the download renumbers the others; that is
    no edit of their wording, so their changes are still placed (an outside tester found
    every later clause refused as "an untracked edit"), and a retired one shows the number it
    had, not its address."""
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[
            Change("1", "promptly", "quickly"),
            Change("2", "advise", "advise clearly"),
            Change("3", "ideas", "proposals"),
        ],
    )
    with factories.built(accord):
        document = factories.find_document(SLUG)
        clause_service.retire_clause(
            factories.clause(document, "1"), "Merged", by=factories.someone(Role.FACILITATOR)
        )
    retired, roles, respect = _preview(accord, data).clauses
    assert (retired.number, retired.problems) == (
        "1",
        ["The clause is retired, so it takes no suggestions"],
    )
    assert [(p.number, p.problems, len(p.suggestions)) for p in (roles, respect)] == [
        ("1", [], 1),
        ("2", [], 1),
    ]
    html = _upload(client, data).get_data(as_text=True)
    assert "untracked edit" not in html and "retired-" not in html
    assert "Create 2 suggestions and 0 comments" in html


def test_only_old_wording_is_refused_by_the_field(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(_download(client), changes=[Change("3", "ideas", "proposals")])
    with factories.built(accord):
        clause = factories.clause(factories.find_document(SLUG), "3")
        clause_service.revise_clause(clause, clause.heading, "New words.", by=None, reason="x")
    _field_error(_upload(client, data), "was downloaded before clause 3 changed")
    assert _saved(accord) == (0, 0)


def test_what_cannot_be_placed_is_listed(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[
            Change("1", "Trust", "Faith", heading=True),
            Change("2", "deliver", "execute"),
            Change("3", "ideas", "policies"),
        ],
    )
    data = untracked(data, "2", "direction", "the direction")

    def outside(root):  # a tracked deletion in the how-to text, outside every clause
        paragraph = next(
            p
            for p in root.iter(f"{W}p")
            if "Track Changes" in "".join(t.text or "" for t in p.iter(f"{W}t"))
        )
        run = paragraph.find(f"{W}r")
        deleted = run.makeelement(f"{W}del", {f"{W}id": "9", f"{W}author": "X"})
        run.addprevious(deleted)
        deleted.append(run)
        for t in run.findall(f"{W}t"):
            t.tag = f"{W}delText"
        extra = paragraph.makeelement(f"{W}p", {})
        r = extra.makeelement(f"{W}r", {})
        t = r.makeelement(f"{W}t", {})
        t.text = "A note typed between the clauses"
        r.append(t)
        extra.append(r)
        paragraph.addnext(extra)

    data = edited_xml(data, "word/document.xml", outside)
    html = _upload(client, data).get_data(as_text=True).replace("&#39;", "'")
    assert "Clause 1: a change to its heading (deleted “Trust” and inserted “Faith”)" in html
    assert "an untracked edit" in html
    assert re.search(r"<ins[^>]*>.*the</ins>", html)  # the untracked edit's redline
    assert "A change outside the clauses: deleted “Track Changes is switched on" in html
    assert "Text outside the clauses, not a tracked change: “A note typed between" in html
    assert "Create 1 suggestion and 0 comments" in html  # clause 3 only


def test_a_clause_removed_from_the_file_is_listed(accord, client):
    client.sign_in("member@example.org")

    def remove_clause_two(root):
        sdt = list(root.iter(f"{W}sdt"))[1]
        sdt.getparent().remove(sdt)

    data = edited_xml(
        marked_up(_download(client), changes=[Change("1", "promptly", "soon")]),
        "word/document.xml",
        remove_clause_two,
    )
    html = _upload(client, data).get_data(as_text=True)
    assert "Clause 2 (Roles) is missing from the file" in html


# Bad input ----------------------------------------------------------------------------------


def test_no_file_chosen(accord, client):
    client.sign_in("member@example.org")
    response = client.post_form(f"{BASE}/upload", {}, content_type="multipart/form-data")
    _field_error(response, "Select the Word file you downloaded for suggestions")


def test_not_a_docx(accord, client):
    client.sign_in("member@example.org")
    _field_error(_upload(client, b"name,email\n", "people.csv"), "must be a Word document")
    _field_error(_upload(client, pack({"hello.txt": b"hi"})), "must be a Word document")
    _field_error(_upload(client, b"PK\x03\x04broken"), "must be a Word document")


def test_a_docx_not_downloaded_from_accord(accord, client):
    client.sign_in("member@example.org")
    out = io.BytesIO()
    WordDocument().save(out)
    _field_error(_upload(client, out.getvalue()), "was not downloaded from Accord")


def test_a_forged_or_edited_marker(accord, client):
    client.sign_in("member@example.org")

    def add_clause(root):
        for variable in root.iter(f"{W}docVar"):
            if variable.get(f"{W}name") == "AccordClauses":
                variable.set(f"{W}val", variable.get(f"{W}val") + ",999:1")

    data = edited_xml(_download(client), "word/settings.xml", add_clause)
    _field_error(_upload(client, data), "was not downloaded from Accord")


def test_a_file_for_another_document(accord, client):
    with factories.built(accord):
        factories.document(title="Member/Officer Protocol", kind="protocol")
    client.sign_in("member@example.org")
    data = client.get("/documents/member-officer-protocol/word/download").data
    _field_error(_upload(client, data), "is for another document (“Member/Officer Protocol”)")


def test_a_file_without_changes(accord, client):
    client.sign_in("member@example.org")
    _field_error(_upload(client, _download(client)), "has no tracked changes or comments")


def test_a_zip_bomb(accord, client):
    client.sign_in("member@example.org")
    parts = entries(_download(client))
    parts["word/media/padding.bin"] = b"\0" * (45 * 1024 * 1024)  # 45 MB, about 45 KB zipped
    data = pack(parts)
    assert len(data) < 1024 * 1024
    _field_error(_upload(client, data), "unpacks to more than Accord will read")


def test_a_zip_whose_directory_lies_about_sizes(accord, client):
    """The central directory says small; inflating is stopped at the budget anyway."""
    client.sign_in("member@example.org")
    parts = entries(_download(client))
    parts["word/document.xml"] = parts["word/document.xml"] + b" " * (41 * 1024 * 1024)
    data = bytearray(pack(parts))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as source:
        assert source.getinfo("word/document.xml").file_size > 40 * 1024 * 1024
    # Rewrite document.xml's size in the central directory to 1,000 bytes.
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_length] == b"word/document.xml":
            data[at + 24 : at + 28] = (1000).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    response = _upload(client, bytes(data))
    assert response.status_code == 422
    assert _saved(accord) == (0, 0)


def test_a_file_over_five_megabytes(accord, client):
    """Built by hand: the test client would spool a large upload to a file it never closes."""
    client.sign_in("member@example.org")
    boundary = "accordboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{client.csrf_token()}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="file"; filename="big.docx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + b"PK\x03\x04"
        + b"x" * (6 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"{BASE}/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    _field_error(response, "smaller than 5 MB")


class _Body(io.RawIOBase):
    """A request body of ``size`` bytes that counts how much of it was read."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.read_bytes)
        buffer[:count] = b"x" * count
        self.read_bytes += count
        return count


def test_a_twenty_megabyte_file_is_refused_before_it_is_read(accord, client):
    client.sign_in("member@example.org")
    client.csrf_token()
    for path in (f"{BASE}/upload", f"{BASE}/confirm"):
        body = _Body(20 * 1024 * 1024)
        response = client.post(
            path,
            environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(body.size)},
            content_type="multipart/form-data; boundary=xyz",
        )
        assert response.status_code == 413
        assert "too big to send" in response.get_data(as_text=True)
        assert body.read_bytes == 0


def test_macros(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(_download(client), changes=[Change("1", "promptly", "soon")])
    _field_error(
        _upload(client, repacked(data, put={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})),
        "contains macros",
    )

    def macro_enabled(root):
        for override in root:
            if override.get("PartName") == "/word/document.xml":
                override.set(
                    "ContentType", "application/vnd.ms-word.document.macroEnabled.main+xml"
                )

    _field_error(
        _upload(client, edited_xml(data, "[Content_Types].xml", macro_enabled), "a.docm"),
        "contains macros",
    )


def _add_relationship(kind: str, target: str):
    def edit(root):
        rel = root.makeelement(
            "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship",
            {
                "Id": "rIdX",
                "Type": f"http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}",
                "Target": target,
                "TargetMode": "External",
            },
        )
        root.append(rel)

    return edit


@pytest.mark.parametrize(
    ("kind", "message"),
    [("image", "a linked image"), ("attachedTemplate", "a template"), ("oleObject", "a linked")],
)
def test_external_references(accord, client, kind, message):
    client.sign_in("member@example.org")
    data = edited_xml(
        marked_up(_download(client), changes=[Change("1", "promptly", "soon")]),
        "word/_rels/document.xml.rels",
        _add_relationship(kind, "http://attacker.example/x"),
    )
    _field_error(_upload(client, data), f"refers to something outside it ({message}")


def test_alt_chunk_and_attached_template(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(_download(client), changes=[Change("1", "promptly", "soon")])

    def alt_chunk(root):
        body = root.find(f"{W}body")
        body.insert(0, body.makeelement(f"{W}altChunk", {}))

    def template(root):
        root.insert(0, root.makeelement(f"{W}attachedTemplate", {}))

    _field_error(
        _upload(client, edited_xml(data, "word/document.xml", alt_chunk)),
        "an embedded part of another file",
    )
    _field_error(_upload(client, edited_xml(data, "word/settings.xml", template)), "(a template)")


def test_entities_are_never_expanded(accord, client):
    client.sign_in("member@example.org")
    parts = entries(marked_up(_download(client), changes=[Change("1", "promptly", "soon")]))
    parts["word/comments.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">'
        b'<!ENTITY e SYSTEM "file:///etc/passwd">]><w:comments xmlns:w="'
        b'http://schemas.openxmlformats.org/wordprocessingml/2006/main">&b;&e;</w:comments>'
    )
    _field_error(_upload(client, pack(parts)), "must be a Word document")
    assert _saved(accord) == (0, 0)


# The confirm step without the passages service ---------------------------------------------


def test_a_tampered_preview_saves_nothing(accord, client):
    client.sign_in("member@example.org")
    response = client.post_form(f"{BASE}/confirm", {"preview": "not-a-preview"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{BASE}/upload")
    assert _saved(accord) == (0, 0)


def test_a_preview_is_only_its_uploaders(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(_download(client), changes=[Change("1", "promptly", "soon")])
    html = _upload(client, data).get_data(as_text=True)
    token = re.search(r'name="preview" type="hidden" value="([^"]+)"', html)
    assert token, "no signed preview on the page"
    client.sign_in("officer@example.org")
    response = client.post_form(f"{BASE}/confirm", {"preview": token.group(1)})
    assert response.status_code == 303
    assert _saved(accord) == (0, 0)


def test_a_clause_changed_before_confirming_saves_nothing(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(_download(client), changes=[Change("1", "promptly", "soon")])
    html = _upload(client, data).get_data(as_text=True)
    token = re.search(r'name="preview" type="hidden" value="([^"]+)"', html).group(1)
    with factories.built(accord):
        clause = factories.clause(factories.find_document(SLUG), "1")
        clause_service.revise_clause(clause, clause.heading, "Other words.", by=None, reason="x")
    response = client.post_form(f"{BASE}/confirm", {"preview": token})
    assert response.status_code == 409
    assert "Clause 1 changed while you were checking the preview" in response.get_data(True)
    assert _saved(accord) == (0, 0)
