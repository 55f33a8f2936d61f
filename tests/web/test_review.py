"""The document lifecycle, versions, the committee's review and the audit trail."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import (
    AuditEvent,
    Clause,
    DecisionDraft,
    DocumentStatus,
    DocumentVersion,
    Role,
    Transition,
    User,
)
from app.services import audit as audit_service
from app.services import clauses, lifecycle
from tests import factories
from tests.helpers import shown_digest
from tests.snapshots import snapshot

SLUG = "member-officer-protocol"
DOC = f"/documents/{SLUG}"


@pytest.fixture
@snapshot
def protocol(app):
    """The five role accounts and an Open Member/Officer Protocol of eight clauses."""
    with factories.built(app):
        factories.everyone()
        factories.document(title="Member/Officer Protocol", kind="protocol", clauses=8)
    return app


def _status(app) -> str:
    with app.app_context():
        return factories.find_document(SLUG).status.value


def _publish(app, note="") -> int:
    with app.app_context():
        version = lifecycle.publish_version(
            factories.find_document(SLUG), by=factories.user("facilitator@example.org"), note=note
        )
        db.session.commit()
        return version.id


def _submitted(app) -> int:
    """Publish, close and submit the Protocol, as a facilitator would."""
    version_id = _publish(app)
    with app.app_context():
        facilitator = factories.user("facilitator@example.org")
        lifecycle.move(factories.find_document(SLUG), DocumentStatus.CLOSED, by=facilitator)
        lifecycle.move(
            factories.find_document(SLUG),
            DocumentStatus.SUBMITTED,
            by=facilitator,
            version=db.session.get(DocumentVersion, version_id),
        )
        db.session.commit()
    return version_id


# Transitions -----------------------------------------------------------------------------


def test_a_facilitator_closes_and_submits_with_notes_recorded(protocol, client):
    client.sign_in("facilitator@example.org")
    assert client.post_form(f"{DOC}/state/close", {"note": "Consultation over"}).status_code == 303
    assert _status(protocol) == "closed"
    again = client.post_form(f"{DOC}/state/close", {"note": ""}, follow_redirects=True)
    said = " ".join(again.get_data(as_text=True).split())
    assert "The document is already Closed. Nothing was changed." in said
    assert said.lower().count("nothing was changed") == 1
    no_version = client.post_form(f"{DOC}/state/submit", {"note": "x"})
    assert no_version.status_code == 422
    assert "Publish a version first" in no_version.get_data(as_text=True)
    assert client.post_form(f"{DOC}/versions", {"note": "For the committee"}).status_code == 303
    page = client.get(f"{DOC}/state/submit").get_data(as_text=True)
    version_id = re.search(r'<option value="(\d+)"', page).group(1)
    assert (
        client.post_form(
            f"{DOC}/state/submit", {"version": version_id, "note": "Ready"}
        ).status_code
        == 303
    )
    assert _status(protocol) == "submitted"
    with protocol.app_context():
        moves = [
            (t.from_status.value, t.to_status.value, t.note, t.by.email)
            for t in db.session.scalars(select(Transition).order_by(Transition.id))
            if t.from_status != DocumentStatus.DRAFT  # opening it was the test's set-up
        ]
        assert moves == [
            ("open", "closed", "Consultation over", "facilitator@example.org"),
            ("closed", "submitted", "Ready", "facilitator@example.org"),
        ]
        assert factories.find_document(SLUG).submitted_version_id == int(version_id)


@pytest.mark.parametrize(
    "email",
    ["member@example.org", "officer@example.org", "standards@example.org", "admin@example.org"],
)
def test_only_facilitators_move_working_states(protocol, client, email):
    client.sign_in(email)
    for action in ("close", "submit", "open"):
        assert client.post_form(f"{DOC}/state/{action}").status_code == 403
    assert client.post_form(f"{DOC}/versions", {"note": "x"}).status_code == 403
    assert _status(protocol) == "open"


def test_impossible_moves_are_refused_with_why(protocol, client):
    """The facilitator may move documents: a move the state does not allow is a 409 that says
    why, not "You do not have permission"."""
    client.sign_in("facilitator@example.org")
    submit = client.post_form(f"{DOC}/state/submit", {"note": "x"})  # Open
    assert submit.status_code == 409
    assert "cannot go from Open for comment to Submitted" in submit.get_data(as_text=True)
    again = client.post_form(f"{DOC}/state/open")
    assert again.status_code == 409
    assert "already Open for comment" in again.get_data(as_text=True)
    assert "permission" not in again.get_data(as_text=True)
    assert client.get(f"{DOC}/state/open").status_code == 409  # before the form, too
    assert client.get(f"{DOC}/state/adopt").status_code == 404
    assert _status(protocol) == "open"


def test_closing_twice_says_the_document_is_already_closed(protocol, client):
    """A double click or a stale tab: the second "Close" is told why, with 409."""
    client.sign_in("facilitator@example.org")
    assert client.post_form(f"{DOC}/state/close", {"note": "Consultation over"}).status_code == 303
    second = client.post_form(f"{DOC}/state/close", {"note": "Consultation over"})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "already Closed" in html and "permission" not in html
    htmx = client.post_form(f"{DOC}/state/close", htmx=True)
    assert htmx.status_code == 409 and "already Closed" in htmx.get_data(as_text=True)
    with protocol.app_context():
        closes = db.session.scalar(
            select(func.count(Transition.id)).where(Transition.to_status == DocumentStatus.CLOSED)
        )
        assert closes == 1
    # Only the moves the state allows are offered on the document page.
    page = client.get(DOC).get_data(as_text=True)
    assert f"{DOC}/state/open" in page and f"{DOC}/state/submit" in page
    assert f"{DOC}/state/close" not in page


def test_closing_a_document_closes_its_voting_and_records_results(protocol, client):
    with protocol.app_context():
        from app.services import voting

        voting.open_voting(
            factories.find_document(SLUG), by=factories.user("facilitator@example.org")
        )
        db.session.commit()
    client.sign_in("facilitator@example.org")
    check = client.get(f"{DOC}/state/close").get_data(as_text=True)
    client.post_form(f"{DOC}/state/close", {"shown": shown_digest(check)})
    with protocol.app_context():
        assert factories.find_document(SLUG).voting_open is False
        assert db.session.scalar(text("SELECT count(*) FROM outcomes")) == 8


# Versions --------------------------------------------------------------------------------


def test_a_version_freezes_the_text_and_later_edits_do_not_change_it(protocol, client):
    version_id = _publish(protocol)
    with protocol.app_context():
        version = db.session.get(DocumentVersion, version_id)
        frozen = version.content_hash
        assert frozen == lifecycle.hash_content(version.content)
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=factories.find_document(SLUG).id, number="1")
        ).one()
        clauses.revise_clause(clause, clause.heading, "Rewritten", by=None, reason="x")
        db.session.commit()
    with protocol.app_context():
        version = db.session.get(DocumentVersion, version_id)
        assert version.content_hash == frozen and "Rewritten" not in str(version.content)
    client.sign_in("member@example.org")
    page = client.get(f"{DOC}/versions/1").get_data(as_text=True)
    assert frozen in page
    compared = client.get(f"{DOC}/compare?from=1&to=working").get_data(as_text=True)
    assert "<strong>1</strong> changed" in compared and "Rewritten" in compared


def test_publishing_the_same_text_again_makes_no_second_version(protocol, client):
    """The publish form sent twice (a double click, a second tab) or with nothing changed
    since the last version: one version, and the facilitator is told why there is no other,
    beside the form, with their note kept. A change to the text makes the next version."""
    client.sign_in("facilitator@example.org")
    assert client.post_form(f"{DOC}/versions", {"note": "First"}).status_code == 303
    again = client.post_form(f"{DOC}/versions", {"note": "Second try"})
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "The text is the same as version 1" in page and "Second try" in page
    assert 'class="govuk-error-summary"' in page
    with protocol.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 1
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=factories.find_document(SLUG).id, number="1")
        ).one()
        clauses.revise_clause(clause, clause.heading, "Rewritten", by=None, reason="x")
        db.session.commit()
    assert client.post_form(f"{DOC}/versions", {"note": "Second"}).status_code == 303
    with protocol.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 2


@pytest.mark.parametrize("ref", ["99999999999999999999", "2147483648", "\u0661", "-1", "1.5", "v"])
def test_comparing_with_a_version_that_cannot_exist_is_not_found(protocol, client, ref):
    """A version asked for by a number no version can have (beyond the database's integers,
    another script's digits, a sign) is a 404, as an unpublished one is, never a 500."""
    _publish(protocol)
    client.sign_in("member@example.org")
    assert client.get(f"{DOC}/compare", query_string={"from": "v1", "to": "1"}).status_code == 200
    for query in ({"from": ref, "to": "working"}, {"from": "1", "to": ref}):
        assert client.get(f"{DOC}/compare", query_string=query).status_code == 404, query


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE document_versions SET title = 'Altered'",
        "DELETE FROM document_versions",
        "UPDATE transitions SET note = 'Altered'",
        "UPDATE audit_events SET summary = 'Altered'",
        "DELETE FROM audit_events",
    ],
)
def test_versions_transitions_and_audit_events_cannot_be_changed(protocol, statement):
    _submitted(protocol)
    with protocol.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_the_orm_cannot_change_a_version_either(protocol):
    version_id = _publish(protocol)
    with protocol.app_context():
        db.session.get(DocumentVersion, version_id).title = "Altered"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()


# The committee's review ------------------------------------------------------------------


def test_the_review_page_shows_what_the_committee_needs(protocol, client):
    _publish(protocol)
    with protocol.app_context():
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=factories.find_document(SLUG).id, number="3")
        ).one()
        clauses.revise_clause(
            clause, clause.heading, clause.body + " Added words.", by=None, reason="x"
        )
        db.session.commit()
    version_id = _submitted(protocol)
    client.sign_in("standards@example.org")
    html = client.get(f"{DOC}/review").get_data(as_text=True)
    with protocol.app_context():
        version = db.session.get(DocumentVersion, version_id)
        assert version.content_hash in html
    assert "Record the committee" in html
    changes = client.get(f"{DOC}/review/changes").get_data(as_text=True)
    assert "Against the previous version, version 1" in changes
    assert "<strong>1</strong> changed" in changes and '<ins class="app-ins">' in changes
    coverage = client.get(f"{DOC}/review/coverage").get_data(as_text=True)
    assert "How the Culture Review 2019 recommendations are answered" in coverage
    assert "How the Corporate Peer Challenge 2019 recommendations are answered" in coverage
    assert "Not answered" in coverage
    votes = client.get(f"{DOC}/review/votes").get_data(as_text=True)
    assert "Voting record" in votes and "Not voted on" in votes


def test_notes_and_the_decision_are_for_the_committee(protocol, client):
    _submitted(protocol)
    for email in ("member@example.org", "facilitator@example.org", "admin@example.org"):
        client.sign_in(email)
        assert client.post_form(f"{DOC}/review/notes", {"body": "x"}).status_code == 403
        assert (
            client.post_form(f"{DOC}/review/decision", {"decision": "recommend"}).status_code == 403
        )
    client.sign_in("standards@example.org")
    empty = client.post_form(f"{DOC}/review/notes", {"body": ""})
    assert empty.status_code == 422 and "Write your note" in empty.get_data(as_text=True)
    unknown = client.post_form(f"{DOC}/review/notes", {"body": "Vague", "clause_number": "99"})
    assert unknown.status_code == 422
    assert "Choose what it is about from the list" in unknown.get_data(as_text=True)
    assert (
        client.post_form(
            f"{DOC}/review/notes", {"body": "Clause 3 is vague", "clause_number": "3"}
        ).status_code
        == 303
    )
    client.sign_in("facilitator@example.org")
    assert "Clause 3 is vague" in client.get(f"{DOC}/review/notes").get_data(as_text=True)
    client.sign_in("member@example.org")
    assert "Clause 3 is vague" not in client.get(f"{DOC}/review/notes").get_data(as_text=True)


def _today() -> tuple[str, str, str]:
    """Today (the council's date), as the date fields take it: the committee cannot have met
    before the document was submitted, nor Full Council before the committee."""
    today = lifecycle.council_today()
    return str(today.day), str(today.month), str(today.year)


def _decide(client, decision, reasons="", day=None):
    """Answer the decision form and, when the answers are accepted, confirm them."""
    day = day or _today()
    answered = client.post_form(
        f"{DOC}/review/decision",
        {
            "decision": decision,
            "reasons": reasons,
            "meeting_date": list(day),
            "minute_reference": "SC 12/19",
        },
    )
    if answered.status_code != 303:
        return answered
    check = client.get(f"{DOC}/review/decision/check").get_data(as_text=True)
    return client.post_form(f"{DOC}/review/decision/check", {"shown": shown_digest(check)})


WORDS = [
    "Officers",
    "Members",
    "briefed",
    "before",
    "Cabinet",
    "protocol",
    "council",
    "meeting",
    "trust",
    "reasons",
]


def test_the_answers_are_kept_on_the_server_not_in_the_cookie(protocol, client):
    """The answers waiting on the check page were kept in the signed session cookie: 4,000
    characters of reasons (within the 5,000 allowed), or two documents' answers, passed the
    browser's 4 KB for a cookie, which it then dropped, and the committee member found an
    empty decision form. They are kept in the database, one set a person and document."""
    _submitted(protocol)
    client.sign_in("standards@example.org")
    rng = random.Random(4)  # words in no order, which the cookie's compression cannot shrink
    reasons = " ".join(rng.choice(WORDS) for _ in range(700))[:4000].strip()
    answered = client.post_form(
        f"{DOC}/review/decision",
        {
            "decision": "refer_back",
            "reasons": reasons,
            "meeting_date": list(_today()),
            "minute_reference": "SC 12/19",
        },
    )
    assert answered.status_code == 303
    cookie = client.get_cookie(protocol.config["SESSION_COOKIE_NAME"])
    assert len(cookie.value) < 1000
    check = client.get(f"{DOC}/review/decision/check")
    assert check.status_code == 200 and reasons in check.get_data(as_text=True)
    # Back to the form ("Change"): the answers are there to change.
    again = client.get(f"{DOC}/review/decision").get_data(as_text=True)
    assert reasons in again and "SC 12/19" in again
    # Another committee member has answers of their own, not these.
    with protocol.app_context():
        factories.person(Role.STANDARDS, email="colleague@example.org")
        db.session.commit()
    other = protocol.test_client()
    other.sign_in("colleague@example.org")
    assert reasons not in other.get(f"{DOC}/review/decision").get_data(as_text=True)
    assert other.get(f"{DOC}/review/decision/check").status_code == 303
    # Recording the decision uses them, and this member's answers no longer wait.
    confirmed = client.post_form(
        f"{DOC}/review/decision/check", {"shown": shown_digest(check.get_data(as_text=True))}
    )
    assert confirmed.status_code == 303 and _status(protocol) == "open"
    with protocol.app_context():
        assert db.session.scalars(select(DecisionDraft)).all() == []


def test_referring_back_needs_reasons_and_reopens_with_them_shown(protocol, client):
    _submitted(protocol)
    client.sign_in("standards@example.org")
    missing = _decide(client, "refer_back")
    assert missing.status_code == 422
    assert "Give the reasons" in missing.get_data(as_text=True)
    bad_date = _decide(client, "recommend", day=("31", "2", "2019"))
    assert bad_date.status_code == 422 and "must be a real date" in bad_date.get_data(as_text=True)
    assert _status(protocol) == "submitted"
    assert _decide(client, "refer_back", "Say more about social media").status_code == 303
    assert _status(protocol) == "open"
    page = client.get(DOC).get_data(as_text=True)
    assert "Referred back by the Standards Committee" in page
    assert "Say more about social media" in page


def test_recommend_then_adopt_with_the_full_council_date(protocol, client):
    version_id = _submitted(protocol)
    client.sign_in("standards@example.org")
    assert _decide(client, "recommend").status_code == 303
    assert _status(protocol) == "recommended"
    client.sign_in("facilitator@example.org")
    assert client.get(f"{DOC}/adopt").status_code == 403
    client.sign_in("admin@example.org")
    missing = client.post_form(f"{DOC}/adopt", {})
    assert missing.status_code == 422
    assert (
        client.post_form(
            f"{DOC}/adopt",
            {"full_council_date": list(_today()), "minute_reference": "FC 34/19"},
        ).status_code
        == 303
    )
    with protocol.app_context():
        document = factories.find_document(SLUG)
        assert document.status == DocumentStatus.ADOPTED
        assert document.adopted_version_id == version_id
        assert document.full_council_date == lifecycle.council_today()
    today = lifecycle.council_today()
    assert f"Adopted by Full Council on {today:%-d %B %Y} (minute FC 34/19)" in client.get(
        DOC
    ).get_data(as_text=True)


# The audit trail -------------------------------------------------------------------------


def test_actions_append_audit_events_that_verify(protocol, client):
    client.sign_in("facilitator@example.org")
    client.post_form("/sign-in", {"email": "member@example.org", "password": "wrong-one"})
    client.post_form(f"{DOC}/versions", {"note": "v1"})
    with protocol.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
        assert "person.created" in actions and "session.signed_in" in actions
        assert "version.published" in actions
        assert audit_service.verify().ok
    anonymous = protocol.test_client()
    anonymous.post_form("/sign-in", {"email": "nobody@example.org", "password": "wrong-one"})
    with protocol.app_context():
        failed = db.session.scalars(
            select(AuditEvent).filter_by(action="session.sign_in_failed")
        ).all()
        assert [e.actor_label for e in failed][-1] == "nobody@example.org"


@pytest.mark.parametrize("tamper", ["change", "delete"])
def test_audit_verify_catches_a_tampered_row(protocol, tamper):
    _submitted(protocol)
    runner = protocol.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "intact" in intact.output
    with protocol.app_context():
        ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        target = ids[len(ids) // 2]
        # Someone with direct database access works around the append-only triggers.
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            db.session.execute(text("DROP TRIGGER audit_events_append_only_update"))
            db.session.execute(text("DROP TRIGGER audit_events_append_only_delete"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        if tamper == "change":
            db.session.execute(
                text("UPDATE audit_events SET summary = 'nothing happened' WHERE id = :id"),
                {"id": target},
            )
        else:
            db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": target})
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    expected = target if tamper == "change" else ids[ids.index(target) + 1]
    assert broken.exit_code == 1
    assert f"broken at event {expected}" in broken.output


def test_the_audit_page_is_for_admins_and_the_committee(protocol, client):
    _submitted(protocol)
    for email in ("member@example.org", "officer@example.org", "facilitator@example.org"):
        client.sign_in(email)
        assert client.get("/audit").status_code == 403
    client.sign_in("standards@example.org")
    page = client.get("/audit").get_data(as_text=True)
    assert "document.state_changed" in page and "version.published" in page
    filtered = client.get("/audit?action=version.published").get_data(as_text=True)
    assert "1 event." in filtered
    person = client.get("/audit?person=facilitator").get_data(as_text=True)
    assert "person.created" not in person.split('aria-label="Audit events"')[1]
    bad = client.get("/audit?from=yesterday").get_data(as_text=True)
    assert "as a real date" in bad
    with protocol.app_context():
        version_event = db.session.scalars(
            select(AuditEvent).filter_by(action="version.published")
        ).first()
    history = client.get(f"/audit/version/{version_event.object_id}")
    assert history.status_code == 200 and "Version published" in history.get_data(as_text=True)


def test_the_history_of_something_with_nothing_recorded_yet_is_empty_not_missing(protocol, client):
    """Clause and people pages link to their audit history. The demo data's clauses (loaded
    by the seed, not by a person) have none, and the link led to "Page not found"."""
    with protocol.app_context():
        loaded = User(email="loaded@example.org", display_name="Loaded By The Seed")
        db.session.add(loaded)
        db.session.commit()
        person_id = loaded.id
        clause_id = factories.find_document(SLUG).clauses[4].id
    client.sign_in("admin@example.org")
    page = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert f'href="/audit/person/{person_id}"' in page
    history = client.get(f"/audit/person/{person_id}")
    assert history.status_code == 200
    assert "Nothing has been recorded about this person yet" in history.get_data(as_text=True)
    for missing in (f"/audit/clause/{clause_id + 999}", f"/audit/no_such_kind/{clause_id}"):
        assert client.get(missing).status_code == 404, missing


def test_the_audit_page_is_paginated(protocol, client):
    client.sign_in("admin@example.org")
    with protocol.app_context():
        for index in range(40):
            audit_service.record(
                "test.event", actor=None, object_type="test", summary=f"Event {index}"
            )
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert total > 50
    first = client.get("/audit").get_data(as_text=True)
    assert "Page 1 of" in first and 'rel="next"' in first
    assert "Page 2 of" in client.get("/audit?page=2").get_data(as_text=True)


def test_an_objects_history_shows_recorded_values_as_written(protocol, client):
    """Before and after values are shown as readable JSON: an apostrophe or an accent as
    typed (never ``\\u0027``), markup escaped as text, and a character that prints nothing
    or reorders the text escaped, so two values differing only by one never look alike."""
    with protocol.app_context():
        audit_service.record(
            "test.renamed",
            actor=None,
            object_type="test",
            object_id=7,
            summary="Renamed",
            before={"name": "Siobhán O'Brien", "note": "account 1234"},
            after={"name": "<b>Siobhán</b> & co", "note": "account 12\u200b34 \u202eevil\u202c"},
        )
        db.session.commit()
    client.sign_in("admin@example.org")
    page = client.get("/audit/test/7").get_data(as_text=True)
    assert "&#34;name&#34;: &#34;Siobhán O&#39;Brien&#34;" in page
    assert "&lt;b&gt;Siobhán&lt;/b&gt; &amp; co" in page
    # What prints nothing or turns text around is shown escaped: the change can be seen.
    assert "account 12\\u200b34 \\u202eevil\\u202c" in page
    assert "\u200b" not in page and "\u202e" not in page
