"""Confirming a Word upload creates passage suggestions and comments through the passages
service, in the uploader's name, all or nothing (issue 18).

These need ``app.services.passages`` (branch i-passages): they pass once it is merged."""

from __future__ import annotations

import io
import re

from docx import Document as WordDocument
from sqlalchemy import select

from app.extensions import db
from app.models import Amendment, Comment, Discussion
from tests import factories
from tests.web.test_word import BASE, SLUG, WORDING, _download, _saved, _upload, accord
from tests.word_files import Change, Remark, marked_up

__all__ = ["WORDING", "accord"]


def _token(html: str) -> str:
    match = re.search(r'name="preview" type="hidden" value="([^"]+)"', html)
    assert match, "no signed preview on the page"
    return match.group(1)


def _key(html: str) -> str:
    match = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_confirm_creates_suggestions_and_comments_as_the_uploader(accord, client):
    client.sign_in("officer@example.org")
    data = marked_up(
        _download(client),
        changes=[
            Change("1", "promptly", "within two working days", author="Not Trusted"),
            Change("2", "", " clearly", after="advise"),
        ],
        comments=[Remark("3", "ideas", "What counts as an idea?", author="Someone Else")],
    )
    html = _upload(client, data).get_data(as_text=True)
    form = {"preview": _token(html), "submission_key": _key(html), "reason": "Plainer."}
    response = client.post_form(f"{BASE}/confirm", form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/documents/{SLUG}")
    again = client.post_form(f"{BASE}/confirm", form)  # sent twice: nothing more
    assert again.status_code == 303
    assert _saved(accord) == (2, 1)
    with accord.app_context():
        officer = factories.user("officer@example.org")
        suggestions = db.session.scalars(select(Amendment).order_by(Amendment.id)).all()
        assert [(s.passage_quote, s.passage_replacement) for s in suggestions] == [
            ("promptly", "within two working days"),
            ("advise", "advise clearly"),
        ]
        assert {s.proposer_id for s in suggestions} == {officer.id}
        assert suggestions[0].rationale == "Plainer."
        assert suggestions[0].body == WORDING[0][1].replace("promptly", "within two working days")
        [remark] = db.session.scalars(select(Discussion)).all()
        assert remark.passage_quote == "ideas"
        opening = db.session.scalars(select(Comment).filter_by(discussion_id=remark.id)).one()
        assert opening.author_id == officer.id
        assert opening.body == "What counts as an idea?"


def test_without_a_reason_the_suggestions_say_they_came_from_word(accord, client):
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[Change("1", "promptly", "soon"), Change("3", "ideas", "proposals")],
    )
    html = _upload(client, data).get_data(as_text=True)
    response = client.post_form(f"{BASE}/confirm", {"preview": _token(html), "reason": ""})
    assert response.status_code == 303
    assert _saved(accord) == (2, 0)
    with accord.app_context():
        reasons = {a.rationale for a in db.session.scalars(select(Amendment))}
        assert reasons == {"Suggested with tracked changes in Word."}


# A clause whose amendments are stopped --------------------------------------------------------


def _stop_clause(app, number: str) -> None:
    from app.services import voting

    with factories.built(app):
        document = factories.find_document(SLUG)
        voting.set_amendments_stopped(
            document,
            True,
            by=factories.user("facilitator@example.org"),
            clause=factories.clause(document, number),
        )


def test_a_stopped_clause_cannot_be_downloaded_alone(accord, client):
    client.sign_in("member@example.org")
    _stop_clause(accord, "2")
    refused = client.get(f"{BASE}/download?clause=2")
    assert refused.status_code == 409
    assert "New amendments to this clause are stopped" in refused.get_data(as_text=True)
    assert client.get(f"{BASE}/download?clause=1").status_code == 200


def test_the_whole_documents_file_says_which_clauses_take_no_changes(accord, client):
    """The file of the whole document says, before the clauses, which clauses' amendments are
    stopped (comments on them are still taken); uploading it with a comment there is read
    without that note being "text outside the clauses". Before, nothing in the file said so,
    and a Member's changes to that clause were turned down only at upload."""
    client.sign_in("member@example.org")
    _stop_clause(accord, "2")
    downloaded = _download(client)
    word = WordDocument(io.BytesIO(downloaded))
    outside = [p.text for p in word.paragraphs]
    note = (
        "New amendments to clause 2 are stopped: you can comment on it, but changes to its "
        "wording will not be made."
    )
    assert note in outside
    data = marked_up(downloaded, comments=[Remark("2", "direction", "Whose direction?")])
    response = _upload(client, data)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200
    assert "outside the clauses" not in html
    assert "Create 0 suggestions and 1 comment" in html


def test_a_stopped_clause_is_listed_and_the_others_are_created(accord, client):
    """The preview says the stopped clause's changes are not taken, and why; confirming
    creates the others (all or nothing no longer blocks them)."""
    client.sign_in("member@example.org")
    downloaded = _download(client)
    _stop_clause(accord, "2")
    data = marked_up(
        downloaded,
        changes=[
            Change("1", "promptly", "within two working days"),
            Change("2", "", " clearly", after="advise"),
        ],
        comments=[Remark("2", "direction", "Whose direction?")],
    )
    response = _upload(client, data)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200
    assert "new amendments to this clause are stopped" in html.lower()
    assert "Create 1 suggestion and 1 comment" in html
    response = client.post_form(f"{BASE}/confirm", {"preview": _token(html), "reason": "x"})
    assert response.status_code == 303
    with accord.app_context():
        suggestions = db.session.scalars(select(Amendment)).all()
        assert [s.passage_quote for s in suggestions] == ["promptly"]
        # A comment is still welcome on a clause whose amendments are stopped.
        assert db.session.scalars(select(Comment.body)).all() == ["Whose direction?"]


# Text from Word is cleaned up and is not Markdown -------------------------------------------


def test_word_text_is_normalised_and_shown_as_typed(accord, client):
    """Word text has the clean-up every web form applies (no bidirectional overrides, no
    blank lines at the ends or repeated), and is escaped: a person typing in Word does not
    write Markdown, so "**bold** and 2*3*4" shows as typed, in the comment and in the
    suggested wording."""
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[Change("1", "promptly", "**promptly** and 2*3*4\u202e", author="Jo \u202eBloggs")],
        comments=[
            Remark(
                "3",
                "ideas",
                "\n\nSee\u202egnp.exe\n\n\n\n_this_ [link](x)\n\n",
                author="Sam \u2067Patel",
            )
        ],
    )
    html = _upload(client, data).get_data(as_text=True)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", html)
    response = client.post_form(f"{BASE}/confirm", {"preview": _token(html)})
    assert response.status_code == 303
    with accord.app_context():
        suggestion = db.session.scalars(select(Amendment)).one()
        comment = db.session.scalars(select(Comment)).one()
        assert "\u202e" not in comment.body and "\u202e" not in suggestion.body
        assert comment.body == "Seegnp.exe\n\n\\_this\\_ \\[link\\](x)"
        assert suggestion.body == WORDING[0][1].replace(
            "promptly", "\\*\\*promptly\\*\\* and 2\\*3\\*4"
        )
        suggestion_id = suggestion.id
    page = client.get(f"/amendments/{suggestion_id}").get_data(as_text=True)
    shown = re.sub(r"<span class=\"govuk-visually-hidden\">[^<]*</span>|<[^>]+>", "", page)
    assert "<strong>promptly</strong>" not in page and "**promptly** and 2*3*4" in shown
    thread = client.get(f"/documents/{SLUG}/clauses/3").get_data(as_text=True)
    assert "<em>this</em>" not in thread


def test_a_word_comment_or_change_longer_than_the_forms_take_is_a_problem_not_saved(accord, client):
    """Outside tester: a Word comment of 20,000 characters was saved, where the comment form
    refuses more than 10,000; so were new words longer than a suggestion's 2,000. The preview
    now lists each as a problem of its clause, with nothing to confirm, and the services
    refuse such text whichever way it comes."""
    client.sign_in("member@example.org")
    data = marked_up(
        _download(client),
        changes=[Change("1", "promptly", "soon " * 500)],
        comments=[Remark("3", "ideas", "x" * 20_000)],
    )
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert "A comment is longer than 10,000 characters" in html
    assert "New words are longer than 2,000 characters" in html
    assert 'name="preview"' not in html  # nothing is ready to confirm
    assert _saved(accord) == (0, 0)


def test_the_services_refuse_text_longer_than_their_forms_take(accord):
    from app.services import Invalid, discussions, passages

    with factories.built(accord):
        member = factories.user("member@example.org")
        document = factories.find_document(SLUG)
        clause = factories.clause(document, "1")
        started = factories.discussion(document, clause, by=member)
        for attempt in (
            lambda: discussions.add_comment(started, "x" * 10_001, by=member),
            lambda: discussions.add_comment(started, "   ", by=member),
            lambda: passages.comment_on_passage(
                clause, by=member, quote="promptly", body="x" * 10_001
            ),
            lambda: passages.suggest_change(
                clause, by=member, quote="promptly", replacement="y" * 2_001, reason="Clearer"
            ),
        ):
            try:
                with db.session.begin_nested():
                    attempt()
            except Invalid:
                continue
            raise AssertionError("accepted")
