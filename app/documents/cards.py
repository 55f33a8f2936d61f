"""What each clause's card on the document page shows, as plain values.

A document page shows sixty clauses, each with its wording, recommendations, vote counts, the
recorded outcome, the reader's own vote and what is new to them: rendering those cards was a
third of the page. ``clause_cards`` gathers everything a card shows into a ``ClauseCard``
(a named tuple of strings, numbers and booleans), and the page's ``clause_card`` macro reads
nothing else. So the card's value is its cache key (``app.fragments.kept_cards``): two
readers who would see the same card share it, and any change to what it shows (a vote, a new
wording, a recommendation reworded, the reader's own vote or reading mark, a template) makes
another key, on every host. What the page reads from the database (the wording, the chips, the
reader's votes and marks, the numbers of discussions) needs no marker moved to show at once;
the vote counts come from the tally cache (``voting.tallies(cached=True)``), which the clause's
change marker keys, as every service that writes a vote moves it (``clauses.touch_clause``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from flask import url_for
from markupsafe import Markup

from app.markdown import stored_markup
from app.models import Document, Outcome
from app.models.recommendations import chip_label
from app.services.ballot import MyVote, Progress
from app.services.last_views import ClauseMark
from app.services.voting import Tally
from app.templating import clause_url, recommendation_url


class ListedSource(NamedTuple):
    """The report a recommendation comes from, as the document page reads it."""

    slug: str
    name: str
    short_name: str


class ListedRecommendation(NamedTuple):
    """A recommendation a clause answers, as the document page reads it: plain values under
    the names a ``Recommendation`` has for them (so ``chip`` and ``recommendation_url`` take
    either)."""

    id: int
    letter: str
    text: str
    retired_at: datetime | None
    source: ListedSource

    @property
    def label(self) -> str:
        return chip_label(self.source.short_name, self.letter)


class ListedClause(NamedTuple):
    """A live clause as the document page reads it: plain values from the page's one
    statement under the names a ``Clause`` has for them, so the ballot's progress, the
    tallies and ``rules.is_clause_voting_open`` take it as they take a ``Clause``. Loading
    sixty ``Clause`` objects with their recommendations cost three times the statement (about
    3 ms of a 14 ms page on the load benchmark's document; 1 ms as plain values)."""

    id: int
    number: str
    heading: str
    body: str
    body_html: str | None
    html_version: int
    revision_number: int
    activity: int
    voting_closed_at: datetime | None
    document: Document
    recommendations: tuple[ListedRecommendation, ...]
    retired_at: datetime | None = None  # only live clauses are listed

    @property
    def body_markup(self) -> Markup:
        return stored_markup(self.body_html, self.html_version, self.body)


class ChipRecommendation(Protocol):
    """What a chip reads of a recommendation (a ``Recommendation`` or a
    ``ListedRecommendation``)."""

    @property
    def source(self) -> Any: ...  # with ``slug`` and ``name``
    @property
    def letter(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def retired_at(self) -> datetime | None: ...


class ChipSource(NamedTuple):
    """The report a recommendation comes from, as a chip names and links it."""

    slug: str
    name: str


class Chip(NamedTuple):
    """A recommendation as its chip shows it; read by ``recommendation_chips`` (in
    ``templates/_macros/documents.html``) with the same names as a ``Recommendation``. ``url``
    is the address the chip links to (``recommendation_url``, as the macro builds it): here so
    that the card's key changes with it."""

    url: str
    source: ChipSource
    letter: str
    label: str
    text: str
    retired_at: bool


class ClauseCard(NamedTuple):
    """Everything one clause's card on the document page shows (the ``clause_card`` macro in
    ``templates/documents/show.html`` reads nothing else).

    ``new_since`` is what changed since the reader last looked ("2 new comments and a new
    wording"), None when nothing did; ``changes_href`` where "Show what changed" goes (from
    the wording they last saw) when the wording is new to them. ``outcome`` is (agreed, the
    wording it was recorded on) once voting on the clause has closed. ``my_vote`` is the
    reader's line while they may vote on it: ("interest", ""), ("voted", the choice's label),
    ("set_aside", "") or ("none", ""); None when there is no line."""

    number: str
    heading: str
    href: str
    changes_href: str | None
    new_since: str | None
    body: Markup
    chips: tuple[Chip, ...]
    outcome: tuple[bool, int | None] | None
    revision_number: int
    members_for: int
    members_against: int
    officers_for: int
    officers_against: int
    set_aside: int
    my_vote: tuple[str, str] | None
    short_item_noun: str
    discussions: int
    comments: int


def chip(recommendation: ChipRecommendation) -> Chip:
    """``recommendation`` as its chip shows it (its source must be loaded)."""
    source = recommendation.source
    return Chip(
        recommendation_url(recommendation),
        ChipSource(source.slug, source.name),
        recommendation.letter,
        recommendation.label,
        recommendation.text,
        recommendation.retired_at is not None,
    )


def _my_vote(mine: MyVote | None) -> tuple[str, str]:
    if mine is not None and mine.choice is not None:
        if mine.choice.value == "interest":
            return ("interest", "")
        return ("voted", mine.choice.label)
    if mine is not None and mine.set_aside:
        return ("set_aside", "")
    return ("none", "")


def _changes_href(document: Document, clause: ListedClause, mark: ClauseMark | None) -> str | None:
    """Where "Show what changed" goes when the clause's wording is new to the reader: from the
    wording they last saw to this one."""
    if mark is None or not mark.new_wording:
        return None
    since: dict[str, Any] = {"from": mark.seen_revision}  # "from" is a keyword in Python
    return url_for("documents.clause_changes", slug=document.slug, number=clause.number, **since)


def clause_cards(
    document: Document,
    clauses: Sequence[ListedClause],
    *,
    tallies: Mapping[tuple[str, int], Tally],
    outcomes: Mapping[tuple[str, int], Outcome],
    progress: Progress,
    marks: Mapping[int, ClauseMark],
    discussion_counts: Mapping[int | None, int],
    comment_counts: Mapping[int | None, int],
    uses_ballot: bool,
) -> list[ClauseCard]:
    """The cards of ``clauses`` (in order) for the reader the arguments were read for:
    ``tallies`` and ``outcomes`` keyed ("clause", id) as ``voting.tallies`` and
    ``voting.latest_outcomes`` give them, ``progress`` their votes (``ballot.progress``),
    ``marks`` their reading marks by clause id, the counts of discussions and comments by
    clause id, and ``uses_ballot`` whether they vote on the document."""
    chips: dict[int, Chip] = {}
    cards = []
    for clause in clauses:
        mark = marks.get(clause.id)
        is_new = mark is not None and mark.is_new
        outcome = outcomes.get(("clause", clause.id))
        tally = tallies[("clause", clause.id)]
        for recommendation in clause.recommendations:
            if recommendation.id not in chips:
                chips[recommendation.id] = chip(recommendation)
        cards.append(
            ClauseCard(
                number=clause.number,
                heading=clause.heading,
                href=clause_url(document, clause),
                changes_href=_changes_href(document, clause, mark) if is_new else None,
                new_since=mark.summary if is_new and mark is not None else None,
                body=clause.body_markup,
                chips=tuple(chips[r.id] for r in clause.recommendations),
                outcome=(
                    (outcome.agreed, outcome.revision_number)
                    if outcome is not None and clause.voting_closed_at is not None
                    else None
                ),
                revision_number=clause.revision_number,
                members_for=tally.members.counts["support"],
                members_against=tally.members.counts["oppose"],
                officers_for=tally.officers.counts["support"],
                officers_against=tally.officers.counts["oppose"],
                set_aside=tally.set_aside,
                my_vote=(
                    _my_vote(progress.clause_votes.get(clause.id))
                    if uses_ballot and clause.voting_closed_at is None
                    else None
                ),
                short_item_noun=document.short_item_noun,
                discussions=discussion_counts.get(clause.id, 0),
                comments=comment_counts.get(clause.id, 0),
            )
        )
    return cards
