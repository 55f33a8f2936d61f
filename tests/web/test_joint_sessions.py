"""Themed joint sessions: the rules, the times across the clock change, the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    AgendaItem,
    AgendaProposal,
    Attendance,
    AttendanceAnswer,
    Audience,
    Clause,
    Document,
    JointSession,
    Purpose,
    SessionAction,
)
from app.services import DomainError
from app.services import joint_sessions as service
from tests import factories
from tests.helpers import shown_digest
from tests.snapshots import snapshot


def _new_session(app, *, days_ahead=40, start=time(10), end=time(12), published=True) -> int:
    with factories.built(app):
        session_id = factories.joint_session(
            days_ahead=days_ahead, start=start, end=end, published=published
        ).id
    return session_id


@pytest.fixture
@snapshot
def council(app):
    """The five role accounts and the shipped recommendations; no documents or sessions."""
    with factories.built(app):
        factories.everyone()
        factories.recommendations()
    return app


def test_start_times_follow_the_durations_and_overruns_are_flagged(council, client):
    session_id = _new_session(council)
    client.sign_in("member@example.org")
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "10:00–10:30" in page and "10:30–11:15" in page and "11:15–12:15" in page
    assert "run 15 minutes past the session" in page


def test_times_add_up_across_the_october_clock_change(council):
    # British Summer Time ends at 02:00 on Sunday 25 October 2026 (clocks go back to 01:00).
    with council.app_context():
        facilitator = factories.user("facilitator@example.org")
        session = service.create_session(
            title="Late session",
            theme="Night",
            day=date(2026, 10, 24),
            start=time(23, 30),
            end=time(23, 59),
            venue="Town Hall",
            is_off_site=False,
            audience=Audience.BOTH,
            facilitator_name="",
            facilitator_is_external=False,
            recommendations=[],
            by=facilitator,
        )
        session.ends_at = session.starts_at + timedelta(hours=4)
        for heading, minutes in (("One", 90), ("Two", 60), ("Three", 30)):
            service.add_item(
                session,
                heading,
                "x",
                purpose=Purpose.WORKSHOP,
                lead="",
                duration_minutes=minutes,
                by=facilitator,
            )
        plan = service.schedule(session)
        local = [service.local(entry.starts_at).strftime("%H:%M %Z") for entry in plan.items]
        assert session.starts_at == datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
        # 23:30 BST + 90 min = 01:00 BST; + 60 min = 01:00 GMT (the hour repeats).
        assert local == ["23:30 BST", "01:00 BST", "01:00 GMT"]
        assert service.london(date(2026, 10, 26), time(10)).hour == 10  # GMT: UTC equals local
        assert service.london(date(2026, 10, 23), time(10)).hour == 9  # BST: UTC is an hour behind
        db.session.rollback()


def test_creating_a_session_through_the_form(seeded, client):
    client.sign_in("facilitator@example.org")
    day = date.today() + timedelta(days=20)
    form = {
        "title": "Trust",
        "theme": "Trust",
        "day": [str(day.day), str(day.month), str(day.year)],
        "start": "2pm",
        "end": "1:30pm",
        "venue": "Town Hall",
        "audience": "both",
        "recommendations": ["1"],
    }
    wrong = client.post_form("/sessions/new", form)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "must end after it starts" in html
    assert 'value="Trust"' in html
    bad_time = client.post_form("/sessions/new", {**form, "start": "25:99"})
    assert bad_time.status_code == 422 and "as a time" in bad_time.get_data(as_text=True)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(JointSession)) == 1  # demo
    created = client.post_form("/sessions/new", {**form, "end": "4:30pm"})
    assert created.status_code == 303
    with seeded.app_context():
        session = db.session.scalars(select(JointSession).filter_by(title="Trust")).one()
        assert service.local(session.starts_at).time() == time(14)
        assert session.agenda.status.value == "draft" and session.agenda.kind.value == "agenda"


@pytest.mark.parametrize(
    "email", ["member@example.org", "officer@example.org", "standards@example.org"]
)
def test_only_facilitators_and_admins_run_sessions(council, client, email):
    session_id = _new_session(council)
    client.sign_in(email)
    assert client.get("/sessions/new").status_code == 403
    assert client.post_form(f"/sessions/{session_id}/items/new", {}).status_code == 403
    assert client.post_form(f"/sessions/{session_id}/publish").status_code == 403
    with council.app_context():
        clause_id = db.session.scalars(
            select(Clause.id)
            .join(Document)
            .where(Document.id == db.session.get(JointSession, session_id).agenda_id)
        ).first()
    assert (
        client.post_form(
            f"/sessions/{session_id}/items/{clause_id}/move", {"direction": "down"}
        ).status_code
        == 403
    )


def test_a_draft_agenda_is_hidden_from_members(council, client):
    session_id = _new_session(council, published=False)
    client.sign_in("member@example.org")
    assert client.get(f"/sessions/{session_id}").status_code == 403
    assert "Roles workshop" not in client.get("/sessions").get_data(as_text=True)


def test_items_need_a_positive_duration(council, client):
    session_id = _new_session(council)
    client.sign_in("facilitator@example.org")
    for minutes in ("0", "-5", "abc"):
        response = client.post_form(
            f"/sessions/{session_id}/items/new",
            {
                "heading": "Bad",
                "purpose": "discussion",
                "duration_minutes": minutes,
                "body": "x",
                "recommendations": ["1"],
            },
        )
        assert response.status_code == 422
    with council.app_context():
        with pytest.raises(DomainError):
            service.add_item(
                db.session.get(JointSession, session_id),
                "x",
                "x",
                purpose=Purpose.DISCUSSION,
                lead="",
                duration_minutes=0,
                by=None,
            )
        db.session.rollback()
        agenda_id = db.session.get(JointSession, session_id).agenda_id
        assert (
            db.session.scalar(
                select(func.count()).select_from(Clause).where(Clause.document_id == agenda_id)
            )
            == 3
        )


def _headings(app, session_id):
    with app.app_context():
        session = db.session.get(JointSession, session_id)
        return [
            (c.number, c.heading)
            for c in db.session.scalars(
                select(Clause)
                .where(Clause.document_id == session.agenda_id)
                .order_by(Clause.position)
            )
        ]


def test_reordering_items_without_javascript(council, client):
    session_id = _new_session(council)
    client.sign_in("facilitator@example.org")
    with council.app_context():
        third = db.session.scalars(select(Clause).filter_by(heading="Decisions")).one().id
    url = f"/sessions/{session_id}/items/{third}/move"
    assert client.post_form(url, {"direction": "up"}).status_code == 303
    assert _headings(council, session_id) == [
        ("1", "Welcome"),
        ("2", "Decisions"),
        ("3", "Workshop"),
    ]
    assert client.post_form(url, {"position": "1"}).status_code == 303
    assert _headings(council, session_id)[0] == ("1", "Decisions")
    nowhere = client.post_form(url, {"position": "9"})
    assert nowhere.status_code == 422
    assert "Choose a position from 1 to 3" in nowhere.get_data(as_text=True)
    assert _headings(council, session_id)[0] == ("1", "Decisions")
    # No position typed: the same message by the field as on a document's manage page.
    empty = client.post_form(url, {"position": ""})
    assert empty.status_code == 422
    assert "Enter a position number, for example 3" in empty.get_data(as_text=True)
    assert _headings(council, session_id)[0] == ("1", "Decisions")


def test_a_session_in_the_past_is_not_published(council, client):
    session_id = _new_session(council, days_ahead=-3, published=False)
    client.sign_in("facilitator@example.org")
    response = client.post_form(f"/sessions/{session_id}/publish")
    assert response.status_code == 409 and "in the past" in response.get_data(as_text=True)
    with council.app_context():
        assert db.session.get(JointSession, session_id).agenda.status.value == "draft"


def test_members_propose_items_facilitators_accept_or_decline(council, client):
    session_id = _new_session(council)
    client.sign_in("member@example.org")
    empty = client.post_form(f"/sessions/{session_id}/propose", {})
    assert empty.status_code == 422 and "Enter a title for the item" in empty.get_data(as_text=True)
    for title in ("Social media", "Car parking"):
        assert (
            client.post_form(
                f"/sessions/{session_id}/propose",
                {
                    "title": title,
                    "purpose": "discussion",
                    "duration_minutes": "20",
                    "description": "Worth discussing",
                },
            ).status_code
            == 303
        )
    with council.app_context():
        first, second = db.session.scalars(
            select(AgendaProposal.id).order_by(AgendaProposal.id)
        ).all()
    assert client.post_form(f"/proposals/{first}/accept").status_code == 403
    client.sign_in("facilitator@example.org")
    assert client.post_form(f"/proposals/{first}/accept").status_code == 303
    assert client.post_form(f"/proposals/{first}/accept").status_code == 409
    no_reason = client.post_form(f"/proposals/{second}/decline", {"reason": ""})
    assert no_reason.status_code == 422
    assert (
        client.post_form(f"/proposals/{second}/decline", {"reason": "Not our remit"}).status_code
        == 303
    )
    assert _headings(council, session_id)[-1] == ("4", "Social media")
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Not our remit" in page


def test_attendance_is_one_answer_each_counted_by_side_and_group(council, client):
    session_id = _new_session(council)
    client.sign_in("member@example.org")
    assert (
        client.post_form(f"/sessions/{session_id}/attendance", {"answer": "maybe"}).status_code
        == 303
    )
    assert (
        client.post_form(f"/sessions/{session_id}/attendance", {"answer": "yes"}).status_code == 303
    )
    assert client.post_form(f"/sessions/{session_id}/attendance", {}).status_code == 422
    client.sign_in("officer@example.org")
    client.post_form(f"/sessions/{session_id}/attendance", {"answer": "no"})
    with council.app_context():
        answers = db.session.scalars(select(Attendance.answer)).all()
        assert sorted(answers) == [AttendanceAnswer.NO, AttendanceAnswer.YES]
        summary = service.attendance_summary(db.session.get(JointSession, session_id))
        assert summary["members"][AttendanceAnswer.YES] == 1
        assert summary["officers"][AttendanceAnswer.NO] == 1
        assert summary["groups"]["Labour Group"][AttendanceAnswer.YES] == 1
        with pytest.raises(IntegrityError):
            db.session.add(
                Attendance(
                    session_id=session_id,
                    user_id=factories.user("officer@example.org").id,
                    answer=AttendanceAnswer.YES,
                )
            )
            db.session.flush()
        db.session.rollback()


def test_attendance_cannot_change_after_the_session(council, client):
    session_id = _new_session(council)
    with council.app_context():
        session = db.session.get(JointSession, session_id)
        session.starts_at -= timedelta(days=60)
        session.ends_at -= timedelta(days=60)
        db.session.commit()
    client.sign_in("member@example.org")
    response = client.post_form(f"/sessions/{session_id}/attendance", {"answer": "yes"})
    assert response.status_code == 409 and "taken place" in response.get_data(as_text=True)
    with council.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_an_outcome_saved_in_another_tab_is_not_overwritten(seeded, client):
    """Two facilitators write an item's outcome from the same page: the second save is
    refused (409) with the outcome saved meanwhile shown beside the words they wrote, which
    are kept; saving again from that page then replaces it knowingly. A form without what
    its page showed saves nothing."""
    session_id = _new_session(seeded)
    client.sign_in("facilitator@example.org")
    with seeded.app_context():
        item = db.session.scalars(select(Clause).filter_by(heading="Workshop")).one().id
    url = f"/sessions/{session_id}/items/{item}/outcome"
    first_tab = shown_digest(client.get(url).get_data(as_text=True))
    second_tab = first_tab
    saved = client.post_form(
        url, {"form": "outcome", "outcome-outcome": "Roles agreed", "outcome-shown": first_tab}
    )
    assert saved.status_code == 303
    mine = "Roles agreed, with a review in March"
    refused = client.post_form(
        url, {"form": "outcome", "outcome-outcome": mine, "outcome-shown": second_tab}
    )
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Someone saved an outcome for this item after you opened the page" in page
    assert "Roles agreed</" in page  # theirs, shown
    assert mine in page  # yours, kept in the box
    with seeded.app_context():
        assert db.session.get(AgendaItem, item).outcome == "Roles agreed"
    unchecked = client.post_form(url, {"form": "outcome", "outcome-outcome": mine})
    assert unchecked.status_code == 409
    again = client.post_form(
        url, {"form": "outcome", "outcome-outcome": mine, "outcome-shown": shown_digest(page)}
    )
    assert again.status_code == 303
    with seeded.app_context():
        assert db.session.get(AgendaItem, item).outcome == mine


def test_outcomes_actions_and_a_new_clause_from_an_item(seeded, client):
    session_id = _new_session(seeded)
    client.sign_in("facilitator@example.org")
    with seeded.app_context():
        item = db.session.scalars(select(Clause).filter_by(heading="Workshop")).one().id
        accord = (
            db.session.scalars(select(Document).filter_by(slug="ways-of-working-accord")).one().id
        )
    url = f"/sessions/{session_id}/items/{item}/outcome"
    assert (
        client.post_checked(url, {"form": "outcome", "outcome-outcome": "Roles agreed"}).status_code
        == 303
    )
    missing = client.post_form(url, {"form": "action", "action-what": "", "action-who": ""})
    assert missing.status_code == 422
    assert (
        client.post_form(
            url,
            {
                "form": "action",
                "action-what": "Draft the roles clause",
                "action-who": "Democratic Services",
                "action-due_on": ["30", "4", "2027"],
            },
        ).status_code
        == 303
    )
    assert "Draft the roles clause" in client.get("/actions").get_data(as_text=True)
    with seeded.app_context():
        action_id = db.session.scalars(select(SessionAction.id)).one()
    assert client.post_form(f"/actions/{action_id}/done").status_code == 303
    assert "Draft the roles clause" not in client.get("/actions").get_data(as_text=True)
    assert client.post_form(f"/actions/{action_id}/done").status_code == 409
    made = client.post_form(
        f"/sessions/{session_id}/items/{item}/to-document",
        {
            "clause-target": str(accord),
            "clause-heading": "Roles in practice",
            "clause-body": "As agreed at the session.",
        },
    )
    assert made.status_code == 303
    with seeded.app_context():
        clause = db.session.scalars(select(Clause).filter_by(heading="Roles in practice")).one()
        assert clause.from_agenda_item_id == item and clause.document_id == accord
    assert "Roles agreed" in client.get(f"/sessions/{session_id}").get_data(as_text=True)


def test_the_calendar_file_parses_with_the_london_time_zone(seeded, client):
    session_id = _new_session(seeded)
    client.sign_in("member@example.org")
    response = client.get(f"/sessions/{session_id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1 and str(events[0]["summary"]) == "Roles workshop"
    start = events[0].decoded("dtstart")
    assert str(start.tzinfo) == "Europe/London" and start.hour == 10
    assert any(str(tz["tzid"]) == "Europe/London" for tz in calendar.walk("VTIMEZONE"))
    feed = Calendar.from_ical(client.get("/sessions/calendar.ics").data)
    assert len(list(feed.walk("VEVENT"))) == 2  # this one and the demo session


def test_sessions_show_on_recommendation_pages_and_coverage(seeded, client):
    client.sign_in("member@example.org")
    page = client.get("/recommendations/culture-review/d").get_data(as_text=True)
    assert "Sessions that answer it" in page and "Roles and trust" in page
    coverage = client.get("/recommendations/coverage").get_data(as_text=True)
    assert (
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
        "Sessions</th>" in coverage
    )


def test_an_agenda_exports_with_times_and_leads(seeded, client):
    client.sign_in("facilitator@example.org")
    text = client.get(
        "/documents/themed-session-trust-and-roles/export/download",
        query_string={"format": "md", "version": "working", "clauses": "all", "annexes": "no"},
    ).get_data(as_text=True)
    assert "09:30 (15 minutes), for information, led by Local Government Association" in text
    assert "Venue: Carlton Suite" in text


def test_attendance_answers_are_kept_as_they_were_from_submitted(council, client):
    """Once the agenda is submitted to the committee (even before the session), attendance
    answers are part of its record: the form is gone and an answer sent is refused (409)."""
    session_id = _new_session(council)
    client.sign_in("member@example.org")
    url = f"/sessions/{session_id}/attendance"
    assert client.post_form(url, {"answer": "yes"}).status_code == 303
    with factories.built(council):
        factories.move_to(db.session.get(JointSession, session_id).agenda, "submitted")
    assert client.post_form(url, {"answer": "no"}).status_code == 409
    assert 'name="answer"' not in client.get(f"/sessions/{session_id}").get_data(as_text=True)
    with council.app_context():
        assert db.session.scalars(select(Attendance.answer)).all() == [AttendanceAnswer.YES]
