"""Rendered comment cards come from the shared cache (app/fragments.py), and never stale: an
edit, hide, unhide, vote or role change shows at once, to the viewers it concerns."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app.extensions import cache, db
from app.models import Choice, Comment, Role
from app.services import voting
from tests import factories

ACCORD = "ways-of-working-accord"
CSRF_VALUE = re.compile(r'name="csrf_token" value="([^"]+)"')
THREAD = re.compile(r'<div id="thread".*?<div id="composer"', re.S)


@pytest.fixture
def world(app):
    """The five role accounts, an Open Accord, and a discussion on clause 2 with a comment by
    the Member (a Labour councillor) after the opening one."""
    with factories.built(app):
        people = factories.everyone()
        document = factories.document(clauses=5)
        discussion = factories.discussion(clause=factories.clause(document, "2"))
        factories.comment(discussion, "The member's **point**", by=people[Role.MEMBER])
    return app


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
    assert f'id="unhide-{comment_id}"' in page and "__accord_csrf_token__" not in page
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
    """The cache only saves work: with its Redis down, cards are made afresh (issue 19: while
    Redis is down the rest of the product keeps working)."""
    from tests import databases
    from tests.helpers import AccordClient, free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    cleanup = databases.truncate_all if database_url.startswith("postgresql") else None
    with databases.app_for(
        database_url,
        cleanup=cleanup,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=dead,
        CACHE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
    ) as app:
        app.test_client_class = AccordClient
        with factories.built(app):
            factories.member()
            discussion_id = factories.discussion(comments=2).id
        client = app.test_client()
        client.sign_in("member@example.org")
        page = client.get(f"/discussions/{discussion_id}")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count("app-comment") >= 2
        assert "shared cache could not be read" in caplog.text
