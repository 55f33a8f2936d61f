"""The shared form fields, through the forms people use: a bad value gets a message by its field,
keeps what was typed and changes nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from docx import Document as WordDocument
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AgendaItem,
    AgendaProposal,
    Clause,
    Comment,
    Document,
    JointSession,
    Recommendation,
    Role,
    SessionAction,
    User,
)
from tests import factories
from tests.helpers import error_summary_targets
from tests.snapshots import snapshot

NOT_NUMBERS = ["٣٠", "３０", "1_5", "1.5", "+30", "30 minutes"]


@pytest.fixture
@snapshot
def agenda(app):
    """A published session with three items; a facilitator and a member."""
    with factories.built(app):
        factories.everyone()
        factories.recommendations()
        session = factories.joint_session()
        ids = {
            "session": session.id,
            "items": [
                c.id
                for c in db.session.scalars(
                    select(Clause)
                    .filter_by(document_id=session.agenda_id)
                    .order_by(Clause.position)
                )
            ],
        }
    return ids


def _count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _headings(app, agenda: dict) -> list[str]:
    with app.app_context():
        session = db.session.get(JointSession, agenda["session"])
        return list(
            db.session.scalars(
                select(Clause.heading)
                .where(Clause.document_id == session.agenda_id)
                .order_by(Clause.position)
            )
        )


@pytest.mark.parametrize("minutes", NOT_NUMBERS)
def test_a_duration_is_written_in_the_digits_0_to_9(app, client, agenda, minutes):
    client.sign_in("facilitator@example.org")
    item = {
        "heading": "Odd",
        "purpose": "discussion",
        "duration_minutes": minutes,
        "body": "x",
        "recommendations": ["1"],
    }
    refused = client.post_form(f"/sessions/{agenda['session']}/items/new", item)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter the duration in minutes, for example 30" in html
    assert "Not a valid integer" not in html and 'value="Odd"' in html
    assert _count(app, Clause, heading="Odd") == 0
    client.sign_in("member@example.org")
    proposal = {"title": "Odd", "purpose": "discussion", "duration_minutes": minutes}
    refused = client.post_form(
        f"/sessions/{agenda['session']}/propose", {**proposal, "description": "Why"}
    )
    assert refused.status_code == 422
    assert "Enter the duration in minutes, for example 30" in refused.get_data(as_text=True)
    assert _count(app, AgendaProposal) == 0


def test_a_duration_may_have_spaces_around_it(app, client, agenda):
    client.sign_in("facilitator@example.org")
    item = {
        "heading": "Spaced",
        "purpose": "discussion",
        "duration_minutes": " 20 ",
        "body": "x",
        "recommendations": ["1"],
    }
    assert client.post_form(f"/sessions/{agenda['session']}/items/new", item).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Clause).filter_by(heading="Spaced")).one()


@pytest.mark.parametrize("position", ["٢", "２", "0_2", "+2"])
def test_a_move_position_is_written_in_the_digits_0_to_9(app, client, agenda, position):
    client.sign_in("facilitator@example.org")
    before = _headings(app, agenda)
    moved = client.post_form(
        f"/sessions/{agenda['session']}/items/{agenda['items'][0]}/move", {"position": position}
    )
    assert moved.status_code == 422
    assert "Enter a position number, for example 3" in moved.get_data(as_text=True)
    assert _headings(app, agenda) == before


@pytest.mark.parametrize("position", ["٢", "２"])
def test_a_clause_move_position_is_written_in_the_digits_0_to_9(app, client, position):
    with factories.built(app):
        factories.everyone()
        document = factories.document("draft")
        slug, first = document.slug, factories.clause(document, "1").id
    client.sign_in("facilitator@example.org")
    moved = client.post_form(f"/documents/{slug}/manage/{first}/move", {"position": position})
    assert moved.status_code == 422
    assert "Enter a position number, for example 3" in moved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Clause, first).position == 1


@pytest.mark.parametrize("start", ["١٠:٠٠", "１０:００", "1_0:00", "13pm", "0am", "14:30pm"])
def test_a_time_is_written_in_the_digits_0_to_9(app, client, agenda, start):
    client.sign_in("facilitator@example.org")
    form = {
        "title": "Odd times",
        "theme": "Trust",
        "day": ["1", "6", "2031"],
        "start": start,
        "end": "4pm",
        "venue": "Town Hall",
        "audience": "both",
        "recommendations": ["1"],
    }
    refused = client.post_form("/sessions/new", form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter the start time as a time, for example 10:00 or 2:30pm" in html
    assert _count(app, JointSession, title="Odd times") == 0
    # A date's summary link goes to its day box, which takes focus (outside tester: it went
    # to the date's <div>, and focus stayed on the link).
    no_day = client.post_form("/sessions/new", {**form, "day": ["", "", ""], "start": "4pm"})
    targets = error_summary_targets(no_day.get_data(as_text=True))
    assert "day-day" in targets and "day" not in targets


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (["28", "3", "2027"], "There is no 1:30am on 28 March 2027 in the UK"),  # clocks go forward
        (["31", "10", "2027"], "1:30am happens twice on 31 October 2027 in the UK"),  # and back
    ],
)
def test_a_time_the_clocks_skip_or_repeat_is_refused_not_moved(app, client, agenda, day, said):
    """A closing time of 1:30am on the night the clocks went forward was accepted and shown as
    2:30am; one on the night they go back is two moments. Both are refused, by the field."""
    with factories.built(app):
        slug = factories.document().slug
    client.sign_in("facilitator@example.org")
    voting = client.post_form(
        f"/documents/{slug}/voting", {"action": "open", "closes_on": day, "closes_time": "1:30am"}
    )
    assert voting.status_code == 422
    assert said in voting.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Document.voting_open).filter_by(slug=slug)).one() is False
    form = {
        "title": "Night session",
        "theme": "Trust",
        "day": day,
        "start": "1:30am",
        "end": "4am",
        "venue": "Town Hall",
        "audience": "both",
        "recommendations": ["1"],
    }
    session = client.post_form("/sessions/new", form)
    assert session.status_code == 422 and said in session.get_data(as_text=True)
    assert _count(app, JointSession, title="Night session") == 0
    form |= {"start": "2am", "end": "3am"}
    assert client.post_form("/sessions/new", form).status_code == 303


def test_a_session_is_at_most_ten_years_ahead_and_its_agenda_never_breaks(app, client, agenda):
    """A session on 31 December 9999 was accepted; an item of 1,440 minutes then took its
    schedule past the last date Python holds, and its page was a 500 for good."""
    client.sign_in("facilitator@example.org")
    form = {
        "title": "Far future",
        "theme": "Trust",
        "day": ["31", "12", "9999"],
        "start": "11pm",
        "end": "11:30pm",
        "venue": "Town Hall",
        "audience": "both",
        "recommendations": ["1"],
    }
    refused = client.post_form("/sessions/new", form)
    assert refused.status_code == 422
    assert "The year must be between 1900 and 2199" in refused.get_data(as_text=True)
    later = client.post_form("/sessions/new", {**form, "day": ["31", "12", "2199"]})
    assert later.status_code == 422
    assert "The date must be within 10 years of today" in later.get_data(as_text=True)
    assert _count(app, JointSession, title="Far future") == 0
    # One stored before the rule still shows, its long items running past the session's end.
    with app.app_context():
        session = db.session.get(JointSession, agenda["session"])
        session.starts_at = datetime(9999, 12, 30, 22, tzinfo=UTC)
        session.ends_at = datetime(9999, 12, 30, 23, tzinfo=UTC)
        for item in db.session.scalars(select(AgendaItem)):
            item.duration_minutes = 1440
        db.session.commit()
    page = client.get(f"/sessions/{agenda['session']}")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "past the session" in shown
    assert "The agenda ends at 22:00 on 31 December 9999" in shown  # not a bare 22:00


@pytest.mark.parametrize("number", ["9" * 23, str(2**31), "-1", "٣"])
def test_an_id_in_query_or_form_values_beyond_the_database_is_not_found(app, client, number):
    """``request.values`` (the query and the form together) called ``int`` unbounded: a huge
    ``amendment`` on "Start a discussion" was a 500 (OverflowError on SQLite)."""
    with factories.built(app):
        factories.everyone()
        factories.document()
    client.sign_in("member@example.org")
    url = f"/documents/ways-of-working-accord/discussions/new?clause=1&amendment={number}"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("number", ["²", "٣", "1_0"])
def test_id_filters_that_are_not_numbers_are_ignored_not_a_500(app, client, number):
    with factories.built(app):
        factories.everyone()
        factories.document()
    client.sign_in("admin@example.org")
    for path in (
        f"/search?q=Members&document={number}&recommendation={number}",
        f"/audit?document={number}",
        f"/notifications?page={number}",
    ):
        assert client.get(path).status_code == 200, path
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1


# Dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (["", "", "2027"], "Due date must include a day and month"),
        (["30", "", ""], "Due date must include a month and year"),
        (["", "4", "2027"], "Due date must include a day"),
        (["31", "4", "2027"], "Due date must be a real date"),
        (["٣٠", "4", "2027"], "Due date must be a real date"),
        (["30", "4", "27"], "The year must include 4 numbers"),
        (["31", "12", "9999"], "The year must be between 1900 and 2199"),
        (["1", "1", "1899"], "The year must be between 1900 and 2199"),
    ],
)
def test_a_part_filled_optional_date_is_refused_by_its_field(app, client, agenda, due, message):
    client.sign_in("facilitator@example.org")
    url = f"/sessions/{agenda['session']}/items/{agenda['items'][0]}/outcome"
    action = {"form": "action", "action-what": "Draft it", "action-who": "Democratic Services"}
    refused = client.post_form(url, {**action, "action-due_on": due})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert message in html and "govuk-error-summary" in html
    assert f'value="{due[2]}"' in html  # what was typed is kept
    assert _count(app, SessionAction) == 0
    nothing = client.post_form(url, {**action, "action-due_on": ["", " ", ""]})
    assert nothing.status_code == 303  # no date at all: the date is optional
    with app.app_context():
        assert db.session.scalars(select(SessionAction.due_on)).one() is None


def test_a_part_filled_closing_date_does_not_open_voting(app, client):
    with factories.built(app):
        factories.everyone()
        slug = factories.document().slug
    client.sign_in("facilitator@example.org")
    refused = client.post_form(
        f"/documents/{slug}/voting",
        {"action": "open", "closes_on": ["", "", "2099"], "closes_time": "5pm"},
    )
    assert refused.status_code == 422
    assert "Date voting closes must include a day and month" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Document.voting_open)).one() is False


# Text -------------------------------------------------------------------------------------------


def test_bidirectional_overrides_are_not_kept_in_titles_or_bodies(app, client, agenda):
    client.sign_in("facilitator@example.org")
    form = {
        "title": "Trust \u202eweiver\u202c day",
        "theme": "Trust",
        "day": ["1", "6", "2031"],
        "start": "10am",
        "end": "4pm",
        "venue": "Town \u2067Hall\u2069",
        "audience": "both",
        "recommendations": ["1"],
    }
    assert client.post_form("/sessions/new", form).status_code == 303
    item = {
        "heading": "A \u202dheading",
        "purpose": "discussion",
        "duration_minutes": "20",
        "body": "First line\n\u202esecond line",
        "recommendations": ["1"],
    }
    assert client.post_form(f"/sessions/{agenda['session']}/items/new", item).status_code == 303
    with app.app_context():
        session = db.session.scalars(select(JointSession).filter_by(theme="Trust")).one()
        assert (session.title, session.venue) == ("Trust weiver day", "Town Hall")
        added = db.session.scalars(select(Clause).filter_by(heading="A heading")).one()
        assert added.body == "First line\nsecond line"


@pytest.mark.parametrize("spelt", ["&#x202E;", "&#8238;", "&#x0202e"])
def test_an_override_spelt_as_a_character_reference_is_not_kept_or_shown(app, client, spelt):
    """Markdown turns a character reference into its character after the text's clean-up:
    ``&#x202E;`` reversed the words after it on the page, in Word and in Markdown."""
    with factories.built(app):
        factories.everyone()
        talk = factories.discussion(factories.find_document(factories.document().slug))
        # Text stored before the rule (or by a path that skipped it) is not shown with one.
        factories.comment(talk, f"Stored: {spelt}detats si siht")
        talk_id, slug = talk.id, talk.document.slug
        clause = talk.document.clauses[0]
        clause.body = f"Old wording {spelt}gnidrow dlo"
        number = clause.number
    client.sign_in("member@example.org")
    body = f"I agree: {spelt}elbatpeccanu si siht&#x202C;"
    assert client.post_form(f"/discussions/{talk_id}/comments", {"body": body}).status_code == 303
    with app.app_context():
        kept = db.session.scalars(select(Comment.body).order_by(Comment.id.desc())).first()
    assert kept == "I agree: elbatpeccanu si siht"
    client.sign_in("facilitator@example.org")
    pages = {
        "discussion": client.get(f"/discussions/{talk_id}"),
        "clause": client.get(f"/documents/{slug}/clauses/{number}"),
        "document": client.get(f"/documents/{slug}"),
    }
    for fmt in ("md", "docx", "html"):
        pages[fmt] = client.get(
            f"/documents/{slug}/export/download",
            query_string={"format": fmt, "version": "working", "clauses": "all", "annexes": "yes"},
        )
    for name, response in pages.items():
        assert response.status_code == 200, name
        if name == "docx":
            word = WordDocument(io.BytesIO(response.data))
            text = "\n".join(p.text for p in word.paragraphs)
        else:
            text = response.get_data(as_text=True)
        assert "gnidrow dlo" in text or name == "discussion", name
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", text), name
        assert "#x202" not in text.lower() and "#8238" not in text, name


# Recommendations --------------------------------------------------------------------------------


def test_a_missing_recommendation_is_asked_for_in_the_forms_own_words(app, client, agenda):
    client.sign_in("facilitator@example.org")
    session = {
        "title": "Trust",
        "theme": "Trust",
        "day": ["1", "6", "2031"],
        "start": "10am",
        "end": "4pm",
        "venue": "Town Hall",
        "audience": "both",
    }
    refused = client.post_form("/sessions/new", session)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Choose at least one recommendation the session answers" in html
    assert "discussion" not in html.split("govuk-error-summary", 1)[1].split("</ul>", 1)[0]
    item = {"heading": "Odd", "purpose": "discussion", "duration_minutes": "5", "body": "x"}
    refused = client.post_form(f"/sessions/{agenda['session']}/items/new", item)
    assert refused.status_code == 422
    assert "Choose at least one recommendation the item answers" in refused.get_data(as_text=True)


# WTForms' own words -----------------------------------------------------------------------------


def test_too_long_texts_are_named_by_their_fields(app, client, agenda):
    client.sign_in("member@example.org")
    proposal = {"title": "Long", "purpose": "discussion", "duration_minutes": "10"}
    refused = client.post_form(
        f"/sessions/{agenda['session']}/propose", {**proposal, "description": "x" * 5_001}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Description must be 5,000 characters or fewer" in html
    assert "Field cannot be longer" not in html and 'value="Long"' in html
    client.sign_in("facilitator@example.org")
    url = f"/sessions/{agenda['session']}/items/{agenda['items'][0]}/outcome"
    refused = client.post_form(url, {"form": "outcome", "outcome-outcome": "x" * 10_001})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Outcome must be 10,000 characters or fewer" in html
    assert "Field cannot be longer" not in html
    refused = client.post_form(
        f"/sessions/{agenda['session']}/items/new",
        {
            "heading": "Odd",
            "purpose": "a meal",
            "duration_minutes": "5",
            "body": "x",
            "recommendations": ["1"],
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Choose the item&#39;s purpose" in html or "Choose the item's purpose" in html
    assert "Not a valid choice" not in html


@pytest.fixture
@snapshot
def edits(app):
    """What the four forms that edit from a version edit: a Member's details (by an
    administrator), a clause's wording (by a facilitator), the Member's comment (by them)
    and a recommendation (by an administrator)."""
    with factories.built(app):
        member = factories.everyone()[Role.MEMBER]
        clause = factories.clause(factories.document(clauses=1))
        discussion = factories.discussion(clause=clause, by=member)
        return {
            "member": member.id,
            "clause": f"/documents/{clause.document.slug}/clauses/{clause.number}",
            "discussion": discussion.id,
            "comment": db.session.scalars(
                select(Comment.id).filter_by(discussion_id=discussion.id)
            ).one(),
            "theme": factories.recommendation("CR g").theme or "",
        }


def _edit_form(edits: dict, form: str) -> tuple[str, str, str, str, dict, str]:
    """Who edits, the page the form is on, where it posts, its version field, what they
    type, and what its conflict page says."""
    if form == "person":
        url = f"/people/{edits['member']}/edit"
        typed = {
            "name": "Cllr Sarah Whitfield",
            "email": "member@example.org",
            "roles": ["member"],
            "group": "Labour Group",
            "ward": "Parr",
        }
        return "admin@example.org", url, url, "version", typed, "Someone else changed"
    if form == "clause":
        url = f"{edits['clause']}/edit"
        typed = {"heading": "Working together", "body": "Cllr Sarah Whitfield's new wording."}
        return "facilitator@example.org", url, url, "revision_number", typed, "Nothing was saved"
    if form == "comment":
        page = f"/discussions/{edits['discussion']}?edit={edits['comment']}"
        url = f"/comments/{edits['comment']}/edit"
        typed = {"body": "Cllr Sarah Whitfield's new words."}
        return "member@example.org", page, url, "edit_count", typed, "Nothing has been saved"
    url = "/recommendations/culture-review/g/edit"
    typed = {"text": "Cllr Sarah Whitfield's new wording.", "theme": edits["theme"]}
    return "admin@example.org", url, url, "version", typed, "Someone else changed this"


@pytest.mark.parametrize("sent", ["blank", "missing", "not a number"])
@pytest.mark.parametrize("form", ["person", "clause", "comment", "recommendation"])
def test_an_edit_that_does_not_say_its_version_is_refused_as_stale(app, client, edits, form, sent):
    """Each form that edits from a version (a person's details, a clause, a comment, a
    recommendation) carries the version it was drawn from. One sent without it (blank,
    missing, not a number) cannot show it was drawn from what is there now, so it is
    refused as a stale one is: the form's conflict page (409), nothing saved, what was typed
    kept and the version now in the form, from which saving again saves. Before, a person's
    blank version was taken as current, and the others were told to reload (422)."""
    email, page, url, field, typed, conflict = _edit_form(edits, form)
    client.sign_in(email)
    drawn = client.get(page).get_data(as_text=True)
    version = re.search(rf'name="{field}"[^>]*value="([^"]+)"', drawn).group(1)
    data = dict(typed)
    if sent != "missing":
        data[field] = "" if sent == "blank" else "x1"
    refused = client.post_form(url, data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409, html[:3000]
    assert conflict in html and "Cllr Sarah Whitfield" in html  # what was typed, kept
    assert "Reload the page" not in html
    assert re.search(rf'name="{field}"[^>]*value="{version}"', html), "the version now"
    for column in (User.display_name, Clause.body, Comment.body, Recommendation.text):
        assert _count_like(app, column, "Cllr Sarah Whitfield") == 0, "nothing is saved"
    saved = client.post_form(url, {**typed, field: version})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]


def _count_like(app, column, words: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(column.like(f"%{words}%")))
