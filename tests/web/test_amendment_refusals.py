"""Who may propose, withdraw or decide an amendment, in a state that forbids it, is told why
(409), not "You do not have permission" (403); nothing changes and the page offers no control
that could only be refused. The wrong role is still a 403."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Amendment, Discussion, Document, Role
from tests import factories
from tests.snapshots import snapshot

SLUG = "ways-of-working-accord"
CLAUSE = f"/documents/{SLUG}/clauses/1"


@pytest.fixture
@snapshot
def proposed(app):
    """The role accounts, an Open Accord and the Member's amendment to its clause 1."""
    with factories.built(app):
        people = factories.everyone()
        document = factories.document()
        amendment = factories.amendment(factories.clause(document), by=people[Role.MEMBER])
        app.config["AMENDMENT"] = amendment.id
    return app


def _record(app) -> tuple:
    with app.app_context():
        return (
            db.session.execute(select(Amendment.id, Amendment.status)).all(),
            db.session.scalar(select(func.count()).select_from(Discussion)),
        )


@pytest.mark.parametrize("state", ["closed", "submitted"])
def test_a_state_that_takes_no_amendments_says_why(proposed, client, state):
    amendment_id = proposed.config["AMENDMENT"]
    with factories.built(proposed):
        factories.move_to(db.session.scalars(select(Document)).one(), state)
    before = _record(proposed)
    client.sign_in("member@example.org")
    new = f"{CLAUSE}/amendments/new"
    suggest = f"/documents/{SLUG}/clauses/1/suggest"
    passage = f"/documents/{SLUG}/clauses/1/comment-on-passage"
    attempts = [
        ("get", new, None),
        ("post", new, {"heading": "H", "body": "Other words", "rationale": "Why"}),
        ("post", new, {}),
        ("get", suggest, None),
        ("post", suggest, {"quote": "x", "replacement": "y"}),
        ("get", passage, None),
        ("post", passage, {"quote": "x", "body": "y"}),
    ]
    if state == "submitted":
        attempts += [
            ("get", f"/amendments/{amendment_id}/withdraw", None),
            ("post", f"/amendments/{amendment_id}/withdraw", {}),
        ]
    for method, url, data in attempts:
        response = client.get(url) if method == "get" else client.post_form(url, data)
        assert response.status_code == 409, (url, data, response.status_code)
        text = response.get_data(as_text=True)
        assert "permission" not in text and ("Open for comment" in text or "Standards" in text)
    page = client.get(CLAUSE).get_data(as_text=True)
    assert "Propose an amendment" not in page and "Suggest a change to some words" not in page
    assert "Comment on some words" not in page
    if state == "submitted":
        shown = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
        assert "Withdraw my amendment" not in shown
        client.sign_in("facilitator@example.org")
        for verb in ("accept", "reject"):
            response = client.get(f"/amendments/{amendment_id}/{verb}")
            assert response.status_code == 409, verb
            assert "permission" not in response.get_data(as_text=True)
            refused = client.post_form(f"/amendments/{amendment_id}/{verb}", {"reason": "No"})
            assert refused.status_code == 409, verb
        shown = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
        assert f"/amendments/{amendment_id}/accept" not in shown
        assert f"/amendments/{amendment_id}/reject" not in shown
    assert _record(proposed) == before
    # The wrong role: 403, whatever the state.
    client.sign_in("standards@example.org")
    assert client.get(new).status_code == 403
    assert client.get(suggest).status_code == 403
    assert client.get(passage).status_code == 403
    assert client.get(f"/amendments/{amendment_id}/accept").status_code == 403
    client.sign_in("officer@example.org")
    assert client.get(f"/amendments/{amendment_id}/withdraw").status_code == 403
    assert client.post_form(f"/amendments/{amendment_id}/withdraw", {}).status_code == 403
    assert _record(proposed) == before
