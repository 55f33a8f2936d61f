"""What a vote panel shows: the tally by side and Group, who voted how, your vote, the outcome."""

from __future__ import annotations

from collections.abc import Sequence

from flask_login import current_user
from sqlalchemy import select

from app import rules
from app.extensions import db
from app.models import Amendment, Clause, Outcome
from app.rendering import people_mark_read
from app.services import voting


def vote_panel_context(
    item: Clause | Amendment,
    amendments: Sequence[Amendment] = (),
    *,
    eligible: dict[str, int] | None = None,
) -> dict:
    """What the panel of ``item`` shows, and (``amendment_tallies``) the tallies of
    ``amendments`` too (a clause page lists its amendments): one count of eligible voters
    (unless the caller has ``eligible`` already, from ``voting.eligible_columns``) and one
    tally for them all; the person's own vote is among the voters."""
    is_amendment = isinstance(item, Amendment)
    kind = "amendment" if is_amendment else "clause"
    tallied = (
        voting.tallies(amendments=[item, *amendments], with_voters=True, eligible=eligible)
        if isinstance(item, Amendment)
        else voting.tallies(
            clauses=[item],
            amendments=amendments,
            with_voters=True,
            eligible=eligible,
            cached=True,
            people_mark=people_mark_read(),
        )
    )
    tally = tallied[(kind, item.id)]
    me = current_user.id
    mine = next((vote for voter, vote in tally.voters if voter.id == me), None)
    outcome_column = Outcome.amendment_id if is_amendment else Outcome.clause_id
    outcome = db.session.scalar(
        select(Outcome).where(outcome_column == item.id).order_by(Outcome.id.desc()).limit(1)
    )
    document = item.clause.document if isinstance(item, Amendment) else item.document
    return {
        "item": item,
        "is_amendment": is_amendment,
        "document": document,
        "tally": tally,
        "my_vote": mine,
        "outcome": outcome,
        "is_open": rules.is_amendment_voting_open(item)
        if isinstance(item, Amendment)
        else rules.is_clause_voting_open(item),
        "would_be_agreed": voting.is_agreed(tally, document),
        "announcement": "",
        "refusal": None,
        "marker": (item.clause if isinstance(item, Amendment) else item).activity,
        "live_url": None,
        "amendment_tallies": tallied,
    }
