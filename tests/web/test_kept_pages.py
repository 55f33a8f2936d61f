"""Whole pages kept in the shared cache (app/kept_pages.py): a page read again is served from
one statement before Flask, and never after anything it shows has changed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import func, select

from app import kept_pages
from app.extensions import db
from app.kept_pages import KeptPages
from app.models import (
    Choice,
    Comment,
    Discussion,
    DocumentStatus,
    Notification,
    NotificationKind,
    Recommendation,
    Role,
    User,
    utcnow,
)
from app.services import amendments, discussions, voting
from tests import factories
from tests.helpers import at_once, count_queries, middleware, steady
from tests.snapshots import snapshot

ACCORD = "ways-of-working-accord"
SUBMISSION_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


@pytest.fixture
@snapshot
def world(app):
    """The five role accounts and an Open Accord with a discussion on clause 2, opened by the
    Member, with a comment by an Officer."""
    with factories.built(app):
        factories.everyone()
        document = factories.document(clauses=5)
        factories.discussion(clause=factories.clause(document, "2"), comments=1)
    return app


@pytest.fixture
def hooks_run(world):
    """The endpoints Flask's request machinery handled (its first before_request hook)."""
    handled: list[str | None] = []
    world.before_request_funcs[None].insert(0, lambda: handled.append(request.endpoint))
    return handled


def _url(app) -> str:
    with app.app_context():
        return f"/discussions/{db.session.scalar(select(Discussion.id))}"


def _kept(client, url: str, hooks_run: list) -> object:
    """The page at ``url`` once it is kept: read until Flask no longer renders it."""
    for _ in range(3):
        hooks_run.clear()
        response = client.get(url)
        assert response.status_code == 200
        if not hooks_run:
            return response
    raise AssertionError(f"{url} was never served as a kept page")


def _rendered_afresh_after(app, client, url: str, hooks_run: list, change) -> None:
    """``url`` kept, then ``change`` made and committed: the next reading is Flask's, differs
    from the kept page, and is what is kept next."""
    kept = _kept(client, url, hooks_run)
    with factories.built(app):
        change()
    hooks_run.clear()
    after = client.get(url)
    assert hooks_run, f"the kept page {url} was served after a change it shows"
    assert steady(after) != steady(kept)
    assert steady(_kept(client, url, hooks_run)) == steady(after)


def test_a_page_read_again_is_served_before_flask_from_one_statement(world, client, hooks_run):
    """The first reading records the reading mark, the second is rendered by Flask and kept,
    and the third is the kept page: one statement, no request hook, the same page with the
    same headers (the security headers, Vary), a request id of its own and no cookie."""
    client.sign_in("member@example.org")
    url = _url(world)
    client.get(url)  # records the reading mark
    hooks_run.clear()
    rendered = client.get(url)
    assert hooks_run == ["discussions.show"]
    hooks_run.clear()
    with count_queries(world) as queries:
        kept = client.get(url)
    assert hooks_run == [] and queries.count == 1, str(queries)
    assert steady(kept) == steady(rendered)
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Cache-Control",
        "Content-Type",
    ):
        assert kept.headers[name] == rendered.headers[name], name
    assert {"hx-request", "cookie"} <= {value.lower() for value in kept.vary}
    assert int(kept.headers["Content-Length"]) == len(kept.data)
    assert re.fullmatch(r"[0-9a-f]{32}", kept.headers["X-Request-ID"])
    assert kept.headers["X-Request-ID"] != rendered.headers["X-Request-ID"]
    assert "Set-Cookie" not in kept.headers


def test_each_serving_has_its_own_one_time_key_and_the_servers_time(
    world, client, hooks_run, monkeypatch
):
    """Two tabs opened on one kept page post two comments, not one: each serving carries a
    new one-time key. Its ``server-time`` is the time it was served, so the page's script
    keeps "5 minutes ago" true."""
    client.sign_in("member@example.org")
    url = _url(world)
    first = _kept(client, url, hooks_run).get_data(as_text=True)
    second = client.get(url).get_data(as_text=True)
    keys = SUBMISSION_KEY.findall(first) + SUBMISSION_KEY.findall(second)
    assert len(keys) == 2 and len(set(keys)) == 2
    later = time.time() + 50
    monkeypatch.setattr("app.templating.datetime", _Clock(later))
    third = client.get(url).get_data(as_text=True)
    assert re.search(r'<meta name="server-time" content="[^"]+">', third)
    assert _server_time(third) - _server_time(second) >= 49
    monkeypatch.undo()
    with world.app_context():
        before = db.session.scalar(select(func.count(Comment.id)))
    for page, words in ((first, "From the first tab"), (second, "From the second tab")):
        key = SUBMISSION_KEY.search(page)[1]
        client.post_form(url + "/comments", {"body": words, "submission_key": key})
    with world.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == before + 2


class _Clock:
    """``datetime`` with ``now`` at the Unix time ``at``."""

    def __init__(self, at: float) -> None:
        self.at = at

    def now(self, tz=None):
        from datetime import datetime

        return datetime.fromtimestamp(self.at, tz)


def _server_time(html: str) -> float:
    from datetime import datetime

    found = re.search(r'<meta name="server-time" content="([^"]+)">', html)
    assert found is not None
    return datetime.fromisoformat(found[1]).timestamp()


def _member(name: str = "member@example.org") -> User:
    return db.session.scalars(select(User).where(User.email == name)).one()


def _discussion() -> Discussion:
    return db.session.scalars(select(Discussion)).one()


def _officers_comment() -> Comment:
    return db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()


def _new_comment() -> None:
    factories.comment(_discussion(), "Something new to read")


def _edited() -> None:
    comment = _officers_comment()
    discussions.edit_comment(
        comment, "Said better", by=comment.author, seen_edit_count=comment.edit_count
    )


def _hidden() -> None:
    discussions.hide_comment(_officers_comment(), "Off topic", by=factories.someone("facilitator"))


def _locked() -> None:
    discussions.set_locked(_discussion(), True, by=factories.someone("facilitator"))


def _relinked() -> None:
    other = db.session.scalars(select(Recommendation).order_by(Recommendation.id.desc())).first()
    discussions.relink(_discussion(), [other], by=factories.someone("facilitator"))


def _author_renamed() -> None:
    _officers_comment().author.display_name = "Renamed Officer"


def _reader_given_a_role() -> None:
    member = _member()
    member.set_roles({Role.MEMBER, Role.FACILITATOR})


def _document_retitled() -> None:
    factories.find_document(ACCORD).title = "The Accord, retitled"


def _document_closed() -> None:
    factories.find_document(ACCORD).status = DocumentStatus.CLOSED


def _clause_renamed() -> None:
    factories.clause(factories.find_document(ACCORD), "2").heading = "A new heading"


def _notified() -> None:
    db.session.add(
        Notification(user_id=_member().id, kind=next(iter(NotificationKind)), text="News", link="/")
    )


def _recommendation_edited() -> None:
    recommendation = _discussion().recommendations[0]
    recommendation.text = "A recommendation, reworded"
    recommendation.version += 1


@pytest.mark.parametrize(
    "change",
    [
        _new_comment,
        _edited,
        _hidden,
        _locked,
        _relinked,
        _author_renamed,
        _reader_given_a_role,
        _document_retitled,
        _document_closed,
        _clause_renamed,
        _notified,
        _recommendation_edited,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_a_kept_page_is_never_served_after_a_change_it_shows(
    world, client, hooks_run, change: Callable[[], None]
):
    """Each change to what the page shows (its thread, people, the reader's roles and header,
    its document, clause and recommendations) makes another key: Flask renders the page
    afresh, with the change, and keeps that instead."""
    client.sign_in("member@example.org")
    url = _url(world)
    _rendered_afresh_after(world, client, url, hooks_run, change)


def test_an_unhidden_comment_is_shown_again(world, client, hooks_run):
    client.sign_in("member@example.org")
    url = _url(world)
    shown = steady(_kept(client, url, hooks_run))
    with factories.built(world):
        _hidden()
    hidden = steady(_kept(client, url, hooks_run))
    with factories.built(world):
        discussions.unhide_comment(_officers_comment(), by=factories.someone("facilitator"))
    hooks_run.clear()
    again = steady(client.get(url))
    assert hooks_run and again != hidden and "Comment 1" in again and "Comment 1" in shown


def test_a_kept_page_is_served_only_until_it_changes_by_itself(
    world, client, hooks_run, monkeypatch
):
    """A comment posted "just now" says "1 minute ago" a minute later: the kept page is served
    until then, and rendered afresh after. A page whose times never change by themselves
    (dates) is kept ten minutes at most."""
    client.sign_in("member@example.org")
    url = _url(world)

    def served_at(moment: float) -> bool:
        """Whether the page is served before Flask at the Unix time ``moment`` (the cookie's
        idle clock moved on just before, as the page before would have)."""
        with client.session_transaction() as session:
            session["seen_at"] = int(moment) - 1
        monkeypatch.setattr(kept_pages, "clock", lambda: moment)
        hooks_run.clear()
        assert client.get(url).status_code == 200
        monkeypatch.undo()
        return hooks_run == []

    _kept(client, url, hooks_run)
    with world.app_context():
        newest = db.session.scalar(select(func.max(Comment.created_at))).timestamp()
    assert served_at(newest + 58)
    assert not served_at(newest + 61), "a page saying 'just now' was served a minute on"

    with factories.built(world):
        for comment in db.session.scalars(select(Comment)):
            comment.created_at = utcnow() - timedelta(days=40)  # shown as a date
    _kept(client, url, hooks_run)
    now = time.time()
    assert served_at(now + kept_pages.KEPT_SECONDS - 5)
    assert not served_at(now + kept_pages.KEPT_SECONDS + 5)


def test_pages_the_middleware_cannot_vouch_for_go_to_flask(world, client, hooks_run):
    """A fragment, a HEAD, the composer (``?reply_to=``), an address with more than a page
    number, a message waiting to be shown, an idle clock due to move on, an ended session,
    another browser's cookie and kept pages switched off are all Flask's to answer."""
    client.sign_in("member@example.org")
    url = _url(world)
    _kept(client, url, hooks_run)

    def flask_answers(path: str = url, method: str = "GET", **headers) -> int:
        hooks_run.clear()
        status = client.open(path, method=method, headers=headers).status_code
        assert hooks_run, f"{method} {path} {headers} was answered before Flask"
        return status

    assert flask_answers(**{"HX-Request": "true"}) == 200
    assert flask_answers(method="HEAD") == 200
    with world.app_context():
        comment_id = db.session.scalar(select(func.min(Comment.id)))
    assert flask_answers(f"{url}?reply_to={comment_id}") == 200
    assert flask_answers(f"{url}?page=1&page=2") == 200
    assert flask_answers(f"{url}?page=1&x=1") == 200
    assert flask_answers(**{"User-Agent": "Another browser"}) == 200
    world.config["KEPT_PAGES"] = False
    assert flask_answers() == 200
    world.config["KEPT_PAGES"] = True
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved")]
    assert "Saved" in client.get(url).get_data(as_text=True)  # shown once, by Flask
    _kept(client, url, hooks_run)
    with client.session_transaction() as session:
        session["seen_at"] -= 61
    assert flask_answers() == 200
    _kept(client, url, hooks_run)
    with factories.built(world):
        for session_row in _member().sessions:
            session_row.ended_at = utcnow()
    assert flask_answers() == 302  # to sign in


def test_another_person_in_the_same_browser_never_sees_the_first_ones_page(
    world, client, hooks_run
):
    client.sign_in("member@example.org")
    url = _url(world)
    members = steady(_kept(client, url, hooks_run))
    client.sign_in("officer@example.org")
    hooks_run.clear()
    officers = steady(client.get(url))
    assert hooks_run and officers != members


def test_a_change_committed_during_the_render_is_not_kept_under_the_older_key(
    world, client, hooks_run
):
    """The key is read again after the render and the page kept only if it is the same: a
    comment committed while the page was rendered is shown by the next reading."""
    client.sign_in("member@example.org")
    url = _url(world)
    client.get(url)  # records the reading mark

    def comment_meanwhile(response):
        world.after_request_funcs[None].remove(comment_meanwhile)
        with factories.built(world):
            _new_comment()
        return response

    world.after_request_funcs[None].append(comment_meanwhile)
    client.get(url)
    hooks_run.clear()
    shown = client.get(url).get_data(as_text=True)
    assert hooks_run, "a page rendered before a change was kept under the key read before it"
    assert "Something new to read" in shown


def test_the_middleware_is_in_front_of_the_app(world):
    assert isinstance(middleware(world, KeptPages), KeptPages)


# The clause page ---------------------------------------------------------------------------

CLAUSE = f"/documents/{ACCORD}/clauses/2"


@pytest.fixture
def voting_world(world):
    with factories.built(world):
        factories.voting_opened(factories.find_document(ACCORD))
    return world


def _clause(number: str = "2"):
    return factories.clause(factories.find_document(ACCORD), number)


def _voted_by_another() -> None:
    voting.cast_vote(factories.someone("officer"), Choice.SUPPORT, clause=_clause())


def _voted_by_the_reader() -> None:
    voting.cast_vote(_member(), Choice.OPPOSE, clause=_clause())


def _interest_declared() -> None:
    voting.cast_vote(_member(), Choice.INTEREST, clause=_clause(), interest_reason="My ward")


def _amendment_proposed() -> None:
    factories.amendment(_clause(), body="A better wording.")


def _amendment_withdrawn() -> None:
    proposed = factories.amendment(_clause(), body="Second thoughts.")
    db.session.commit()
    amendments.withdraw_amendment(proposed, by=proposed.proposer)


def _clause_voting_closed() -> None:
    voting.close_clause_voting(
        _clause(), by=factories.someone("facilitator"), reason="Agreed early"
    )


def _discussion_started() -> None:
    factories.discussion(clause=_clause(), title="Another thread")


def _neighbour_renamed() -> None:
    _clause("3").heading = "The next clause, renamed"


def _clause_heading_changed() -> None:
    _clause().heading = "A new heading for clause 2"


def _clause_recommendation_edited() -> None:
    recommendation = _clause().recommendations[0]
    recommendation.text = "Reworded"
    recommendation.version += 1


def _voting_opened_rule_changed() -> None:
    factories.find_document(ACCORD).member_turnout_percent = 60


@pytest.mark.parametrize(
    "change",
    [
        _voted_by_another,
        _voted_by_the_reader,
        _interest_declared,
        _amendment_proposed,
        _amendment_withdrawn,
        _clause_voting_closed,
        _discussion_started,
        _new_comment,
        _locked,
        _neighbour_renamed,
        _clause_heading_changed,
        _clause_recommendation_edited,
        _voting_opened_rule_changed,
        _author_renamed,
        _reader_given_a_role,
        _document_retitled,
        _document_closed,
        _notified,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_a_kept_clause_page_is_never_served_after_a_change_it_shows(
    voting_world, client, hooks_run, change: Callable[[], None]
):
    """The clause page is kept too (its key: the clause's marker, its own and its document's
    values, its neighbours, recommendations, amendments, outcomes and discussions): each change
    it shows is rendered afresh by Flask."""
    client.sign_in("member@example.org")
    _rendered_afresh_after(voting_world, client, CLAUSE, hooks_run, change)


def test_a_clause_page_read_again_is_one_statement(voting_world, client, hooks_run):
    client.sign_in("member@example.org")
    rendered = _kept(client, CLAUSE, hooks_run)
    with count_queries(voting_world) as queries:
        kept = client.get(CLAUSE)
    assert queries.count == 1, str(queries)
    assert steady(kept) == steady(rendered)
    hooks_run.clear()
    assert client.get(CLAUSE + "?x=1").status_code == 200 and hooks_run  # not the page


def test_a_release_is_told_from_another_by_everything_a_page_is_made_from(tmp_path):
    """Hosts running one release share kept pages (the digest reads paths relative to the
    release), and any change to its code, templates, static files or locked dependencies
    makes other keys (an outside tester: a release changing only Python shared keys)."""
    for name in ("one", "two"):
        for part, text in (
            ("app/filters.py", "def ago(): ..."),
            ("templates/page.html", "<p>"),
            ("static/site.css", "p{}"),
            ("requirements.lock", "flask==3.1.0"),
        ):
            path = tmp_path / name / part
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    same = kept_pages.release_digest(str(tmp_path / "one"))
    assert kept_pages.release_digest(str(tmp_path / "two")) == same
    for part in ("app/filters.py", "templates/page.html", "static/site.css", "requirements.lock"):
        root = tmp_path / f"changed-{part.replace('/', '-')}"
        for original in (tmp_path / "one").rglob("*"):
            if original.is_file():
                copy = root / original.relative_to(tmp_path / "one")
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(original.read_text())
        (root / part).write_text((root / part).read_text() + " changed")
        assert kept_pages.release_digest(str(root)) != same, part


def test_comments_posted_while_others_read_are_all_shown_at_the_next_reading(world):
    """Two Members reload a discussion page while an Officer posts comments, at once on their
    own connections (on PostgreSQL, the production case): no answer is a 500, every posted
    comment is acknowledged, and the next reading (kept or not) shows every one of them."""
    url = _url(world)
    readers = [world.test_client() for _ in range(2)]
    for reader in readers:
        reader.sign_in("member@example.org")
    writer = world.test_client()
    writer.sign_in("officer@example.org")
    texts = [f"Posted at once {number}" for number in range(6)]

    def read() -> list[int]:
        return [reader.get(url).status_code for reader in readers for _ in range(6)]

    def write() -> list[int]:
        page = writer.get(url).get_data(as_text=True)
        statuses = []
        for text in texts:
            key = SUBMISSION_KEY.search(page)[1]
            statuses.append(
                writer.post_form(
                    url + "/comments", {"body": text, "submission_key": key}
                ).status_code
            )
            page = writer.get(url).get_data(as_text=True)
        return statuses

    reading, writing = at_once(read, write)
    assert not isinstance(reading, BaseException) and set(reading) == {200}, reading
    assert not isinstance(writing, BaseException) and set(writing) == {303}, writing
    for reader in readers:
        for _ in range(3):  # read, kept, served kept
            shown = reader.get(url).get_data(as_text=True)
            assert all(text in shown for text in texts)
