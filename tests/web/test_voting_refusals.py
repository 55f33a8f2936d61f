"""Who may vote or run voting, in a state that forbids it, is told why (409), not "You do not
have permission" (403); nothing changes and the page offers no control that could only be
refused. The wrong role is still a 403."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Clause, Document, Vote, VotingEvent
from tests import factories

SLUG = "ways-of-working-accord"
CLAUSE = f"/documents/{SLUG}/clauses/1"


def _record(app) -> tuple:
    with app.app_context():
        document = db.session.scalars(select(Document)).one()
        return (
            document.voting_open,
            document.amendments_stopped,
            document.member_turnout_percent,
            db.session.scalars(select(Clause.amendments_stopped).order_by(Clause.id)).all(),
            db.session.scalar(select(func.count()).select_from(Vote)),
            db.session.scalar(select(func.count()).select_from(VotingEvent)),
        )


def test_declaring_an_interest_before_voting_opens_says_it_has_not_opened(app, client):
    with factories.built(app):
        factories.everyone()
        factories.document()
    before = _record(app)
    client.sign_in("member@example.org")
    for url in (f"{CLAUSE}/interest",):
        response = client.get(url)
        assert response.status_code == 409, url
        text = response.get_data(as_text=True)
        assert "Voting has not opened" in text and "permission" not in text
    assert f"{CLAUSE}/interest" not in client.get(CLAUSE).get_data(as_text=True)
    client.sign_in("standards@example.org")
    assert client.get(f"{CLAUSE}/interest").status_code == 403
    assert _record(app) == before


def test_voting_controls_on_a_closed_document_say_it_is_not_open(app, client):
    with factories.built(app):
        factories.everyone()
        factories.document("closed")
    before = _record(app)
    client.sign_in("facilitator@example.org")
    attempts = [
        ("post", f"/documents/{SLUG}/voting", {"action": "open"}),
        ("post", f"/documents/{SLUG}/voting", {"action": "open", "closes_at-day": "x"}),
        ("post", f"/documents/{SLUG}/voting", {"action": "close"}),
        ("get", f"/documents/{SLUG}/voting/close", None),
        ("post", f"/documents/{SLUG}/voting/close", {}),
        ("get", f"{CLAUSE}/voting/close", None),
        ("get", f"/documents/{SLUG}/rule", None),
        ("post", f"/documents/{SLUG}/rule", {"member_turnout_percent": "bogus"}),
        ("post", f"/documents/{SLUG}/amendments-stopped", {"action": "stop"}),
        ("post", f"{CLAUSE}/amendments-stopped", {"action": "stop"}),
    ]
    for method, url, data in attempts:
        response = client.get(url) if method == "get" else client.post_form(url, data)
        assert response.status_code == 409, (url, data, response.status_code)
        text = response.get_data(as_text=True)
        assert "Open for comment" in text and "permission" not in text, (url, data)
    page = client.get(f"/documents/{SLUG}").get_data(as_text=True)
    assert "Open voting" not in page and f"/documents/{SLUG}/amendments-stopped" not in page
    assert f"{CLAUSE}/amendments-stopped" not in client.get(CLAUSE).get_data(as_text=True)
    assert _record(app) == before
    client.sign_in("member@example.org")
    assert client.post_form(f"/documents/{SLUG}/voting", {"action": "open"}).status_code == 403
    assert client.get(f"/documents/{SLUG}/rule").status_code == 403
    assert _record(app) == before
