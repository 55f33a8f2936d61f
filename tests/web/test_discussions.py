"""Discussions, comments and moderation: every rule, every refusal, on both databases."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import polls
from app.extensions import db
from app.models import (
    Clause,
    Comment,
    CommentRevision,
    Discussion,
    Document,
    DocumentStatus,
    Moderation,
    Recommendation,
    Role,
    User,
)
from app.services import DomainError, clauses
from app.services import discussions as service
from tests import factories
from tests.helpers import count_queries, make_user, shown_digest
from tests.snapshots import snapshot

ACCORD = "ways-of-working-accord"


@pytest.fixture
@snapshot
def documents_open(app):
    """The five role accounts and the Accord and Protocol, Open, with the demo's wording."""
    with factories.built(app):
        factories.everyone()
        factories.document(title="Ways of Working Accord", clauses=factories.demo_clauses(ACCORD))
        factories.document(
            title="Member/Officer Protocol",
            kind="protocol",
            clauses=factories.demo_clauses("member-officer-protocol"),
        )
    return app


def _one(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).one()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _ids(app, *labels: str) -> list[int]:
    with app.app_context():
        recommendations = db.session.scalars(select(Recommendation)).all()
        return [r.id for r in recommendations if r.label in labels]


def _start(
    app,
    email="member@example.org",
    clause_number="2",
    title="Trust in practice",
    body="Opening comment",
) -> int:
    """A discussion on a clause of the Accord, started through the service."""
    with app.app_context():
        user = db.session.scalars(select(User).filter_by(email=email)).one()
        document = db.session.scalars(select(Document).filter_by(slug=ACCORD)).one()
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=document.id, number=clause_number)
        ).one()
        discussion = service.start_discussion(
            document, clause, title, body, list(clause.recommendations), by=user
        )
        db.session.commit()
        return discussion.id


def _comment(app, discussion_id, email, body="A comment", parent_id=None) -> int:
    with app.app_context():
        user = db.session.scalars(select(User).filter_by(email=email)).one()
        discussion = db.session.get(Discussion, discussion_id)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        comment = service.add_comment(discussion, body, by=user, parent=parent)
        db.session.commit()
        return comment.id


# Starting a discussion -------------------------------------------------------------------


def test_a_member_starts_a_discussion_on_a_clause(documents_open, client):
    client.sign_in("member@example.org")
    form = client.get(f"/documents/{ACCORD}/discussions/new?clause=2").get_data(as_text=True)
    assert "Start a discussion on clause 2" in form
    response = client.post_form(
        f"/documents/{ACCORD}/discussions/new?clause=2",
        {
            "title": "Respect in meetings",
            "body": "**Courtesy** matters",
            "recommendations": _ids(documents_open, "CR m", "CPC d"),
            "submission_key": "key-1",
        },
    )
    assert response.status_code == 303
    discussion = _one(documents_open, Discussion, title="Respect in meetings")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>Courtesy</strong>" in page
    assert "CR m" in page and "CPC d" in page
    assert "Member, Labour Group" in page
    clause_page = client.get(f"/documents/{ACCORD}/clauses/2").get_data(as_text=True)
    assert "Respect in meetings" in clause_page
    assert discussion.clause_id is not None


def test_a_discussion_on_the_whole_document(documents_open, client):
    client.sign_in("officer@example.org")
    response = client.post_form(
        f"/documents/{ACCORD}/discussions/new",
        {
            "title": "Overall tone",
            "body": "Reads well",
            "recommendations": _ids(documents_open, "CR a"),
        },
    )
    assert response.status_code == 303
    assert _one(documents_open, Discussion, title="Overall tone").clause_id is None
    page = client.get(f"/documents/{ACCORD}").get_data(as_text=True)
    assert "Overall tone" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "x"}, "Enter a title for the discussion"),
        ({"title": "T", "body": "   \n  "}, "Enter your opening comment"),
        ({"title": "T", "body": "x" * 10_001}, "10,000 characters or fewer"),
        (
            {"title": "T", "body": "x", "recommendations": []},
            "Choose at least one recommendation this discussion answers",
        ),
        (
            {"title": "T", "body": "x", "recommendations": [999_999]},
            "Choose recommendations from the list",
        ),
        (
            {"title": "T", "body": "x", "recommendations": ["not-a-number"]},
            "Choose recommendations from the list",
        ),
    ],
    ids=["no title", "blank comment", "too long", "no recommendation", "unknown id", "garbage id"],
)
def test_bad_input_to_a_new_discussion_changes_nothing(documents_open, client, data, message):
    client.sign_in("member@example.org")
    data = {"recommendations": _ids(documents_open, "CR m"), **data}
    response = client.post_form(f"/documents/{ACCORD}/discussions/new?clause=2", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and message in html
    if data["title"]:
        assert f'value="{data["title"]}"' in html, "keeps what was typed"
    assert _count(documents_open, Discussion) == 0 and _count(documents_open, Comment) == 0


def test_a_clause_of_another_document_is_not_found(documents_open, client):
    client.sign_in("member@example.org")
    response = client.post_form(
        "/documents/member-officer-protocol/discussions/new?clause=12",
        {"title": "T", "body": "x", "recommendations": _ids(documents_open, "CR m")},
    )
    assert response.status_code == 404
    with documents_open.app_context():
        accord = db.session.scalars(select(Document).filter_by(slug=ACCORD)).one()
        protocol = db.session.scalars(
            select(Document).filter_by(slug="member-officer-protocol")
        ).one()
        user = db.session.scalars(select(User).filter_by(email="member@example.org")).one()
        with pytest.raises(DomainError, match="not part of this document"):
            service.start_discussion(
                protocol, accord.clauses[0], "T", "x", accord.clauses[0].recommendations, by=user
            )
        db.session.rollback()
    assert _count(documents_open, Discussion) == 0


@pytest.mark.parametrize("email", ["standards@example.org", "admin@example.org"])
def test_the_committee_and_admins_read_but_do_not_take_part(documents_open, client, email):
    discussion_id = _start(documents_open)
    client.sign_in(email)
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Opening comment" in page and "Post comment" not in page
    assert client.get(f"/documents/{ACCORD}/discussions/new?clause=2").status_code == 403
    refused = client.post_form(f"/discussions/{discussion_id}/comments", {"body": "x"})
    assert refused.status_code == 403
    assert _count(documents_open, Comment) == 1


def test_nobody_starts_discussions_once_a_document_is_closed(documents_open, client):
    discussion_id = _start(documents_open)
    with documents_open.app_context():
        db.session.scalars(
            select(Document).filter_by(slug=ACCORD)
        ).one().status = DocumentStatus.CLOSED
        db.session.commit()
    client.sign_in("member@example.org")
    refused = client.get(f"/documents/{ACCORD}/discussions/new")
    # Why, not "You do not have permission" (403): a Member may, but not while it is Closed.
    assert refused.status_code == 409
    assert "Closed" in refused.get_data(as_text=True)
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "comments cannot be added" in page and 'hx-trigger="every' not in page


def _own_comment(app, discussion_id: int, email="member@example.org") -> int:
    with app.app_context():
        user = db.session.scalars(select(User).filter_by(email=email)).one()
        comment = service.add_comment(db.session.get(Discussion, discussion_id), "Mine", by=user)
        db.session.commit()
        return comment.id


def _comments(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Comment.id, Comment.body, Comment.withdrawn_at).order_by(Comment.id)
        ).all()


@pytest.mark.parametrize("state", ["closed", "locked"])
def test_a_state_that_takes_no_comments_is_a_409_saying_why_not_a_403(
    documents_open, client, state
):
    """A Member may comment; a Closed document or a locked discussion refuses it with why
    (409), whatever was typed, and the page offers no form or link that could only be refused.
    Before, the Closed document's refusals were 403 "You do not have permission"."""
    discussion_id = _start(documents_open)
    comment_id = _own_comment(documents_open, discussion_id)
    with documents_open.app_context():
        discussion = db.session.get(Discussion, discussion_id)
        if state == "closed":
            discussion.document.status = DocumentStatus.CLOSED
        else:
            discussion.locked_at = discussion.document.created_at
        db.session.commit()
    why = "Open for comment" if state == "closed" else "This discussion is locked"
    before = (_count(documents_open, Discussion), _comments(documents_open))
    client.sign_in("member@example.org")
    attempts = [
        ("post", f"/discussions/{discussion_id}/comments", {"body": "New"}),
        ("post", f"/discussions/{discussion_id}/comments", {"body": ""}),
        ("post", f"/comments/{comment_id}/edit", {"body": "Changed", "edit_count": "0"}),
        ("post", f"/comments/{comment_id}/edit", {"body": "", "edit_count": "0"}),
        ("get", f"/comments/{comment_id}/withdraw", None),
        ("post", f"/comments/{comment_id}/withdraw", {}),
    ]
    if state == "closed":
        new = f"/documents/{ACCORD}/discussions/new?clause=2"
        attempts += [("get", new, None), ("post", new, {"title": "T", "body": "B"})]
    for method, url, data in attempts:
        response = client.get(url) if method == "get" else client.post_form(url, data)
        assert response.status_code == 409, (url, data, response.status_code)
        text = response.get_data(as_text=True)
        assert why in text and "permission" not in text, (url, data)
    assert (_count(documents_open, Discussion), _comments(documents_open)) == before
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Post comment" not in page and f"/comments/{comment_id}/withdraw" not in page
    assert f"edit={comment_id}" not in page and "reply_to=" not in page
    if state == "closed":
        document_page = client.get(f"/documents/{ACCORD}").get_data(as_text=True)
        assert "/discussions/new" not in document_page
    # The wrong role is refused as before, whatever the state.
    client.sign_in("standards@example.org")
    assert (
        client.post_form(f"/discussions/{discussion_id}/comments", {"body": "x"}).status_code == 403
    )
    assert client.get(f"/documents/{ACCORD}/discussions/new").status_code == 403
    client.sign_in("officer@example.org")
    assert client.get(f"/comments/{comment_id}/withdraw").status_code == 403
    assert (_count(documents_open, Discussion), _comments(documents_open)) == before


# Comments and replies --------------------------------------------------------------------


def test_comment_three_ways(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    url = f"/discussions/{discussion_id}/comments"
    plain = client.post_form(url, {"body": "Plain post"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#thread")
    htmx = client.post_form(url, {"body": "Via htmx"}, htmx=True)
    html = htmx.get_data(as_text=True)
    assert htmx.status_code == 200 and "<html" not in html
    assert 'id="composer"' in html and 'id="thread" hx-swap-oob="true"' in html
    assert "Via htmx" in html and "Your comment was posted." in html
    boosted = client.post_form(url, {"body": "Boosted"}, boosted=True)
    assert boosted.status_code == 303
    assert _count(documents_open, Comment) == 4


def test_the_same_form_sent_twice_makes_one_comment(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    form = {"body": "Only once", "submission_key": "same-key"}
    assert client.post_form(f"/discussions/{discussion_id}/comments", form).status_code == 303
    assert client.post_form(f"/discussions/{discussion_id}/comments", form).status_code == 303
    assert _count(documents_open, Comment) == 2  # the opening comment and this one


def test_the_same_form_sent_again_with_other_words_saves_nothing_and_says_so(
    documents_open, client
):
    """Back, edit, send again: the form's key was used, so the first comment stands; the
    new words are not dropped silently (a 303 as if posted) but refused (409) and shown to
    copy. The same for a new discussion's form."""
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    url = f"/discussions/{discussion_id}/comments"
    assert (
        client.post_form(url, {"body": "First words", "submission_key": "k-1"}).status_code == 303
    )
    again = client.post_form(url, {"body": "Second, better words", "submission_key": "k-1"})
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "already sent" in html and "Second, better words" in html
    assert _count(documents_open, Comment) == 2
    start = f"/documents/{ACCORD}/discussions/new?clause=2"
    form = {
        "title": "Respect in meetings",
        "body": "Courtesy matters",
        "recommendations": _ids(documents_open, "CR m"),
        "submission_key": "k-2",
    }
    assert client.post_form(start, form).status_code == 303
    assert client.post_form(start, form).status_code == 303  # the same again: the first
    changed = client.post_form(start, {**form, "body": "Courtesy matters a great deal"})
    assert changed.status_code == 409
    assert "Courtesy matters a great deal" in changed.get_data(as_text=True)
    assert _count(documents_open, Discussion) == 2


def test_a_new_comment_or_reply_is_shown_on_the_page_it_lands_on(seeded, client):
    discussion_id = _start(seeded)
    seeded.config["COMMENTS_PER_PAGE"] = 2
    with seeded.app_context():
        first = db.session.scalars(select(Comment.id).filter_by(discussion_id=discussion_id)).one()
    for index in range(4):
        _comment(seeded, discussion_id, "member@example.org", f"Comment {index}")
    client.sign_in("officer@example.org")
    url = f"/discussions/{discussion_id}/comments?page=1"
    posted = client.post_form(url, {"body": "The newest"})
    assert posted.status_code == 303 and "page=3" in posted.headers["Location"]
    assert "The newest" in client.get(posted.headers["Location"]).get_data(as_text=True)
    reply = client.post_form(
        f"/discussions/{discussion_id}/comments?page=3", {"body": "Re", "parent_id": first}
    )
    assert "page=1" in reply.headers["Location"]
    htmx = client.post_form(url, {"body": "Via htmx"}, htmx=True).get_data(as_text=True)
    assert "Via htmx" in htmx and "Page 4 of 4" in htmx  # seven top-level comments now


def test_hiding_withdrawing_or_editing_a_comment_returns_to_the_page_that_shows_it(seeded, client):
    """Outside testing: the card's links carry no page, so after hiding a comment on page 3
    the facilitator landed on page 1, where it is not."""
    discussion_id = _start(seeded)
    seeded.config["COMMENTS_PER_PAGE"] = 2
    for index in range(5):
        _comment(seeded, discussion_id, "member@example.org", f"Comment {index}")
    with seeded.app_context():
        last = db.session.scalars(select(Comment).filter_by(body="Comment 4")).one().id
    client.sign_in("facilitator@example.org")
    hidden = client.post_form(f"/comments/{last}/hide", {"reason": "Off topic"})
    assert hidden.status_code == 303 and "page=3" in hidden.headers["Location"], hidden.headers
    assert f"#comment-{last}" in hidden.headers["Location"]
    shown = client.post_form(f"/comments/{last}/unhide")
    assert "page=3" in shown.headers["Location"]
    client.sign_in("member@example.org")
    edited = client.post_form(f"/comments/{last}/edit", {"body": "Comment four", "edit_count": 0})
    assert edited.status_code == 303 and "page=3" in edited.headers["Location"]
    withdrawn = client.post_form(f"/comments/{last}/withdraw")
    assert withdrawn.status_code == 303 and "page=3" in withdrawn.headers["Location"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Enter your comment"),
        ("  \t\n ", "Enter your comment"),
        ("y" * 10_001, "10,000 characters or fewer"),
    ],
    ids=["empty", "whitespace", "too long"],
)
def test_bad_comments_are_refused_and_keep_what_was_typed(documents_open, client, body, message):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    response = client.post_form(f"/discussions/{discussion_id}/comments", {"body": body}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert "There is a problem" in html and "<html" not in html
    assert _count(documents_open, Comment) == 1
    # The tab's title says "Error: ", on the page without JavaScript and in place with it
    # (outside accessibility tester: neither did), and loses it once a comment is posted.
    assert re.search(r"<title>Error: Trust in practice", html)
    page = client.post_form(f"/discussions/{discussion_id}/comments", {"body": body})
    assert re.search(r"<title>Error: ", page.get_data(as_text=True))
    posted = client.post_form(f"/discussions/{discussion_id}/comments", {"body": "Fine"}, htmx=True)
    assert re.search(r"<title>Trust in practice", posted.get_data(as_text=True))


def test_replies_go_one_level_deep(documents_open, client):
    discussion_id = _start(documents_open)
    top = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in("officer@example.org")
    reply = client.post_form(
        f"/discussions/{discussion_id}/comments", {"body": "I agree", "parent_id": top}
    )
    assert reply.status_code == 303
    reply_id = _one(documents_open, Comment, body="I agree").id
    deeper = client.post_form(
        f"/discussions/{discussion_id}/comments", {"body": "Deeper", "parent_id": reply_id}
    )
    assert deeper.status_code == 400
    assert "not to a reply" in deeper.get_data(as_text=True)
    other = _start(documents_open, title="Another")
    elsewhere = client.post_form(
        f"/discussions/{other}/comments", {"body": "Wrong thread", "parent_id": top}
    )
    assert elsewhere.status_code == 400
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "app-comment-list--replies" in page and "I agree" in page
    assert _count(documents_open, Comment) == 3


def test_comment_text_is_sanitised_markdown(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    client.post_form(
        f"/discussions/{discussion_id}/comments",
        {"body": "<script>alert(1)</script> [plan](https://example.org) > quoted"},
    )
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'rel="nofollow noopener noreferrer"' in page


def test_a_locked_discussion_takes_no_comments(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("facilitator@example.org")
    assert (
        client.post_form(f"/discussions/{discussion_id}/lock", {"action": "lock"}).status_code
        == 303
    )
    client.sign_in("officer@example.org")
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "locked by a facilitator" in page and "Post comment" not in page
    refused = client.post_form(f"/discussions/{discussion_id}/comments", {"body": "Too late"})
    assert refused.status_code == 409 and "locked" in refused.get_data(as_text=True)
    assert _count(documents_open, Comment) == 1


# Editing and withdrawing -----------------------------------------------------------------


def _edit(client, comment_id, body, edit_count=0, **kwargs):
    return client.post_form(
        f"/comments/{comment_id}/edit", {"body": body, "edit_count": edit_count}, **kwargs
    )


def test_editing_keeps_the_earlier_text_and_marks_the_comment(documents_open, client):
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in("member@example.org")
    assert _edit(client, comment_id, "Better wording").status_code == 303
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Better wording" in page and "Edited" in page
    assert _one(documents_open, CommentRevision, comment_id=comment_id).body == "Opening comment"


def test_a_stale_edit_is_refused_with_both_texts(documents_open, client):
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in("member@example.org")
    assert _edit(client, comment_id, "From the first tab").status_code == 303
    stale = _edit(client, comment_id, "From the second tab", edit_count=0, htmx=True)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "From the first tab" in html and "From the second tab" in html
    assert _one(documents_open, Comment, id=comment_id).body == "From the first tab"


def test_a_refused_edit_keeps_the_version_its_form_was_drawn_from(documents_open, client):
    """A form refused for its text (422) after the comment changed in another tab still
    carries the version it was drawn from: saving it again is a stale edit (409 with both
    texts), never an overwrite of the other tab's words."""
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in("member@example.org")
    assert _edit(client, comment_id, "From the first tab").status_code == 303
    refused = _edit(client, comment_id, "", edit_count=0)
    assert refused.status_code == 422
    assert 'name="edit_count" value="0"' in refused.get_data(as_text=True)
    again = _edit(client, comment_id, "From the second tab", edit_count=0)
    assert again.status_code == 409
    assert _one(documents_open, Comment, id=comment_id).body == "From the first tab"


def test_nobody_edits_someone_elses_comment(documents_open, client):
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in("officer@example.org")
    assert _edit(client, comment_id, "Hijacked").status_code == 403
    assert client.post_form(f"/comments/{comment_id}/withdraw").status_code == 403
    assert _one(documents_open, Comment, id=comment_id).body == "Opening comment"


def test_editing_after_the_window_is_refused(documents_open, client):
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    with documents_open.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.created_at = comment.created_at - timedelta(minutes=16)
        db.session.commit()
    client.sign_in("member@example.org")
    response = _edit(client, comment_id, "Too late")
    assert response.status_code == 409 and "has passed" in response.get_data(as_text=True)
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert f'id="edit-{comment_id}"' not in page
    assert _one(documents_open, Comment, id=comment_id).body == "Opening comment"


def test_withdrawing_asks_first_and_leaves_a_placeholder(documents_open, client):
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in("member@example.org")
    confirm = client.get(f"/comments/{comment_id}/withdraw").get_data(as_text=True)
    assert "Are you sure you want to withdraw your comment?" in confirm
    assert _one(documents_open, Comment, id=comment_id).withdrawn_at is None
    assert client.post_form(f"/comments/{comment_id}/withdraw").status_code == 303
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Withdrawn by the author." in page and "Opening comment" not in page


# Moderation ------------------------------------------------------------------------------


def test_facilitators_hide_with_a_reason_and_unhide(documents_open, client):
    discussion_id = _start(documents_open)
    comment_id = _comment(documents_open, discussion_id, "officer@example.org", "Named a colleague")
    client.sign_in("facilitator@example.org")
    empty = client.post_form(f"/comments/{comment_id}/hide", {"reason": " "})
    assert empty.status_code == 422 and "Enter the reason" in empty.get_data(as_text=True)
    hidden = client.post_form(f"/comments/{comment_id}/hide", {"reason": "Names a colleague"})
    assert hidden.status_code == 303
    client.sign_in("member@example.org")
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Hidden by a facilitator" in page and "Names a colleague" in page
    assert "Named a colleague" not in page
    client.sign_in("facilitator@example.org")
    assert client.post_form(f"/comments/{comment_id}/unhide").status_code == 303
    assert "Named a colleague" in client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    with documents_open.app_context():
        actions = [m.action.value for m in db.session.scalars(select(Moderation))]
    assert actions == ["hide", "unhide"]


@pytest.mark.parametrize(
    "email", ["member@example.org", "officer@example.org", "standards@example.org"]
)
def test_only_facilitators_moderate(documents_open, client, email):
    discussion_id = _start(documents_open)
    comment_id = _one(documents_open, Comment, discussion_id=discussion_id).id
    client.sign_in(email)
    assert client.post_form(f"/comments/{comment_id}/hide", {"reason": "x"}).status_code == 403
    assert client.post_form(f"/discussions/{discussion_id}/lock").status_code == 403
    assert client.get(f"/discussions/{discussion_id}/recommendations").status_code == 403
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Lock discussion" not in page and f'id="hide-{comment_id}"' not in page


def test_facilitators_relink_recommendations_but_not_to_none(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("facilitator@example.org")
    url = f"/discussions/{discussion_id}/recommendations"
    refused = client.post_form(url, {})
    assert refused.status_code == 422
    assert "Choose at least one recommendation" in refused.get_data(as_text=True)
    assert (
        client.post_checked(url, {"recommendations": _ids(documents_open, "CR q")}).status_code
        == 303
    )
    with documents_open.app_context():
        labels = [r.label for r in db.session.get(Discussion, discussion_id).recommendations]
    assert labels == ["CR q"]


def test_recommendations_relinked_by_another_facilitator_are_not_overwritten(
    documents_open, client
):
    """Two facilitators change which recommendations a discussion answers from pages showing
    the same links: the second save is refused (409) with the links saved now shown beside the
    ticks they made, which are kept; saving again from that page replaces them knowingly. A
    form without what its page showed saves nothing."""
    discussion_id = _start(documents_open)
    with factories.built(documents_open):
        factories.facilitator(email="second.facilitator@example.org")
    url = f"/discussions/{discussion_id}/recommendations"
    client.sign_in("facilitator@example.org")
    drawn = shown_digest(client.get(url).get_data(as_text=True))
    other = documents_open.test_client()
    other.sign_in("second.facilitator@example.org")
    theirs = _ids(documents_open, "CR q")
    assert other.post_checked(url, {"recommendations": theirs}).status_code == 303
    mine = _ids(documents_open, "CR m", "CPC d")
    refused = client.post_form(url, {"recommendations": mine, "shown": drawn})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "changed the recommendations this discussion answers after you opened" in page
    start = page.index('id="saved-recommendations"')
    saved = page[start : page.index("<form", start)]
    assert ">CR q<" in saved and ">CR m<" not in saved
    ticked = set(map(int, re.findall(r'value="(\d+)" checked', page)))
    assert ticked == set(mine)  # the ticks made, kept
    with documents_open.app_context():
        labels = [r.label for r in db.session.get(Discussion, discussion_id).recommendations]
    assert labels == ["CR q"]
    assert client.post_form(url, {"recommendations": mine}).status_code == 409  # no digest
    again = client.post_form(url, {"recommendations": mine, "shown": shown_digest(page)})
    assert again.status_code == 303
    with documents_open.app_context():
        labels = sorted(r.label for r in db.session.get(Discussion, discussion_id).recommendations)
    assert labels == ["CPC d", "CR m"]


# Wording changes -------------------------------------------------------------------------


def test_comments_on_an_earlier_wording_are_marked_and_link_to_the_difference(
    documents_open, client
):
    discussion_id = _start(documents_open)
    with documents_open.app_context():
        clause = db.session.get(Discussion, discussion_id).clause
        clauses.revise_clause(
            clause,
            clause.heading,
            clause.body + "\n\nA new sentence.",
            by=None,
            reason="Agreed change",
        )
        db.session.commit()
        number = clause.number
    _comment(documents_open, discussion_id, "officer@example.org", "On the new text")
    client.sign_in("member@example.org")
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert page.count("On an earlier wording") == 1
    changes = client.get(f"/documents/{ACCORD}/clauses/{number}/changes?from=1")
    html = changes.get_data(as_text=True)
    assert changes.status_code == 200 and '<ins class="app-ins">' in html
    assert "A new sentence." in html


# Live updates ----------------------------------------------------------------------------


def test_an_unchanged_poll_is_a_304_from_one_query(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    live = f"/discussions/{discussion_id}/live"
    first = client.get(live, headers={"HX-Request": "true"})
    etag = first.headers["ETag"]
    with count_queries(documents_open) as queries:
        unchanged = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert queries.count == 1, queries

    _comment(documents_open, discussion_id, "member@example.org", "Something new")
    changed = client.get(
        f"{live}?since={etag.strip(chr(34)).split('-')[0]}",
        headers={"HX-Request": "true", "If-None-Match": etag},
    )
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Something new" in html and "1 new comment." in html and "<html" not in html


@pytest.mark.parametrize("sent", ['""', '"", "x"', 'W/""', '"", *'])
def test_an_empty_etag_in_a_poll_is_answered_not_a_500(documents_open, client, sent):
    """``If-None-Match: ""`` (an empty tag, which Werkzeug reads as None) was a bare 500 from
    the poll middleware, on every live address."""
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    with documents_open.app_context():
        clause_id = factories.find_document("ways-of-working-accord").clauses[0].id
    for live in (
        f"/discussions/{discussion_id}/live",
        f"/documents/ways-of-working-accord/clauses/1/live?clause_id={clause_id}",
    ):
        polled = client.get(live, headers={"HX-Request": "true", "If-None-Match": sent})
        assert polled.status_code in (200, 304), live


def test_an_open_page_loses_its_edit_links_when_the_edit_window_closes(
    documents_open, client, monkeypatch
):
    """Nothing in the database changes when an edit window closes, yet a page showing one's own
    comment changes then: its Edit and Withdraw links go. Its ETag carries that time, so its
    polls are 304 (from the one statement) until then and answered afresh after it."""
    discussion_id = _start(documents_open)
    comment_id = _comment(documents_open, discussion_id, "officer@example.org", "Mine")
    client.sign_in("officer@example.org")
    live = f"/discussions/{discussion_id}/live"
    links = (f'id="edit-{comment_id}"', f'id="withdraw-{comment_id}"')
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    first = client.get(live, headers={"HX-Request": "true"})
    etag = first.headers["ETag"]
    assert all(link in first.get_data(as_text=True) for link in links)
    assert etag.strip('"') in page.replace("\\", "")  # the page polls with the same ETag
    with count_queries(documents_open) as queries:
        unchanged = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert unchanged.status_code == 304 and queries.count == 1, queries

    # Sixteen minutes later: the comment is past its edit window.
    with documents_open.app_context():
        db.session.get(Comment, comment_id).created_at -= timedelta(minutes=16)
        db.session.commit()
    monkeypatch.setattr(polls, "clock", lambda: time.time() + 16 * 60)
    later = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert later.status_code == 200 and later.headers["ETag"] != etag
    html = later.get_data(as_text=True)
    assert "Mine" in html and not any(link in html for link in links)
    again = client.get(live, headers={"HX-Request": "true", "If-None-Match": later.headers["ETag"]})
    assert again.status_code == 304


def _own_reply_behind_show_more(app) -> tuple[int, int]:
    """A thread whose first comment has two replies shown and, behind "Show more replies",
    a reply by the Officer still in its edit window: (discussion id, first comment's id)."""
    app.config.update(REPLIES_SHOWN=2)
    discussion_id = _start(app)
    root = _comment(app, discussion_id, "member@example.org", "A question")
    for number in range(2):
        _comment(app, discussion_id, "member@example.org", f"More {number}", root)
    _comment(app, discussion_id, "officer@example.org", "My late reply", root)
    return discussion_id, root


def test_a_reply_behind_show_more_replies_still_ends_the_pages_304s_when_its_window_closes(
    documents_open, client
):
    """The page's ETag said when its own comments' Edit links go only for the replies it
    shows at first; a reply behind "Show more replies" (added in place, with its links) kept
    the page's polls at 304 after its window closed (an outside tester's find)."""
    discussion_id, _ = _own_reply_behind_show_more(documents_open)
    client.sign_in("officer@example.org")
    live = client.get(f"/discussions/{discussion_id}/live", headers={"HX-Request": "true"})
    assert "My late reply" not in live.get_data(as_text=True)
    assert re.search(r"-e[0-9]+\"$", live.headers["ETag"]), live.headers["ETag"]


def test_the_composer_page_polls_with_the_pages_own_etag(documents_open, client):
    """Replying (``?reply_to=``) or editing (``?edit=``) shows the thread as the page does, so
    it polls with the same ETag: when its Edit links go is read from the whole thread there
    too, not from the replies it loads (else its first poll found a change that was not one
    and swapped the thread, closing any replies opened with "Show more replies")."""
    discussion_id, root = _own_reply_behind_show_more(documents_open)
    client.sign_in("officer@example.org")
    tag = re.compile(r"If-None-Match\": \"\\\"([^\\]+)\\\"")

    def polled_with(address: str) -> str:
        found = tag.search(client.get(address).get_data(as_text=True))
        assert found, address
        return found.group(1)

    page = polled_with(f"/discussions/{discussion_id}")
    assert re.search(r"-e[0-9]+$", page), page
    assert polled_with(f"/discussions/{discussion_id}?reply_to={root}") == page


def test_an_edit_link_followed_after_its_window_closed_says_why(documents_open, client):
    """A page left open keeps its Edit link until its poll answers; followed after the
    window closed, it opened "Add a comment" with no word of why (an outside tester)."""
    discussion_id = _start(documents_open)
    comment_id = _comment(documents_open, discussion_id, "officer@example.org", "Mine")
    with documents_open.app_context():
        db.session.get(Comment, comment_id).created_at -= timedelta(minutes=16)
        db.session.commit()
    client.sign_in("officer@example.org")
    page = client.get(f"/discussions/{discussion_id}?edit={comment_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Edit your comment" not in html
    assert "The time for changing this comment has passed" in html
    # Someone else's comment, or none: nothing is said.
    client.sign_in("member@example.org")
    other = client.get(f"/discussions/{discussion_id}?edit={comment_id}").get_data(as_text=True)
    assert "The time for changing" not in other


def test_a_poll_after_sign_out_gets_no_304_and_is_sent_to_sign_in(documents_open, client):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    live = f"/discussions/{discussion_id}/live"
    etag = client.get(live, headers={"HX-Request": "true"}).headers["ETag"]
    cookie = client.get_cookie("accord_session").value
    client.post_form("/sign-out")
    copy = documents_open.test_client()
    copy.set_cookie("accord_session", cookie)
    response = copy.get(
        live,
        headers={
            "HX-Request": "true",
            "If-None-Match": etag,
            "HX-Current-URL": f"http://localhost/discussions/{discussion_id}",
        },
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/sign-in?next=")


def test_the_clause_page_polls_too(documents_open, client):
    _start(documents_open)
    client.sign_in("officer@example.org")
    with documents_open.app_context():
        accord = db.session.scalars(select(Document).filter_by(slug=ACCORD)).one()
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=accord.id, number="2")
        ).one()
        clause_id = clause.id
        slug = clause.document.slug
    live = f"/documents/{slug}/clauses/2/live?clause_id={clause_id}"
    etag = client.get(live, headers={"HX-Request": "true"}).headers["ETag"]
    assert (
        client.get(live, headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304
    )
    _start(documents_open, title="A second discussion")
    changed = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and "A second discussion" in changed.get_data(as_text=True)


# Speed -----------------------------------------------------------------------------------


def test_a_discussion_with_500_comments_renders_in_a_fixed_number_of_queries(
    documents_open, client
):
    discussion_id = _start(documents_open)
    client.sign_in("officer@example.org")
    client.get("/")  # the cookie has all a page adds to it (its CSRF token): pages may be kept
    url = f"/discussions/{discussion_id}"
    emails = ["member@example.org", "officer@example.org", "facilitator@example.org"]
    first = _comment(documents_open, discussion_id, "member@example.org", "Early")
    _comment(documents_open, discussion_id, "officer@example.org", "Early reply", parent_id=first)
    with count_queries(documents_open) as few:
        client.get(url)
    with documents_open.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        discussion = db.session.get(Discussion, discussion_id)
        parents = []
        for index in range(500):
            parent = parents[index // 3] if index % 3 == 2 and parents else None
            comment = Comment(
                discussion=discussion,
                author=users[emails[index % 3]],
                body=f"Comment {index}",
                parent=parent,
                clause_revision_number=1,
            )
            db.session.add(comment)
            if parent is None:
                parents.append(comment)
        db.session.commit()
    with count_queries(documents_open) as many:
        page = client.get(url).get_data(as_text=True)
    # The kept page's key (app/kept_pages.py: the reading mark does not cover the page, so
    # it goes to Flask), the session (with the header's counts), the discussion, the page's
    # summary (its list of comments is not cached yet: it changed), two for the page of
    # comments and their first replies, and the upsert of the reader's "last looked" mark.
    assert many.count == few.count <= 7, f"{few}\n---\n{many}"
    with count_queries(documents_open) as cached:
        client.get(url)
    # The list from the cache, and no "last looked" mark to write: nothing new since; the
    # kept page's key is read again after the render, to keep the page.
    assert cached.count == many.count - 2, str(cached)
    with count_queries(documents_open) as kept:
        client.get(url)
    assert kept.count == 1, str(kept)  # the kept page: its key's one statement
    assert 'class="govuk-pagination"' in page
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert "Page 2 of" in second and 'rel="prev"' in second


# Recommendation pages --------------------------------------------------------------------


def test_a_recommendation_page_lists_what_answers_it(documents_open, client):
    _start(documents_open, title="Discussing the Accord")
    client.sign_in("member@example.org")
    html = client.get("/recommendations/culture-review/m").get_data(as_text=True)
    assert "Clauses and agenda items that answer it" in html
    assert "Ways of Working Accord, clause" in html
    missing = client.get("/recommendations/culture-review/i")
    assert missing.status_code == 404


def test_coverage_puts_unanswered_recommendations_first_and_filters_by_theme(
    documents_open, client
):
    client.sign_in("member@example.org")
    html = client.get("/recommendations/coverage?source=culture-review").get_data(as_text=True)
    rows = html.split('<tr class="govuk-table__row">')[2:]
    answered = ["Not answered" not in row for row in rows]
    assert answered == sorted(answered), "unanswered first"
    assert len(rows) == 25
    with documents_open.app_context():
        # A theme some recommendation has, in a set order (without one, the row the database
        # happened to return first could be a recommendation without a theme).
        theme = db.session.scalars(
            select(Recommendation.theme)
            .where(Recommendation.theme.is_not(None), Recommendation.theme != "")
            .order_by(Recommendation.id)
        ).first()
    filtered = client.get(
        "/recommendations/coverage", query_string={"source": "culture-review", "theme": theme}
    ).get_data(as_text=True)
    assert 0 < filtered.count('<tr class="govuk-table__row">') - 1 < 25


def test_people_without_a_role_to_take_part_see_no_start_button(app, client):
    make_user(app, "ip@example.org", roles=(Role.STANDARDS,), is_independent_person=True)
    client.sign_in("ip@example.org")
    assert client.get("/").status_code == 200
