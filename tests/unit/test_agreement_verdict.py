"""The agreement rule in plain words: what explain_agreement says of a tally, and that it
always agrees with is_agreed."""

from __future__ import annotations

from collections import defaultdict
from itertools import product

import pytest

from app.models import Document
from app.services.voting import SideTally, Tally, explain_agreement, is_agreed


def _side(eligible: int, support: int = 0, oppose: int = 0, abstain: int = 0) -> SideTally:
    side = SideTally(eligible)
    side.counts.update(support=support, oppose=oppose, abstain=abstain)
    return side


def _tally(members: SideTally, officers: SideTally) -> Tally:
    return Tally(members, officers, defaultdict(dict))


def _document(members: int = 25, officers: int = 25) -> Document:
    return Document(member_turnout_percent=members, officer_turnout_percent=officers)


def test_an_agreed_tally_is_agreed_under_the_rule():
    verdict = explain_agreement(_tally(_side(10, 3, 1), _side(4, 1)), _document())
    assert verdict.agreed and verdict.reasons == ()
    assert str(verdict) == "agreed under the rule"


def test_a_low_turnout_says_whose_and_by_how_much():
    verdict = explain_agreement(_tally(_side(10, 3), _side(10, 1)), _document())
    assert not verdict.agreed
    assert str(verdict) == "not agreed: Officers' turnout 10% is below 25%"


@pytest.mark.parametrize(
    ("support", "oppose", "reason"),
    [
        (0, 0, "no Members have voted for or against it"),
        (2, 2, "Members are split evenly (2 for, 2 against)"),
        (1, 3, "more Members oppose it than support it (1 for, 3 against)"),
    ],
)
def test_support_not_above_oppose_is_said_plainly(support, oppose, reason):
    members = _side(4, support, oppose, abstain=4 - support - oppose)
    verdict = explain_agreement(_tally(members, _side(1, 1)), _document())
    assert verdict.reasons == (reason,)


def test_every_unmet_condition_is_listed_members_first():
    verdict = explain_agreement(_tally(_side(40, 1, 2), _side(8, 0, 0)), _document(10, 20))
    assert str(verdict) == (
        "not agreed: more Members oppose it than support it (1 for, 2 against); "
        "Members' turnout 7.5% is below 10%; no Officers have voted for or against it; "
        "Officers' turnout 0% is below 20%"
    )


def test_a_turnout_just_short_is_never_rounded_up_to_the_threshold():
    verdict = explain_agreement(_tally(_side(4, 4), _side(801, 200)), _document())
    assert str(verdict) == "not agreed: Officers' turnout 24.9% is below 25%"


def test_nobody_eligible_is_a_turnout_of_0():
    verdict = explain_agreement(_tally(_side(0), _side(0)), _document(0, 0))
    assert not verdict.agreed
    assert "Officers' turnout" not in str(verdict)  # 0% is not below a threshold of 0%


def test_the_explanation_agrees_with_the_rule_on_every_small_tally():
    document = _document(25, 50)
    for ms, mo, ma, os, oo in product(range(3), range(3), range(2), range(3), range(3)):
        tally = _tally(_side(6, ms, mo, ma), _side(4, os, oo))
        verdict = explain_agreement(tally, document)
        assert verdict.agreed == is_agreed(tally, document), (ms, mo, ma, os, oo)
        assert verdict.agreed == (not verdict.reasons)
