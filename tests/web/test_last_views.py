"""New since you last looked: marks on the document page, cleared by a view, in one query."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Clause, Comment, Discussion, LastView, User, ViewedKind
from app.services import amendments
from tests import factories
from tests.helpers import count_queries

MARK = re.compile(r'id="new-since-(\w+)">Since you last looked: ([^<]+?)\.')


def _marks(client, slug: str) -> dict[str, str]:
    return dict(MARK.findall(client.get(f"/documents/{slug}").get_data(as_text=True)))


def test_another_persons_comment_marks_the_clause_until_it_is_viewed(app, client):
    with factories.built(app):
        factories.member()
        document = factories.document(clauses=3)
        discussion = factories.discussion(document, factories.clause(document, "2"))
        slug, discussion_id = document.slug, discussion.id
    client.sign_in("member@example.org")
    for number in ("1", "2", "3"):
        client.get(f"/documents/{slug}/clauses/{number}")
    assert _marks(client, slug) == {}

    with factories.built(app):
        factories.comment(db.session.get(Discussion, discussion_id), "I see it differently")
        factories.amendment(
            factories.clause(factories.find_document(slug), "3"), by=factories.officer()
        )
    page = client.get(f"/documents/{slug}").get_data(as_text=True)
    assert dict(MARK.findall(page)) == {"2": "1 new comment", "3": "a new amendment"}
    assert 'New<span class="govuk-visually-hidden"> since you last looked' in page

    # Their own comment is not new to them; viewing the clause clears its mark.
    with factories.built(app):
        factories.comment(
            db.session.get(Discussion, discussion_id),
            "Mine",
            by=factories.user("member@example.org"),
        )
    client.get(f"/documents/{slug}/clauses/3")
    assert _marks(client, slug) == {"2": "1 new comment"}
    # Reading the discussion itself counts too.
    client.get(f"/discussions/{discussion_id}")
    assert _marks(client, slug) == {}


def test_a_new_wording_offers_what_changed_since_the_wording_they_saw(app, client):
    with factories.built(app):
        factories.member()
        document = factories.document(clauses=1)
        slug = document.slug
    client.sign_in("member@example.org")
    client.get(f"/documents/{slug}/clauses/1")
    with factories.built(app):
        clause = factories.clause(factories.find_document(slug))
        amendments.edit_clause(
            clause,
            clause.heading,
            "Members and Officers **always** trust each other's roles.",
            "Stronger",
            by=factories.facilitator(),
            seen_revision=clause.revision_number,
        )
    page = client.get(f"/documents/{slug}").get_data(as_text=True)
    assert dict(MARK.findall(page)) == {"1": "a new wording"}
    link = f"/documents/{slug}/clauses/1/changes?from=1"
    assert f'href="{link}"' in page
    changes = client.get(link)
    assert changes.status_code == 200 and "always" in changes.get_data(as_text=True)
    client.get(f"/documents/{slug}/clauses/1")
    assert _marks(client, slug) == {}
    with app.app_context():
        (view,) = db.session.query(LastView).filter_by(kind=ViewedKind.CLAUSE).all()
        assert view.revision_number == 2


def test_viewing_twice_keeps_one_row_per_person_and_clause(app, client):
    with factories.built(app):
        factories.member()
        slug = factories.document(clauses=1).slug
    client.sign_in("member@example.org")
    client.get(f"/documents/{slug}/clauses/1")
    client.get(f"/documents/{slug}/clauses/1")
    with app.app_context():
        assert db.session.query(LastView).count() == 1


def _grow(app, slug: str, start: int, count: int) -> None:
    """``count`` more clauses, each viewed by the Member and then commented on by an Officer."""
    from app.services import last_views

    with factories.built(app):
        document = factories.find_document(slug)
        member = factories.user("member@example.org")
        for n in range(start, start + count):
            clause = factories.add_clause(document, f"Clause {n}", f"Wording {n}.")
            last_views.record_view(
                member, ViewedKind.CLAUSE, clause.id, document.id, clause.revision_number
            )
        db.session.flush()
        officer = factories.officer(email=f"officer-from-{start}@example.org")
        for clause in document.all_clauses[-count:]:
            factories.discussion(document, clause, comments=1, by=officer)


def test_the_document_page_marks_take_constant_statements_at_10_and_100(app, client):
    with factories.built(app):
        factories.member()
        slug = factories.document(clauses=0).slug
    client.sign_in("member@example.org")
    _grow(app, slug, 1, 10)
    client.get(f"/documents/{slug}")
    with count_queries(app) as ten:
        page = client.get(f"/documents/{slug}").get_data(as_text=True)
    assert len(MARK.findall(page)) == 10
    _grow(app, slug, 11, 90)
    client.get(f"/documents/{slug}")  # as for ten: the shared tally cache warmed once
    with count_queries(app) as hundred:
        page = client.get(f"/documents/{slug}").get_data(as_text=True)
    assert len(MARK.findall(page)) == 100
    assert hundred.count == ten.count, hundred
    marks = [s for s in hundred.statements if s.startswith("SELECT last_views.object_id")]
    assert len(marks) == 1, "the marks are one query"


def _mark_writes(queries) -> list[str]:
    return [s for s in queries.statements if s.startswith("INSERT INTO last_views")]


def _viewed_at(app, kind: ViewedKind):
    with app.app_context():
        return db.session.scalars(select(LastView.viewed_at).filter_by(kind=kind)).one()


def _clause_and_discussion(app) -> tuple[str, str]:
    """A Member signs in to a one-clause document with a discussion of two comments."""
    with factories.built(app):
        factories.member()
        document = factories.document(clauses=1)
        discussion = factories.discussion(
            document, factories.clause(document, "1"), comments=2, by=factories.officer()
        )
        return f"/documents/{document.slug}/clauses/1", f"/discussions/{discussion.id}"


@pytest.mark.parametrize("kind", [ViewedKind.CLAUSE, ViewedKind.DISCUSSION])
def test_a_reload_with_nothing_new_writes_no_mark_and_a_new_comment_writes_one(app, client, kind):
    clause_page, discussion_page = _clause_and_discussion(app)
    page = clause_page if kind is ViewedKind.CLAUSE else discussion_page
    client.sign_in("member@example.org")
    client.get(page)
    first = _viewed_at(app, kind)

    with count_queries(app) as queries:
        assert client.get(page).status_code == 200
    assert _mark_writes(queries) == [], "the mark already covers the page"
    assert _viewed_at(app, kind) == first

    with factories.built(app):
        discussion = db.session.scalars(select(Discussion)).one()
        factories.comment(discussion, "Posted after the first look", by=factories.officer())
    with count_queries(app) as queries:
        client.get(page)
    (write,) = _mark_writes(queries)
    assert "ON CONFLICT" in write.upper()
    assert _viewed_at(app, kind) > first
    with count_queries(app) as queries:
        client.get(page)
    assert _mark_writes(queries) == []


@pytest.mark.parametrize("change", ["amendment", "wording", "own comment"])
def test_a_clause_view_writes_its_mark_after_any_change_the_marks_read(app, client, change):
    """An amendment or a new wording since the last look is new to the reader (their own
    comment is not, but the mark is simply written again)."""
    clause_page, _ = _clause_and_discussion(app)
    client.sign_in("member@example.org")
    client.get(clause_page)
    first = _viewed_at(app, ViewedKind.CLAUSE)
    with factories.built(app):
        clause = db.session.scalars(select(Clause)).one()
        if change == "amendment":
            factories.amendment(clause, by=factories.officer())
        elif change == "wording":
            factories.new_wording(clause)
        else:
            factories.comment(
                db.session.scalars(select(Discussion)).one(),
                "Mine",
                by=factories.user("member@example.org"),
            )
    with count_queries(app) as queries:
        client.get(clause_page)
    assert len(_mark_writes(queries)) == 1
    # The mark's time is the newest comment or amendment the page read; the wording has its
    # own part of the mark.
    if change == "wording":
        assert _viewed_at(app, ViewedKind.CLAUSE) == first
    else:
        assert _viewed_at(app, ViewedKind.CLAUSE) > first
    if change == "wording":
        with app.app_context():
            assert db.session.scalars(select(LastView.revision_number)).one() == 2


def test_a_page_records_its_mark_though_someone_wrote_while_it_was_reading(app, client):
    """Two people at once: while one page is being read, another request writes. On SQLite a
    read transaction may not then write ("database is locked" at once, whatever the busy
    timeout), so the page's mark must be written in a transaction of its own."""
    with factories.built(app):
        factories.member()
        factories.officer()
        document = factories.document(clauses=2)
        discussion = factories.discussion(document, factories.clause(document, "1"))
        slug, discussion_id = document.slug, discussion.id
    client.sign_in("member@example.org")
    pages = (f"/documents/{slug}/clauses/1", f"/discussions/{discussion_id}")
    for page in pages:
        client.get(page)
    with app.app_context():
        engine = db.engine
    written = []

    def someone_else_writes(conn, cursor, statement, parameters, context, executemany):
        if written or not statement.lstrip().upper().startswith("SELECT"):
            return
        written.append(statement)
        with engine.connect() as other:  # another worker's connection
            other.execute(
                update(User).where(User.email == "officer@example.org").values(ward="Town")
            )
            other.commit()

    for page in pages:
        written.clear()
        with factories.built(app):
            db.session.execute(delete(LastView))
        event.listen(engine, "after_cursor_execute", someone_else_writes)
        try:
            response = client.get(page)
        finally:
            event.remove(engine, "after_cursor_execute", someone_else_writes)
        assert written and response.status_code == 200, page
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(LastView)) == 1, page


# The statement of each page that reads what its reading mark covers.
READS_THE_MARK = {ViewedKind.DISCUSSION: " AS total", ViewedKind.CLAUSE: "clause_recommendations"}


@pytest.mark.parametrize("kind", [ViewedKind.DISCUSSION, ViewedKind.CLAUSE])
def test_a_comment_committed_while_the_page_is_made_is_still_new_next_time(app, client, kind):
    """Outside testing: a comment posted (created) before a discussion page wrote its reading
    mark, but committed after the page had read the thread, was never shown yet counted as
    seen (44 rounds in 60): the mark was the time it was written. It is now when the newest
    comment (or, for a clause, amendment) the page read was posted."""
    clause_page, discussion_page = _clause_and_discussion(app)
    page = clause_page if kind is ViewedKind.CLAUSE else discussion_page
    with app.app_context():
        discussion = db.session.scalars(select(Discussion)).one()
        discussion_id, officer_id = discussion.id, discussion.started_by_id
        engine = db.engine
    client.sign_in("member@example.org")
    posted = []

    def someone_posts_while_the_page_renders(conn, cursor, statement, *args):
        if posted or READS_THE_MARK[kind] not in statement or "last_views" not in statement:
            return
        with Session(engine) as other:  # another worker, committing after the page's read
            comment = Comment(
                discussion_id=discussion_id,
                author_id=officer_id,
                body="Posted while the page was being made",
                clause_revision_number=1,
            )
            other.add(comment)
            other.commit()
            posted.append(comment.created_at)

    event.listen(engine, "after_cursor_execute", someone_posts_while_the_page_renders)
    try:
        assert client.get(page).status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", someone_posts_while_the_page_renders)
    # A later statement of the page may have shown it: either way the mark stops before it,
    # and it is new to them until a page has read it.
    assert posted and _viewed_at(app, kind) < posted[0]
    assert client.get(page).status_code == 200
    assert _viewed_at(app, kind) == posted[0]
