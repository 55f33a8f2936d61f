"""A "create" form sent twice (a double click without JavaScript, back and send again, a retry
after a network error) makes one thing: every create form whose made thing keeps no key of its
own (``CASES``: a clause, a session, an agenda item proposed or added, an action, an item's
outcome as a clause or an amendment, a review note, a document, a version, a recommendation
source, a person invited or sent a new invitation, a list entry). Each form carries a one-time
key made when its page is drawn (``app.forms.submission_key_field``); the first sending records
it (``app.services.submissions``), the same form again is answered with the first one's 303 (at
what it made), and the same key with other words is refused (409) with those words shown to
copy. Linking a clause to an item needs no key (a link is there or not): sent twice, it links
once and says so.

Every test runs on SQLite and PostgreSQL; the last send the same form twice at the same
moment on PostgreSQL, from two connections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AccountToken,
    AgendaProposal,
    Amendment,
    Clause,
    Document,
    DocumentVersion,
    JointSession,
    ListEntry,
    RecommendationSource,
    ReviewNote,
    SessionAction,
    User,
)
from tests import databases, factories
from tests.helpers import AccordClient, at_once
from tests.snapshots import snapshot

FACILITATOR = "facilitator@example.org"
MEMBER = "member@example.org"
ADMIN = "admin@example.org"
STANDARDS = "standards@example.org"
ACCORD = "ways-of-working-accord"
PROTOCOL = "member-officer-protocol"


@dataclass(frozen=True)
class Case:
    """One create form: who sends it, where, what it carries, the field whose words a second
    sending changes, and how to count what it made."""

    who: str
    path: str
    fields: dict
    words: str  # the field with the words that are changed when the form is sent again
    counted: tuple[Any, Any]  # a column of what it makes, and the field that fills it (or a value)
    prefix: str = ""
    page: str = ""  # where the form is drawn, when not at ``path``
    anchor: str = ""  # the answer goes to what it made: at this anchor and its id, when on a page
    repeatable: bool = True  # a new form with the same words makes a second one
    invalid: str = ""  # ``words`` that the form refuses

    @property
    def key_name(self) -> str:
        return f"{self.prefix}submission_key"

    @property
    def drawn_at(self) -> str:
        return self.page or self.path


def _cases(ids: dict) -> dict[str, Case]:
    session, item, recommendation = ids["session"], ids["item"], str(ids["recommendation"])
    outcome = f"/sessions/{session}/items/{item}/outcome"
    day = date.today() + timedelta(days=20)
    return {
        "clause": Case(
            FACILITATOR,
            f"/documents/{ACCORD}/manage/add",
            {
                "heading": "Sharing papers",
                "body": "Officers share papers a week ahead.",
                "recommendations": [recommendation],
                "after": "end",
            },
            "body",
            (Clause.heading, "heading"),
            anchor="clause-",
        ),
        "agenda item": Case(
            FACILITATOR,
            f"/sessions/{session}/items/new",
            {
                "heading": "Next steps",
                "purpose": "discussion",
                "lead": "Chief Executive",
                "duration_minutes": "20",
                "body": "What happens after the workshop",
                "recommendations": [recommendation],
            },
            "body",
            (Clause.heading, "heading"),
            anchor="item-",
        ),
        "proposal": Case(
            MEMBER,
            f"/sessions/{session}/propose",
            {
                "title": "Ward briefings",
                "purpose": "discussion",
                "duration_minutes": "15",
                "description": "How ward briefings should work",
            },
            "description",
            (AgendaProposal.title, "title"),
            anchor="proposal-",
        ),
        "action": Case(
            FACILITATOR,
            f"/sessions/{session}/items/{item}/outcome",
            {
                "form": "action",
                "action-what": "Draft the guidance note",
                "action-who": "Democratic Services",
            },
            "action-what",
            (SessionAction.who, "action-who"),
            prefix="action-",
            anchor="action-",
        ),
        "review note": Case(
            STANDARDS,
            f"/documents/{PROTOCOL}/review/notes",
            {"body": "Clause 3 is vague about timing", "clause_number": "3"},
            "body",
            (ReviewNote.clause_number, "clause_number"),
            anchor="note-",
        ),
        "session": Case(
            FACILITATOR,
            "/sessions/new",
            {
                "title": "Trust and roles",
                "theme": "How trust is built",
                "day": [str(day.day), str(day.month), str(day.year)],
                "start": "2pm",
                "end": "4pm",
                "venue": "Town Hall",
                "audience": "both",
                "recommendations": [recommendation],
            },
            "theme",
            (JointSession.title, "title"),
        ),
        "outcome to clause": Case(
            FACILITATOR,
            f"/sessions/{session}/items/{item}/to-document",
            {
                "clause-target": str(ids["accord"]),
                "clause-heading": "Roles in practice",
                "clause-body": "As agreed at the session.",
            },
            "clause-body",
            (Clause.heading, "clause-heading"),
            prefix="clause-",
            page=outcome,
        ),
        "outcome to amendment": Case(
            FACILITATOR,
            f"/sessions/{session}/items/{item}/to-amendment",
            {
                "amendment-target": str(ids["accord clause"]),
                "amendment-heading": "Replies within five days",
                "amendment-body": "Officers reply within 5 working days.",
            },
            "amendment-body",
            (Amendment.heading, "amendment-heading"),
            prefix="amendment-",
            page=outcome,
            anchor="came-from-amendment-",
        ),
        "document": Case(
            FACILITATOR,
            "/documents/new",
            {
                "kind": "protocol",
                "title": "Officer Code of Conduct",
                "summary": "How Officers work with Members.",
            },
            "summary",
            (Document.title, "title"),
            repeatable=False,  # two documents may not share a title
        ),
        "recommendation source": Case(
            ADMIN,
            "/recommendations/sources/new",
            {"name": "Peer Challenge 2027", "short_name": "PC27", "title": ""},
            "name",
            (RecommendationSource.name, "name"),
            repeatable=False,
        ),
        "person": Case(
            ADMIN,
            "/people/invite",
            {"name": "Jo Bloggs", "email": "jo.bloggs@example.org", "roles": ["facilitator"]},
            "name",
            (User.email, "email"),
            repeatable=False,
        ),
        "new invitation": Case(
            ADMIN,
            f"/people/{ids['uninvited']}/invitation",
            {},
            "",  # a button: no words
            (AccountToken.user_id, ids["uninvited"]),
            page=f"/people/{ids['uninvited']}",
        ),
        "list entry": Case(
            ADMIN,
            "/people/lists/group",
            {"name": "Green Group"},
            "name",
            (ListEntry.name, "name"),
            repeatable=False,
            anchor="entry-",
        ),
        "version": Case(
            FACILITATOR,
            f"/documents/{ACCORD}/versions",
            {"note": "After the themed session"},
            "note",
            (DocumentVersion.note, "note"),
            repeatable=False,  # the same text again is no new version
            invalid="x" * 501,
        ),
    }


CASES = [
    "clause",
    "agenda item",
    "proposal",
    "action",
    "review note",
    "session",
    "outcome to clause",
    "outcome to amendment",
    "document",
    "recommendation source",
    "person",
    "new invitation",
    "list entry",
    "version",
]
WORDED = [name for name in CASES if name != "new invitation"]  # a button has no words


def _build(app) -> None:
    """The role accounts, an Open Accord, a submitted Protocol and a published session."""
    with factories.built(app):
        factories.everyone()
        accord = factories.document(title="Ways of Working Accord")
        factories.document("submitted", title="Member/Officer Protocol", kind="protocol")
        session = factories.joint_session()
        item = db.session.scalars(
            select(Clause).where(Clause.document_id == session.agenda_id).order_by(Clause.position)
        ).first()
        assert item is not None
        app.config["SENT_TWICE"] = {
            "session": session.id,
            "item": item.id,
            "recommendation": factories.recommendation("CR g").id,
            "accord": accord.id,
            "accord clause": factories.clause(accord, "2").id,
            "uninvited": factories.person("facilitator", password=None).id,
        }


@pytest.fixture
@snapshot
def world(app):
    _build(app)
    return app


def _case(app, name: str) -> Case:
    return _cases(app.config["SENT_TWICE"])[name]


def _made(app, name: str) -> int:
    """How many things the case's form made (counted by the words it carries)."""
    case = _case(app, name)
    column, field = case.counted
    value = case.fields[field] if isinstance(field, str) else field
    with app.app_context():
        return db.session.scalar(select(func.count()).where(column == value))


def _key(client: AccordClient, case: Case) -> str:
    """The one-time key of the form on the case's page, as drawn for this person."""
    page = client.get(case.drawn_at)
    assert page.status_code == 200, page.status_code
    found = re.search(
        rf'<input[^>]*name="{case.key_name}"[^>]*value="([^"]+)"', page.get_data(as_text=True)
    )
    assert found, f"no one-time key on {case.drawn_at}"
    return found.group(1)


@pytest.mark.parametrize("name", CASES)
def test_each_drawing_of_a_create_form_carries_a_new_one_time_key(world, client, name):
    case = _case(world, name)
    client.sign_in(case.who)
    first, second = _key(client, case), _key(client, case)
    assert first != second and len(first) <= 64


@pytest.mark.parametrize("name", CASES)
def test_a_create_form_sent_twice_makes_one_and_both_answers_go_to_it(world, client, name):
    case = _case(world, name)
    client.sign_in(case.who)
    form = {**case.fields, case.key_name: _key(client, case)}
    first = client.post_form(case.path, form)
    again = client.post_form(case.path, form)
    assert (first.status_code, again.status_code) == (303, 303)
    assert first.headers["Location"] == again.headers["Location"]
    assert _made(world, name) == 1
    landed = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already sent" in landed and "nothing was added again" in landed
    if case.anchor:  # a place on a page: at what it made, which is there
        made = re.search(rf"#{case.anchor}([0-9]+)$", again.headers["Location"])
        assert made, again.headers["Location"]
        assert f'id="{case.anchor}{made.group(1)}"' in landed


@pytest.mark.parametrize("name", WORDED)
def test_a_create_form_sent_again_with_other_words_is_refused_and_shown(world, client, name):
    """Back, edit, send again: what the first sending made stands; the new words are not
    dropped behind a redirect as if they had been added, but refused (409) and shown to copy
    (never the key itself, a prefixed form's too)."""
    case = _case(world, name)
    client.sign_in(case.who)
    key = _key(client, case)
    assert client.post_form(case.path, {**case.fields, case.key_name: key}).status_code == 303
    changed = {**case.fields, case.key_name: key, case.words: "Other words, typed after"}
    refused = client.post_form(case.path, changed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "already sent" in html
    kept = html.split("What you wrote was not saved")[1]
    assert "Other words, typed after" in kept and key not in kept
    assert _made(world, name) == 1


@pytest.mark.parametrize("name", WORDED)
def test_a_first_sending_refused_for_its_input_leaves_its_key_to_send_again(world, client, name):
    """Nothing made, nothing recorded: the corrected form, with the same key, makes it."""
    case = _case(world, name)
    client.sign_in(case.who)
    key = _key(client, case)
    wrong = {**case.fields, case.key_name: key, case.words: case.invalid}
    refused = client.post_form(case.path, wrong)
    assert refused.status_code == 422
    assert _made(world, name) == 0
    assert client.post_form(case.path, {**case.fields, case.key_name: key}).status_code == 303
    assert _made(world, name) == 1


def test_a_key_sent_by_someone_else_is_refused(world, client):
    """A form's key is its sender's: another person sending it (a form copied, a key guessed)
    is not answered with what the first made."""
    case = _case(world, "proposal")
    client.sign_in(case.who)
    form = {**case.fields, case.key_name: _key(client, case)}
    assert client.post_form(case.path, form).status_code == 303
    client.sign_in("officer@example.org")
    refused = client.post_form(case.path, form)
    assert refused.status_code == 409
    assert _made(world, "proposal") == 1


def test_a_form_without_a_key_still_makes_what_it_asks(world, client):
    """A page drawn before the forms carried a key (open across an upgrade) still works."""
    case = _case(world, "review note")
    client.sign_in(case.who)
    assert client.post_form(case.path, case.fields).status_code == 303
    assert _made(world, "review note") == 1


def _linked(app) -> tuple[int, int]:
    """How often the agenda item lists the Accord's clause, and how often that was audited."""
    from app.models import AuditEvent
    from app.models.joint_sessions import agenda_item_clauses as links

    ids = app.config["SENT_TWICE"]
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count())
                .select_from(links)
                .where(
                    links.c.item_clause_id == ids["item"], links.c.clause_id == ids["accord clause"]
                )
            ),
            db.session.scalar(
                select(func.count()).where(AuditEvent.action == "agenda.clause_linked")
            ),
        )


def _link(app) -> tuple[str, dict]:
    """Where the form that links the Accord's clause to the agenda item is sent, and what it
    carries."""
    ids = app.config["SENT_TWICE"]
    path = f"/sessions/{ids['session']}/items/{ids['item']}/clauses"
    return path, {"link-clause": str(ids["accord clause"])}


def test_linking_a_clause_sent_twice_links_it_once_and_says_so(world, client):
    """Linking makes nothing that could be made twice (a link is there or not), so its form
    needs no key: sent again, it changes nothing, records nothing, and says so."""
    path, form = _link(world)
    client.sign_in(FACILITATOR)
    first = client.post_form(path, form)
    again = client.post_form(path, form)
    assert (first.status_code, again.status_code) == (303, 303)
    assert first.headers["Location"] == again.headers["Location"]
    assert _linked(world) == (1, 1)
    landed = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "was already listed, so nothing changed" in landed


@pytest.fixture
def pg_world(postgres_url):
    with databases.app_for(postgres_url) as app:
        app.test_client_class = AccordClient
        _build(app)
        yield app


@pytest.mark.parametrize("name", CASES)
def test_the_same_form_sent_twice_at_once_makes_one_and_both_answers_go_to_it(pg_world, name):
    """Two connections send the same form at the same moment: the second's key waits for the
    first sending's transaction and then answers with what it made."""
    case = _case(pg_world, name)
    tabs = [pg_world.test_client(), pg_world.test_client()]
    for tab in tabs:
        tab.sign_in(case.who)
    for trial in range(3 if case.repeatable else 1):
        fields = {**case.fields, case.key_name: _key(tabs[0], case)}
        forms = [{"csrf_token": tab.csrf_token(), **fields} for tab in tabs]
        answers = at_once(
            *(
                lambda tab=tab, form=form: tab.post(case.path, data=form)
                for tab, form in zip(tabs, forms, strict=True)
            )
        )
        for answer in answers:
            assert not isinstance(answer, BaseException), repr(answer)
        assert [a.status_code for a in answers] == [303, 303], [
            a.get_data(as_text=True)[:2000] for a in answers
        ]
        assert answers[0].headers["Location"] == answers[1].headers["Location"]
        assert _made(pg_world, name) == trial + 1


def test_linking_a_clause_sent_twice_at_once_links_it_once(pg_world):
    """The agenda's lock serves the two one after the other: the second finds the link."""
    path, form = _link(pg_world)
    tabs = [pg_world.test_client(), pg_world.test_client()]
    for tab in tabs:
        tab.sign_in(FACILITATOR)
    forms = [{"csrf_token": tab.csrf_token(), **form} for tab in tabs]
    answers = at_once(
        *(
            lambda tab=tab, sent=sent: tab.post(path, data=sent)
            for tab, sent in zip(tabs, forms, strict=True)
        )
    )
    for answer in answers:
        assert not isinstance(answer, BaseException), repr(answer)
    assert [a.status_code for a in answers] == [303, 303]
    assert _linked(pg_world) == (1, 1)


def test_a_form_sent_again_while_its_first_sending_is_uncommitted_waits_and_goes_to_it(
    pg_world,
):
    """The first sending has claimed the key and made its note, not yet committed: the second
    waits at the key (it holds no other lock), then answers with the first's place."""
    from app.models import DocumentVersion, User
    from app.services import lifecycle, submissions
    from tests.helpers import while_uncommitted

    case = _case(pg_world, "review note")
    client = pg_world.test_client()
    client.sign_in(case.who)
    key = _key(client, case)
    form = {"csrf_token": client.csrf_token(), **case.fields, case.key_name: key}
    place = f"/documents/{PROTOCOL}/review/notes"

    def first() -> None:
        by = db.session.scalars(select(User).filter_by(email=STANDARDS)).one()
        digest = submissions.fields_digest(case.path, case.fields)
        assert submissions.claim(key, by=by, kind="review.add_note", digest=digest, made="") is None
        version = db.session.scalars(select(DocumentVersion)).one()
        lifecycle.add_review_note(version, case.fields["body"], by=by, clause_number="3")
        submissions.record(key, place)

    answer = while_uncommitted(pg_world, first, lambda: client.post(case.path, data=form))
    assert not isinstance(answer, BaseException), repr(answer)
    assert answer.status_code == 303 and answer.headers["Location"] == place
    assert _made(pg_world, "review note") == 1


def test_accounts_prune_deletes_keys_no_form_can_carry_any_more(world):
    """A form cannot be sent once the signed-in session it was drawn in has ended (its CSRF
    token ends with it): keys older than the longest session (SESSION_ABSOLUTE_TIMEOUT, 12
    hours) answer nothing, and the nightly ``flask accounts prune`` deletes them."""
    from datetime import timedelta

    from app.models import FormSubmission, User, utcnow

    longest = world.config["SESSION_ABSOLUTE_TIMEOUT"]
    with factories.built(world):
        by = db.session.scalars(select(User).filter_by(email=MEMBER)).one()
        for key, age in (("old", longest + timedelta(minutes=1)), ("live", longest / 2)):
            db.session.add(
                FormSubmission(
                    key=key,
                    user_id=by.id,
                    kind="joint_sessions.propose",
                    digest="0" * 64,
                    location="/sessions/1#proposals",
                    created_at=utcnow() - age,
                )
            )
    result = world.test_cli_runner().invoke(args=["accounts", "prune"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 form keys" in result.output
    with world.app_context():
        assert db.session.scalars(select(FormSubmission.key)).all() == ["live"]
