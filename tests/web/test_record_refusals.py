"""Once a document is submitted its record does not change: a facilitator (or admin) who may
moderate, edit wording or manage clauses is told why (409), not "You do not have permission"
(403); nothing changes and the pages offer no control that could only be refused. The wrong
role is still a 403."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Clause, Comment, Discussion
from tests import factories
from tests.snapshots import snapshot

SLUG = "ways-of-working-accord"
CLAUSE = f"/documents/{SLUG}/clauses/1"


@pytest.fixture
@snapshot
def submitted(app):
    """The role accounts and a submitted Accord with a discussion on clause 1 and a comment:
    (discussion id, comment id, clause id)."""
    with factories.built(app):
        factories.everyone()
        document = factories.document()
        clause = factories.clause(document)
        discussion = factories.discussion(document, clause, comments=1)
        comment = db.session.scalars(
            select(Comment).where(Comment.discussion_id == discussion.id).order_by(Comment.id)
        ).all()[-1]
        factories.move_to(document, "submitted")
        app.config["RECORD"] = (discussion.id, comment.id, clause.id)
    return app


def _record(app) -> tuple:
    with app.app_context():
        return (
            db.session.execute(select(Comment.id, Comment.hidden_at)).all(),
            db.session.execute(select(Discussion.id, Discussion.locked_at)).all(),
            db.session.execute(
                select(Clause.id, Clause.number, Clause.body, Clause.retired_at)
            ).all(),
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.not_like("session.sign%"))
                .order_by(AuditEvent.id)
            ).all(),
        )


def test_a_submitted_documents_record_refuses_changes_with_why(submitted, client):
    discussion_id, comment_id, clause_id = submitted.config["RECORD"]
    manage = f"/documents/{SLUG}/manage"
    attempts = [
        ("get", f"/comments/{comment_id}/hide", None),
        ("post", f"/comments/{comment_id}/hide", {"reason": "Rude"}),
        ("post", f"/comments/{comment_id}/hide", {}),
        ("post", f"/discussions/{discussion_id}/lock", {"action": "lock"}),
        ("get", f"/discussions/{discussion_id}/recommendations", None),
        ("post", f"/discussions/{discussion_id}/recommendations", {}),
        ("get", f"{CLAUSE}/edit", None),
        ("post", f"{CLAUSE}/edit", {"heading": "H", "body": "New", "revision_number": "1"}),
        ("get", f"{CLAUSE}/suggestions/accept", None),
        ("get", manage, None),
        ("get", f"{manage}/add", None),
        ("post", f"{manage}/add", {"heading": "Late", "body": "x", "after": "end"}),
        ("post", f"{manage}/{clause_id}/retire", {"reason": "Late"}),
    ]
    before = _record(submitted)
    for email in ("facilitator@example.org", "admin@example.org"):
        client.sign_in(email)
        for method, url, data in attempts:
            if email == "admin@example.org" and not url.startswith(manage):
                continue  # moderating and editing wording are the facilitators'
            response = client.get(url) if method == "get" else client.post_form(url, data)
            assert response.status_code == 409, (email, url, data, response.status_code)
            text = response.get_data(as_text=True)
            assert "permission" not in text, (url, data)
            assert "Submitted" in text or "Standards Committee" in text, (url, data)
    assert _record(submitted) == before
    client.sign_in("facilitator@example.org")
    thread = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Lock discussion" not in thread and f"/comments/{comment_id}/hide" not in thread
    assert f"/discussions/{discussion_id}/recommendations" not in thread
    clause_page = client.get(CLAUSE).get_data(as_text=True)
    assert f"{CLAUSE}/edit" not in clause_page and manage not in clause_page
    assert manage not in client.get(f"/documents/{SLUG}").get_data(as_text=True)
    # The wrong role: 403, whatever the state.
    client.sign_in("member@example.org")
    for method, url, data in attempts:
        response = client.get(url) if method == "get" else client.post_form(url, data)
        assert response.status_code == 403, (url, data, response.status_code)
    assert _record(submitted) == before
