"""The text that goes in is the text that is kept: browsers send CRLF line breaks, Accord keeps
LF, so saving a form without a change changes nothing; limits count the text as kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.comparison import compare
from app.extensions import db
from app.models import (
    Amendment,
    AuditEvent,
    Clause,
    ClauseRevision,
    Comment,
    CommentRevision,
    Discussion,
    Document,
)
from app.services import amendments, clauses, lifecycle
from app.services import discussions as discussion_service
from tests import factories
from tests.helpers import error_summary_targets

PROTOCOL = "member-officer-protocol"
ACCORD = "ways-of-working-accord"
CLAUSE = f"/documents/{PROTOCOL}/clauses/3"
BODY = "Members and Officers treat each other with respect.\n\nThey:\n- listen\n- reply in time"


def _document(slug: str = PROTOCOL) -> Document:
    return db.session.scalars(select(Document).filter_by(slug=slug)).one()


def _clause(number: str = "3", slug: str = PROTOCOL) -> Clause:
    return db.session.scalars(
        select(Clause).filter_by(document_id=_document(slug).id, number=number)
    ).one()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def crlf(text: str) -> str:
    """``text`` as a browser sends a textarea's value."""
    return text.replace("\n", "\r\n")


def _clause_with_paragraphs(app) -> dict:
    """Clause 3 reworded over several lines, with a comment on that wording and an open
    amendment written on it; returns what a facilitator's edit page would show."""
    with app.app_context():
        clause = _clause()
        clauses.revise_clause(clause, clause.heading, BODY, by=None, reason="Set out as a list")
        member = factories.user("member@example.org")
        discussion_service.start_discussion(
            clause.document, clause, "Respect", "Agreed", list(clause.recommendations), by=member
        )
        amendments.propose_amendment(
            clause,
            clause.heading,
            BODY + "\n- say thank you",
            "Add thanks",
            list(clause.recommendations),
            by=member,
        )
        db.session.commit()
        return {"heading": clause.heading, "body": BODY, "revision_number": clause.revision_number}


def test_saving_a_clause_unchanged_creates_nothing(seeded, client):
    shown = _clause_with_paragraphs(seeded)
    with seeded.app_context():
        before = lifecycle.latest_version(_document()) or lifecycle.publish_version(
            _document(), by=factories.user("facilitator@example.org")
        )
        db.session.commit()
        first_hash = before.content_hash
    client.sign_in("facilitator@example.org")
    page = client.get(f"{CLAUSE}/edit").get_data(as_text=True)
    assert "- reply in time</textarea>" in page
    with seeded.app_context():
        revisions, events = _count(ClauseRevision), _count(AuditEvent)  # after signing in

    response = client.post_form(
        f"{CLAUSE}/edit",
        {**shown, "heading": shown["heading"] + " ", "body": crlf(shown["body"]) + "\r\n"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was changed" in html and "There is a problem" in html
    assert error_summary_targets(html) == ["body"]
    assert "- reply in time</textarea>" in html, "keeps what was typed"
    with seeded.app_context():
        clause = _clause()
        assert _count(ClauseRevision) == revisions and _count(AuditEvent) == events
        assert clause.revision_number == shown["revision_number"] and clause.body == BODY
        comment = db.session.scalars(
            select(Comment).join(Discussion).where(Discussion.clause_id == clause.id)
        ).one()
        assert comment.clause_revision_number == clause.revision_number  # not "earlier wording"
        amendment = db.session.scalars(select(Amendment)).one()
        assert not amendment.is_out_of_date
        working = lifecycle.working_content(_document())
        assert lifecycle.hash_content(working) == first_hash
        assert not compare(before.clauses, working["clauses"]).summary["changed"]
        with pytest.raises(lifecycle.VersionUnchanged):  # so no second, identical version
            lifecycle.publish_version(_document(), by=factories.user("facilitator@example.org"))


def test_a_real_edit_is_kept_as_typed_once_normalised(seeded, client):
    shown = _clause_with_paragraphs(seeded)
    client.sign_in("facilitator@example.org")
    body = "Members\x0bshare\x1b notes.  \r\n\r\nCafe\u0301 meetings\x7f are open.\r\n"
    response = client.post_form(f"{CLAUSE}/edit", {**shown, "body": body})
    assert response.status_code == 303
    with seeded.app_context():
        clause = _clause()
        assert clause.body == "Members\nshare notes.\n\nCaf\u00e9 meetings are open."
        assert clause.revision_number == shown["revision_number"] + 1


def test_an_amendment_that_changes_nothing_is_refused_by_its_field(seeded, client):
    shown = _clause_with_paragraphs(seeded)
    with seeded.app_context():
        recommendations = [r.id for r in _clause().recommendations]
        amendment_count = _count(Amendment)
    client.sign_in("officer@example.org")
    response = client.post_form(
        f"{CLAUSE}/amendments/new",
        {
            "heading": shown["heading"],
            "body": crlf(shown["body"]),
            "rationale": "Tidier",
            "recommendations": recommendations,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The amendment must change the heading or the text." in html
    assert error_summary_targets(html) == ["body"]
    assert ">Tidier</textarea>" in html, "keeps what was typed"
    with seeded.app_context():
        assert _count(Amendment) == amendment_count


def _discussion(app) -> int:
    with app.app_context():
        clause = _clause("2", ACCORD)
        discussion = discussion_service.start_discussion(
            clause.document,
            clause,
            "Trust",
            "Opening comment\nover two lines",
            list(clause.recommendations),
            by=factories.user("member@example.org"),
        )
        db.session.commit()
        return discussion.id


def _long_comment(characters: int) -> str:
    """A comment of ``characters`` characters as the GOV.UK character count counts them (each
    line break is one), over 100 lines."""
    lines = ["x" * 99] * 100
    text = "\n".join(lines)
    return "y" * (characters - len(text)) + text


def test_a_10000_character_comment_with_line_breaks_is_accepted(seeded, client):
    discussion_id = _discussion(seeded)
    client.sign_in("officer@example.org")
    body = _long_comment(10_000)
    assert len(body) == 10_000 and len(crlf(body)) == 10_099
    response = client.post_form(f"/discussions/{discussion_id}/comments", {"body": crlf(body)})
    assert response.status_code == 303
    too_long = client.post_form(
        f"/discussions/{discussion_id}/comments", {"body": crlf(_long_comment(10_001))}
    )
    assert too_long.status_code == 422
    assert "10,000 characters or fewer" in too_long.get_data(as_text=True)
    with seeded.app_context():
        assert [len(c.body) for c in db.session.scalars(select(Comment).order_by(Comment.id))][
            -1
        ] == 10_000


def test_saving_a_comment_unchanged_creates_nothing(seeded, client):
    discussion_id = _discussion(seeded)
    with seeded.app_context():
        comment_id = db.session.scalars(select(Comment.id)).one()
    client.sign_in("member@example.org")
    with seeded.app_context():
        events = _count(AuditEvent)
    response = client.post_form(
        f"/comments/{comment_id}/edit",
        {"body": "Opening comment \r\nover two lines\r\n", "edit_count": 0},
        htmx=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was changed" in html
    assert "There is a problem" in html and "<html" not in html
    with seeded.app_context():
        assert _count(CommentRevision) == 0 and _count(AuditEvent) == events
        assert db.session.get(Comment, comment_id).edit_count == 0
    assert client.get(f"/discussions/{discussion_id}").status_code == 200


def test_a_title_is_one_line(seeded, client):
    client.sign_in("member@example.org")
    with seeded.app_context():
        recommendations = [r.id for r in _clause("2", ACCORD).recommendations]
    response = client.post_form(
        f"/documents/{ACCORD}/discussions/new?clause=2",
        {
            "title": "Bcc: everyone\r\nSubject:\ttrust\x1b ",
            "body": "Hello\r\n",
            "recommendations": recommendations,
        },
    )
    assert response.status_code == 303
    with seeded.app_context():
        discussion = db.session.scalars(select(Discussion)).one()
        assert discussion.title == "Bcc: everyone Subject: trust"
        assert db.session.scalars(select(Comment.body)).one() == "Hello"


def test_the_command_line_keeps_names_on_one_line(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "invite",
            "jo@example.org",
            "--name",
            "Jo\r\nBloggs\x1b ",
            "--role",
            "member",
            "--group",
            " Green\x0bGroup",
            "--ward",
            "Cafe\u0301\tWard",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = factories.user("jo@example.org")
        assert (user.display_name, user.group, user.ward) == (
            "Jo Bloggs",
            "Green Group",
            "Caf\u00e9 Ward",
        )


def test_exports_never_print_control_characters_even_from_old_versions(seeded, client):
    import io
    import re

    from docx import Document as WordDocument

    with seeded.app_context():
        clause = _clause()
        # Text stored before the text rule, straight into the tables (as the old app did).
        clause.heading = "Respect\x1b"
        clause.body = "Members\x0bspeak.\r\nOfficers\x0clisten\x7f."
        db.session.flush()
        version = lifecycle.publish_version(
            _document(), by=factories.user("facilitator@example.org")
        )
        db.session.commit()
        number, content_hash = version.number, version.content_hash
        assert "\x0b" in version.clauses[2]["body"]
    client.sign_in("facilitator@example.org")
    controls = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    query = {"version": str(number), "clauses": "all", "annexes": "yes"}
    for fmt in ("md", "html"):
        response = client.get(
            f"/documents/{PROTOCOL}/export/download", query_string={**query, "format": fmt}
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and content_hash in text
        assert not controls.search(text), fmt
        assert "Members" in text and "speak." in text and "Officers" in text
    word = client.get(
        f"/documents/{PROTOCOL}/export/download", query_string={**query, "format": "docx"}
    )
    paragraphs = [p.text for p in WordDocument(io.BytesIO(word.data)).paragraphs]
    assert not any(controls.search(p) for p in paragraphs)
    assert any("Members" in p and "speak" in p for p in paragraphs)
    assert not any("Membersspeak" in p or "Officerslisten" in p for p in paragraphs)
