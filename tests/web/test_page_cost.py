"""What a page costs: stored HTML of people's Markdown, each thread page's own change marker,
replies a link away, a fixed number of SQL statements, and a poll that gives nothing away."""

from __future__ import annotations

import cProfile
import pstats
import re
import time
from dataclasses import replace

import pytest
from flask import request
from sqlalchemy import create_engine, func, select, update

from app.extensions import db
from app.markdown import POLICY_VERSION
from app.models import (
    Choice,
    Comment,
    Discussion,
    ListEntry,
    ListKind,
    Role,
    User,
    UserRole,
    Vote,
)
from app.polls import UnchangedPolls
from app.services import people as people_service
from app.services import voting
from app.sql import one_of
from tests import factories
from tests.helpers import count_queries, steady
from tests.helpers import middleware as middleware_of
from tests.snapshots import snapshot

ACCORD = "ways-of-working-accord"
ETAG_HEADER = re.compile(r'"If-None-Match": "\\"([^\\]+)\\""')


@pytest.fixture
@snapshot
def world(app):
    """The five role accounts and an Open Accord with a discussion on clause 2."""
    with factories.built(app):
        factories.everyone()
        document = factories.document(clauses=5)
        factories.discussion(clause=factories.clause(document, "2"))
    return app


def _ids(app) -> dict[str, int]:
    with app.app_context():
        document = factories.find_document(ACCORD)
        clause = factories.clause(document, "2")
        discussion = db.session.scalars(select(Comment.discussion_id)).first()
        return {"document": document.id, "clause": clause.id, "discussion": discussion}


def _add_comments(app, discussion_id: int, count: int, *, replies_to: int | None = None) -> None:
    """``count`` comments (or replies to the comment ``replies_to``) by four people in turn."""
    with factories.built(app):
        people = [factories.someone(r) for r in (Role.MEMBER, Role.OFFICER)]
        people += [factories.person(Role.MEMBER), factories.person(Role.OFFICER)]
        for index in range(count):
            db.session.add(
                Comment(
                    discussion_id=discussion_id,
                    author=people[index % 4],
                    body=f"Comment **{index}**",
                    parent_id=replies_to,
                    clause_revision_number=1,
                )
            )


def _etag(response) -> str:
    return response.headers["ETag"]


def _unchanged_poll(client, live: str) -> dict[str, str]:
    """The headers of a poll of ``live`` that nothing has changed since: its ETag now."""
    return {
        "HX-Request": "true",
        "If-None-Match": _etag(client.get(live, headers={"HX-Request": "true"})),
    }


# Stored HTML -----------------------------------------------------------------------------


def test_markdown_is_rendered_once_when_written_and_pages_show_what_was_stored(world, client):
    ids = _ids(world)
    with factories.built(world):
        comment = db.session.scalars(select(Comment)).one()
        assert comment.body_html == "<p>How should we hold each other to this?</p>\n"
        assert comment.html_version == POLICY_VERSION
        amendment = factories.amendment(
            factories.clause(factories.find_document(ACCORD), "2"),
            rationale="<script>x</script> [why](javascript:alert(1))",
        )
        assert "<script>" not in amendment.rationale_html
        assert "href" not in amendment.rationale_html
        # The page shows the stored HTML (a stand-in proves it is not rendered again) …
        comment.body_html = "<p>STORED COPY</p>"
    client.sign_in("member@example.org")
    url = f"/discussions/{ids['discussion']}"
    assert "STORED COPY" in client.get(url).get_data(as_text=True)
    # … unless it was made under another policy version: then from the source.
    with factories.built(world):
        db.session.execute(update(Comment).values(html_version=POLICY_VERSION - 1))
    html = client.get(url).get_data(as_text=True)
    assert "STORED COPY" not in html and "How should we hold each other to this?" in html


def test_the_rerender_command_brings_stored_html_up_to_the_policy(world):
    with factories.built(world):
        db.session.execute(update(Comment).values(body_html="<p>old</p>", html_version=0))
    result = world.test_cli_runner().invoke(args=["markdown", "rerender"])
    assert result.exit_code == 0, result.output
    assert "comments: 1 rendered" in result.output and "clauses: 0 rendered" in result.output
    with world.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.html_version == POLICY_VERSION
        assert comment.body_html == "<p>How should we hold each other to this?</p>\n"
    again = world.test_cli_runner().invoke(args=["markdown", "rerender"])
    assert "comments: 0 rendered" in again.output


# Each page of a thread has its own marker ------------------------------------------------


def test_a_vote_or_another_discussion_leaves_a_thread_unchanged(world, client):
    ids = _ids(world)
    with factories.built(world):
        factories.voting_opened(factories.find_document(ACCORD))
    client.sign_in("officer@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    poll = {"HX-Request": "true", "If-None-Match": etag}
    with factories.built(world):
        clause = factories.clause(factories.find_document(ACCORD), "2")
        voting.cast_vote(factories.user("member@example.org"), Choice.SUPPORT, clause=clause)
        factories.discussion(clause=clause, title="Another thread", comments=2)
    assert client.get(live, headers=poll).status_code == 304
    with factories.built(world):
        discussion = db.session.get(Discussion, ids["discussion"])
        factories.comment(discussion, "Something new")
    changed = client.get(live, headers=poll)
    assert changed.status_code == 200 and "Something new" in changed.get_data(as_text=True)


def test_a_new_comment_on_page_2_leaves_page_1_unchanged(world, client):
    world.config["COMMENTS_PER_PAGE"] = 3
    ids = _ids(world)
    _add_comments(world, ids["discussion"], 3)  # 4 comments: two pages
    client.sign_in("officer@example.org")
    live = f"/discussions/{ids['discussion']}/live?page=1"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    poll = {"HX-Request": "true", "If-None-Match": etag}
    with factories.built(world):
        discussion = db.session.get(Discussion, ids["discussion"])
        factories.comment(discussion, "On page two")
    assert client.get(live, headers=poll).status_code == 304
    with factories.built(world):
        discussion = db.session.get(Discussion, ids["discussion"])
        factories.comment(discussion, "Also on page two")
        factories.comment(discussion, "On page three")  # a third page: page 1 links to it
    assert client.get(live, headers=poll).status_code == 200
    # The page carries the same marker its poll answers with.
    page = client.get(f"/discussions/{ids['discussion']}").get_data(as_text=True)
    fresh = _etag(client.get(live, headers={"HX-Request": "true"}))
    assert ETAG_HEADER.search(page).group(1) == fresh.strip('"')


def test_locking_a_discussion_changes_its_marker(world, client):
    ids = _ids(world)
    client.sign_in("officer@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    client.sign_in("facilitator@example.org")
    client.post_form(f"/discussions/{ids['discussion']}/lock", {"action": "lock"})
    client.sign_in("officer@example.org")
    changed = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and "locked" in changed.get_data(as_text=True)


def test_a_document_moving_on_changes_the_marker_of_its_threads_and_clauses(world, client):
    """Who may reply, edit and moderate follows the document's state: its open thread and
    clause pages must show the move, not answer their polls 304 (found by the outside tester:
    a facilitator's open thread kept its Hide links after the document was submitted)."""
    ids = _ids(world)
    client.sign_in("facilitator@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    page = client.get(live, headers={"HX-Request": "true"})
    assert 'id="hide-' in page.get_data(as_text=True)
    clause_live = f"/documents/{ACCORD}/clauses/2/live?clause_id={ids['clause']}"
    polls = {
        live: _etag(page),
        clause_live: _etag(client.get(clause_live, headers={"HX-Request": "true"})),
    }
    with factories.built(world):
        factories.move_to(factories.find_document(ACCORD), "submitted")
    for url, etag in polls.items():
        changed = client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
        assert changed.status_code == 200, url
    assert 'id="hide-' not in client.get(live).get_data(as_text=True)


def test_moving_a_clause_changes_the_marker_of_its_threads(world, client):
    """A thread's comments link to "what has changed in the clause since", by the clause's
    number: when clause 2 moves up, its open thread must show clause 1's address, not answer
    its poll 304 and keep links to the clause now numbered 2 (found by outside testing)."""
    from app.services import clauses

    ids = _ids(world)
    with factories.built(world):
        discussion = db.session.get(Discussion, ids["discussion"])
        factories.comment(discussion, "On the first wording", by=factories.someone(Role.MEMBER))
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    with factories.built(world):
        document = factories.find_document(ACCORD)
        factories.new_wording(factories.clause(document, "2"))
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    assert f"/documents/{ACCORD}/clauses/2/changes" in client.get(live).get_data(as_text=True)
    with factories.built(world):
        clause = factories.clause(factories.find_document(ACCORD), "2")
        clauses.move_clause_by(clause, -1, by=factories.someone(Role.FACILITATOR))
    changed = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200
    assert f"/documents/{ACCORD}/clauses/1/changes" in changed.get_data(as_text=True)


def test_a_role_given_or_taken_answers_the_persons_polls_afresh(world, client):
    """What a page offers (reply, vote, moderate) follows the viewer's roles, so the live
    ETag carries them: a facilitator who stops being one sees their open thread and clause
    pages lose the Hide links and the facilitator's controls at the next poll (found by the
    outside tester), and one who keeps their roles still gets 304."""
    ids = _ids(world)
    client.sign_in("facilitator@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    clause_live = f"/documents/{ACCORD}/clauses/2/live?clause_id={ids['clause']}"
    polls = {
        url: _etag(client.get(url, headers={"HX-Request": "true"})) for url in (live, clause_live)
    }
    for url, etag in polls.items():
        poll = {"HX-Request": "true", "If-None-Match": etag}
        assert client.get(url, headers=poll).status_code == 304, url
    with factories.built(world):
        factories.user("facilitator@example.org").set_roles({Role.OFFICER})
    for url, etag in polls.items():
        changed = client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
        assert changed.status_code == 200, url
    changed = client.get(live, headers={"HX-Request": "true", "If-None-Match": polls[live]})
    assert 'id="hide-' not in changed.get_data(as_text=True)
    fresh = _etag(changed)
    again = client.get(live, headers={"HX-Request": "true", "If-None-Match": fresh})
    assert again.status_code == 304


def _open_polls(client, ids: dict[str, int]) -> dict[str, str]:
    """The live fragments of the discussion and its clause page, with the ETags they gave."""
    live = f"/discussions/{ids['discussion']}/live"
    clause_live = f"/documents/{ACCORD}/clauses/2/live?clause_id={ids['clause']}"
    return {
        url: _etag(client.get(url, headers={"HX-Request": "true"})) for url in (live, clause_live)
    }


def _poll_statuses(client, polls: dict[str, str]) -> dict[str, int]:
    return {
        url: client.get(url, headers={"HX-Request": "true", "If-None-Match": etag}).status_code
        for url, etag in polls.items()
    }


def test_what_pages_show_of_people_answers_every_open_page_afresh(world, client):
    """A comment card shows its author's name, Group and badges, and a clause page its voters:
    a rename (found by the outside tester), a Group renamed for everyone in it, another
    person's role, or a new Member moves the ``people`` marker, so every open page gets 200
    at its next poll; a change pages do not show (an email) still gets 304."""
    ids = _ids(world)
    client.sign_in("officer@example.org")
    polls = _open_polls(client, ids)
    assert set(_poll_statuses(client, polls).values()) == {304}
    with factories.built(world):  # what no page with a marker shows
        member = factories.user("member@example.org")
        member.email = "renamed.member@example.org"
        member.ward = "Parr"
    assert set(_poll_statuses(client, polls).values()) == {304}

    with factories.built(world):
        author = db.session.scalars(select(Comment)).one().author
        author.display_name = "Councillor Renamed"
    assert set(_poll_statuses(client, polls).values()) == {200}
    live = next(iter(polls))
    assert "Councillor Renamed" in client.get(live, headers={"HX-Request": "true"}).text

    with factories.built(world):
        people_service.add_list_entry(ListKind.GROUP, "Labour", by=None)
        db.session.scalars(select(Comment)).one().author.group = "Labour"

    def rename_group():
        entry = db.session.scalars(select(ListEntry).filter_by(name="Labour")).one()
        assert people_service.rename_list_entry(entry, "Labour Group", by=None) == 1

    def take_a_role_away():  # deleted as an orphan in the flush: only the collection shows it
        author = db.session.scalars(select(Comment)).one().author
        author.set_roles(author.roles - {Role.STANDARDS})

    changes = [
        lambda: factories.user("facilitator@example.org").set_roles({Role.OFFICER}),
        lambda: (
            db.session.scalars(select(Comment))
            .one()
            .author.set_roles({Role.MEMBER, Role.STANDARDS})
        ),
        take_a_role_away,
        lambda: factories.person(Role.MEMBER),
        rename_group,
    ]
    for change in changes:
        polls = _open_polls(client, ids)
        with factories.built(world):
            change()
        assert set(_poll_statuses(client, polls).values()) == {200}
        fresh = _open_polls(client, ids)
        assert set(_poll_statuses(client, fresh).values()) == {304}


def test_another_person_signing_in_in_the_same_browser_answers_afresh(world, client):
    """A live ETag says who the viewer is (their own cards offer Edit, their vote is marked
    "(you)"): after a sign-out and another Member's sign-in in the same browser, an open
    thread answers 200 (found by the outside tester: it answered 304)."""
    ids = _ids(world)
    with factories.built(world):
        factories.person(Role.MEMBER, email="second.member@example.org")
    client.sign_in("member@example.org")  # the comment's author
    live = f"/discussions/{ids['discussion']}/live"
    mine = client.get(live, headers={"HX-Request": "true"})
    assert "(you)" in mine.get_data(as_text=True)
    client.sign_in("second.member@example.org")
    again = client.get(live, headers={"HX-Request": "true", "If-None-Match": _etag(mine)})
    assert again.status_code == 200 and "(you)" not in again.get_data(as_text=True)


def test_a_change_to_people_rolled_back_leaves_open_pages_alone(world, client):
    ids = _ids(world)
    client.sign_in("officer@example.org")
    polls = _open_polls(client, ids)
    with world.app_context():
        factories.user("member@example.org").display_name = "Never Saved"
        db.session.flush()
        db.session.rollback()
    assert set(_poll_statuses(client, polls).values()) == {304}


# Replies a link away ---------------------------------------------------------------------


def test_a_comment_with_many_replies_shows_the_first_and_a_link_to_more(world, client):
    world.config.update(REPLIES_SHOWN=5, REPLIES_PER_PAGE=10)
    ids = _ids(world)
    with world.app_context():
        first = db.session.scalars(select(Comment)).one().id
    _add_comments(world, ids["discussion"], 23, replies_to=first)
    client.sign_in("member@example.org")
    page = client.get(f"/discussions/{ids['discussion']}").get_data(as_text=True)
    assert page.count('class="app-comment app-comment--reply') == 5
    more = f"/comments/{first}/replies?start=5"
    assert f'href="{more}"' in page and "(18 more)" in page
    # Without JavaScript: a page of the comment and the next replies, with a link on.
    whole = client.get(more)
    html = whole.get_data(as_text=True)
    assert whole.status_code == 200 and "<html" in html
    assert html.count("app-comment--reply") == 10 and "<strong>5</strong>" in html
    assert f"/comments/{first}/replies?start=15" in html and "(8 more)" in html
    # With htmx: only the next replies, to put in place of the link.
    fragment = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and fragment.count("app-comment--reply") == 10
    last = client.get(f"/comments/{first}/replies?start=15", headers={"HX-Request": "true"})
    assert "Show more replies" not in last.get_data(as_text=True)


# A fixed number of statements ------------------------------------------------------------


@pytest.mark.parametrize("comments", [10, 100, 1000])
def test_a_discussion_page_costs_at_most_6_statements(world, client, comments):
    """Issue 20's 6; the header's counts come with the session lookup, and a reload with
    nothing new writes no "last looked" mark (issue 15: the summary says the mark covers
    it). The first look at a page (its list not cached yet) costs two more, to load the
    comments (tests/web/test_fragment_cache.py)."""
    ids = _ids(world)
    with world.app_context():
        first = db.session.scalars(select(Comment)).one().id
    _add_comments(world, ids["discussion"], comments // 2)
    _add_comments(world, ids["discussion"], comments - comments // 2, replies_to=first)
    client.sign_in("member@example.org")
    pages = -(-(comments // 2 + 1) // world.config["COMMENTS_PER_PAGE"])
    for page in (1, 2):
        url = f"/discussions/{ids['discussion']}?page={page}"
        client.get(url)
        with factories.built(world):
            # A change to the page's document that its thread does not show: the page is not
            # kept for it (its key has the document's time of change), its thread's list is.
            factories.find_document(ACCORD).summary += " Changed."
        with count_queries(world) as queries:
            response = client.get(url)
        assert response.status_code == 200
        # The list of comments comes from the cache (app/fragments.py): the session, the
        # discussion and the page's summary, between the kept page's key read before and
        # after (app/kept_pages.py: the page is not kept yet). A page past the last (a stale
        # address) reads the last page's summary: one more.
        assert queries.count == (5 if page <= pages else 6), str(queries)
        with count_queries(world) as queries:
            again = client.get(url)
        # Read again, the page is kept: its key's one statement.
        assert queries.count == 1, str(queries)
        assert steady(again) == steady(response)


def _voters(count: int) -> None:
    people = []
    for index in range(count):
        user = User(
            email=f"voter{index}@example.org",
            display_name=f"Voter {index}",
            group="Labour Group" if index % 2 else "Green Group",
        )
        user.set_roles({Role.MEMBER if index % 3 else Role.OFFICER})
        people.append(user)
    db.session.add_all(people)
    db.session.flush()
    for clause in factories.find_document(ACCORD).clauses:
        for index, user in enumerate(people):
            db.session.add(
                Vote(
                    user_id=user.id,
                    clause_id=clause.id,
                    revision_number=clause.revision_number,
                    choice=[Choice.SUPPORT, Choice.OPPOSE][index % 2],
                )
            )


def test_the_document_and_clause_pages_cost_the_same_with_200_voters(world, client):
    ids = _ids(world)
    client.sign_in("member@example.org")
    # Issue 20's 6 and 8, with "new since you last looked" (the document's marks; the clause's
    # upsert, when something is new since the last look) and the ballot's "You voted" among
    # them; the header's counts come with the session lookup, the voters' numbers, the clauses
    # either side and whether the reading mark covers the clause with the document or clause.
    pages = {f"/documents/{ACCORD}": 6, f"/documents/{ACCORD}/clauses/2": 8}

    def cost() -> dict[str, int]:
        counts = {}
        for url in pages:
            client.get(url)
            with count_queries(world) as queries:
                assert client.get(url).status_code == 200
            assert queries.count <= pages[url], queries
            counts[url] = queries.count
        return counts

    with factories.built(world):
        # Open voting first: the ballot's "You voted" and count left are asked only then.
        factories.voting_opened(factories.find_document(ACCORD))
    small = cost()
    with factories.built(world):
        document = factories.find_document(ACCORD)
        clause = factories.clause(document, "2")
        factories.amendment(clause)
        factories.amendment(clause, body="Another wording.")
        factories.discussion(document, title="On the whole")
        factories.discussion(clause=clause, title="Second thread", comments=3)
        _voters(200)
        voting.cast_vote(factories.user("member@example.org"), Choice.SUPPORT, clause=clause)
    _add_comments(world, ids["discussion"], 100)
    assert cost() == small


def _lazy_loads(run) -> int:
    """How many times ``run()`` had the ORM load a relationship of one object (with or without
    SQL: a many-to-one found in the identity map goes through the lazy loader too). Counted by
    the profiler: the loader is bound to each attribute when the models are mapped."""
    profile = cProfile.Profile()
    profile.runcall(run)
    return sum(
        calls
        for (path, _, function), (calls, *_) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
        if function == "_load_for_state" and path.endswith("strategies.py")
    )


def test_the_main_pages_load_no_more_objects_one_at_a_time_with_more_clauses(world, client):
    """The document page and the ballot read each clause's document through the lazy loader
    (sixty lookups, half a millisecond a page), the recommendations' lists each one's source:
    what a page shows of each item comes with its statements."""
    ids = _ids(world)
    client.sign_in("member@example.org")
    with factories.built(world):
        factories.voting_opened(factories.find_document(ACCORD))
    world.config["KEPT_PAGES"] = False  # what Flask's render loads: every page rendered
    pages = [
        f"/documents/{ACCORD}",
        f"/documents/{ACCORD}/ballot",
        f"/documents/{ACCORD}/clauses/2",
        f"/discussions/{ids['discussion']}",
        "/recommendations/",
        "/recommendations/coverage",
    ]

    def loads() -> dict[str, int]:
        found = {}
        for url in pages:
            assert client.get(url).status_code == 200
            found[url] = _lazy_loads(lambda url=url: client.get(url))
        return found

    few = loads()
    with factories.built(world):
        document = factories.find_document(ACCORD)
        for number in range(10):
            factories.add_clause(document, f"Clause added {number}")
    assert loads() == few
    # The discussion page reads its clause's document (one); the lists read nothing more.
    assert {url: few[url] for url in pages if "discussions" not in url} == dict.fromkeys(
        [url for url in pages if "discussions" not in url], 0
    ), few


@pytest.mark.parametrize("role", list(Role))
def test_the_pages_sql_is_settled_when_compiled_not_at_each_request(world, client, role):
    """A fixed list in ``IN`` (statuses, roles, audiences) is written into a statement's SQL
    when it is compiled (``app.sql.one_of``): given to ``in_``, SQLAlchemy would write it out
    afresh at every execution, a third of the session lookup's time in Python when the header
    asks a Member's five lists. Every person's header counts come with the session lookup, so
    each role's is tried."""
    ids = _ids(world)
    with factories.built(world):
        factories.voting_opened(factories.find_document(ACCORD))
    client.sign_in(f"{role.value}@example.org")
    pages = [
        f"/documents/{ACCORD}",
        f"/documents/{ACCORD}/clauses/2",
        f"/discussions/{ids['discussion']}",
        "/tasks",
        "/",
    ]
    for url in pages:
        client.get(url)
        with count_queries(world) as queries:
            assert client.get(url).status_code == 200
        assert queries.rewritten == [], url


def test_one_of_finds_what_in_finds_and_quotes_what_it_writes(world):
    """``one_of`` writes its values into the SQL: the same rows as ``in_`` on both databases,
    a quote in a value stays a quote, and no values is nothing."""
    with factories.built(world):
        factories.person(Role.MEMBER, email="o.neil@example.org", display_name="Pat O'Neil")
        factories.person(Role.MEMBER, email="robert@example.org", display_name="Robert'); --")
        factories.person(Role.OFFICER, email="per@example.org", display_name="100% %(x)s %s")
    with world.app_context():
        roles = (Role.MEMBER, Role.FACILITATOR)
        names = ["Pat O'Neil", "Robert'); --", "100% %(x)s %s", "Nobody"]
        for column, values in ((UserRole.role, roles), (User.display_name, names)):
            query = select(UserRole.user_id).join(User, User.id == UserRole.user_id)
            wanted = set(db.session.scalars(query.where(column.in_(values))))
            assert wanted, column
            assert column is UserRole.role or len(wanted) == 3  # each odd name found
            assert set(db.session.scalars(query.where(one_of(column, values)))) == wanted
            assert "IN (" in str(query.where(one_of(column, values)).compile(db.engine))
        assert db.session.scalars(select(User.id).where(one_of(User.id, []))).all() == []
        # A set of mixed types (None among names) has one order, so one SQL, as in_ allows.
        assert (
            db.session.scalars(
                select(User.id).where(one_of(User.display_name, [None, "Pat O'Neil"]))
            ).all()
            == db.session.scalars(
                select(User.id).where(User.display_name.in_([None, "Pat O'Neil"]))
            ).all()
        )


# The poll gives nothing away -------------------------------------------------------------


def test_a_poll_of_a_draft_clause_answers_a_member_as_if_it_did_not_exist(app, client):
    with factories.built(app):
        factories.everyone()
        draft = factories.document("draft", title="Draft Protocol")
        factories.document(title="Open Accord")
        draft_clause = factories.clause(draft, "1").id
    client.sign_in("facilitator@example.org")
    live = f"/documents/draft-protocol/clauses/1/live?clause_id={draft_clause}"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    poll = {"HX-Request": "true", "If-None-Match": etag}
    assert client.get(live, headers=poll).status_code == 304
    client.sign_in("member@example.org")
    with count_queries(app) as queries:
        refused = client.get(live, headers=poll)
    assert refused.status_code == 403  # the page's own answer, never a 304
    assert queries.count <= 4
    # An id under another document's address gets no 304 either.
    client.sign_in("facilitator@example.org")
    other = f"/documents/open-accord/clauses/1/live?clause_id={draft_clause}"
    assert client.get(other, headers=poll).status_code == 404


def test_an_unchanged_poll_is_one_statement_and_writes_no_cookie(world, client):
    ids = _ids(world)
    client.sign_in("member@example.org")
    polls = [
        f"/discussions/{ids['discussion']}/live?page=1",
        f"/documents/{ACCORD}/clauses/2/live?clause_id={ids['clause']}",
    ]
    for live in polls:
        etag = _etag(client.get(live, headers={"HX-Request": "true"}))
        with count_queries(world) as queries:
            response = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
        assert response.status_code == 304, live
        assert queries.count == 1, queries
        assert "Set-Cookie" not in response.headers
        assert response.get_data() == b""


@pytest.fixture
def hooks_run(world):
    """The endpoints Flask's request machinery handled (its first before_request hook)."""
    handled: list[str | None] = []
    world.before_request_funcs[None].insert(0, lambda: handled.append(request.endpoint))
    return handled


def test_an_unchanged_poll_is_answered_before_flask_with_a_pages_headers(world, client, hooks_run):
    """The 304 comes from the WSGI middleware in front of Flask (app.polls.UnchangedPolls):
    no request hook runs. It carries what Flask's answer would: the security headers, the
    ETag, Vary and a request id."""
    ids = _ids(world)
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live?page=1"
    page = client.get(live, headers={"HX-Request": "true"})
    hooks_run.clear()
    unchanged = client.get(live, headers={"HX-Request": "true", "If-None-Match": _etag(page)})
    assert unchanged.status_code == 304 and hooks_run == []
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "Cache-Control",
        "ETag",
    ):
        assert unchanged.headers[name] == page.headers[name], name
    assert {"hx-request", "cookie"} <= {v.lower() for v in unchanged.vary}
    assert re.fullmatch(r"[0-9a-f]{32}", unchanged.headers["X-Request-ID"])
    assert "Set-Cookie" not in unchanged.headers


def test_a_poll_the_middleware_cannot_vouch_for_goes_to_flask(world, client, hooks_run):
    """Anything but a plain unchanged poll is Flask's to answer, as the page would: a NUL byte
    in the address, a HEAD, a changed ETag, a forged or timed-out cookie, an id too large for
    the database, or the database failing under the middleware."""
    ids = _ids(world)
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    poll = {"HX-Request": "true", "If-None-Match": etag}

    def answered(url: str, method: str = "GET", **headers) -> int:
        hooks_run.clear()
        status = client.open(url, method=method, headers={**poll, **headers}).status_code
        assert hooks_run, f"{method} {url} was answered before Flask"
        return status

    assert answered(f"{live}?page=%00") == 400
    assert answered(live, method="HEAD") == 304  # the view answers as the poll would
    assert answered(live, **{"If-None-Match": '"not-the-etag"'}) == 200
    assert answered("/discussions/99999999999999999999/live") == 404
    middleware = middleware_of(world, UnchangedPolls)
    middleware._engine = create_engine(f"sqlite:///{world.instance_path}/no/such/dir.db")
    try:
        assert answered(live) == 304  # the ordinary request meets the database as pages do
    finally:
        middleware._engine = None
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    assert answered(live) == 401
    client.set_cookie("accord_session", "forged." + "A" * 40)
    assert answered(live) == 401


class _Refuses:
    """A serializer that fails the test if a kept cookie is verified again."""

    def loads(self, *args, **kwargs):
        raise AssertionError("a kept cookie was verified again")


def test_a_polls_cookie_is_verified_once_and_its_age_checked_every_time(
    world, client, hooks_run, monkeypatch
):
    """The middleware reads cookies through the app's ``KeptCookieSessions``: the same cookie
    is not verified again, a cookie older than the session lifetime is left to Flask however
    it was kept, and a changed cookie is verified afresh."""
    ids = _ids(world)
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    poll = _unchanged_poll(client, live)
    middleware = middleware_of(world, UnchangedPolls)
    sessions = world.session_interface
    assert middleware.sessions is sessions
    assert client.get(live, headers=poll).status_code == 304
    value = client.get_cookie("accord_session").value
    assert value in sessions._signing.kept

    signing = sessions._signing
    sessions._signing = replace(signing, serializer=_Refuses())
    hooks_run.clear()
    assert client.get(live, headers=poll).status_code == 304 and hooks_run == []
    sessions._signing = signing

    lifetime = world.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 5
    monkeypatch.setattr("app.auth.session_cookies.time.time", lambda: later)
    hooks_run.clear()
    client.get(live, headers=poll)
    assert hooks_run, "a cookie past the session lifetime was answered before Flask"
    monkeypatch.undo()

    client.set_cookie("accord_session", value[:-2] + "AA")  # its signature broken
    hooks_run.clear()
    assert client.get(live, headers=poll).status_code == 401 and hooks_run
    assert value[:-2] + "AA" not in sessions._signing.kept, "a bad signature is never kept"


def test_every_request_reads_a_kept_cookie_without_verifying_it_and_gets_its_own_copy(
    world, client, monkeypatch
):
    """Pages read the session through ``KeptCookieSessions`` too: a cookie verified once is
    not verified again, each request gets fresh contents (a change to one request's session,
    even inside a list, reaches no other), an over-age cookie signs no one in, and a new
    secret key forgets what was kept."""
    ids = _ids(world)
    client.sign_in("member@example.org")
    page = f"/discussions/{ids['discussion']}"
    client.get(page)  # the first page may add its form token to the session (a new cookie)
    assert client.get(page).status_code == 200
    sessions = world.session_interface
    value = client.get_cookie("accord_session").value
    assert value in sessions._signing.kept

    signing = sessions._signing
    sessions._signing = replace(signing, serializer=_Refuses())
    with world.test_request_context(headers={"Cookie": f"accord_session={value}"}):
        first = sessions.open_session(world, request)
        assert first is not None and first["_user_id"]
        first["viewer"] = ["changed"]
        for item in first.values():
            if isinstance(item, list):
                item.append("changed")
        second = sessions.open_session(world, request)
        assert second is not None and "changed" not in repr(dict(second))
        shared = sessions.verified(world, value, to_change=False)  # the poll's: read only
        assert shared is not None and shared["_user_id"] == second["_user_id"]
        with pytest.raises(TypeError):
            shared["_user_id"] = "someone else"  # type: ignore[index]
    assert client.get(page).status_code == 200
    sessions._signing = signing

    later = time.time() + world.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr("app.auth.session_cookies.time.time", lambda: later)
    assert client.get(page).status_code == 302, "an over-age cookie signs no one in"
    monkeypatch.undo()

    client.sign_in("member@example.org")
    assert client.get(page).status_code == 200
    world.secret_key = "another-secret-key-for-this-test-only"
    assert client.get(page).status_code == 302, "a cookie signed with an old key is refused"
    assert value not in sessions._signing.kept, "a new key forgets what the old one verified"


def test_polls_alone_do_not_keep_an_idle_session_alive(world, client):
    ids = _ids(world)
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    ended = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert ended.status_code == 401 and "/sign-in" in ended.headers["HX-Redirect"]
    assert client.get(f"/discussions/{ids['discussion']}").status_code == 302


def test_a_page_refreshes_the_idle_clock_at_most_once_a_minute(world, client):
    ids = _ids(world)
    client.sign_in("member@example.org")
    url = f"/discussions/{ids['discussion']}"
    client.get(url)  # the first page may add its form token to the session
    assert "Set-Cookie" not in client.get(url).headers  # seen a moment ago: nothing to write
    with client.session_transaction() as session:
        session["seen_at"] -= 20 * 60
    assert "Set-Cookie" in client.get(url).headers  # the idle clock moves on
    with client.session_transaction() as session:
        seen = session["seen_at"]
        session["seen_at"] -= 29 * 60
    assert seen > 0 and client.get(url).status_code == 200  # 29 minutes idle: still live


def test_pages_find_recommendations_by_key_not_by_copying_their_tables(world):
    """The pages' statements join a many-to-many's association table by its key
    (``loaders.joined_many``). With ``joinedload`` SQLite copied the whole association table
    (every clause's or discussion's recommendations, not just the page's) on every page, and
    scanned or indexed the copy: a cost that grew with everything else in the database."""
    if not world.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a plan of SQLite's (PostgreSQL plans the same joins by its statistics)")
    from app.documents import routes as documents
    from app.loaders import _discussion_statement

    statements = {
        "discussion": _discussion_statement(),
        "document": documents._document_statement(),
        "clause by number": documents._clause_statement(by_id=False),
        "clause by id": documents._clause_statement(by_id=True),
        **{
            f"discussions ({scope})": documents._discussions_statement(scope)
            for scope in ("clause", "document", "every")
        },
    }
    with world.app_context():
        connection = db.session.connection()
        for name, statement in statements.items():
            compiled = statement.compile(dialect=connection.dialect)
            values = dict.fromkeys(compiled.binds, 1)
            parameters = compiled.construct_params(values, _check=False)
            arguments = tuple(parameters.get(key) for key in compiled.positiontup or ())
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", arguments).all()
            steps = [step[3] for step in plan]
            assert not any(
                "MATERIALIZE" in step or ("_recommendations" in step and step.startswith("SCAN"))
                for step in steps
            ), (name, steps)
            assert any("_recommendations" in step and "USING" in step for step in steps), (
                name,
                steps,
            )


def _sqlite_plan(statement) -> list[str]:
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    parameters = compiled.construct_params(dict.fromkeys(compiled.binds, 1), _check=False)
    arguments = tuple(parameters.get(key) for key in compiled.positiontup or ())
    plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", arguments).all()
    return [step[3] for step in plan]


def test_a_threads_top_level_comments_are_read_in_order_from_their_index(world):
    """A page of a thread's top-level comments, and how many there are, come from
    ``ix_comments_top_level`` in their order, never by reading and sorting the thread's
    comments; the page's summary and its live poll both read them so. On a 300-comment
    thread the poll of page 10 took 0.3-0.6 ms on PostgreSQL before the index, about 0.34 ms
    with it."""
    if not world.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a plan of SQLite's (PostgreSQL plans by its statistics)")
    from app.discussions.threads import _summary_statement, page_roots
    from app.polls import discussion_poll

    per_page = world.config["COMMENTS_PER_PAGE"]
    top_level = (Comment.discussion_id == 1, Comment.parent_id.is_(None))
    with world.app_context():
        for name, statement in (
            ("a page of them", page_roots(1, per_page, 40)),
            ("how many", select(func.count()).where(*top_level)),
        ):
            steps = _sqlite_plan(statement)
            assert any("INDEX ix_comments_top_level" in step for step in steps), (name, steps)
            assert not any("TEMP B-TREE" in step for step in steps), (name, steps)
        for statement in (
            discussion_poll(per_page),
            _summary_statement(per_page, world.config["REPLIES_SHOWN"], frozenset()),
            _summary_statement(
                per_page, world.config["REPLIES_SHOWN"], frozenset({Role.MEMBER, Role.FACILITATOR})
            ),
        ):
            assert any("ix_comments_top_level" in step for step in _sqlite_plan(statement))


def test_the_polls_statements_give_the_driver_what_sqlalchemy_would_and_get_the_same_rows(
    world, client
):
    """Each poll's statement run on the driver's connection (``app.driver_sql``) returns the
    row SQLAlchemy returns for it (so the ETag is the page's), for a matching session and for
    none; and only plain SELECTs with fixed SQL may run there."""
    from sqlalchemy import column, table

    from app.driver_sql import DriverStatement, DriverStatementFailed
    from app.models import UserSession
    from app.polls import amendment_poll, clause_poll, discussion_poll

    ids = _ids(world)
    client.sign_in("member@example.org")
    with factories.built(world):
        amendment = factories.amendment(factories.clause(factories.find_document(ACCORD), "2"))
        amendment_id = amendment.id
    with world.app_context():
        token_hash = db.session.scalars(select(UserSession.token_hash)).first()
        engine = db.engine
        cases = [
            (
                discussion_poll(world.config["COMMENTS_PER_PAGE"]),
                {"discussion_id": ids["discussion"], "offset": 0},
            ),
            (clause_poll(), {"clause_id": ids["clause"], "slug": ACCORD}),
            (amendment_poll(), {"amendment_id": amendment_id}),
        ]
        for statement, params in cases:
            compiled = DriverStatement.compile(statement, engine)
            for token in (token_hash, "no-such-session"):
                given = {**params, "token_hash": token}
                expected = db.session.execute(statement, given).first()
                got = compiled.first(engine, given)
                assert got == (tuple(expected) if expected is not None else None), statement
                if token == token_hash:
                    assert got is not None and None not in got
        too_large = {**cases[1][1], "clause_id": 10**20, "token_hash": token_hash}
        with pytest.raises(DriverStatementFailed):  # SQLite: OverflowError; PostgreSQL: DataError
            DriverStatement.compile(clause_poll(), engine).first(engine, too_large)
        with pytest.raises(ValueError, match="changes with its parameters"):
            DriverStatement.compile(select(User.id).where(User.id.in_([1, 2])), engine)
        with pytest.raises(ValueError, match="only a SELECT"):
            DriverStatement.compile(table("t", column("a")).delete(), engine)


def test_a_poll_past_the_last_page_watches_the_last_page(world, client):
    """A page number past the last shows the last page (``summarise_page``), so its poll
    watches the last page too: a new reply there is never answered 304 from before."""
    from app.services import discussions as discussion_service

    ids = _ids(world)
    with factories.built(world):
        discussion = db.session.get(Discussion, ids["discussion"])
        facilitator = factories.someone(Role.FACILITATOR)
        # The discussion's own marker above every comment's: only the comments can move it.
        discussion_service.set_locked(discussion, True, by=facilitator)
        discussion_service.set_locked(discussion, False, by=facilitator)
    client.sign_in("officer@example.org")
    live = f"/discussions/{ids['discussion']}/live?page=9"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    assert (
        client.get(live, headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304
    )
    with factories.built(world):
        discussion = db.session.get(Discussion, ids["discussion"])
        opening = db.session.scalars(select(Comment).filter_by(discussion_id=discussion.id)).first()
        factories.comment(
            discussion, "A new reply", by=factories.someone(Role.MEMBER), parent=opening
        )
    changed = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and "A new reply" in changed.get_data(as_text=True)


def test_a_poll_from_someone_who_must_now_set_up_two_factor_goes_to_flask(world, client, hooks_run):
    """When a person's roles come to require two-factor sign-in (a changed setting, kept
    cookies), their next poll is not answered 304 before Flask: Flask sends them to set it up,
    as it does on every page. Once they have, polls are answered before Flask again."""
    ids = _ids(world)
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    poll = _unchanged_poll(client, live)
    hooks_run.clear()
    assert client.get(live, headers=poll).status_code == 304 and hooks_run == []
    world.config["TWO_FACTOR_REQUIRED_ROLES"] = ["member"]
    refused = client.get(live, headers=poll)
    assert hooks_run and refused.status_code != 304
    with factories.built(world):
        factories.two_factor_on(
            db.session.scalars(select(User).filter_by(email="member@example.org")).one()
        )
    hooks_run.clear()
    assert client.get(live, headers=poll).status_code == 304 and hooks_run == []


def test_a_signed_cookie_that_is_not_a_session_is_no_session_and_no_error(world, client):
    """A payload signed with the app's key that is not a session (it cannot be made without
    the key) is read as no session, on pages and polls alike, never a 500."""
    import base64

    ids = _ids(world)
    client.sign_in("member@example.org")
    live = f"/discussions/{ids['discussion']}/live"
    etag = _etag(client.get(live, headers={"HX-Request": "true"}))
    sessions = world.session_interface
    with world.app_context():
        signer = sessions.get_signing_serializer(world).make_signer(sessions.salt)
        forged = signer.sign(base64.urlsafe_b64encode(b"not json at all").rstrip(b"=")).decode()
    client.set_cookie("accord_session", forged)
    assert (
        client.get(live, headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 401
    )
    assert client.get(f"/discussions/{ids['discussion']}").status_code == 302
    assert client.get("/accessibility").status_code == 200


def test_a_page_and_its_poll_read_the_pages_comments_not_the_whole_thread(world):
    """Page 1's summary statement and its live poll find the page's comments and their
    replies by index: a search of ``comments`` by the discussion alone reads every comment of
    the thread. Before, the poll's newest-marker subquery filtered the whole thread
    (``coalesce(parent_id, id) IN roots``) and the summary read every comment's author to
    gather the authors' roles. The one search by the discussion alone allowed is the newest
    comment's time, which SQLite reads as the last entry of its covering index."""
    if not world.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a plan of SQLite's (PostgreSQL plans by its statistics)")
    from app.discussions.threads import _summary_statement
    from app.polls import discussion_poll

    per_page, shown = world.config["COMMENTS_PER_PAGE"], world.config["REPLIES_SHOWN"]
    whole_thread = re.compile(
        r"SEARCH comments(_\d+)? USING (INDEX|COVERING INDEX) \S+ \(discussion_id=\?\)$"
    )
    newest = (
        "SEARCH comments USING COVERING INDEX ix_comments_discussion_id_created_at "
        "(discussion_id=?)"
    )
    with world.app_context():
        for name, statement in (
            ("poll", discussion_poll(per_page)),
            ("summary", _summary_statement(per_page, shown, frozenset())),
            (
                "summary, facilitator",
                _summary_statement(per_page, shown, frozenset({Role.FACILITATOR})),
            ),
        ):
            steps = _sqlite_plan(statement)
            reads = [step for step in steps if whole_thread.match(step)]
            allowed = [newest] if name.startswith("summary") else []
            assert reads == allowed, (name, steps)
