"""A submitted agenda refuses every write to its record with the state (409), whatever was
typed; bad input on an editable agenda gets its message by the field and an error summary."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AgendaItem, AuditEvent, Clause, JointSession, SessionAction
from tests import factories
from tests.snapshots import snapshot

FACILITATOR = "facilitator@example.org"
MEMBER = "member@example.org"
SUMMARY = "govuk-error-summary"


@pytest.fixture
@snapshot
def agenda(app):
    """The role accounts and a published session with three items: (session id, item id)."""
    with factories.built(app):
        factories.everyone()
        session = factories.joint_session()
        item = db.session.scalars(
            select(Clause).where(Clause.document_id == session.agenda_id).order_by(Clause.position)
        ).first()
        assert item is not None
        app.config["AGENDA"] = (session.id, item.id)
    return app


def _move(app, state: str) -> None:
    session_id, _ = app.config["AGENDA"]
    with factories.built(app):
        factories.move_to(db.session.get(JointSession, session_id).agenda, state)


def _record(app) -> tuple:
    with app.app_context():
        return (
            db.session.scalars(select(AgendaItem.outcome).order_by(AgendaItem.clause_id)).all(),
            db.session.scalar(select(func.count()).select_from(SessionAction)),
            db.session.scalars(select(Clause.position).order_by(Clause.id)).all(),
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.not_like("session.sign%"))
            ).all(),
        )


@pytest.mark.parametrize("state", ["submitted", "adopted"])
def test_a_submitted_agenda_refuses_bad_input_with_the_state_not_field_errors(
    agenda, client, state
):
    """Before, each of these got field errors (422, some with no message at all) for forms
    that are not on the page; a valid post got the 409. The state comes first."""
    session_id, item_id = agenda.config["AGENDA"]
    _move(agenda, state)
    base = f"/sessions/{session_id}/items/{item_id}"
    before = _record(agenda)
    client.sign_in(FACILITATOR)
    attempts = [
        (f"{base}/outcome", {"form": "outcome", "outcome-outcome": "x" * 10_001}),
        (f"{base}/outcome", {"form": "action"}),
        (f"{base}/clauses", {}),
        (f"{base}/to-document", {}),
        (f"{base}/to-amendment", {}),
        (f"{base}/move", {"position": "abc"}),
        (f"{base}/move", {"position": "-3"}),
        (f"/sessions/{session_id}/register", {"mark-1": "bogus"}),
    ]
    for url, data in attempts:
        response = client.post_form(url, data)
        assert response.status_code == 409, (url, data, response.status_code)
        assert "can no longer change" in response.get_data(as_text=True), (url, data)
    client.sign_in(MEMBER)
    response = client.post_form(f"/sessions/{session_id}/attendance", {"answer": "bogus"})
    assert response.status_code == 409
    assert "can no longer change" in response.get_data(as_text=True)
    assert _record(agenda) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_proposing_to_a_submitted_agenda_says_it_was_submitted(agenda, client, method):
    """A state refusal, not "You do not have permission" (403)."""
    session_id, _ = agenda.config["AGENDA"]
    _move(agenda, "submitted")
    client.sign_in(MEMBER)
    url = f"/sessions/{session_id}/propose"
    response = client.get(url) if method == "get" else client.post_form(url, {"title": "x"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Submitted" in text and "permission" not in text
    assert "Propose an item" not in client.get(f"/sessions/{session_id}").get_data(as_text=True)


def test_an_officer_of_a_members_only_session_still_may_not_propose(agenda, client):
    """The role check stays a 403: who may, whatever the state."""
    with factories.built(agenda):
        from app.models import Audience

        session = factories.joint_session(title="Members only", audience=Audience.MEMBERS)
        session_id = session.id
    client.sign_in("officer@example.org")
    assert client.get(f"/sessions/{session_id}/propose").status_code == 403


def test_a_bad_attendance_answer_is_shown_by_the_field_with_a_summary(agenda, client):
    session_id, _ = agenda.config["AGENDA"]
    client.sign_in(MEMBER)
    for data in ({"answer": "bogus"}, {}):
        response = client.post_form(f"/sessions/{session_id}/attendance", data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert SUMMARY in html and 'href="#answer"' in html and "Error: " in html
        # Once in the summary and once by the field: the field's own words, never WTForms'.
        assert html.count("Choose whether you will attend") == 2, data
        assert "Not a valid choice" not in html


@pytest.mark.parametrize("position", ["abc", "-3", "9", ""])
def test_a_bad_position_is_shown_by_the_field_with_a_summary(agenda, client, position):
    session_id, item_id = agenda.config["AGENDA"]
    before = _record(agenda)
    client.sign_in(FACILITATOR)
    response = client.post_form(
        f"/sessions/{session_id}/items/{item_id}/move", {"position": position}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert SUMMARY in html and f'href="#position-{item_id}"' in html
    assert f'id="move-error-{item_id}"' in html
    assert _record(agenda) == before


def test_the_register_of_a_draft_agenda_is_not_offered(app, client):
    with factories.built(app):
        factories.everyone()
        session_id = factories.joint_session(published=False).id
    client.sign_in(FACILITATOR)
    page = client.get(f"/sessions/{session_id}/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Save the register" not in html and 'name="mark-' not in html
    assert "once the agenda is published" in html
    refused = client.post_form(f"/sessions/{session_id}/register", {"mark-1": "bogus"})
    assert refused.status_code == 409 and "not published yet" in refused.get_data(as_text=True)


@pytest.mark.parametrize("form", [None, "bogus"])
def test_an_outcome_post_naming_no_form_of_the_page_is_a_bad_request(agenda, client, form):
    session_id, item_id = agenda.config["AGENDA"]
    before = _record(agenda)
    client.sign_in(FACILITATOR)
    data = {"outcome-outcome": "Agreed"} | ({"form": form} if form else {})
    response = client.post_form(f"/sessions/{session_id}/items/{item_id}/outcome", data)
    assert response.status_code == 400
    assert _record(agenda) == before


def test_a_refused_prefixed_form_keeps_what_was_typed_but_never_its_workings(agenda, client):
    """The outcome page's forms are prefixed ("action-what", "outcome-shown"): a refusal shows
    the words typed, each field judged by its own name, so a prefixed one-time key or digest
    (long, with no space: it looked like writing) is never offered to copy."""
    session_id, item_id = agenda.config["AGENDA"]
    _move(agenda, "submitted")
    client.sign_in(FACILITATOR)
    url = f"/sessions/{session_id}/items/{item_id}/outcome"
    key, shown = secrets.token_urlsafe(24), "0123456789abcdef" * 2
    for data in (
        {
            "form": "action",
            "action-what": "Draft the guidance note",
            "action-who": "Democratic Services",
            "action-submission_key": key,
        },
        {"form": "outcome", "outcome-outcome": "Agreed to meet again", "outcome-shown": shown},
    ):
        refused = client.post_form(url, data)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 409
        kept = html.split("What you wrote was not saved")[1]
        assert "Draft the guidance note" in kept or "Agreed to meet again" in kept
        assert key not in kept and shown not in kept
        assert "submission" not in kept.lower() and "shown" not in kept.lower()
