"""A vote belongs to the wording it was cast on, and tallies and turnout count one population
(shared/DOMAIN.md, "What a vote means"), on both databases."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Amendment,
    Choice,
    Clause,
    Document,
    DocumentStatus,
    DocumentVersion,
    Notification,
    NotificationKind,
    Outcome,
    Role,
    Vote,
)
from app.services import amendments, lifecycle, people, voting
from tests import factories

PROTOCOL = "member-officer-protocol"
CLAUSE = f"/documents/{PROTOCOL}/clauses/4"
FACILITATOR = "facilitator@example.org"
MEMBERS = [
    "member@example.org",
    "graham.tyldesley@example.org",
    "helen.marsden@example.org",
    "imran.chaudhry@example.org",
    "lorraine.fairclough@example.org",
]
OFFICERS = [
    "officer@example.org",
    "michael.brennan@example.org",
    "owen.pritchard@example.org",
    "angela.forsyth@example.org",
    "tom.whittaker@example.org",
    "steven.lowe@example.org",
    "nadia.rahman@example.org",
    "claire.donnelly@example.org",
]
NINE = MEMBERS + OFFICERS[:4]


def _document() -> Document:
    return factories.find_document(PROTOCOL)


def _clause(number: str = "4") -> Clause:
    return factories.clause(_document(), number)


def _open_voting(app) -> None:
    with app.app_context():
        voting.open_voting(_document(), by=factories.user(FACILITATOR))
        db.session.commit()


def _cast(app, emails, choice=Choice.SUPPORT, number: str = "4") -> None:
    with app.app_context():
        for email in emails:
            reason = "My partner works there" if choice == Choice.INTEREST else None
            voting.cast_vote(
                factories.user(email), choice, clause=_clause(number), interest_reason=reason
            )
        db.session.commit()


def _propose(app, body: str = "A better wording of clause 4.") -> int:
    with app.app_context():
        clause = _clause()
        amendment = amendments.propose_amendment(
            clause, clause.heading, body, "Clearer", [], by=factories.user(MEMBERS[0])
        )
        db.session.commit()
        return amendment.id


def _clause_votes(app) -> dict[str, tuple[str, int, str | None]]:
    with app.app_context():
        return {
            vote.user.email: (
                vote.choice.value,
                vote.revision_number,
                vote.set_aside_reason.value if vote.set_aside_reason else None,
            )
            for vote in db.session.scalars(select(Vote).where(Vote.clause_id == _clause().id))
        }


def _latest_outcome(app) -> Outcome:
    with app.app_context():
        outcome = db.session.scalars(
            select(Outcome).where(Outcome.clause_id == _clause().id).order_by(Outcome.id.desc())
        ).first()
        db.session.expunge(outcome)
        return outcome


# Votes belong to a wording -----------------------------------------------------------------


def test_votes_on_wording_1_are_not_the_outcome_of_wording_2(seeded, client):
    """Nine vote on wording 1, an amendment is accepted (wording 2), voting closes: the outcome
    is for wording 2 on no votes, and the nine are shown set aside and asked to vote again."""
    amendment_id = _propose(seeded)
    _open_voting(seeded)
    _cast(seeded, NINE)
    client.sign_in(FACILITATOR)
    reason = {"acceptance_reason": "Agreed at the joint session."}  # the rule does not agree it
    accepted = client.post_checked(f"/amendments/{amendment_id}/accept", reason)
    assert accepted.status_code == 303
    assert client.post_checked(f"/documents/{PROTOCOL}/voting/close").status_code == 303

    outcome = _latest_outcome(seeded)
    assert outcome.revision_number == 2
    assert outcome.agreed is False
    assert outcome.tallies["members"]["support"] == 0
    assert outcome.tallies["officers"]["support"] == 0
    votes = _clause_votes(seeded)
    assert len(votes) == 9
    assert set(votes.values()) == {("support", 1, "earlier_wording")}

    page = client.get(CLAUSE).get_data(as_text=True)
    assert "cast on an earlier wording" in page
    assert "on wording 2" in page
    with seeded.app_context():
        asked = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == NotificationKind.VOTE_AGAIN)
        ).all()
        assert sorted(asked) == sorted(factories.user(email).id for email in NINE)


def test_voting_again_replaces_the_set_aside_vote_and_counts(seeded, client):
    _open_voting(seeded)
    _cast(seeded, NINE)
    _cast(seeded, [OFFICERS[5]], Choice.INTEREST)
    with seeded.app_context():
        clause = _clause()
        amendments.edit_clause(
            clause,
            clause.heading,
            clause.body + " Edited.",
            "Tidied",
            by=factories.user(FACILITATOR),
            seen_revision=clause.revision_number,
        )
        db.session.commit()
    votes = _clause_votes(seeded)
    assert votes[OFFICERS[5]] == ("interest", 1, "earlier_wording")
    client.sign_in(MEMBERS[0])
    panel = client.get(CLAUSE).get_data(as_text=True)
    assert "Your vote on an earlier wording was set aside" in panel
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "oppose"}).status_code == 303
    # A set-aside declaration of interest does not stop its author voting on the new wording.
    client.sign_in(OFFICERS[5])
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "support"}).status_code == 303
    votes = _clause_votes(seeded)
    assert votes[MEMBERS[0]] == ("oppose", 2, None)
    assert votes[OFFICERS[5]] == ("support", 2, None)
    assert len(votes) == 10
    with seeded.app_context():
        tally = voting.tallies(clauses=[_clause()])[("clause", _clause().id)]
        assert tally.members.counts["oppose"] == 1 and tally.members.took_part == 1
        assert tally.officers.counts["support"] == 1 and tally.officers.took_part == 1
        assert tally.set_aside == 8


def test_amendment_votes_stay_with_it_and_accepting_records_its_outcome(seeded, client):
    amendment_id = _propose(seeded)
    other_id = _propose(seeded, "Another wording of clause 4.")
    _open_voting(seeded)
    with seeded.app_context():
        for email in MEMBERS[:3] + OFFICERS[:3]:
            voting.cast_vote(
                factories.user(email),
                Choice.SUPPORT,
                amendment=db.session.get(Amendment, amendment_id),
            )
            voting.cast_vote(
                factories.user(email), Choice.OPPOSE, amendment=db.session.get(Amendment, other_id)
            )
        db.session.commit()
    client.sign_in(FACILITATOR)
    assert client.post_checked(f"/amendments/{amendment_id}/accept", {}).status_code == 303
    assert (
        client.post_form(f"/amendments/{other_id}/reject", {"reason": "Superseded"}).status_code
        == 303
    )
    with seeded.app_context():
        for item_id, agreed in ((amendment_id, True), (other_id, False)):
            amendment = db.session.get(Amendment, item_id)
            assert amendment.voting_closed_at is not None
            outcome = db.session.scalars(
                select(Outcome).where(Outcome.amendment_id == item_id)
            ).one()
            assert outcome.agreed is agreed and outcome.revision_number is None
            votes = db.session.scalars(select(Vote).where(Vote.amendment_id == item_id)).all()
            assert len(votes) == 6 and not any(v.is_set_aside for v in votes)
    page = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert "Agreed" in page and "The result below was recorded then." in page


# One population for tallies and turnout ----------------------------------------------------


def _clause_page_after_the_last_officer_leaves(seeded, client) -> str:
    """An administrator deactivates the last of OFFICERS; the clause page a Member then sees."""
    client.sign_in("admin@example.org")
    with seeded.app_context():
        leaver = factories.user(OFFICERS[-1]).id
    assert client.post_form(f"/people/{leaver}/deactivate").status_code == 303
    client.sign_in(MEMBERS[0])
    return client.get(CLAUSE).get_data(as_text=True)


def test_deactivating_an_officer_who_voted_keeps_turnout_within_100_percent(seeded, client):
    _open_voting(seeded)
    _cast(seeded, OFFICERS)
    page = _clause_page_after_the_last_officer_leaves(seeded, client)
    assert "8 of 7" not in page
    assert "7 of 7" in page
    assert "no longer eligible" in page
    assert _clause_votes(seeded)[OFFICERS[-1]] == ("support", 1, "not_eligible")


def test_a_vote_set_aside_after_the_result_was_recorded_is_said_to_be_so(seeded, client):
    """Voting on the clause closed with an Officer's vote counted; deactivating them later
    sets the vote aside. The panel keeps the recorded counts and says they are those recorded,
    never that the vote is "not counted" in them."""
    _open_voting(seeded)
    _cast(seeded, OFFICERS)
    with seeded.app_context():
        voting.close_clause_voting(_clause(), by=factories.user("facilitator@example.org"))
        db.session.commit()
    page = _clause_page_after_the_last_officer_leaves(seeded, client)
    assert "8 of 8" in page  # as recorded
    said = page.split('id="set-aside-votes"')[1].split("</p>")[0]
    assert "1 vote is now set aside" in said and "recorded when voting closed" in said
    assert "not counted" not in said


def test_losing_the_officer_role_sets_the_vote_aside_and_reactivating_does_not_revive(
    seeded, client
):
    _open_voting(seeded)
    _cast(seeded, OFFICERS[:2])
    with seeded.app_context():
        admin = factories.user("admin@example.org")
        changed = factories.user(OFFICERS[0])
        people.update_person(
            changed,
            by=admin,
            name=changed.display_name,
            email=changed.email,
            roles={Role.STANDARDS},
        )
        leaver = factories.user(OFFICERS[1])
        people.deactivate(leaver, by=admin)
        people.reactivate(leaver, by=admin)
        db.session.commit()
        tally = voting.tallies(clauses=[_clause()])[("clause", _clause().id)]
        assert tally.officers.took_part == 0 and tally.officers.eligible == 7
    votes = _clause_votes(seeded)
    assert votes[OFFICERS[0]][2] == "not_eligible"
    assert votes[OFFICERS[1]][2] == "not_eligible"


def test_tallies_count_only_votes_of_people_who_may_vote_now(seeded):
    """A second line of defence: a vote that was not set aside still does not count once its
    voter is inactive or no longer a Member or an Officer."""
    _open_voting(seeded)
    _cast(seeded, OFFICERS[:3])
    with seeded.app_context():
        factories.user(OFFICERS[0]).active = False
        factories.user(OFFICERS[1]).set_roles({Role.STANDARDS})
        db.session.commit()
        tally = voting.tallies(clauses=[_clause()])[("clause", _clause().id)]
        assert tally.officers.took_part == 1
        assert tally.officers.took_part <= tally.officers.eligible


def test_a_recorded_outcome_never_changes(seeded, client):
    _open_voting(seeded)
    _cast(seeded, OFFICERS + MEMBERS)
    with seeded.app_context():
        voting.close_voting(_document(), by=factories.user(FACILITATOR))
        db.session.commit()
    before = _latest_outcome(seeded)
    client.sign_in("admin@example.org")
    with seeded.app_context():
        leaver = factories.user(OFFICERS[-1]).id
    assert client.post_form(f"/people/{leaver}/deactivate").status_code == 303
    after = _latest_outcome(seeded)
    assert (after.id, after.agreed, after.tallies) == (before.id, before.agreed, before.tallies)
    assert after.tallies["officers"]["support"] == 8
    assert _clause_votes(seeded)[OFFICERS[-1]][2] is None  # voting had closed: nothing to do


# Shown to the Standards Committee and in the voting annex ----------------------------------


def _agreed_then_reworded(app) -> None:
    """Clause 4 is agreed on wording 1, then voting re-opens on wording 2 and closes again
    with the earlier votes set aside."""
    _open_voting(app)
    _cast(app, NINE)
    with app.app_context():
        facilitator = factories.user(FACILITATOR)
        clause = _clause()
        amendments.edit_clause(
            clause,
            clause.heading,
            clause.body + " Reworded.",
            "Reworded",
            by=facilitator,
            seen_revision=1,
        )
        voting.close_voting(_document(), by=facilitator)
        db.session.commit()


def test_the_review_and_the_voting_annex_show_the_wording_and_set_aside_votes(seeded, client):
    _agreed_then_reworded(seeded)
    client.sign_in(FACILITATOR)
    annex = client.get(
        f"/documents/{PROTOCOL}/export/download",
        query_string={"version": "working", "clauses": "all", "annexes": "yes", "format": "md"},
    ).get_data(as_text=True)
    assert "on wording 2" in annex and "9 set aside (cast on an earlier wording)" in annex
    with seeded.app_context():
        facilitator = factories.user(FACILITATOR)
        version = lifecycle.publish_version(_document(), by=facilitator)
        lifecycle.move(_document(), DocumentStatus.CLOSED, by=facilitator)
        lifecycle.move(
            _document(),
            DocumentStatus.SUBMITTED,
            by=facilitator,
            version=db.session.get(DocumentVersion, version.id),
        )
        db.session.commit()
    client.sign_in("standards@example.org")
    review = client.get(f"/documents/{PROTOCOL}/review/votes").get_data(as_text=True)
    assert "on wording 2" in review
    assert "9 set aside (cast on an earlier wording)" in review
