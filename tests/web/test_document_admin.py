"""Managing documents: creating them, adding, moving, numbering, retiring and reinstating
clauses, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Clause,
    ClauseRevision,
    Document,
    DocumentKind,
    DocumentStatus,
)
from app.rules import is_clause_voting_open
from app.services import DomainError, lifecycle, voting
from app.services import clauses as service
from app.services.documents import create_document
from tests import factories
from tests.helpers import count_queries
from tests.snapshots import snapshot

FACILITATOR = "facilitator@example.org"


@pytest.fixture
@snapshot
def council(app):
    """The five role accounts and the shipped recommendations; no documents."""
    with factories.built(app):
        factories.everyone()
        factories.recommendations()
    return app


def _new_document(app, headings=("Trust", "Roles", "Respect"), status=DocumentStatus.DRAFT):
    """A document of ours with clauses 1, 2, 3 …, each answering CR g; returns its slug."""
    with app.app_context():
        by = factories.user(FACILITATOR)
        document = create_document(DocumentKind.ACCORD, "Test Accord", "For the tests.", by=by)
        recommendation = factories.recommendation("CR g")
        for heading in headings:
            service.new_clause(
                document, heading, f"{heading} text.", by=by, recommendations=[recommendation]
            )
        document.status = status
        db.session.commit()
        return document.slug


def _order(app, slug: str) -> list[tuple[str, str]]:
    """(number, heading) of the live clauses in order."""
    with app.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
        return [(c.number, c.heading) for c in document.clauses]


def _clause_id(app, heading: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Clause.id).filter_by(heading=heading)).one()


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _manage(slug: str) -> str:
    return f"/documents/{slug}/manage"


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["member@example.org", "officer@example.org", "standards@example.org"]
)
def test_members_officers_and_the_committee_cannot_create_or_manage(council, client, email):
    slug = _new_document(council, status=DocumentStatus.OPEN)
    trust = _clause_id(council, "Trust")
    client.sign_in(email)
    assert "Create a document" not in client.get("/").get_data(as_text=True)
    assert client.get("/documents/new").status_code == 403
    assert client.post_form("/documents/new", {"kind": "accord", "title": "X"}).status_code == 403
    assert client.get(_manage(slug)).status_code == 403
    assert client.post_form(f"{_manage(slug)}/add", {}).status_code == 403
    move = client.post_form(f"{_manage(slug)}/{trust}/move", {"direction": "down"})
    assert move.status_code == 403
    assert client.post_form(f"{_manage(slug)}/{trust}/retire", {"reason": "x"}).status_code == 403
    assert client.post_form(f"{_manage(slug)}/{trust}/number", {"number": "9"}).status_code == 403
    assert "Manage the clauses" not in client.get(f"/documents/{slug}").get_data(as_text=True)
    assert _order(council, slug) == [("1", "Trust"), ("2", "Roles"), ("3", "Respect")]


@pytest.mark.parametrize("email", [FACILITATOR, "admin@example.org"])
def test_facilitators_and_admins_create_and_manage(council, client, email):
    slug = _new_document(council, status=DocumentStatus.CLOSED)
    client.sign_in(email)
    assert "Create a document" in client.get("/").get_data(as_text=True)
    assert client.get("/documents/new").status_code == 200
    assert client.get(_manage(slug)).status_code == 200
    assert "Manage the clauses" in client.get(f"/documents/{slug}").get_data(as_text=True)


@pytest.mark.parametrize("status", [DocumentStatus.SUBMITTED, DocumentStatus.ADOPTED])
def test_clauses_are_not_managed_once_submitted(council, client, status):
    slug = _new_document(council, status=status)
    trust = _clause_id(council, "Trust")
    client.sign_in(FACILITATOR)
    # A facilitator may manage clauses: the state is the reason (409, saying so), not a 403.
    for response in (
        client.get(_manage(slug)),
        client.get(f"{_manage(slug)}/add"),
        client.post_form(f"{_manage(slug)}/{trust}/move", {"direction": "down"}),
        client.get(f"{_manage(slug)}/{trust}/retire"),
    ):
        assert response.status_code == 409
        assert "can no longer change" in response.get_data(as_text=True)
    assert _order(council, slug)[0] == ("1", "Trust")


# Creating a document ---------------------------------------------------------------------------


def test_a_facilitator_creates_a_draft_document(council, client):
    client.sign_in(FACILITATOR)
    response = client.post_form(
        "/documents/new",
        {"kind": "protocol", "title": "Protocol 2027: draft", "summary": "The revised one."},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/documents/protocol-2027-draft/manage")
    with council.app_context():
        document = db.session.scalars(select(Document).filter_by(slug="protocol-2027-draft")).one()
        assert (document.kind, document.status) == (DocumentKind.PROTOCOL, DocumentStatus.DRAFT)
        assert document.title == "Protocol 2027: draft" and document.summary == "The revised one."
    assert _actions(council)[-1] == "document.created"
    page = client.get("/documents/protocol-2027-draft/manage").get_data(as_text=True)
    assert "is created as a Draft" in page and "This document has no clauses yet" in page
    client.sign_in("member@example.org")
    assert client.get("/documents/protocol-2027-draft").status_code == 403  # a Draft


def test_document_titles_are_unique_and_slugs_get_a_suffix(seeded, client):
    client.sign_in(FACILITATOR)
    with seeded.app_context():
        before = db.session.scalar(select(func.count()).select_from(Document))
    same = client.post_form(
        "/documents/new",
        {"kind": "accord", "title": "Ways of Working Accord", "summary": "Again"},
    )
    html = same.get_data(as_text=True)
    assert same.status_code == 422 and "There is a problem" in html
    assert "A document with this title already exists" in html
    assert 'value="Ways of Working Accord"' in html  # what was typed is kept
    # A different title whose slug is taken (and "new", which is a page) gets a number.
    for title, slug in (("Ways of working — accord", "ways-of-working-accord-2"), ("New", "new-2")):
        response = client.post_form(
            "/documents/new", {"kind": "accord", "title": title, "summary": "S"}
        )
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/documents/{slug}/manage")
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == before + 2
    assert client.get("/documents/new").status_code == 200  # still the form, not a document


def test_creating_a_document_needs_every_field(council, client):
    client.sign_in(FACILITATOR)
    with council.app_context():
        before = db.session.scalar(select(func.count()).select_from(Document))
    response = client.post_form("/documents/new", {"title": "   ", "summary": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and 'class="govuk-error-message"' in html
    for message in (
        "Choose what kind of document it is",
        "Enter the document&#39;s title",
        "Enter a short summary of the document",
    ):
        assert message in html
    bad_kind = client.post_form("/documents/new", {"kind": "minutes", "title": "T", "summary": "S"})
    assert bad_kind.status_code == 422
    with council.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == before


# Adding clauses ---------------------------------------------------------------------------------


def _add(client, slug, heading, after="end", recommendations=("1",)):
    return client.post_form(
        f"{_manage(slug)}/add",
        {
            "heading": heading,
            "body": f"{heading} in **Markdown**.",
            "recommendations": list(recommendations),
            "after": after,
        },
    )


def test_adding_clauses_at_the_end_after_another_and_first(council, client):
    slug = _new_document(council)
    client.sign_in(FACILITATOR)
    form = client.get(f"{_manage(slug)}/add").get_data(as_text=True)
    assert "At the end" in form and "After 2: Roles" in form and "Find a recommendation" in form
    response = _add(client, slug, "Openness")
    assert response.status_code == 303 and "#clause-" in response.headers["Location"]
    trust = _clause_id(council, "Trust")
    assert _add(client, slug, "Listening", after=str(trust)).status_code == 303
    assert _add(client, slug, "Purpose", after="start").status_code == 303
    assert _order(council, slug) == [
        ("1", "Purpose"),
        ("2", "Trust"),
        ("3", "Listening"),
        ("4", "Roles"),
        ("5", "Respect"),
        ("6", "Openness"),
    ]
    assert _actions(council).count("clause.added") == 3 + 3  # three by _new_document
    page = client.get(f"/documents/{slug}/clauses/3").get_data(as_text=True)
    assert "Listening" in page and "<strong>Markdown</strong>" in page and "CR g" not in page
    with council.app_context():
        clause = db.session.scalars(select(Clause).filter_by(heading="Listening")).one()
        assert [r.number for r in clause.revisions] == [1]
        assert [r.id for r in clause.recommendations] == [1]


def test_a_clause_needs_a_heading_text_and_a_recommendation(council, client):
    slug = _new_document(council)
    client.sign_in(FACILITATOR)
    response = client.post_form(
        f"{_manage(slug)}/add", {"heading": "Kept", "body": "", "after": "end"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in html
    assert "Enter the clause&#39;s text" in html
    assert "Choose at least one recommendation the clause answers" in html
    assert 'value="Kept"' in html
    assert _add(client, slug, "Nowhere", after="999999").status_code == 422
    assert len(_order(council, slug)) == 3


# Moving clauses ---------------------------------------------------------------------------------


def test_moving_up_and_down_without_javascript(council, client):
    slug = _new_document(council)
    respect = _clause_id(council, "Respect")
    client.sign_in(FACILITATOR)
    url = f"{_manage(slug)}/{respect}/move"
    response = client.post_form(url, {"direction": "up"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage#clause-{respect}")
    assert _order(council, slug) == [("1", "Trust"), ("2", "Respect"), ("3", "Roles")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Respect” is now clause 2, at position 2." in page
    assert client.post_form(url, {"direction": "down"}, boosted=True).status_code == 303
    assert _order(council, slug)[2] == ("3", "Respect")
    # At the bottom, "down" leaves it where it is.
    assert client.post_form(url, {"direction": "down"}).status_code == 303
    assert _order(council, slug) == [("1", "Trust"), ("2", "Roles"), ("3", "Respect")]
    assert _actions(council).count("clause.moved") == 2


def test_moving_with_htmx_answers_the_list_and_keeps_focus(council, client):
    slug = _new_document(council)
    respect = _clause_id(council, "Respect")
    client.sign_in(FACILITATOR)
    url = f"{_manage(slug)}/{respect}/move"
    response = client.post_form(url, {"direction": "up"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="clause-order"' in html and 'id="announcer"' in html
    assert "“Respect” is now clause 2, at position 2." in html
    focused = re.findall(r"<button[^>]*data-app-focus[^>]*>", html)
    assert len(focused) == 1 and f'id="move-up-{respect}"' in focused[0]
    # Moved to the top there is no "Move up": focus goes to its "Move down".
    html = client.post_form(url, {"direction": "up"}, htmx=True).get_data(as_text=True)
    focused = re.findall(r"<button[^>]*data-app-focus[^>]*>", html)
    assert len(focused) == 1 and f'id="move-down-{respect}"' in focused[0]
    assert _order(council, slug)[0] == ("1", "Respect")
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_moving_to_a_position(council, client):
    slug = _new_document(council, headings=("A", "B", "C", "D", "E"))
    d = _clause_id(council, "D")
    client.sign_in(FACILITATOR)
    url = f"{_manage(slug)}/{d}/move"
    assert client.post_form(url, {"position": "1"}).status_code == 303
    assert [h for _, h in _order(council, slug)] == ["D", "A", "B", "C", "E"]
    assert [n for n, _ in _order(council, slug)] == ["1", "2", "3", "4", "5"]
    for bad in ("9", "0", "abc", ""):
        response = client.post_form(url, {"position": bad})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert "There is a problem" in html and f'href="#position-{d}"' in html
        assert f'id="move-error-{d}"' in html
        if bad in ("abc", ""):
            assert "Enter a position number, for example 3" in html
            assert "Not a valid integer" not in html
    htmx = client.post_form(url, {"position": "7"}, htmx=True)
    html = htmx.get_data(as_text=True)
    assert htmx.status_code == 422 and "Choose a position from 1 to 5." in html
    assert "<html" not in html and f'aria-describedby="move-error-{d}"' in html
    assert 'id="announcer"' in html and "data-app-focus" not in html  # focus stays put
    assert [h for _, h in _order(council, slug)] == ["D", "A", "B", "C", "E"]


def test_moves_from_a_stale_page_are_decided_on_the_current_order(council, client):
    slug = _new_document(council, headings=("A", "B", "C", "D"))
    c, b = _clause_id(council, "C"), _clause_id(council, "B")
    client.sign_in(FACILITATOR)
    # Two "Move up" clicks on the same stale page: each moves C up one from where it is now.
    client.post_form(f"{_manage(slug)}/{c}/move", {"direction": "up"})
    client.post_form(f"{_manage(slug)}/{c}/move", {"direction": "up"})
    assert [h for _, h in _order(council, slug)] == ["C", "A", "B", "D"]
    # Someone else retires B; a stale page still offers to move it, and position 4.
    with council.app_context():
        service.retire_clause(db.session.get(Clause, b), "Merged", by=factories.user(FACILITATOR))
        db.session.commit()
    refused = client.post_form(f"{_manage(slug)}/{b}/move", {"direction": "up"})
    assert refused.status_code == 410 and "retired" in refused.get_data(as_text=True)
    too_far = client.post_form(f"{_manage(slug)}/{c}/move", {"position": "4"})
    assert too_far.status_code == 422
    assert "Choose a position from 1 to 3." in too_far.get_data(as_text=True)
    assert _order(council, slug) == [("1", "C"), ("2", "A"), ("3", "D")]


def test_concurrent_moves_keep_positions_unique(council):
    """Many moves in parallel (threads, separate connections): every one is served from the
    order current when it runs, and positions and numbers stay unique."""
    import threading

    slug = _new_document(council, headings=tuple("ABCDEF"))
    ids = [_clause_id(council, h) for h in "ABCDEF"]
    errors = []

    def move(clause_id, position):
        with council.app_context():
            try:
                clause = db.session.get(Clause, clause_id)
                service.move_clause(clause, position, by=factories.user(FACILITATOR))
                db.session.commit()
            except Exception as error:
                errors.append(error)
                db.session.rollback()

    for _ in range(3):
        threads = [
            threading.Thread(target=move, args=(clause_id, 6 - index))
            for index, clause_id in enumerate(ids)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # SQLite may refuse a writer that waited too long; PostgreSQL serialises on the row lock.
    assert all("locked" in str(error) for error in errors), errors
    order = _order(council, slug)
    assert sorted(h for _, h in order) == list("ABCDEF")
    assert [n for n, _ in order] == ["1", "2", "3", "4", "5", "6"]
    with council.app_context():
        positions = db.session.scalars(
            select(Clause.position).join(Document).where(Document.slug == slug)
        ).all()
        assert sorted(positions) == [1, 2, 3, 4, 5, 6]


# Numbers ---------------------------------------------------------------------------------------


def test_numbers_fixed_by_hand_are_kept_and_can_be_released(council, client):
    slug = _new_document(council, headings=("A", "B", "C", "D"))
    c = _clause_id(council, "C")
    client.sign_in(FACILITATOR)
    url = f"{_manage(slug)}/{c}/number"
    assert 'value="3"' in client.get(url).get_data(as_text=True)
    assert client.post_form(url, {"number": "2A"}).status_code == 303
    assert _order(council, slug) == [("1", "A"), ("2", "B"), ("2A", "C"), ("3", "D")]
    assert "Number fixed by hand" in client.get(_manage(slug)).get_data(as_text=True)
    # Moving keeps a fixed number; the others follow the order and never repeat it.
    client.post_form(f"{_manage(slug)}/{c}/move", {"position": "1"})
    assert _order(council, slug) == [("2A", "C"), ("1", "A"), ("2", "B"), ("3", "D")]
    d = _clause_id(council, "D")
    assert client.post_form(f"{_manage(slug)}/{d}/number", {"number": "2"}).status_code == 303
    assert _order(council, slug) == [("2A", "C"), ("1", "A"), ("3", "B"), ("2", "D")]
    page = client.get(f"/documents/{slug}/clauses/2A").get_data(as_text=True)
    assert "clause 2A" in page
    # Released: numbered by its place again.
    release = client.post_form(url, {"action": "release"})
    assert release.status_code == 303
    assert _order(council, slug) == [("1", "C"), ("3", "A"), ("4", "B"), ("2", "D")]
    actions = _actions(council)
    assert actions.count("clause.number_fixed") == 2 and "clause.number_released" in actions
    with council.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ClauseRevision)
                .where(ClauseRevision.clause_id == c)
            )
            == 1
        )  # numbering is not a new wording


def test_clauses_added_in_one_go_follow_the_numbers_and_are_each_audited(council):
    """``new_clauses`` (the demo data, the tests' documents): one lock and one renumbering,
    the same numbers, wordings and audit events as adding them one at a time."""
    slug = _new_document(council, headings=("A", "B"))
    with council.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
        second = document.clauses[1]
        second.number, second.number_fixed = "3", True  # "3" is taken by hand: never repeated
        service.renumber(document)
        recommendation = factories.recommendation("CR g")
        drafts = [
            service.ClauseDraft(f" {heading} ", f"{heading} text.", [recommendation])
            for heading in ("C", "D", "E")
        ]
        made = service.new_clauses(document, drafts, by=factories.user(FACILITATOR))
        assert [(c.number, c.heading, c.recommendations) for c in made] == [
            ("2", "C", [recommendation]),
            ("4", "D", [recommendation]),
            ("5", "E", [recommendation]),
        ]
        db.session.commit()
    assert _order(council, slug) == [("1", "A"), ("3", "B"), ("2", "C"), ("4", "D"), ("5", "E")]
    assert _actions(council).count("clause.added") == 5
    with council.app_context():
        revisions = db.session.scalars(
            select(ClauseRevision.heading).where(ClauseRevision.number == 1)
        ).all()
        assert sorted(revisions) == ["A", "B", "C", "D", "E"]
        document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
        document.status = DocumentStatus.SUBMITTED
        with pytest.raises(DomainError):
            service.add_clauses(document, drafts, by=None)


def test_bad_or_taken_numbers_are_refused(council, client):
    slug = _new_document(council, headings=("A", "B", "C"))
    a, b = _clause_id(council, "A"), _clause_id(council, "B")
    client.sign_in(FACILITATOR)
    # A takes the number 2 from B, which had it by its place (B's row comes later).
    assert client.post_form(f"{_manage(slug)}/{a}/number", {"number": "2"}).status_code == 303
    assert _order(council, slug) == [("2", "A"), ("1", "B"), ("3", "C")]
    for number, message in (
        ("2", "already has the number 2"),
        ("new", "Enter a number that starts with a digit"),
        ("4 A", "Enter a number that starts with a digit"),
        ("12345678901", "Enter a number that starts with a digit"),
        ("", "Enter the clause&#39;s number"),
        ("02", "Enter a number that starts with a digit"),  # 2 with a zero before it
        ("0", "Enter a number that starts with a digit"),
        ("5.", "Enter a number that starts with a digit"),
        ("5..1", "Enter a number that starts with a digit"),
    ):
        response = client.post_form(f"{_manage(slug)}/{b}/number", {"number": number})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, number
        assert "There is a problem" in html and message in html, number
    assert _order(council, slug) == [("2", "A"), ("1", "B"), ("3", "C")]


def test_numbers_differing_only_in_case_are_the_same_number(council, client):
    """/clauses/4A and /clauses/4a were two clauses, which nobody reading "clause 4a" aloud
    could tell apart."""
    slug = _new_document(council, headings=("A", "B", "C"))
    a, b = _clause_id(council, "A"), _clause_id(council, "B")
    client.sign_in(FACILITATOR)
    assert client.post_form(f"{_manage(slug)}/{a}/number", {"number": "4A"}).status_code == 303
    refused = client.post_form(f"{_manage(slug)}/{b}/number", {"number": "4a"})
    assert refused.status_code == 422
    assert "already has the number 4A" in refused.get_data(as_text=True)
    for number in ("4.1", "4.1a", "12b", "4.a", "10.2.3"):
        fixed = client.post_form(f"{_manage(slug)}/{b}/number", {"number": number})
        assert fixed.status_code == 303, number


# Retiring and reinstating ---------------------------------------------------------------------


def test_retiring_a_clause_takes_it_out_and_keeps_its_history(council, client):
    slug = _new_document(council, headings=("A", "B", "C"), status=DocumentStatus.OPEN)
    b = _clause_id(council, "B")
    with council.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
        clause = db.session.get(Clause, b)
        service.revise_clause(clause, "B", "B reworded.", by=None, reason="Tidy")
        lifecycle.publish_version(document, by=factories.user(FACILITATOR))
        voting.open_voting(document, by=factories.user(FACILITATOR))
        db.session.commit()
    client.sign_in(FACILITATOR)
    confirm = client.get(f"{_manage(slug)}/{b}/retire").get_data(as_text=True)
    assert "Retire clause 2: B?" in confirm and "B reworded." in confirm
    empty = client.post_form(f"{_manage(slug)}/{b}/retire", {"reason": " "})
    assert empty.status_code == 422
    assert "Give the reason the clause is retired" in empty.get_data(as_text=True)
    assert len(_order(council, slug)) == 3
    response = client.post_form(f"{_manage(slug)}/{b}/retire", {"reason": "Merged into A."})
    assert response.status_code == 303
    assert _order(council, slug) == [("1", "A"), ("2", "C")]
    assert _actions(council)[-1] == "clause.retired"

    document_page = client.get(f"/documents/{slug}").get_data(as_text=True)
    assert "B reworded." not in document_page and "C text." in document_page
    retired_page = client.get(f"/documents/{slug}/clauses/retired-{b}")
    html = retired_page.get_data(as_text=True)
    assert retired_page.status_code == 200
    assert "Retired" in html and "Merged into A." in html and "(was 2)" in html
    assert "Every wording of this clause" in html
    history = client.get(f"/documents/{slug}/clauses/retired-{b}/history")
    assert history.status_code == 200 and "Tidy" in history.get_data(as_text=True)
    manage = client.get(_manage(slug)).get_data(as_text=True)
    assert "Was clause 2" in manage and "Merged into A." in manage

    with council.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
        content = lifecycle.working_content(document)
        assert [c["heading"] for c in content["clauses"]] == ["A", "C"]
        version = lifecycle.publish_version(document, by=factories.user(FACILITATOR))
        assert [c["number"] for c in version.clauses] == ["1", "2"]
        first = lifecycle.latest_version(document)
        assert first.number == 2
        outcomes = voting.close_voting(document, by=factories.user(FACILITATOR))
        assert b not in {o.clause_id for o in outcomes}
        db.session.commit()
    export = client.get(
        f"/documents/{slug}/export/download",
        query_string={"version": "working", "clauses": "all", "annexes": "yes", "format": "md"},
    ).get_data(as_text=True)
    assert "B reworded." not in export and "C text." in export

    # Members can no longer vote on it or propose amendments; its page still shows.
    client.sign_in("member@example.org")
    assert client.get(f"/documents/{slug}/clauses/retired-{b}").status_code == 200
    # Refused with its reason (the clause is retired: 410), as the form's POST is.
    assert client.get(f"/documents/{slug}/clauses/retired-{b}/amendments/new").status_code == 410
    with council.app_context():
        clause = db.session.get(Clause, b)
        assert not is_clause_voting_open(clause)
        assert len(clause.revisions) == 2

    # Reinstated: back in its place, with the next number in order.
    client.sign_in(FACILITATOR)
    assert client.post_form(f"{_manage(slug)}/{b}/reinstate").status_code == 303
    assert _order(council, slug) == [("1", "A"), ("2", "B"), ("3", "C")]
    assert _actions(council)[-1] == "clause.reinstated"
    assert "Merged into A." not in client.get(f"/documents/{slug}/clauses/2").get_data(as_text=True)


def test_retired_clauses_leave_coverage_and_counts(council, client):
    slug = _new_document(council, headings=("Only",), status=DocumentStatus.OPEN)
    client.sign_in(FACILITATOR)

    def coverage_row():
        html = client.get("/recommendations/culture-review/g").get_data(as_text=True)
        return f"/documents/{slug}/clauses/" in html

    def clauses_answering_g():
        html = client.get("/recommendations/coverage?source=culture-review").get_data(as_text=True)
        row = re.search(r'/recommendations/culture-review/g".*?</tr>', html, re.S)[0]
        return int(re.findall(r'govuk-table__cell--numeric">(\d+)<', row)[0])

    assert coverage_row()
    before = clauses_answering_g()
    only = _clause_id(council, "Only")
    client.post_form(f"{_manage(slug)}/{only}/retire", {"reason": "Not needed"})
    assert not coverage_row()
    assert clauses_answering_g() == before - 1
    home = client.get("/").get_data(as_text=True)
    assert re.search(r"Test Accord</a></h3>\s*<p[^>]*>.*0 clauses", home)
    with council.app_context(), pytest.raises(DomainError):
        service.move_clause(db.session.get(Clause, only), 1, by=factories.user(FACILITATOR))


def test_the_document_page_costs_the_same_with_retired_clauses(council, client):
    slug = _new_document(council, headings=("A", "B", "C"), status=DocumentStatus.OPEN)
    client.sign_in(FACILITATOR)
    with count_queries(council) as before:
        client.get(f"/documents/{slug}")
    with council.app_context():
        by = factories.user(FACILITATOR)
        document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
        for index in range(10):
            service.new_clause(document, f"Extra {index}", "x", by=by, recommendations=[])
        for clause in list(document.clauses)[:5]:
            service.retire_clause(clause, "Gone", by=by)
        db.session.commit()
    with count_queries(council) as after:
        page = client.get(f"/documents/{slug}").get_data(as_text=True)
    assert "Extra 9" in page and "Extra 1<" not in page
    assert after.count == before.count, f"{before}\n---\n{after}"


def test_a_retired_agenda_item_leaves_the_session_timetable(seeded, client):
    from app.models import JointSession
    from app.services import joint_sessions

    with seeded.app_context():
        session = db.session.scalars(select(JointSession)).first()
        plan = joint_sessions.schedule(session)
        first = plan.items[0].clause
        later = [(e.clause.heading, e.starts_at) for e in plan.items[1:]]
        agenda_slug, first_id = session.agenda.slug, first.id
    client.sign_in(FACILITATOR)
    confirm = client.get(f"{_manage(agenda_slug)}/{first_id}/retire").get_data(as_text=True)
    assert "Retire agenda item 1:" in confirm and "Why is the agenda item retired?" in confirm
    response = client.post_form(f"{_manage(agenda_slug)}/{first_id}/retire", {"reason": "Late"})
    assert response.status_code == 303
    assert "Item 1 “" in client.get(response.headers["Location"]).get_data(as_text=True)
    with seeded.app_context():
        session = db.session.scalars(select(JointSession)).first()
        plan = joint_sessions.schedule(session)
        assert [e.clause.heading for e in plan.items] == [heading for heading, _ in later]
        assert plan.items[0].starts_at == session.starts_at
        assert [e.clause.number for e in plan.items] == [str(n) for n in range(1, len(later) + 1)]
        session_id = session.id
    # It takes no outcome, actions or moves from a stale session page.
    item = f"/sessions/{session_id}/items/{first_id}"
    assert client.get(f"{item}/outcome").status_code == 410
    assert client.post_form(f"{item}/move", {"direction": "down"}).status_code == 410


def test_retiring_a_clause_withdraws_its_open_amendments_and_closes_its_discussions(
    council, client
):
    """A retired clause has nothing left to amend or to comment on: its open amendments are
    withdrawn (saying why) and its discussions are kept to be read, closed to new comments."""
    from app.models import Amendment, AmendmentStatus, Comment
    from app.services import amendments, discussions

    slug = _new_document(council, headings=("A", "B"), status=DocumentStatus.OPEN)
    b = _clause_id(council, "B")
    with council.app_context():
        clause = db.session.get(Clause, b)
        member = factories.user("member@example.org")
        recommendation = factories.recommendation("CR g")
        discussion = discussions.start_discussion(
            clause.document, clause, "About B", "B is vague.", [recommendation], by=member
        )
        amendment = amendments.propose_amendment(
            clause, "B", "B made clear.", "Clearer.", [recommendation], by=member
        )
        decided = amendments.propose_amendment(
            clause, "B", "B again.", "Other.", [recommendation], by=member
        )
        amendments.withdraw_amendment(decided, by=member)
        db.session.commit()
        discussion_id, amendment_id = discussion.id, amendment.id

    client.sign_in(FACILITATOR)
    confirm = client.get(f"{_manage(slug)}/{b}/retire").get_data(as_text=True)
    assert "Its open amendment will be withdrawn" in confirm
    assert client.post_form(f"{_manage(slug)}/{b}/retire", {"reason": "Gone."}).status_code == 303
    with council.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        assert amendment.status == AmendmentStatus.WITHDRAWN
        assert amendment.decision_reason == amendments.RETIREMENT_REASON
        assert amendment.decided_by.email == FACILITATOR
    # Withdrawn first, while the clause is not yet retired, so any counted votes are recorded.
    assert _actions(council)[-2:] == ["amendment.withdrawn", "clause.retired"]
    amendment_page = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert f"Amendment {amendment_id} to retired clause (was 2)" in amendment_page
    assert amendments.RETIREMENT_REASON in amendment_page
    history = client.get(f"/documents/{slug}/clauses/retired-{b}/history").get_data(as_text=True)
    assert "Test Accord, retired clause (was 2)" in history
    # No amendment controls are left on the retired clause, and their route refuses.
    clause_page = client.get(f"/documents/{slug}/clauses/retired-{b}").get_data(as_text=True)
    assert "Stop new amendments" not in clause_page
    stop = client.post_form(
        f"/documents/{slug}/clauses/retired-{b}/amendments-stopped", {"action": "stop"}
    )
    assert stop.status_code == 410  # Gone: a retired clause takes nothing

    client.sign_in("member@example.org")
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "This clause is retired, so its discussions take no more comments." in page
    assert "Post comment" not in page and "Gone." in page
    refused = client.post_form(f"/discussions/{discussion_id}/comments", {"body": "Still?"})
    assert refused.status_code == 410
    # Starting a discussion on it is refused with why, not as if the clause did not exist.
    start = f"/documents/{slug}/discussions/new?clause=retired-{b}"
    for refused in (client.get(start), client.post_form(start, {"title": "Still?"})):
        assert refused.status_code == 410
        assert "This clause is retired, so it takes no new discussions." in refused.get_data(
            as_text=True
        )
    with council.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Comment).filter_by(discussion_id=discussion_id)
            )
            == 1
        )

    # Reinstated: the discussion takes comments again; the amendment stays withdrawn.
    client.sign_in(FACILITATOR)
    assert client.post_form(f"{_manage(slug)}/{b}/reinstate").status_code == 303
    client.sign_in("member@example.org")
    assert "Post comment" in client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    with council.app_context():
        assert db.session.get(Amendment, amendment_id).status == AmendmentStatus.WITHDRAWN


def test_an_old_link_to_a_retired_clause_by_its_former_number_still_leads_to_it(council, client):
    """Emails, exports and the audit trail name a clause by its number; once the clause is
    retired, its former number leads to it while no live clause has taken that number."""
    slug = _new_document(council, headings=("A", "B", "C"))
    c = _clause_id(council, "C")
    client.sign_in(FACILITATOR)
    client.post_form(f"{_manage(slug)}/{c}/retire", {"reason": "Not needed."})
    for path in ("", "/history"):
        response = client.get(f"/documents/{slug}/clauses/3{path}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/documents/{slug}/clauses/retired-{c}{path}"
    assert client.get(f"/documents/{slug}/clauses/3", follow_redirects=True).status_code == 200

    # Clause 2 retired too: its number now belongs to nobody, and it leads to B.
    b = _clause_id(council, "B")
    client.post_form(f"{_manage(slug)}/{b}/retire", {"reason": "Merged."})
    assert client.get(f"/documents/{slug}/clauses/2").headers["Location"].endswith(f"retired-{b}")
    # A live clause numbered 1 is that clause; an unknown number is still not found.
    assert client.get(f"/documents/{slug}/clauses/1").status_code == 200
    assert client.get(f"/documents/{slug}/clauses/9").status_code == 404


def test_a_form_sent_to_a_clause_retired_since_its_page_was_drawn_says_so(council, client):
    """Outside tester: a vote, suggestion or comment on a passage sent from a page of clause
    3 after it was retired answered "Page not found", with and without JavaScript. Every form
    sent to a number a clause had when it was retired now says the clause was retired and
    nothing was recorded (410), links to it, and keeps what was typed."""
    from app.models import AuditEvent

    slug = _new_document(council, headings=("A", "B", "C"), status=DocumentStatus.OPEN)
    with council.app_context():
        factories.voting_opened(factories.find_document(slug))
        db.session.commit()
    c = _clause_id(council, "C")
    client.sign_in(FACILITATOR)
    assert (
        client.post_form(f"{_manage(slug)}/{c}/retire", {"reason": "Not needed."}).status_code
        == 303
    )
    client.sign_in("member@example.org")
    with council.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    clause = f"/documents/{slug}/clauses/3"
    sent = {
        "vote": {"choice": "support", "clause_id": str(c)},
        "interest": {"reason": "My partner works there", "clause_id": str(c)},
        "interest/withdraw": {"clause_id": str(c)},
        "suggest": {"quote": "words", "replacement": "Typed new words", "reason": "Clearer"},
        "comment-on-passage": {"quote": "words", "body": "Typed comment"},
        "amendments/new": {"body": "Typed amendment", "rationale": "Clearer"},
    }
    for action, form in sent.items():
        for htmx in (False, True):
            answer = client.post_form(f"{clause}/{action}", form, htmx=htmx)
            html = answer.get_data(as_text=True)
            assert answer.status_code == 410, (action, htmx, answer.status_code)
            assert "Clause 3 has been retired" in html and "Page not found" not in html
            if not htmx:
                assert f'href="/documents/{slug}/clauses/retired-{c}"' in html
                typed = [v for k, v in form.items() if k not in ("choice", "clause_id")]
                assert all(v in html for v in typed if v.startswith("Typed")), action
    with council.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_number_typed_in_another_case_leads_to_the_clause(council, client):
    """Numbers differ by more than case ("4a" is "4A"), so an address typed in lower case
    leads to the clause, as it is read aloud, instead of "Page not found"."""
    slug = _new_document(council, headings=("A", "B"))
    a = _clause_id(council, "A")
    client.sign_in(FACILITATOR)
    assert client.post_form(f"{_manage(slug)}/{a}/number", {"number": "4A"}).status_code == 303
    for path in ("", "/history"):
        response = client.get(f"/documents/{slug}/clauses/4a{path}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/documents/{slug}/clauses/4A{path}"
    assert client.get(f"/documents/{slug}/clauses/4b").status_code == 404


def test_adding_after_a_clause_retired_since_the_page_was_drawn_is_refused_clearly(council, client):
    slug = _new_document(council, headings=("A", "B"))
    b = _clause_id(council, "B")
    client.sign_in(FACILITATOR)
    client.post_form(f"{_manage(slug)}/{b}/retire", {"reason": "Gone."})
    response = _add(client, slug, "New", after=str(b))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The clause you chose to add it after has been retired" in html
    assert "Not a valid choice" not in html
    assert _order(council, slug) == [("1", "A")]


def test_retiring_a_clause_someone_else_just_retired_is_refused_not_an_error(council, client):
    """The confirmation page was drawn before another facilitator retired the clause."""
    slug = _new_document(council, headings=("A", "B"))
    b = _clause_id(council, "B")
    client.sign_in(FACILITATOR)
    with council.app_context():
        clause = db.session.get(Clause, b)
        service.retire_clause(clause, "First.", by=factories.user(FACILITATOR))
        db.session.commit()
    response = client.post_form(f"{_manage(slug)}/{b}/retire", {"reason": "Second."})
    assert response.status_code == 410 and "already retired" in response.get_data(as_text=True)
    with council.app_context():
        assert db.session.get(Clause, b).retired_reason == "First."
