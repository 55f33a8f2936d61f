"""Rendered comment cards come from the shared cache (app/fragments.py), and never stale: an
edit, hide, unhide, vote or role change shows at once, to the viewers it concerns."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.discussions import threads
from app.extensions import cache, db
from app.models import Choice, Comment, Discussion, Role
from app.models.base import utcnow
from app.services import voting
from tests import factories
from tests.helpers import count_queries
from tests.snapshots import snapshot

ACCORD = "ways-of-working-accord"
CSRF_VALUE = re.compile(r'name="csrf_token" value="([^"]+)"')
THREAD = re.compile(r'<div id="thread".*?<div id="composer"', re.S)


@pytest.fixture
@snapshot
def world(app):
    """The five role accounts, an Open Accord, and a discussion on clause 2 with a comment by
    the Member (a Labour councillor) after the opening one."""
    with factories.built(app):
        people = factories.everyone()
        document = factories.document(clauses=5)
        discussion = factories.discussion(clause=factories.clause(document, "2"))
        factories.comment(discussion, "The member's **point**", by=people[Role.MEMBER])
    return app


@pytest.fixture(autouse=True)
def _rendered_by_flask(app):
    """These tests are of the fragments Flask renders pages from, some changed behind the
    app's back (a card's stored HTML, a comment's time of posting): every page here is
    rendered, none served whole (tests/web/test_kept_pages.py)."""
    app.config["KEPT_PAGES"] = False


def _ids(app) -> tuple[int, int]:
    """The discussion's id and the Member's comment's id."""
    with app.app_context():
        comment = db.session.scalars(select(Comment).where(Comment.body.like("%point%"))).one()
        return comment.discussion_id, comment.id


def _client(app, email: str):
    client = app.test_client()
    client.sign_in(email)
    return client


def _thread(client, url: str) -> str:
    """The thread as the client sees it, with its CSRF tokens set aside (they differ by time)."""
    html = client.get(url).get_data(as_text=True)
    return CSRF_VALUE.sub('name="csrf_token" value=""', THREAD.search(html).group(0))


def _fresh(app, client, url: str) -> str:
    """The thread rendered with an empty cache, to compare with what the cache gave."""
    with app.app_context():
        cache.clear()
    return _thread(client, url)


def test_a_card_comes_from_the_cache_until_its_comment_changes(world):
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    assert "The member's <strong>point</strong>" in _thread(officer, url)
    # Stored HTML changed behind the comment's back (no new marker): the cached card stands,
    # which shows the card came from the cache.
    with factories.built(world):
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(body_html="<p>BEHIND ITS BACK</p>")
        )
    assert "BEHIND ITS BACK" not in _thread(officer, url)
    member = _client(world, "member@example.org")
    edited = member.post_form(
        f"/comments/{comment_id}/edit", {"body": "A better point", "edit_count": "0"}
    )
    assert edited.status_code == 303
    shown = _thread(officer, url)
    assert "A better point" in shown and "Edited" in shown
    assert shown == _fresh(world, officer, url)


def test_hiding_and_unhiding_show_at_once_to_readers_and_facilitators(world):
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    facilitator = _client(world, "facilitator@example.org")
    assert "The member's" in _thread(officer, url) and "Hide" in _thread(facilitator, url)
    hidden = facilitator.post_form(f"/comments/{comment_id}/hide", {"reason": "Off topic"})
    assert hidden.status_code == 303
    seen = _thread(officer, url)
    assert "Hidden by a facilitator" in seen and "The member's" not in seen
    assert "Unhide" not in seen
    page = facilitator.get(url).get_data(as_text=True)
    assert f'id="unhide-{comment_id}"' in page and "accord-csrf-token" not in page
    assert len(set(CSRF_VALUE.findall(page))) == 1  # the Unhide form carries their own token
    assert facilitator.post_form(f"/comments/{comment_id}/unhide").status_code == 303
    seen = _thread(officer, url)
    assert "The member's <strong>point</strong>" in seen and "Hidden by" not in seen
    assert seen == _fresh(world, officer, url)


def test_the_unhide_form_carries_each_facilitators_own_token(world):
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    with factories.built(world):
        factories.facilitator(email="second.facilitator@example.org")
    first = _client(world, "facilitator@example.org")
    first.post_form(f"/comments/{comment_id}/hide", {"reason": "Off topic"})
    first.get(url)  # fills the cache
    second = _client(world, "second.facilitator@example.org")
    page = second.get(url).get_data(as_text=True)
    token = re.search(
        rf'action="/comments/{comment_id}/unhide".*?name="csrf_token" value="([^"]+)"', page, re.S
    ).group(1)
    assert (
        second.post(f"/comments/{comment_id}/unhide", data={"csrf_token": token}).status_code == 303
    )


def test_a_vote_and_role_changes_never_show_a_stale_card(world):
    discussion_id, _ = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    before = _thread(officer, url)
    assert "Facilitator</strong>" not in before and 'id="hide-' not in before
    with factories.built(world):
        document = factories.find_document(ACCORD)
        factories.voting_opened(document)
        member = factories.user("member@example.org")
        voting.cast_vote(member, Choice.SUPPORT, clause=factories.clause(document, "2"))
    assert _thread(officer, url) == _fresh(world, officer, url)
    # The author's roles change their badges on every card of theirs …
    with factories.built(world):
        member = factories.user("member@example.org")
        member.set_roles({Role.MEMBER, Role.FACILITATOR})
    assert "app-badge--facilitator" in _thread(officer, url)
    # … and the viewer's roles what they may do.
    with factories.built(world):
        factories.user("officer@example.org").set_roles({Role.OFFICER, Role.ADMIN})
    assert "Audit history" in _thread(officer, url)
    assert _thread(officer, url) == _fresh(world, officer, url)


def test_ones_own_card_loses_its_edit_link_when_the_window_closes(world):
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    member = _client(world, "member@example.org")
    assert f'id="edit-{comment_id}"' in _thread(member, url)
    officer = _client(world, "officer@example.org")
    assert f'id="edit-{comment_id}"' not in _thread(officer, url)  # not theirs
    world.config["COMMENT_EDIT_WINDOW_MINUTES"] = 0
    assert f'id="edit-{comment_id}"' not in _thread(member, url)


def test_a_cache_that_cannot_be_reached_costs_speed_not_the_page(database_url, caplog):
    """The cache only saves work: with its Redis down, cards, tallies and the voters' list are
    made afresh on every page that keeps them there (issue 19: while Redis is down the rest of
    the product keeps working)."""
    from tests import databases
    from tests.helpers import AccordClient, free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with databases.app_for(
        database_url,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=dead,
        CACHE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
    ) as app:
        app.test_client_class = AccordClient
        with factories.built(app):
            member = factories.member()
            document = factories.voting_opened()
            clause = factories.clause(document, "1")
            voting.cast_vote(member, Choice.SUPPORT, clause=clause)
            discussion_id = factories.discussion(clause=clause, comments=2).id
            slug = document.slug
        client = app.test_client()
        client.sign_in("member@example.org")
        page = client.get(f"/discussions/{discussion_id}")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count("app-comment") >= 2
        assert "shared cache could not be read" in caplog.text
        # The tallies, counted afresh: the member's vote on clause 1.
        shown = {
            f"/documents/{slug}/clauses/1": 'data-label="Support">1 <span class="app-meta">(100%)',
            f"/documents/{slug}": "Members 1 for, 0 against; Officers 0 for, 0 against",
        }
        for url, tally in shown.items():
            caplog.clear()
            page = client.get(url)
            assert page.status_code == 200, url
            assert tally in page.get_data(as_text=True), url
            assert "shared cache could not be read" in caplog.text, url


# The whole list of comments on a page ----------------------------------------------------


def _summary_and_page(app, discussion_id: int, page: int):

    with app.test_request_context():
        discussion = db.session.get(Discussion, discussion_id)
        return threads.summarise_page(discussion, page), threads.load_page(discussion, page)


def test_a_pages_summary_reads_what_loading_it_would(world):
    """``summarise_page`` (one statement, no comment objects) and ``load_page`` agree on the
    page, its marker and what it shows: top-level comments, their first replies and how many
    replies each has, on a first page, a later one, one past the end and an empty thread."""
    world.config.update(COMMENTS_PER_PAGE=3, REPLIES_SHOWN=2)
    discussion_id, _ = _ids(world)
    with factories.built(world):
        member = factories.user("member@example.org")
        discussion = db.session.get(Discussion, discussion_id)
        roots = [factories.comment(discussion, f"Root {n}") for n in range(5)]
        # Badges: an author with two roles, and one with none left.
        both = factories.person(Role.MEMBER, email="both@example.org")
        both.set_roles({Role.MEMBER, Role.FACILITATOR})
        factories.comment(discussion, "Two hats", by=both, parent=roots[0])
        nobody = factories.person(Role.OFFICER, email="no-roles@example.org")
        factories.comment(discussion, "No hat", by=nobody, parent=roots[0])
        nobody.set_roles(set())
        for n in range(4):
            factories.comment(discussion, f"Reply {n}", by=member, parent=roots[1])
        factories.comment(discussion, "Late reply", parent=roots[4])
        empty = Discussion(document=discussion.document, title="Nothing said yet")
        empty.started_by = member
        db.session.add(empty)
        db.session.flush()
        empty_id = empty.id
    for page in (1, 2, 3, 9):
        summary, loaded = _summary_and_page(world, discussion_id, page)
        assert (summary.number, summary.pages, summary.total) == (
            loaded.number,
            loaded.pages,
            loaded.total,
        )
        assert summary.etag == loaded.etag and summary.mark == loaded.mark
        shown = [c.id for c in loaded.comments for c in [c, *loaded.replies[c.id]]]
        assert sorted(c.id for c in summary.shown) == sorted(shown)
        assert dict(summary.reply_counts) == loaded.reply_counts
        badges = {
            c.id: {role.value for role in c.author.roles}
            for c in loaded.comments
            for c in [c, *loaded.replies[c.id]]
        }
        assert {c.id: set(filter(None, (c.roles or "").split(","))) for c in summary.shown} == (
            badges
        )
    summary, loaded = _summary_and_page(world, empty_id, 1)
    assert (summary.total, summary.pages, summary.shown) == (0, 1, ())
    assert summary.etag == loaded.etag


def _list_of_comments(client, url: str) -> str:
    return re.search(
        r'<h2 class="govuk-heading-m">Comments</h2>(.*?)</div>\s*<div id="composer"',
        client.get(url).get_data(as_text=True),
        re.S,
    ).group(1)


def test_the_whole_list_comes_from_the_cache_until_something_it_shows_changes(world):
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    first = _list_of_comments(officer, url)
    # The list is kept whole: a card dropped from the cache behind its back does not matter.
    with factories.built(world):
        db.session.execute(
            update(Comment).where(Comment.id == comment_id).values(body_html="<p>HIDDEN EDIT</p>")
        )
    assert _list_of_comments(officer, url) == first
    # The author's name changed (nothing on the comment did): shown at once.
    with factories.built(world):
        factories.user("member@example.org").display_name = "Councillor Renamed"
    assert "Councillor Renamed" in _list_of_comments(officer, url)
    # Time passed (nothing in the database changed but the clock): the relative time moves on.
    with factories.built(world):
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(created_at=utcnow() - timedelta(hours=3, minutes=1))
        )
    assert "3 hours ago" in _list_of_comments(officer, url)
    assert _thread(officer, url) == _fresh(world, officer, url)


def test_a_new_reply_and_a_new_page_show_at_once_to_everyone_on_the_page(world):
    world.config.update(COMMENTS_PER_PAGE=2)
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    assert "Later comments" not in _list_of_comments(officer, url)
    member = _client(world, "member@example.org")
    replied = member.post_form(f"{url}/comments", {"body": "A reply", "parent_id": comment_id})
    assert replied.status_code == 303
    assert "A reply" in _list_of_comments(officer, url)
    assert member.post_form(f"{url}/comments", {"body": "Onto page 2"}).status_code == 303
    listed = _list_of_comments(officer, url)
    assert "Later comments" in listed and "Onto page 2" not in listed
    assert "Onto page 2" in _list_of_comments(officer, f"{url}?page=2")
    assert _thread(officer, url) == _fresh(world, officer, url)


def test_a_cached_page_costs_one_statement_for_its_comments(world):
    discussion_id, _ = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    with count_queries(world) as cold:
        officer.get(url)
    with count_queries(world) as warm:
        assert officer.get(url).status_code == 200
    # The session, the discussion and the page's summary: the comments are not loaded, and the
    # "last looked" mark, written by the first view, already covers the page.
    assert warm.count == cold.count - 3 == 3, str(warm)


def test_a_release_with_other_templates_never_takes_an_earlier_releases_fragments(world):
    """Two releases side by side (a rolling deployment) share the cache: the keys carry a
    digest of the templates' source, so a card or list from the other release is never used."""
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    officer = _client(world, "officer@example.org")
    officer.get(url)
    with factories.built(world):
        db.session.execute(
            update(Comment).where(Comment.id == comment_id).values(body_html="<p>NEW RELEASE</p>")
        )
    assert "NEW RELEASE" not in _list_of_comments(officer, url)  # the same release: cached
    world.extensions["fragment_templates"] = "another release's templates"
    assert "NEW RELEASE" in _list_of_comments(officer, url)


PLACEHOLDERS = ("<accord-csrf-token>", "&lt;accord-csrf-token&gt;", "__accord_csrf_token__")


def test_what_people_write_never_takes_the_viewers_token(world):
    """Only the Unhide form's own field gets the viewer's CSRF token: text that looks like
    the placeholder, in a comment, a reply shown a link away, a hide reason or a name, is shown
    as written (found by the outside tester: a link in a comment carried each reader's token
    to another site)."""
    world.config.update(REPLIES_SHOWN=1)
    discussion_id, comment_id = _ids(world)
    url = f"/discussions/{discussion_id}"
    member = _client(world, "member@example.org")
    for text in PLACEHOLDERS:
        body = f"[Briefing](https://elsewhere.example/?t={text}) and `{text}`"
        posted = member.post_form(f"{url}/comments", {"body": body, "parent_id": comment_id})
        assert posted.status_code == 303
    facilitator = _client(world, "facilitator@example.org")
    reason = {"reason": "See <accord-csrf-token> and __accord_csrf_token__"}
    assert facilitator.post_form(f"/comments/{comment_id}/hide", reason).status_code == 303
    with factories.built(world):
        factories.user("member@example.org").display_name = "Cllr <accord-csrf-token>"
    for viewer in (facilitator, _client(world, "officer@example.org")):
        token = viewer.csrf_token()
        for _ in range(2):  # made, then from the cache
            # The first reply on the page, the others a link away.
            page = "".join(
                viewer.get(address).get_data(as_text=True)
                for address in (url, f"/comments/{comment_id}/replies?start=1")
            )
            links = re.findall(r'href="https://elsewhere\.example/\?t=([^"]*)"', page)
            assert len(links) >= 3 and all(token not in link for link in links), links
            assert "<code>__accord_csrf_token__</code>" in page
            assert "<code>&lt;accord-csrf-token&gt;</code>" in page
            assert "<code>&amp;lt;accord-csrf-token&amp;gt;</code>" in page
            assert "Cllr &lt;accord-csrf-token&gt;" in page
    page = facilitator.get(url).get_data(as_text=True)
    assert "See &lt;accord-csrf-token&gt; and __accord_csrf_token__" in page


def test_a_tighter_sanitiser_is_seen_at_once_in_cached_lists(world, monkeypatch):
    """A release that tightens the sanitiser (a higher POLICY_VERSION) never shows HTML made
    under the older policy, cached or stored (app/markdown.py; found by the outside tester)."""
    from app import markdown

    discussion_id, _ = _ids(world)
    url = f"/discussions/{discussion_id}"
    member = _client(world, "member@example.org")
    member.post_form(f"{url}/comments", {"body": "[a link](https://example.net/x)"})
    officer = _client(world, "officer@example.org")
    assert 'href="https://example.net/x"' in _list_of_comments(officer, url)  # now cached
    monkeypatch.setattr(markdown, "POLICY_VERSION", markdown.POLICY_VERSION + 1)
    monkeypatch.setattr(markdown, "ALLOWED_TAGS", markdown.ALLOWED_TAGS - {"a"})
    assert 'href="https://example.net/x"' not in _list_of_comments(officer, url)
