"""How the recommendations are answered: one computation for every source (Culture Review, CPC)
used by the committee's review, the coverage page and the exports.

A recommendation is answered by a clause that names it (its label, "CR g", in the clause's
recommendations). A retired recommendation needs no answer: a text's coverage leaves it out
unless something still answers it, and the coverage page lists it last. Unanswered
recommendations come first, then by letter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.extensions import db
from app.models import (
    Clause,
    Discussion,
    JointSession,
    Recommendation,
    RecommendationSource,
    clause_recommendations,
    discussion_recommendations,
    session_recommendations,
)


def _order(recommendation: Recommendation, is_answered: bool) -> tuple[bool, bool, str]:
    """Retired last, then unanswered before answered, then by letter."""
    return recommendation.is_retired, is_answered, recommendation.letter


@dataclass(frozen=True)
class TextAnswer:
    """One recommendation and the numbers of the clauses of a text that answer it."""

    recommendation: Recommendation
    clauses: tuple[str, ...]

    @property
    def is_answered(self) -> bool:
        return bool(self.clauses)


@dataclass(frozen=True)
class SourceCoverage:
    """One source's recommendations (by letter) and how a text answers each."""

    source: RecommendationSource
    answers: tuple[TextAnswer, ...]

    @property
    def unanswered(self) -> list[TextAnswer]:
        return [answer for answer in self.answers if not answer.is_answered]

    @property
    def unanswered_first(self) -> list[TextAnswer]:
        return sorted(self.answers, key=lambda a: _order(a.recommendation, a.is_answered))


def sources() -> list[RecommendationSource]:
    """Every source in its order, with its recommendations loaded (two queries)."""
    return list(
        db.session.scalars(
            select(RecommendationSource)
            .order_by(RecommendationSource.position, RecommendationSource.name)
            .options(
                # Each recommendation's label names its source: set with the collection.
                selectinload(RecommendationSource.recommendations).joinedload(Recommendation.source)
            )
        )
    )


def text_coverage(clauses: Iterable[Mapping]) -> list[SourceCoverage]:
    """For the clauses of a version's (or the working text's) content, each with its
    ``number`` and ``recommendations`` (labels): every source that has a recommendation
    needing an answer, with the clauses answering each. Two queries."""
    clauses = list(clauses)
    coverage = []
    for source in sources():
        answers = []
        for recommendation in source.recommendations:
            answering = tuple(
                c["number"] for c in clauses if recommendation.label in c["recommendations"]
            )
            if recommendation.is_retired and not answering:
                continue
            answers.append(TextAnswer(recommendation, answering))
        if answers:
            coverage.append(SourceCoverage(source, tuple(answers)))
    return coverage


@dataclass(frozen=True)
class AnswerCount:
    """One recommendation and how many readable clauses, discussions and sessions answer it."""

    recommendation: Recommendation
    clauses: int
    discussions: int
    sessions: int

    @property
    def is_answered(self) -> bool:
        return self.clauses + self.discussions + self.sessions > 0


def _answering(link, key: str, model, document_column, readable: Select, *conditions) -> Subquery:
    """How many readable clauses (or discussions, or sessions) answer each recommendation:
    ``recommendation_id`` and ``answers``, for each recommendation answered at least once,
    counted in one pass over the links. (A subquery for each recommendation read the whole
    of ``model`` once per recommendation.)"""
    return (
        select(link.c.recommendation_id, func.count(link.c[key]).label("answers"))
        .join(model, model.id == link.c[key])
        .where(document_column.in_(readable), *conditions)
        .group_by(link.c.recommendation_id)
        .subquery()
    )


def answer_counts(
    source: RecommendationSource, readable: Select, theme: str | None = None
) -> list[AnswerCount]:
    """Every recommendation of ``source`` (of one ``theme``, if given) with how many live
    clauses, discussions and sessions of the documents whose ids ``readable`` selects answer
    it. One query."""
    answering = (
        _answering(
            clause_recommendations,
            "clause_id",
            Clause,
            Clause.document_id,
            readable,
            Clause.retired_at.is_(None),
        ),
        _answering(
            discussion_recommendations,
            "discussion_id",
            Discussion,
            Discussion.document_id,
            readable,
        ),
        _answering(
            session_recommendations, "session_id", JointSession, JointSession.agenda_id, readable
        ),
    )
    query = select(Recommendation, *(func.coalesce(each.c.answers, 0) for each in answering))
    for each in answering:
        query = query.outerjoin(each, each.c.recommendation_id == Recommendation.id)
    query = (
        query.join(Recommendation.source)
        .where(Recommendation.source_id == source.id)
        .options(contains_eager(Recommendation.source))  # each one's label names it
    )
    if theme is not None:
        query = query.where(Recommendation.theme == theme)
    counts = [AnswerCount(*row) for row in db.session.execute(query)]
    return sorted(counts, key=lambda c: _order(c.recommendation, c.is_answered))
