"""The document and clause pages' vote counts (and the clause page's "Who voted how") come from
the shared cache (``voting.tallies(cached=True)``) and are never stale: a vote, a changed vote,
a vote on an amendment, a new wording, a deactivation, a rename, a change of side or of Group
shows at once, and the page matches one rendered with an empty cache."""

from __future__ import annotations

import re

import pytest

from app.extensions import cache, db
from app.models import Choice, Clause, Document, Role, User
from app.services import clauses, people, voting
from tests import factories
from tests.snapshots import snapshot

COUNTS = re.compile(r'<p class="govuk-body-s[^"]*app-clause-votes">.*?</p>', re.S)


@pytest.fixture
@snapshot
def world(app):
    """The five role accounts, two more Members (Labour and Green) and an Officer, and an Open
    Accord of three clauses with voting open."""
    with factories.built(app):
        factories.everyone()
        factories.person(Role.MEMBER, email="labour@example.org", group="Labour Group")
        factories.person(Role.MEMBER, email="green@example.org", group="Green Group")
        factories.person(Role.OFFICER, email="officer2@example.org")
        factories.voting_opened(factories.document(clauses=3))
    return app


def _counts(client, slug: str) -> list[str]:
    return COUNTS.findall(client.get(f"/documents/{slug}").get_data(as_text=True))


def _check(app, client, slug: str) -> list[str]:
    """The counts as served, after checking they match a render from an empty cache."""
    served = _counts(client, slug)
    with app.app_context():
        cache.clear()
    assert _counts(client, slug) == served
    return served


def _vote(app, email: str, choice: Choice, number: str = "1") -> None:
    with factories.built(app):
        document = db.session.scalars(db.select(Document)).first()
        voting.cast_vote(factories.user(email), choice, clause=factories.clause(document, number))


def test_the_counts_follow_every_change(world):
    client = world.test_client()
    client.sign_in("member@example.org")
    with world.app_context():
        slug = db.session.scalars(db.select(Document)).first().slug
    assert "Members 0 for, 0 against" in _check(world, client, slug)[0]
    _vote(world, "labour@example.org", Choice.SUPPORT)
    _vote(world, "officer2@example.org", Choice.OPPOSE)
    first = _counts(client, slug)[0]
    assert "Members 1 for, 0 against; Officers 0 for, 1 against" in first
    assert _check(world, client, slug)[0] == first
    _vote(world, "labour@example.org", Choice.OPPOSE)  # a changed vote
    assert "Members 0 for, 1 against" in _counts(client, slug)[0]
    with factories.built(world):  # a deactivation (votes set aside while voting is open)
        people.deactivate(factories.user("officer2@example.org"))
    assert "Officers 0 for, 0 against" in _counts(client, slug)[0]
    with factories.built(world):  # a Member becomes an Officer: their vote stops counting
        labour = factories.user("labour@example.org")
        people.update_person(
            labour, by=None, name=labour.display_name, email=labour.email, roles={Role.OFFICER}
        )
    assert "Members 0 for, 0 against" in _counts(client, slug)[0]
    _vote(world, "green@example.org", Choice.SUPPORT, "2")
    assert "Members 1 for, 0 against" in _counts(client, slug)[1]
    with factories.built(world):  # a new wording sets the votes on the old one aside
        clause = db.session.scalars(db.select(Clause).where(Clause.number == "2")).first()
        clauses.revise_clause(clause, clause.heading, "New words", by=None, reason="tidy")
    assert "Members 0 for, 0 against" in _counts(client, slug)[1]
    _check(world, client, slug)


def test_a_group_change_makes_a_new_key(world):
    _vote(world, "labour@example.org", Choice.SUPPORT)
    with world.app_context():
        document = db.session.scalars(db.select(Document)).first()
        before = voting.tallies(clauses=document.clauses, cached=True)
        assert before[("clause", document.clauses[0].id)].by_group["Labour Group"]["support"] == 1
    with factories.built(world):
        labour = factories.user("labour@example.org")
        people.update_person(
            labour,
            by=None,
            name=labour.display_name,
            email=labour.email,
            roles={Role.MEMBER},
            group="Green Group",
        )
    with world.app_context():
        document = db.session.scalars(db.select(Document)).first()
        after = voting.tallies(clauses=document.clauses, cached=True)
        assert after[("clause", document.clauses[0].id)].by_group["Green Group"]["support"] == 1
        assert "Labour Group" not in after[("clause", document.clauses[0].id)].by_group


def test_who_voted_how_names_people_as_their_description_does(world):
    with factories.built(world):
        factories.person(
            roles=[Role.MEMBER, Role.STANDARDS], email="both@example.org", group="Green Group"
        )
    _vote(world, "both@example.org", Choice.SUPPORT)
    _vote(world, "officer2@example.org", Choice.OPPOSE)
    with world.app_context():
        document = db.session.scalars(db.select(Document)).first()
        clause = document.clauses[0]
        voters = voting.tallies(clauses=[clause], with_voters=True)[("clause", clause.id)].voters
        assert [(voter.display_name, vote.choice) for voter, vote in voters] == [
            (factories.user("both@example.org").display_name, Choice.SUPPORT),
            (factories.user("officer2@example.org").display_name, Choice.OPPOSE),
        ]
        for voter, vote in voters:
            person = db.session.get(User, voter.id)
            assert voter.description == person.description
            assert not vote.is_set_aside and vote.revision_number == clause.revision_number
        assert voters[0][0].description == "Member, Green Group; Standards Committee"


# The clause page ----------------------------------------------------------------------------

PANEL = re.compile(r'<section class="app-vote-panel".*?</section>', re.S)
AMENDMENTS = re.compile(r'<div id="amendment-list".*?</div>', re.S)
TOKEN = re.compile(r'(name="csrf_token"[^>]*? value=")[^"]*"')


def _clause_parts(client, slug: str, number: str = "1") -> tuple[str, ...]:
    """The clause page's vote panel ("Who voted how" among it) and its amendments' counts,
    without the forms' CSRF tokens (signed afresh on every page)."""
    html = client.get(f"/documents/{slug}/clauses/{number}").get_data(as_text=True)
    panel = PANEL.search(html)
    assert panel is not None
    amendments = AMENDMENTS.search(html)
    parts = (panel.group(0), amendments.group(0) if amendments else "")
    return tuple(TOKEN.sub(r'\1"', part) for part in parts)


def _check_clause(app, client, slug: str) -> tuple[str, ...]:
    """The clause page's counts and voters as served, after checking they match a render
    from an empty cache."""
    served = _clause_parts(client, slug)
    with app.app_context():
        cache.clear()
    assert _clause_parts(client, slug) == served
    return served


def test_the_clause_page_voters_and_counts_follow_every_change(world):
    """The clause page's tallies and "Who voted how" come from the shared cache too, keyed by
    the clause's marker and the ``people`` marker: a vote, a changed vote, a rename, a vote on
    an amendment, a deactivation and a new wording each show at once."""
    client = world.test_client()
    client.sign_in("member@example.org")
    with world.app_context():
        slug = db.session.scalars(db.select(Document)).first().slug
    _check_clause(world, client, slug)
    _vote(world, "labour@example.org", Choice.SUPPORT)
    panel, _ = _clause_parts(client, slug)
    assert "Who voted how (1)" in panel and "<strong>Support</strong>" in panel
    _vote(world, "labour@example.org", Choice.OPPOSE)
    panel, _ = _check_clause(world, client, slug)
    assert "<strong>Oppose</strong>" in panel and "<strong>Support</strong>" not in panel
    with factories.built(world):
        factories.user("labour@example.org").display_name = "Councillor Newname"
    panel, _ = _clause_parts(client, slug)
    assert "Councillor Newname" in panel
    with factories.built(world):
        document = db.session.scalars(db.select(Document)).first()
        amendment = factories.amendment(factories.clause(document, "1"))
        amendment_id = amendment.id
    with factories.built(world):
        voting.cast_vote(
            factories.user("green@example.org"),
            Choice.SUPPORT,
            amendment=db.session.get(voting.Amendment, amendment_id),
        )
    _, amendments = _check_clause(world, client, slug)
    assert "Members 1 for, 0 against" in amendments
    with factories.built(world):
        people.deactivate(factories.user("labour@example.org"))
    panel, _ = _check_clause(world, client, slug)
    assert "Set aside" in panel
    with factories.built(world):
        clause = db.session.scalars(db.select(Clause).where(Clause.number == "1")).first()
        clauses.revise_clause(clause, clause.heading, "New words", by=None, reason="tidy")
    panel, _ = _check_clause(world, client, slug)
    assert "(wording 1)" in panel


def test_who_voted_how_is_kept_and_marks_only_the_viewers_own_vote(world):
    """The list of voters is rendered once and kept (``fragments.kept_voters``); "(you)" is
    each viewer's own: the key holds who is looking only when they are among the voters."""
    with world.app_context():
        slug = db.session.scalars(db.select(Document)).first().slug
    _vote(world, "member@example.org", Choice.SUPPORT)
    _vote(world, "labour@example.org", Choice.OPPOSE)
    voter, other = world.test_client(), world.test_client()
    voter.sign_in("member@example.org")
    other.sign_in("officer@example.org")
    for _ in range(2):
        mine, _ = _clause_parts(voter, slug)
        theirs, _ = _clause_parts(other, slug)
        assert mine.count("(you)") == 1 and 'class="app-voters__mine"' in mine
        assert "(you)" not in theirs and "app-voters__mine" not in theirs
    with world.app_context():
        kept = [key for key in cache.cache._cache if "voters:" in key]
    assert len(kept) == 2, kept  # one for the voter, one for everyone else
    assert _check_clause(world, other, slug)[0] == theirs
