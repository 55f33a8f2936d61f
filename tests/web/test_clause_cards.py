"""The document page's clause cards come from the shared cache (app/documents/cards.py,
``app.fragments.kept_cards``) and are never stale: each card's key is everything it shows, so a
vote, the reader's own vote or interest, a vote set aside, a new wording, a renamed clause, a
reworded recommendation or a recorded outcome shows at once, to the readers it concerns, and
the list matches one rendered with an empty cache."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app import fragments
from app.extensions import cache, db
from app.models import Choice, Clause, Document, Recommendation, Role
from app.services import clauses, voting
from tests import factories
from tests.snapshots import snapshot

CARDS = re.compile(r'<ol class="app-clause-list">.*?</ol>', re.S)
CARD = re.compile(r'<li class="app-clause" id="clause-([^"]+)">')


@pytest.fixture
@snapshot
def world(app):
    """The five role accounts, another Member (Labour), and an Open Accord of three clauses
    answering CR g, with voting open."""
    with factories.built(app):
        factories.everyone()
        factories.person(Role.MEMBER, email="labour@example.org", group="Labour Group")
        factories.voting_opened(factories.document(clauses=3))
    return app


def _slug(app) -> str:
    with app.app_context():
        return db.session.scalars(select(Document.slug)).one()


def _client(app, email: str):
    client = app.test_client()
    client.sign_in(email)
    return client


def _cards(client, slug: str) -> dict[str, str]:
    """Each clause's card as the reader sees it, by number."""
    page = client.get(f"/documents/{slug}")
    assert page.status_code == 200
    _, *parts = CARD.split(CARDS.search(page.get_data(as_text=True)).group(0))
    return dict(zip(parts[::2], parts[1::2], strict=True))


def _checked(app, client, slug: str) -> dict[str, str]:
    """The cards as served, after checking they match cards rendered with an empty cache."""
    served = _cards(client, slug)
    with app.app_context():
        cache.clear()
    assert _cards(client, slug) == served
    return served


def _vote(app, email: str, choice: Choice, number: str, reason: str | None = None) -> None:
    with factories.built(app):
        document = db.session.scalars(select(Document)).one()
        voting.cast_vote(
            factories.user(email),
            choice,
            clause=factories.clause(document, number),
            interest_reason=reason,
        )


def test_an_unchanged_page_takes_its_cards_from_the_cache(world, monkeypatch):
    slug = _slug(world)
    member = _client(world, "member@example.org")
    made: list[list[str]] = []
    keep = fragments.cache_set_many

    def kept(values: dict) -> None:
        made.append(list(values))
        keep(values)

    monkeypatch.setattr(fragments, "cache_set_many", kept)
    first = _cards(member, slug)
    assert [len(keys) for keys in made] == [3]
    assert _cards(member, slug) == first
    labour = _client(world, "labour@example.org")
    assert _cards(labour, slug) == first  # the same cards: shared, not made again
    assert [len(keys) for keys in made] == [3]
    _vote(world, "labour@example.org", Choice.SUPPORT, "2")
    assert "Members 1 for, 0 against" in _cards(member, slug)["2"]
    assert [len(keys) for keys in made] == [3, 1]  # only the card that changed


def test_the_readers_own_votes_show_at_once_and_only_to_them(world):
    slug = _slug(world)
    member, labour = _client(world, "member@example.org"), _client(world, "labour@example.org")
    assert "You have not voted on this clause" in _checked(world, member, slug)["1"]
    _vote(world, "member@example.org", Choice.SUPPORT, "1")
    _vote(world, "member@example.org", Choice.INTEREST, "2", reason="I chair the trust")
    mine = _cards(member, slug)
    assert "You voted: <strong>Support</strong>" in mine["1"]
    assert "Members 1 for, 0 against" in mine["1"]
    assert "You declared an interest" in mine["2"]
    assert "You have not voted on this clause" in mine["3"]
    theirs = _cards(labour, slug)
    assert "You have not voted on this clause" in theirs["1"]
    assert "Members 1 for, 0 against" in theirs["1"]
    assert "You have not voted on this clause" in theirs["2"]
    assert _checked(world, member, slug) == mine
    assert _checked(world, labour, slug) == theirs


def test_a_new_wording_sets_the_vote_aside_and_is_new_to_those_who_looked(world):
    slug = _slug(world)
    member = _client(world, "member@example.org")
    _vote(world, "member@example.org", Choice.OPPOSE, "1")
    assert member.get(f"/documents/{slug}/clauses/1").status_code == 200  # looked at it
    before = _cards(member, slug)["1"]
    assert "You voted: <strong>Oppose</strong>" in before and "New" not in before
    with factories.built(world):
        clause = db.session.scalars(select(Clause).where(Clause.number == "1")).one()
        clauses.revise_clause(clause, "Respect, renamed", "Newer **words**", by=None, reason="tidy")
    after = _cards(member, slug)["1"]
    assert "Respect, renamed" in after and "Newer <strong>words</strong>" in after
    assert "Your earlier vote was set aside" in after
    assert "Since you last looked: a new wording." in after
    assert f"/documents/{slug}/clauses/1/changes?from=1" in after
    assert "Members 0 for, 0 against" in after
    assert _checked(world, member, slug)["1"] == after


def test_what_changes_without_a_marker_still_shows_at_once(world):
    """A card's key is what it shows, not a marker someone must remember to move: a
    recommendation reworded or a clause renamed straight in the database shows at once."""
    slug = _slug(world)
    member = _client(world, "member@example.org")
    assert "Reworded: a joint session" not in _cards(member, slug)["2"]
    with factories.built(world):
        db.session.execute(
            update(Recommendation).values(text="Reworded: a joint session on roles.")
        )
        db.session.execute(update(Clause).where(Clause.number == "2").values(heading="Renamed"))
    shown = _cards(member, slug)["2"]
    assert "Reworded: a joint session on roles." in shown and ">Renamed</a>" in shown
    assert _checked(world, member, slug)["2"] == shown


def test_recorded_outcomes_show_on_every_card(world):
    slug = _slug(world)
    member = _client(world, "member@example.org")
    _vote(world, "member@example.org", Choice.SUPPORT, "1")
    _vote(world, "labour@example.org", Choice.SUPPORT, "1")
    _vote(world, "officer@example.org", Choice.SUPPORT, "1")
    _cards(member, slug)
    with factories.built(world):
        document = db.session.scalars(select(Document)).one()
        voting.close_voting(document, by=factories.someone(Role.FACILITATOR))
    shown = _checked(world, member, slug)
    assert "Agreed</strong>" in shown["1"] and "Not agreed</strong>" in shown["2"]
    assert "You voted" not in shown["1"] and "You have not voted" not in shown["2"]


def test_an_agendas_cards_name_its_items(app):
    """An agenda's cards say "item", in what screen readers hear too (the links' hidden
    text said "clause"; found by the outside tester)."""
    with factories.built(app):
        factories.everyone()
        factories.voting_opened(
            factories.document(kind="agenda", title="Themed session", clauses=2)
        )
    slug = _slug(app)
    shown = _checked(app, _client(app, "member@example.org"), slug)
    assert "You have not voted on this item" in shown["1"]
    assert '<span class="govuk-visually-hidden"> on item 1</span>' in shown["1"]
    assert " on clause " not in "".join(shown.values())


def test_the_page_lists_live_clauses_in_order_with_their_recommendations_by_letter(app):
    """The document's clauses and their recommendations come in the page's one statement for
    them, joined one after another (``documents.routes._document_statement``): a retired
    clause is left out, a moved one is in its new place, and chips are in letter order."""
    with factories.built(app):
        factories.everyone()
        document = factories.document(
            clauses=[
                ("Respect", "Treat each other with respect.", ["CR h", "CR b", "CR e"]),
                ("Gone", "Soon retired.", ["CR g"]),
                ("Briefings", "Brief early.", []),
                ("Budget", "Share budget options.", ["CR a"]),
            ]
        )
        facilitator = factories.someone(Role.FACILITATOR)
        clauses.retire_clause(factories.clause(document, "2"), "Merged into 1", by=facilitator)
        clauses.move_clause(factories.clause(document, "3"), 1, by=facilitator)  # Budget first
    slug = _slug(app)
    shown = _checked(app, _client(app, "member@example.org"), slug)
    headings = [
        re.search(r'no-visited-state" href="[^"]+">([^<]+)</a>', card).group(1)
        for card in shown.values()
    ]
    assert headings == ["Budget", "Respect", "Briefings"]
    respect = next(card for card in shown.values() if ">Respect</a>" in card)
    assert re.findall(r'aria-hidden="true">CR (\w)</span>', respect) == ["b", "e", "h"]
    assert "app-chips" not in next(card for card in shown.values() if ">Briefings</a>" in card)
