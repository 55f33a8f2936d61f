"""Votes, interests, the agreement rule, outcomes and amendments, on both databases."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    Choice,
    Clause,
    ClauseRevision,
    Document,
    DocumentKind,
    DocumentStatus,
    Outcome,
    Role,
    SetAsideReason,
    User,
    Vote,
    VotingEvent,
    utcnow,
)
from app.services import amendments, audit, clauses, voting
from tests import factories
from tests.helpers import count_queries, make_user, shown_digest
from tests.snapshots import snapshot

PROTOCOL = "member-officer-protocol"
CLAUSE = f"/documents/{PROTOCOL}/clauses/3"


@pytest.fixture
@snapshot
def protocol(app):
    """The demo people (so eligible voters and Groups are the demo's) and an Open
    Member/Officer Protocol with the demo's wording."""
    with factories.built(app):
        factories.demo_people()
        factories.document(
            title="Member/Officer Protocol",
            kind="protocol",
            clauses=factories.demo_clauses(PROTOCOL),
        )
    return app


def _clause(number: str = "3") -> Clause:
    return db.session.scalars(
        select(Clause).filter_by(document_id=factories.find_document(PROTOCOL).id, number=number)
    ).one()


def _open_voting(app) -> None:
    with app.app_context():
        voting.open_voting(
            factories.find_document(PROTOCOL), by=factories.user("facilitator@example.org")
        )
        db.session.commit()


def _votes(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(v.user.email, v.choice.value) for v in db.session.scalars(select(Vote))]


# Casting votes ---------------------------------------------------------------------------


def test_a_member_votes_three_ways_and_changes_their_vote(protocol, client):
    _open_voting(protocol)
    client.sign_in("member@example.org")
    plain = client.post_form(f"{CLAUSE}/vote", {"choice": "support"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#main-content")
    htmx = client.post_form(f"{CLAUSE}/vote", {"choice": "oppose"}, htmx=True)
    html = htmx.get_data(as_text=True)
    assert htmx.status_code == 200 and "<html" not in html
    assert 'id="vote-panel"' in html and 'id="announcer"' in html
    assert "Your vote is recorded: Oppose." in html
    assert 'value="oppose" id="vote-oppose"' in html and 'aria-pressed="true"' in html
    boosted = client.post_form(f"{CLAUSE}/vote", {"choice": "abstain"}, boosted=True)
    assert boosted.status_code == 303
    assert _votes(protocol) == [("member@example.org", "abstain")]


@pytest.mark.parametrize(
    "email", ["facilitator@example.org", "standards@example.org", "admin@example.org"]
)
def test_people_who_are_not_members_or_officers_do_not_vote(protocol, client, email):
    _open_voting(protocol)
    client.sign_in(email)
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "support"}).status_code == 403
    page = client.get(CLAUSE).get_data(as_text=True)
    assert 'id="vote-support"' not in page and "Members and Officers vote." in page
    assert _votes(protocol) == []


def test_votes_are_refused_while_voting_is_not_open(protocol, client):
    """Before voting ever opened the refusal said "Voting is closed" (outside tester); it says
    it has not opened, and after voting on the document closed, that it is closed."""
    client.sign_in("officer@example.org")
    refused = client.post_form(f"{CLAUSE}/vote", {"choice": "support"})
    assert refused.status_code == 409 and "Voting has not opened" in refused.get_data(as_text=True)
    _open_voting(protocol)
    with protocol.app_context():
        voting.close_voting(
            factories.find_document(PROTOCOL),
            by=factories.user("facilitator@example.org"),
            reason="Agreed at the meeting",
        )
        db.session.commit()
    closed = client.post_form(f"{CLAUSE}/vote", {"choice": "support"})
    assert closed.status_code == 409 and "Voting is closed" in closed.get_data(as_text=True)
    htmx = client.post_form(f"{CLAUSE}/vote", {"choice": "support"}, htmx=True)
    assert htmx.status_code == 409 and "Your vote was not recorded" in htmx.get_data(as_text=True)
    assert _votes(protocol) == []


def test_an_unknown_choice_is_refused(protocol, client):
    _open_voting(protocol)
    client.sign_in("officer@example.org")
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "maybe"}).status_code == 400
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "interest"}).status_code == 400
    assert _votes(protocol) == []


def test_declaring_an_interest_needs_a_reason_and_blocks_voting_until_withdrawn(protocol, client):
    _open_voting(protocol)
    client.sign_in("officer@example.org")
    empty = client.post_form(f"{CLAUSE}/interest", {"reason": "  "})
    assert empty.status_code == 422 and "Say briefly why" in empty.get_data(as_text=True)
    assert (
        client.post_form(f"{CLAUSE}/interest", {"reason": "My partner works there"}).status_code
        == 303
    )
    page = client.get(CLAUSE).get_data(as_text=True)
    assert "You declared an interest" in page and 'id="vote-support"' not in page
    assert "Declared an interest, did not vote" in page
    refused = client.post_form(f"{CLAUSE}/vote", {"choice": "support"})
    assert refused.status_code == 409 and "Withdraw your declaration" in refused.get_data(
        as_text=True
    )
    assert client.post_form(f"{CLAUSE}/interest/withdraw").status_code == 303
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "support"}).status_code == 303
    assert _votes(protocol) == [("officer@example.org", "support")]


def test_withdrawing_a_declaration_no_one_made_is_refused_and_records_nothing(protocol, client):
    """Outside tester: withdrawing with no declaration (a double click, a second tab) said
    "Your declaration of interest is withdrawn" and added an audit event each time, and a vote
    was left as it was. It is now refused (409) and nothing is recorded, for clauses and
    amendments alike."""
    from app.models import AuditEvent

    _open_voting(protocol)
    with protocol.app_context():
        amendment_id = factories.amendment(_clause("3"), by=factories.user("member@example.org")).id
        db.session.commit()
    client.sign_in("officer@example.org")
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "support"}).status_code == 303

    def withdrawals() -> int:
        with protocol.app_context():
            return db.session.scalar(
                select(func.count()).where(AuditEvent.action == "vote.interest_withdrawn")
            )

    for path in (f"{CLAUSE}/interest/withdraw", f"/amendments/{amendment_id}/interest/withdraw"):
        for htmx in (False, True):
            refused = client.post_form(path, htmx=htmx)
            assert refused.status_code == 409, path
            assert "You have not declared an interest" in refused.get_data(as_text=True)
    assert withdrawals() == 0
    assert _votes(protocol) == [("officer@example.org", "support")]
    # A real declaration is withdrawn once; the second click is told so.
    client.post_form(f"/amendments/{amendment_id}/interest", {"reason": "My partner"})
    assert client.post_form(f"/amendments/{amendment_id}/interest/withdraw").status_code == 303
    assert client.post_form(f"/amendments/{amendment_id}/interest/withdraw").status_code == 409
    assert withdrawals() == 1


HIDDEN_CLAUSE = re.compile(r'<input type="hidden" name="(clause_id|wording)" value="(\d+)">')


def _shown_clause(page: str) -> dict[str, str]:
    """The clause and wording a page's vote form says it was drawn for."""
    fields = dict(HIDDEN_CLAUSE.findall(page))
    assert set(fields) == {"clause_id", "wording"}, page
    return fields


def test_a_vote_from_a_page_drawn_before_the_clause_moved_is_refused(protocol, client):
    """Outside testing: clause 3 moved up while a Member had its page open, and their Support
    was recorded on the clause that had become number 3. The forms say which clause they were
    drawn for; a vote, a declaration or a withdrawal for another is refused, nothing written."""
    _open_voting(protocol)
    client.sign_in("member@example.org")
    shown = _shown_clause(client.get(CLAUSE).get_data(as_text=True))
    declaring = _shown_clause(client.get(f"{CLAUSE}/interest").get_data(as_text=True))
    assert declaring == shown
    with protocol.app_context():
        clauses.move_clause_by(_clause("3"), -1, by=factories.user("facilitator@example.org"))
        db.session.commit()
    for htmx in (False, True):
        refused = client.post_form(f"{CLAUSE}/vote", {"choice": "support", **shown}, htmx=htmx)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 409 and "moved" in text and "Nothing was recorded" in text
        assert "Nothing was changed" not in text  # said once, not twice
    # The panel of the clause they saw, which is now clause 2, and where it went.
    panel = client.post_form(f"{CLAUSE}/vote", {"choice": "support", **shown}, htmx=True)
    assert f"/documents/{PROTOCOL}/clauses/2/vote" in panel.get_data(as_text=True)
    assert "is now clause 2" in panel.get_data(as_text=True)
    interest = client.post_form(f"{CLAUSE}/interest", {"reason": "My partner", **shown})
    assert interest.status_code == 409
    withdraw = client.post_form(f"{CLAUSE}/interest/withdraw", shown)
    assert withdraw.status_code == 409
    assert _votes(protocol) == []
    # A page of the clause now numbered 3 votes on it.
    now = _shown_clause(client.get(CLAUSE).get_data(as_text=True))
    assert now["clause_id"] != shown["clause_id"]
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "support", **now}).status_code == 303
    assert _votes(protocol) == [("member@example.org", "support")]


def test_a_vote_from_a_page_drawn_before_a_new_wording_is_refused(protocol, client):
    """A vote is on one wording (shared/DOMAIN.md): chosen on a wording since replaced, it is
    not recorded on the new one unseen."""
    _open_voting(protocol)
    client.sign_in("member@example.org")
    shown = _shown_clause(client.get(CLAUSE).get_data(as_text=True))
    with protocol.app_context():
        factories.new_wording(_clause("3"))
        db.session.commit()
    for htmx in (False, True):
        refused = client.post_form(f"{CLAUSE}/vote", {"choice": "oppose", **shown}, htmx=htmx)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 409 and "wording" in text and "not recorded" in text
    assert _votes(protocol) == []


# Tallies and the agreement rule ----------------------------------------------------------


def _cast(app, votes: dict[str, Choice], number: str = "3") -> None:
    with app.app_context():
        clause = _clause(number)
        for email, choice in votes.items():
            reason = "interest" if choice == Choice.INTEREST else None
            voting.cast_vote(factories.user(email), choice, clause=clause, interest_reason=reason)
        db.session.commit()


MEMBERS = [
    "member@example.org",
    "graham.tyldesley@example.org",
    "helen.marsden@example.org",
    "patricia.rowley@example.org",
    "keith.ormerod@example.org",
]
OFFICERS = ["officer@example.org", "michael.brennan@example.org", "owen.pritchard@example.org"]


def test_tallies_show_each_side_and_members_by_group(protocol, client):
    _open_voting(protocol)
    _cast(
        protocol,
        {
            MEMBERS[0]: Choice.SUPPORT,
            MEMBERS[1]: Choice.SUPPORT,
            MEMBERS[3]: Choice.OPPOSE,
            MEMBERS[4]: Choice.ABSTAIN,
            OFFICERS[0]: Choice.SUPPORT,
            OFFICERS[1]: Choice.INTEREST,
        },
    )
    with protocol.app_context():
        tally = voting.tallies(clauses=[_clause()], with_voters=True)[("clause", _clause().id)]
        assert tally.members.counts == {"support": 2, "oppose": 1, "abstain": 1, "interest": 0}
        assert tally.officers.counts == {"support": 1, "oppose": 0, "abstain": 0, "interest": 1}
        assert tally.members.eligible == 9 and tally.officers.eligible == 8
        assert tally.by_group["Labour Group"]["support"] == 2
        assert tally.by_group["Liberal Democrat Group"]["oppose"] == 1
        assert len(tally.voters) == 6
    client.sign_in("member@example.org")
    page = client.get(CLAUSE).get_data(as_text=True)
    assert "4 of 9" in page and "2 of 8" in page
    assert "Members&#39; votes by political Group" in page or "Members' votes by" in page
    assert 'class="app-voters__mine"' in page and "(you)" in page


def _tally(member: dict, officer: dict, eligible=(10, 10)) -> voting.Tally:
    tally = voting.Tally(voting.SideTally(eligible[0]), voting.SideTally(eligible[1]), {})
    tally.members.counts.update(member)
    tally.officers.counts.update(officer)
    return tally


@pytest.mark.parametrize(
    ("members", "officers", "agreed"),
    [
        ({"support": 3}, {"support": 3}, True),
        ({"support": 3, "oppose": 3}, {"support": 3}, False),  # a tie is not agreement
        ({"support": 3}, {"support": 1, "oppose": 2}, False),  # Officers against
        ({"support": 2}, {"support": 3}, False),  # 20% Member turnout < 25%
        ({"support": 2, "abstain": 1}, {"support": 3}, True),  # abstentions count for turnout
        ({"support": 2, "interest": 1}, {"support": 3}, True),  # so do declared interests
        ({"abstain": 5}, {"support": 3}, False),  # turnout but no support
    ],
)
def test_the_agreement_rule(members, officers, agreed):
    document = Document(member_turnout_percent=25, officer_turnout_percent=25)
    assert voting.is_agreed(_tally(members, officers), document) is agreed


def test_closing_records_the_outcome_with_tallies_and_rule_and_reopening_is_recorded(
    protocol, client
):
    _open_voting(protocol)
    _cast(
        protocol,
        {
            MEMBERS[0]: Choice.SUPPORT,
            MEMBERS[1]: Choice.SUPPORT,
            MEMBERS[2]: Choice.SUPPORT,
            OFFICERS[0]: Choice.SUPPORT,
            OFFICERS[1]: Choice.SUPPORT,
        },
    )
    client.sign_in("facilitator@example.org")
    # The old close button (pages from before the check page) leads there, closing nothing.
    unchecked = client.post_form(f"/documents/{PROTOCOL}/voting", {"action": "close"})
    assert unchecked.status_code == 303
    assert unchecked.headers["Location"].endswith(f"/documents/{PROTOCOL}/voting/close")
    with protocol.app_context():
        assert db.session.scalar(select(func.count()).select_from(Outcome)) == 0
    closed = client.post_checked(f"/documents/{PROTOCOL}/voting/close")
    assert closed.status_code == 303
    with protocol.app_context():
        outcome = db.session.scalars(select(Outcome).filter_by(clause_id=_clause().id)).one()
        assert outcome.agreed is True
        assert outcome.tallies["members"]["support"] == 3
        assert outcome.rule["members"]["min_turnout_percent"] == 25
        assert db.session.scalar(select(func.count()).select_from(Outcome)) == 8
    page = client.get(f"/documents/{PROTOCOL}").get_data(as_text=True)
    assert "Agreed" in page and "Not agreed" in page and "Re-open voting" in page

    client.sign_in("officer@example.org")
    refused = client.post_form(f"{CLAUSE}/vote", {"choice": "oppose"})
    assert refused.status_code == 409

    client.sign_in("facilitator@example.org")
    assert client.post_form(f"/documents/{PROTOCOL}/voting", {"action": "open"}).status_code == 303
    assert client.post_checked(f"/documents/{PROTOCOL}/voting/close").status_code == 303
    with protocol.app_context():
        actions = [
            e.action.value for e in db.session.scalars(select(VotingEvent).order_by(VotingEvent.id))
        ]
        assert actions == ["opened", "closed", "opened", "closed"]
        assert db.session.scalar(select(func.count()).select_from(Outcome)) == 16


def test_closing_one_clause_records_its_outcome_and_leaves_the_rest_open(protocol, client):
    _open_voting(protocol)
    client.sign_in("facilitator@example.org")
    shown = shown_digest(client.get(f"{CLAUSE}/voting/close").get_data(as_text=True))
    assert client.post_form(f"{CLAUSE}/voting/close", {"shown": shown}).status_code == 303
    with protocol.app_context():
        assert db.session.scalar(select(func.count()).select_from(Outcome)) == 1
    client.sign_in("member@example.org")
    assert client.post_form(f"{CLAUSE}/vote", {"choice": "support"}).status_code == 409
    other = f"/documents/{PROTOCOL}/clauses/4/vote"
    assert client.post_form(other, {"choice": "support"}).status_code == 303


def test_the_rule_changes_only_while_voting_is_closed(protocol, client):
    client.sign_in("facilitator@example.org")
    url = f"/documents/{PROTOCOL}/rule"
    bad = client.post_form(url, {"member_turnout_percent": "150", "officer_turnout_percent": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    # One message for every wrong value, naming the field as a sentence does (outside tester:
    # 101 and -5 were told different things, one with "members" in lower case).
    message = "Enter the minimum turnout of Members as a whole number from 0 to 100"
    assert message in html and 'value="150"' in html
    assert "Enter the minimum turnout of Officers as a whole number from 0 to 100" in html
    assert (
        client.post_checked(
            url, {"member_turnout_percent": "40", "officer_turnout_percent": "30"}
        ).status_code
        == 303
    )
    with protocol.app_context():
        document = factories.find_document(PROTOCOL)
        assert (document.member_turnout_percent, document.officer_turnout_percent) == (40, 30)
    assert "at least 40% of Members" in client.get(f"/documents/{PROTOCOL}").get_data(as_text=True)
    negative = client.post_form(
        url, {"member_turnout_percent": "-5", "officer_turnout_percent": "5"}
    )
    assert negative.status_code == 422
    assert message in negative.get_data(as_text=True)
    _open_voting(protocol)
    # While voting is open the page says why at once, rather than a form it will refuse.
    page = client.get(url)
    assert page.status_code == 409
    assert "cannot change while voting is open" in page.get_data(as_text=True)
    assert 'name="member_turnout_percent"' not in page.get_data(as_text=True)
    refused = client.post_form(
        url, {"member_turnout_percent": "10", "officer_turnout_percent": "10"}
    )
    assert refused.status_code == 409
    with protocol.app_context():
        assert factories.find_document(PROTOCOL).member_turnout_percent == 40


def test_a_rule_changed_by_another_facilitator_is_not_overwritten(protocol, client):
    """Two facilitators change the agreement rule from pages showing the same rule: the second
    save is refused (409) with the rule now in force shown beside the percentages typed, which
    are kept; saving again from that page replaces it knowingly. A form without what its page
    showed saves nothing."""
    with factories.built(protocol):
        factories.facilitator(email="second.facilitator@example.org")
    url = f"/documents/{PROTOCOL}/rule"
    client.sign_in("facilitator@example.org")
    drawn = shown_digest(client.get(url).get_data(as_text=True))
    other = protocol.test_client()
    other.sign_in("second.facilitator@example.org")
    theirs = {"member_turnout_percent": "40", "officer_turnout_percent": "30"}
    assert other.post_checked(url, theirs).status_code == 303
    mine = {"member_turnout_percent": "55", "officer_turnout_percent": "45"}
    refused = client.post_form(url, {**mine, "shown": drawn})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "changed the agreement rule after you opened the page" in page
    saved = page[page.index('id="saved-rule"') :]
    assert "at least 40% of Members" in saved and "at least 30% of Officers" in saved
    assert 'value="55"' in page and 'value="45"' in page  # what was typed, kept
    with protocol.app_context():
        document = factories.find_document(PROTOCOL)
        assert (document.member_turnout_percent, document.officer_turnout_percent) == (40, 30)
    assert client.post_form(url, mine).status_code == 409  # no digest: nothing saved
    again = client.post_form(url, {**mine, "shown": shown_digest(page)})
    assert again.status_code == 303
    with protocol.app_context():
        document = factories.find_document(PROTOCOL)
        assert (document.member_turnout_percent, document.officer_turnout_percent) == (55, 45)


@pytest.mark.parametrize(
    "email",
    ["member@example.org", "officer@example.org", "standards@example.org", "admin@example.org"],
)
def test_only_facilitators_steer_voting(protocol, client, email):
    client.sign_in(email)
    assert client.post_form(f"/documents/{PROTOCOL}/voting", {"action": "open"}).status_code == 403
    assert client.get(f"/documents/{PROTOCOL}/rule").status_code == 403
    assert client.post_form(f"/documents/{PROTOCOL}/amendments-stopped").status_code == 403
    assert "Open voting" not in client.get(f"/documents/{PROTOCOL}").get_data(as_text=True)


# One vote per person, under concurrency --------------------------------------------------


def test_concurrent_votes_leave_exactly_one_vote_per_person(protocol):
    """Many people voting at once, one of them double-clicking and in two tabs."""
    _open_voting(protocol)
    with protocol.app_context():
        clause_id = _clause().id
    emails = MEMBERS + OFFICERS[:3]
    clients = {}
    for email in emails:
        clients[email] = (
            [protocol.test_client(), protocol.test_client()]
            if email == MEMBERS[0]
            else [protocol.test_client()]
        )
        for client in clients[email]:
            assert client.sign_in(email).status_code == 303
    jobs = [
        (client, choice)
        for client in clients[MEMBERS[0]]
        for choice in ("support", "oppose", "support", "abstain")
    ]
    jobs += [(clients[email][0], "support") for email in emails[1:]]
    tokens = {id(client): client.csrf_token() for client, _ in jobs}
    start = threading.Barrier(len(jobs))
    statuses: list[int] = []

    def vote(client, choice: str) -> None:
        start.wait(timeout=10)
        response = client.post(
            f"{CLAUSE}/vote", data={"choice": choice, "csrf_token": tokens[id(client)]}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=vote, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303] * len(jobs)
    with protocol.app_context():
        counts = db.session.execute(
            select(Vote.user_id, func.count())
            .where(Vote.clause_id == clause_id)
            .group_by(Vote.user_id)
        ).all()
        assert len(counts) == len(emails) and all(count == 1 for _, count in counts)
        assert audit.verify().ok


# Amendments ------------------------------------------------------------------------------


def _propose(app, email="member@example.org", number="3", body="A new wording.") -> int:
    with app.app_context():
        clause = _clause(number)
        amendment = amendments.propose_amendment(
            clause,
            clause.heading,
            body,
            "It is clearer",
            list(clause.recommendations),
            by=factories.user(email),
        )
        db.session.commit()
        return amendment.id


def test_proposing_an_amendment_and_seeing_its_redline(protocol, client):
    client.sign_in("member@example.org")
    form = client.get(f"{CLAUSE}/amendments/new").get_data(as_text=True)
    assert "Propose an amendment" in form
    with protocol.app_context():
        clause = _clause()
        heading, body, recs = clause.heading, clause.body, [r.id for r in clause.recommendations]
    response = client.post_form(
        f"{CLAUSE}/amendments/new",
        {
            "heading": heading,
            "body": body.replace("Members", "elected Members", 1),
            "rationale": "Say who we mean",
            "recommendations": recs,
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<ins class="app-ins"><span class="govuk-visually-hidden">inserted: </span>' in page
    assert "Say who we mean" in page and "Proposed by Sarah Whitfield" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rationale": "x"}, "The amendment must change the heading or the text."),
        ({"body": "", "rationale": "x"}, "Enter the clause text"),
        ({"body": "Changed", "rationale": ""}, "Say why the clause should change"),
        (
            {"body": "Changed", "rationale": "x", "recommendations": []},
            "Choose at least one recommendation",
        ),
    ],
    ids=["no change", "no text", "no reason", "no recommendation"],
)
def test_bad_amendments_change_nothing(protocol, client, data, message):
    client.sign_in("officer@example.org")
    with protocol.app_context():
        clause = _clause()
        form = {
            "heading": clause.heading,
            "body": clause.body,
            "recommendations": [r.id for r in clause.recommendations],
        }
    response = client.post_form(f"{CLAUSE}/amendments/new", {**form, **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with protocol.app_context():
        assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


def test_stopping_amendments_keeps_existing_ones_decidable(protocol, client):
    amendment_id = _propose(protocol)
    client.sign_in("facilitator@example.org")
    assert (
        client.post_form(
            f"/documents/{PROTOCOL}/amendments-stopped", {"action": "stop"}
        ).status_code
        == 303
    )
    client.sign_in("member@example.org")
    assert client.get(f"{CLAUSE}/amendments/new").status_code == 409
    assert "New amendments are not being taken" in client.get(CLAUSE).get_data(as_text=True)
    client.sign_in("facilitator@example.org")
    assert (
        client.post_form(f"/amendments/{amendment_id}/reject", {"reason": "Not needed"}).status_code
        == 303
    )
    # Stopping one clause only.
    client.post_form(f"/documents/{PROTOCOL}/amendments-stopped", {"action": "resume"})
    client.post_form(f"{CLAUSE}/amendments-stopped", {"action": "stop"})
    client.sign_in("member@example.org")
    assert client.get(f"{CLAUSE}/amendments/new").status_code == 409
    assert client.get(f"/documents/{PROTOCOL}/clauses/4/amendments/new").status_code == 200


def test_accepting_gives_the_clause_a_new_revision_naming_the_amendment(protocol, client):
    amendment_id = _propose(protocol, body="The accepted wording.")
    client.sign_in("facilitator@example.org")
    assert "Accept amendment" in client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    reason = {"acceptance_reason": "Agreed at the joint session."}
    assert client.post_checked(f"/amendments/{amendment_id}/accept", reason).status_code == 303
    with protocol.app_context():
        clause = _clause()
        assert clause.body == "The accepted wording." and clause.revision_number == 2
        revision = clause.revisions[-1]
        assert f"Amendment {amendment_id}" in revision.reason
        assert revision.created_by.email == "facilitator@example.org"
        amendment = db.session.get(Amendment, amendment_id)
        assert amendment.status == AmendmentStatus.ACCEPTED
        assert amendment.accepted_revision_number == 2
    again = client.post_checked(f"/amendments/{amendment_id}/accept")
    assert again.status_code == 409


def test_an_out_of_date_amendment_needs_explicit_confirmation(protocol, client):
    amendment_id = _propose(protocol, body="Written on wording 1.")
    with protocol.app_context():
        clause = _clause()
        clauses.revise_clause(clause, clause.heading, "A newer wording.", by=None, reason="x")
        db.session.commit()
    client.sign_in("facilitator@example.org")
    page = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert "Out of date" in page and "Against the current wording" in page
    refused = client.post_checked(f"/amendments/{amendment_id}/accept")
    assert refused.status_code == 409
    assert "Confirm that the amendment" in refused.get_data(as_text=True)
    with protocol.app_context():
        assert _clause().body == "A newer wording."
    accepted = client.post_checked(
        f"/amendments/{amendment_id}/accept",
        {"confirm_out_of_date": "y", "acceptance_reason": "Agreed at the joint session."},
    )
    assert accepted.status_code == 303
    with protocol.app_context():
        bodies = [r.body for r in _clause().revisions]
    assert bodies[-2:] == ["A newer wording.", "Written on wording 1."], "nothing lost"


def test_rejecting_needs_a_reason_and_withdrawing_is_for_the_proposer(protocol, client):
    first, second = _propose(protocol), _propose(protocol, body="Another idea")
    client.sign_in("facilitator@example.org")
    empty = client.post_form(f"/amendments/{first}/reject", {"reason": ""})
    assert empty.status_code == 422
    assert (
        client.post_form(
            f"/amendments/{first}/reject", {"reason": "Duplicates clause 2"}
        ).status_code
        == 303
    )
    assert "Duplicates clause 2" in client.get(f"/amendments/{first}").get_data(as_text=True)
    client.sign_in("officer@example.org")
    assert client.post_form(f"/amendments/{second}/withdraw").status_code == 403
    client.sign_in("member@example.org")
    assert "Are you sure" in client.get(f"/amendments/{second}/withdraw").get_data(as_text=True)
    assert client.post_form(f"/amendments/{second}/withdraw").status_code == 303
    with protocol.app_context():
        assert db.session.get(Amendment, second).status == AmendmentStatus.WITHDRAWN


def test_voting_on_an_amendment(protocol, client):
    amendment_id = _propose(protocol)
    _open_voting(protocol)
    client.sign_in("officer@example.org")
    assert (
        client.post_form(f"/amendments/{amendment_id}/vote", {"choice": "support"}).status_code
        == 303
    )
    assert (
        client.post_form(
            f"/amendments/{amendment_id}/vote", {"choice": "oppose"}, htmx=True
        ).status_code
        == 200
    )
    with protocol.app_context():
        votes = db.session.scalars(select(Vote).filter_by(amendment_id=amendment_id)).all()
        assert [(v.choice, v.clause_id) for v in votes] == [(Choice.OPPOSE, None)]


@pytest.mark.parametrize("how", ["proposer", "retirement"])
def test_withdrawing_an_amendment_being_voted_on_records_its_votes(protocol, client, how):
    """Votes cast on an amendment stay part of the voting record when it is withdrawn (by its
    proposer, or because its clause is retired): they are recorded as voting on it closes, as
    a rejection records them, and its page says they were recorded then. Before, they were
    shown live on its page but the export's annex said "No vote" and nothing was kept."""
    amendment_id = _propose(protocol)
    _open_voting(protocol)
    for email, choice in (("officer@example.org", "oppose"), ("member@example.org", "support")):
        client.sign_in(email)
        vote = client.post_form(f"/amendments/{amendment_id}/vote", {"choice": choice})
        assert vote.status_code == 303
    if how == "proposer":
        assert client.post_form(f"/amendments/{amendment_id}/withdraw").status_code == 303
    else:
        with protocol.app_context():
            clauses.retire_clause(
                _clause(), "Merged into clause 2", by=factories.user("facilitator@example.org")
            )
            db.session.commit()
    with protocol.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        assert amendment.status == AmendmentStatus.WITHDRAWN
        outcome = db.session.scalars(select(Outcome).filter_by(amendment_id=amendment_id)).one()
        assert outcome.tallies["members"]["support"] == 1
        assert outcome.tallies["officers"]["oppose"] == 1
        assert amendment.voting_closed_at is not None
    page = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    panel = page[page.index('id="vote-panel"') :]
    assert "Voting on this amendment closed when it was withdrawn" in panel
    assert "No vote" not in panel and "Agreed" not in panel.split("Votes by side")[0]


# Direct edits and history ----------------------------------------------------------------


def test_a_stale_edit_is_refused_with_both_texts_and_nothing_lost(protocol, client):
    client.sign_in("facilitator@example.org")
    with protocol.app_context():
        heading = _clause().heading
    first = client.post_form(
        f"{CLAUSE}/edit", {"heading": heading, "body": "First tab's text", "revision_number": 1}
    )
    assert first.status_code == 303
    second = client.post_form(
        f"{CLAUSE}/edit", {"heading": heading, "body": "Second tab's text", "revision_number": 1}
    )
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "First tab&#39;s text" in html or "First tab's text" in html
    assert "Second tab&#39;s text" in html or "Second tab's text" in html
    with protocol.app_context():
        assert _clause().body == "First tab's text"
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ClauseRevision)
                .where(ClauseRevision.clause_id == _clause().id)
            )
            == 2
        )


def test_members_cannot_edit_clauses_and_history_shows_every_wording(protocol, client):
    client.sign_in("member@example.org")
    assert client.get(f"{CLAUSE}/edit").status_code == 403
    with protocol.app_context():
        clause = _clause()
        clauses.revise_clause(
            clause, clause.heading, clause.body + " More.", by=None, reason="Tidied"
        )
        db.session.commit()
    page = client.get(f"{CLAUSE}/history").get_data(as_text=True)
    assert "Wording 2" in page and "Wording 1" in page and "Tidied" in page
    assert '<ins class="app-ins">' in page


# Speed -----------------------------------------------------------------------------------


def test_a_document_page_costs_the_same_with_60_clauses_and_200_voters(protocol, client):
    """Also with the wording data: outcomes on an earlier wording and set-aside votes."""
    client.sign_in("member@example.org")
    url = f"/documents/{PROTOCOL}"
    with count_queries(protocol) as small:
        client.get(url)
    with protocol.app_context():
        document = factories.find_document(PROTOCOL)
        document.voting_open = True
        for index in range(60 - len(document.clauses)):
            clauses.add_clause(document, f"Extra {index}", "Text", by=None)
        db.session.flush()
        people = []
        for index in range(200):
            user = User(
                email=f"voter{index}@example.org",
                display_name=f"Voter {index}",
                group="Labour Group" if index % 2 else "Green Group",
            )
            user.set_roles({Role.MEMBER if index % 3 else Role.OFFICER})
            people.append(user)
        db.session.add_all(people)
        db.session.flush()
        for clause in document.clauses:
            for index, user in enumerate(people):
                db.session.add(
                    Vote(
                        user_id=user.id,
                        clause_id=clause.id,
                        revision_number=clause.revision_number,
                        choice=[Choice.SUPPORT, Choice.OPPOSE][index % 2],
                        set_aside_at=utcnow() if index % 4 == 0 else None,
                        set_aside_reason=SetAsideReason.EARLIER_WORDING if index % 4 == 0 else None,
                    )
                )
        facilitator = factories.user("facilitator@example.org")
        voting.close_voting(document, by=facilitator)
        for clause in document.clauses[::2]:
            clauses.revise_clause(clause, clause.heading, "Reworded", by=facilitator, reason="x")
        db.session.commit()
    with count_queries(protocol) as large:
        page = client.get(url).get_data(as_text=True)
    assert "Extra 51" in page
    assert "the clause now has wording 2" in page and "set aside" in page
    assert large.count == small.count, f"{small}\n---\n{large}"


def test_the_document_needs_to_be_open_to_vote(app, client):
    make_user(app, "m@example.org", roles=(Role.MEMBER,))
    with app.app_context():
        document = Document(
            kind=DocumentKind.ACCORD,
            slug="a",
            title="A",
            status=DocumentStatus.CLOSED,
            voting_open=True,
        )
        db.session.add(document)
        clauses.add_clause(document, "H", "B", by=None)
        db.session.commit()
    client.sign_in("m@example.org")
    assert client.post_form("/documents/a/clauses/1/vote", {"choice": "support"}).status_code == 409


def test_an_amendment_page_polls_its_tally(protocol, client):
    amendment_id = _propose(protocol)
    _open_voting(protocol)
    client.sign_in("officer@example.org")
    page = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert f'hx-get="/amendments/{amendment_id}/live"' in page
    live = f"/amendments/{amendment_id}/live"
    etag = client.get(live, headers={"HX-Request": "true"}).headers["ETag"]
    with count_queries(protocol) as queries:
        unchanged = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert unchanged.status_code == 304 and queries.count == 1
    with protocol.app_context():
        voting.cast_vote(
            factories.user("member@example.org"),
            Choice.SUPPORT,
            amendment=db.session.get(Amendment, amendment_id),
        )
        db.session.commit()
    changed = client.get(live, headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and "1 of 9" in changed.get_data(as_text=True)
