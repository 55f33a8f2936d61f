"""Publishing a version, the committee's review, adoption and the Word round trip, asked for
by someone who may in a state that forbids it, say why (409), not "You do not have
permission" (403); nothing changes and the page offers no control that could only be
refused. The wrong role is still a 403."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Amendment, Document, DocumentVersion, ReviewNote
from tests import factories

SLUG = "ways-of-working-accord"
DOC = f"/documents/{SLUG}"


def _record(app) -> tuple:
    with app.app_context():
        return (
            db.session.scalars(select(Document.status)).all(),
            db.session.scalar(select(func.count()).select_from(DocumentVersion)),
            db.session.scalar(select(func.count()).select_from(ReviewNote)),
            db.session.scalar(select(func.count()).select_from(Amendment)),
        )


def _attempt(client, attempts, why: str) -> None:
    for method, url, data in attempts:
        response = client.get(url) if method == "get" else client.post_form(url, data)
        assert response.status_code == 409, (url, data, response.status_code)
        text = response.get_data(as_text=True)
        assert why in text and "permission" not in text, (url, data)


@pytest.mark.parametrize("state", ["recommended", "adopted"])
def test_after_the_committee_decided_its_forms_say_why(app, client, state):
    with factories.built(app):
        factories.everyone()
        factories.document(state)
    before = _record(app)
    client.sign_in("standards@example.org")
    _attempt(
        client,
        [
            ("post", f"{DOC}/review/notes", {"body": "Late"}),
            ("post", f"{DOC}/review/notes", {"body": ""}),
            ("get", f"{DOC}/review/decision", None),
            ("post", f"{DOC}/review/decision", {"decision": "recommend"}),
            ("post", f"{DOC}/review/decision/check", {}),
        ],
        "committee",
    )
    assert f"{DOC}/review/decision" not in client.get(f"{DOC}/review").get_data(as_text=True)
    client.sign_in("facilitator@example.org")
    _attempt(client, [("post", f"{DOC}/versions", {"note": "Late"})], "can no longer change")
    assert 'name="note"' not in client.get(f"{DOC}/versions").get_data(as_text=True)
    if state == "adopted":
        client.sign_in("admin@example.org")
        _attempt(
            client,
            [("get", f"{DOC}/adopt", None), ("post", f"{DOC}/adopt", {})],
            "recommended to Full Council",
        )
        assert f"{DOC}/adopt" not in client.get(DOC).get_data(as_text=True)
    assert _record(app) == before
    # The wrong role: 403, whatever the state.
    client.sign_in("member@example.org")
    assert client.post_form(f"{DOC}/review/notes", {"body": "x"}).status_code == 403
    assert client.post_form(f"{DOC}/versions", {"note": "x"}).status_code == 403
    assert client.get(f"{DOC}/adopt").status_code == 403
    assert _record(app) == before


@pytest.mark.parametrize("state", ["closed", "stopped"])
def test_word_suggestions_where_amendments_are_not_taken_say_why(app, client, state):
    with factories.built(app):
        factories.everyone()
        document = factories.document("closed" if state == "closed" else "open")
        document.amendments_stopped = state == "stopped"
    before = _record(app)
    why = "Open for comment" if state == "closed" else "New amendments are stopped"
    client.sign_in("member@example.org")
    _attempt(
        client,
        [
            ("get", f"{DOC}/word/download", None),
            ("get", f"{DOC}/word/upload", None),
            ("post", f"{DOC}/word/upload", {}),
        ],
        why,
    )
    assert f"{DOC}/word/" not in client.get(DOC).get_data(as_text=True)
    assert f"{DOC}/word/" not in client.get(f"{DOC}/clauses/1").get_data(as_text=True)
    client.sign_in("facilitator@example.org")
    assert client.get(f"{DOC}/word/upload").status_code == 403
    assert _record(app) == before
