"""The ballot for the whole document (issue 15): prefill, check, cast in one transaction,
refusals that keep the choices, and the document page's "You voted" and count left."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import cache, db
from app.models import Amendment, Choice, Vote
from app.services import amendments, voting
from tests import factories
from tests.helpers import count_queries
from tests.snapshots import snapshot

SLUG = "ways-of-working-accord"
DOC = f"/documents/{SLUG}"
BALLOT = f"{DOC}/ballot"
CAST = f"{BALLOT}/cast"


@pytest.fixture
@snapshot
def accord(app):
    """An Open Accord of three clauses with voting open, a Member who has voted Oppose on
    clause 2, and an open amendment to clause 3."""
    with factories.built(app):
        document = factories.document(clauses=3)
        factories.voting_opened(document)
        member = factories.member()
        voting.cast_vote(member, Choice.OPPOSE, clause=factories.clause(document, "2"))
        factories.amendment(factories.clause(document, "3"), body="A better wording.")
    return app


def _ids(app) -> dict[str, str]:
    """The ballot keys of clause 1, 2, 3 and the amendment."""
    with app.app_context():
        document = factories.find_document(SLUG)
        keys = {n: f"c{factories.clause(document, n).id}" for n in ("1", "2", "3")}
        amendment = db.session.scalars(
            select(Amendment).filter_by(clause_id=factories.clause(document, "3").id)
        ).one()
        keys["a"] = f"a{amendment.id}"
        return keys


def _votes(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(select(Vote.clause_id, Vote.amendment_id, Vote.choice)).all()
        return {(f"c{c}" if c else f"a{a}"): Choice(choice).value for c, a, choice in rows}


def _checked(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="choice-(\w+)" type="radio" value="(\w+)" checked', html))


def test_ballot_shows_every_open_item_prefilled(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    response = client.get(BALLOT)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Vote on the Ways of Working Accord" in html
    for key in keys.values():
        assert f'id="item-{key}"' in html
    assert _checked(html) == {keys["2"]: "oppose"}
    assert "You voted: Oppose" in html
    assert f"Amendment {keys['a'][1:]} to clause 3" in html


def test_check_page_lists_choices_then_cast_records_them_together(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    choices = {
        f"choice-{keys['1']}": "support",
        f"choice-{keys['2']}": "oppose",  # unchanged
        f"choice-{keys['3']}": "interest",
        f"reason-{keys['3']}": "My spouse works in the service",
        f"choice-{keys['a']}": "abstain",
    }
    check = client.post_form(BALLOT, choices)
    assert check.status_code == 200
    html = check.get_data(as_text=True)
    assert "Check your votes before you cast them" in html
    assert "<title>Check your votes on the Ways of Working Accord" in html
    assert "(your vote already; unchanged)" in html
    assert "3 votes will be cast together" in html
    assert f'name="choice-{keys["1"]}" value="support"' in html  # travels as a field
    assert _votes(accord) == {keys["2"]: "oppose"}  # nothing recorded yet
    hidden = dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', html))
    hidden.pop("csrf_token", None)
    cast = client.post_form(CAST, hidden)
    assert cast.status_code == 303
    assert cast.headers["Location"].endswith(f"{DOC}#voting")
    assert _votes(accord) == {
        keys["1"]: "support",
        keys["2"]: "oppose",
        keys["3"]: "interest",
        keys["a"]: "abstain",
    }
    page = client.get(DOC).get_data(as_text=True)
    assert "Your 3 votes are recorded." in page
    assert "You have voted on all 4 items open for voting" in page


def test_change_from_the_check_page_keeps_the_choices(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    back = client.post_form(
        BALLOT, {"action": "change", f"choice-{keys['1']}": "support", f"choice-{keys['2']}": ""}
    )
    assert back.status_code == 200
    assert _checked(back.get_data(as_text=True)) == {keys["1"]: "support"}


def test_interest_without_reason_is_refused_by_the_field(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    response = client.post_form(BALLOT, {f"choice-{keys['1']}": "interest"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say briefly why you have an interest in clause 1" in html
    assert f'href="#reason-{keys["1"]}"' in html and f'id="reason-{keys["1"]}"' in html
    assert _checked(html)[keys["1"]] == "interest"
    # The message is by the reason's box, which says so (outside tester: it was by the
    # choices, and the box was described only by its hint).
    key = keys["1"]
    box = re.search(rf'<textarea[^>]*id="reason-{key}"[^>]*>', html).group(0)
    assert "govuk-textarea--error" in box and f"reason-{key}-error" in box
    error = html.index(f'id="reason-{key}-error"')
    assert html.index(f'for="reason-{key}"') < error < html.index(f'id="reason-{key}"')
    assert html.count("Say briefly why you have an interest in clause 1") == 2  # summary, box
    long = client.post_form(
        BALLOT, {f"choice-{key}": "interest", f"reason-{key}": "x" * 501}
    ).get_data(as_text=True)
    assert long.index(f'for="reason-{key}"') < long.index("500 characters or fewer</p>")
    nothing = client.post_form(BALLOT, {f"choice-{keys['2']}": "oppose"})
    assert nothing.status_code == 422
    assert "Choose how you vote on at least one item" in nothing.get_data(as_text=True)


def test_clause_closed_between_check_and_cast_records_nothing(accord, client):
    """All or nothing, on both databases: one clause's voting closes after the check page;
    casting records none of the choices and names the clause, keeping the others."""
    keys = _ids(accord)
    client.sign_in("member@example.org")
    choices = {
        f"choice-{keys['1']}": "support",
        f"choice-{keys['2']}": "support",
        f"choice-{keys['3']}": "abstain",
        f"wording-{keys['1']}": "1",
    }
    assert client.post_form(BALLOT, choices).status_code == 200
    with factories.built(accord):
        document = factories.find_document(SLUG)
        voting.close_clause_voting(
            factories.clause(document, "2"), by=factories.user("facilitator@example.org")
        )
    response = client.post_form(CAST, choices)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "One of your choices could not be cast, so none was recorded." in html
    assert "Voting on clause 2 has closed." in html
    assert _checked(html) == {keys["1"]: "support", keys["3"]: "abstain"}
    assert _votes(accord) == {keys["2"]: "oppose"}


def test_wording_changed_since_the_ballot_records_nothing(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    with factories.built(accord):
        amendments.edit_clause(
            factories.clause(factories.find_document(SLUG), "1"),
            "Trust",
            "A reworded first clause.",
            "Clearer",
            by=factories.user("facilitator@example.org"),
            seen_revision=1,
        )
    response = client.post_form(
        CAST,
        {
            f"choice-{keys['1']}": "support",
            f"wording-{keys['1']}": "1",
            f"choice-{keys['3']}": "oppose",
        },
    )
    assert response.status_code == 409
    assert "The wording of clause 1 changed" in response.get_data(as_text=True)
    assert _votes(accord) == {keys["2"]: "oppose"}


def test_non_voters_and_closed_voting_are_refused_with_the_reason(accord, client):
    client.sign_in("facilitator@example.org")
    response = client.get(BALLOT)
    assert response.status_code == 403
    assert "Only Members and Officers vote." in response.get_data(as_text=True)
    with factories.built(accord):
        document = factories.find_document(SLUG)
        voting.close_voting(document, by=factories.user("facilitator@example.org"))
    client.sign_in("member@example.org")
    closed = client.get(BALLOT)
    assert closed.status_code == 409
    assert "Voting on this document is not open." in closed.get_data(as_text=True)


def test_document_page_shows_my_votes_and_what_is_left_in_constant_statements(accord, client):
    """Both views from an empty cache (the vote counts and the number of voters are cached
    under the ``people`` marker and the clauses' markers)."""
    client.sign_in("member@example.org")
    with accord.app_context():
        cache.clear()
    with count_queries(accord) as before:
        html = client.get(DOC).get_data(as_text=True)
    assert "You voted: <strong>Oppose</strong>" in html
    assert html.count("You have not voted on this clause") == 2
    assert "You have 3 of 4 items open for voting left to vote on." in html
    assert 'id="vote-on-document"' in html
    with factories.built(accord):
        document = factories.find_document(SLUG)
        for n in range(4, 9):
            factories.add_clause(document, f"Extra {n}", "More wording.")
        clause = factories.clause(document, "4")
        factories.amendment(clause)
        voting.cast_vote(factories.user("member@example.org"), Choice.SUPPORT, clause=clause)
    with accord.app_context():
        cache.clear()
    with count_queries(accord) as after:
        html = client.get(DOC).get_data(as_text=True)
    assert "You have 8 of 10 items open for voting left to vote on." in html
    assert after.count == before.count, str(after)


def test_contents_list_and_previous_next_clause_links(accord, client):
    client.sign_in("member@example.org")
    html = client.get(DOC).get_data(as_text=True)
    assert 'aria-labelledby="contents-heading"' in html
    for number, heading in (("1", "Trust"), ("2", "Roles"), ("3", "Respect")):
        assert (
            f'href="#clause-{number}"><span class="app-contents__number">{number}</span> '
            f"{heading}</a>" in html
        )
        assert f'id="clause-{number}"' in html
    middle = client.get(f"{DOC}/clauses/2").get_data(as_text=True)
    assert 'class="govuk-pagination govuk-pagination--block"' in middle
    assert f'href="{DOC}/clauses/1" rel="prev"' in middle
    assert f'href="{DOC}/clauses/3" rel="next"' in middle
    assert "1 Trust" in middle and "3 Respect" in middle
    first = client.get(f"{DOC}/clauses/1").get_data(as_text=True)
    assert 'rel="prev"' not in first and f'href="{DOC}/clauses/2" rel="next"' in first


# "Save this vote now": one item cast at once, with htmx in place -------------------------


def test_with_htmx_save_this_vote_casts_one_item_and_puts_it_back(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    item = f"{BALLOT}/items/{keys['1']}"
    saved = client.post_form(item, {f"choice-{keys['1']}": "support"}, htmx=True)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert "<html" not in html and f'id="item-{keys["1"]}"' in html
    assert "You voted: Support" in html and "Saved: Support" in html
    assert 'id="announcer"' in html and "Support on clause 1 is saved." in html
    assert _votes(accord) == {keys["1"]: "support", keys["2"]: "oppose"}
    again = client.post_form(item, {f"choice-{keys['1']}": "support"}, htmx=True)
    assert "already Support" in again.get_data(as_text=True)
    client.post_form(item, {f"choice-{keys['1']}": "abstain"}, htmx=True)
    assert _votes(accord)[keys["1"]] == "abstain"


def test_without_javascript_save_this_vote_keeps_the_other_choices(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    response = client.post_form(
        f"{BALLOT}/items/{keys['1']}",
        {
            f"choice-{keys['1']}": "support",
            f"choice-{keys['2']}": "oppose",  # pre-filled, sent as a browser sends it
            f"choice-{keys['a']}": "oppose",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Support on clause 1 is saved." in html and "not cast yet" in html
    assert _checked(html) == {keys["1"]: "support", keys["2"]: "oppose", keys["a"]: "oppose"}
    assert _votes(accord) == {keys["1"]: "support", keys["2"]: "oppose"}  # only the one saved


def test_saving_one_item_needs_a_choice_and_an_interest_its_reason(accord, client):
    keys = _ids(accord)
    client.sign_in("member@example.org")
    item = f"{BALLOT}/items/{keys['3']}"
    nothing = client.post_form(item, {}, htmx=True)
    assert nothing.status_code == 422 and "Choose Support, Oppose" in nothing.get_data(as_text=True)
    no_reason = client.post_form(item, {f"choice-{keys['3']}": "interest"}, htmx=True)
    assert no_reason.status_code == 422
    assert "Say briefly why you have an interest" in no_reason.get_data(as_text=True)
    assert keys["3"] not in _votes(accord)
    declared = client.post_form(
        item,
        {f"choice-{keys['3']}": "interest", f"reason-{keys['3']}": "My spouse works there"},
        htmx=True,
    )
    assert declared.status_code == 200
    assert _votes(accord)[keys["3"]] == "interest"
    assert client.post_form(f"{BALLOT}/items/c999999", {}, htmx=True).status_code == 404


@pytest.mark.parametrize(
    "key",
    ["c99999999999999999999999", "c²", "c١", "a99999999999999999999", "c1_0", "x12", "c"],
)
def test_a_tampered_ballot_key_is_refused_never_a_server_error(accord, client, key):
    """A choice whose key is no item of the ballot (a number too big for the database, a
    superscript or non-ASCII digit, a stray letter) is refused as an item no longer open, by
    the ballot with nothing recorded: never a 500."""
    client.sign_in("member@example.org")
    response = client.post_form(CAST, {f"choice-{key}": "support"})
    assert response.status_code == 409, response.get_data(as_text=True)[:500]
    assert "An item you chose on is no longer open for voting." in response.get_data(as_text=True)
    assert _votes(accord) == {_ids(accord)["2"]: "oppose"}


def test_a_ballot_names_no_item_of_another_document(accord, client):
    """A choice on a clause or amendment of another document is refused
    without naming it or its state: the ballot speaks only of its own document's items."""
    with factories.built(accord):
        other = factories.document(title="Member/Officer Protocol", clauses=2)
        clause = factories.clause(other, "2")
        keys = (f"c{clause.id}", f"a{factories.amendment(clause, body='Other words.').id}")
    client.sign_in("member@example.org")
    for key in keys:
        response = client.post_form(CAST, {f"choice-{key}": "support"})
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "An item you chose on is no longer open for voting." in html
        assert "has closed" not in html and "Voting on amendment" not in html
