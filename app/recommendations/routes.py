from __future__ import annotations

from itertools import groupby, pairwise

from flask import request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.diff import redline, redline_inline
from app.extensions import db
from app.models import (
    Clause,
    Discussion,
    Document,
    JointSession,
    Recommendation,
    RecommendationRevision,
    RecommendationSource,
    clause_recommendations,
    discussion_recommendations,
    session_recommendations,
)
from app.permissions import (
    can_manage_recommendations,
    can_read_recommendations,
    readable_documents,
    require,
)
from app.recommendations.blueprint import bp
from app.rendering import render
from app.services import coverage as coverage_service
from app.services.recommendations import FIELD_LABELS, FIELDS, deletion_refusal


@bp.get("/")
def index():
    """Both sources, their recommendations by theme, and the council's responses."""
    require(can_read_recommendations(current_user))
    sources = db.session.scalars(
        select(RecommendationSource)
        .order_by(RecommendationSource.position, RecommendationSource.name)
        .options(
            # Each recommendation's label names its source: set with the collection.
            selectinload(RecommendationSource.recommendations).joinedload(Recommendation.source)
        )
    ).all()
    themes = {
        source.id: [
            (theme, list(items))
            for theme, items in groupby(
                sorted(source.recommendations, key=_theme_order(source)),
                key=lambda r: r.theme,
            )
        ]
        for source in sources
    }
    return render("recommendations/index.html", sources=sources, themes=themes)


def _theme_order(source: RecommendationSource):
    """Themes in the order their first recommendation appears, letters in order within."""
    first_seen: dict[str, int] = {}
    for position, recommendation in enumerate(source.recommendations):
        first_seen.setdefault(recommendation.theme, position)
    return lambda r: (first_seen[r.theme], r.letter)


def _source(slug: str) -> RecommendationSource:
    return db.first_or_404(select(RecommendationSource).where(RecommendationSource.slug == slug))


@bp.get("/<source>/<letter>")
def show(source: str, letter: str):
    """One recommendation, and every clause and discussion that answers it, across documents."""
    require(can_read_recommendations(current_user))
    recommendation = db.first_or_404(
        select(Recommendation)
        .join(Recommendation.source)
        .where(RecommendationSource.slug == source, Recommendation.letter == letter)
    )
    readable = readable_documents(current_user).with_only_columns(Document.id)
    clauses = db.session.scalars(
        select(Clause)
        .join(clause_recommendations, clause_recommendations.c.clause_id == Clause.id)
        .where(
            clause_recommendations.c.recommendation_id == recommendation.id,
            Clause.document_id.in_(readable),
            Clause.retired_at.is_(None),
        )
        .order_by(Clause.document_id, Clause.position)
        .options(joinedload(Clause.document))
    ).all()
    discussions = db.session.scalars(
        select(Discussion)
        .join(
            discussion_recommendations, discussion_recommendations.c.discussion_id == Discussion.id
        )
        .where(
            discussion_recommendations.c.recommendation_id == recommendation.id,
            Discussion.document_id.in_(readable),
        )
        .order_by(Discussion.activity_mark.desc())
        .options(joinedload(Discussion.document), joinedload(Discussion.clause))
    ).all()
    sessions = db.session.scalars(
        select(JointSession)
        .join(session_recommendations, session_recommendations.c.session_id == JointSession.id)
        .where(
            session_recommendations.c.recommendation_id == recommendation.id,
            JointSession.agenda_id.in_(readable),
        )
        .order_by(JointSession.starts_at)
    ).all()
    revisions = list(reversed(recommendation.revisions))
    return render(
        "recommendations/show.html",
        recommendation=recommendation,
        clauses=clauses,
        discussions=discussions,
        sessions=sessions,
        revisions=revisions,
        changes=_changes(recommendation.revisions),
        field_labels=FIELD_LABELS,
        # Delete is offered only where it would be allowed (else retiring is the way).
        is_deletable=can_manage_recommendations(current_user)
        and deletion_refusal(recommendation) is None,
    )


def _changes(revisions: list[RecommendationRevision]) -> dict[int, list[tuple[str, Markup]]]:
    """For each wording after the first, its changed fields as word-level redlines."""
    changes = {}
    for earlier, later in pairwise(revisions):
        changed = []
        for name in FIELDS:
            old, new = getattr(earlier, name) or "", getattr(later, name) or ""
            if old != new:
                diff = redline if name in ("text", "response") else redline_inline
                changed.append((name, diff(old, new)))
        changes[later.number] = changed
    return changes


@bp.get("/coverage")
def coverage():
    """Every recommendation of a source with how many clauses and discussions answer it,
    the unanswered first, filterable by theme."""
    require(can_read_recommendations(current_user))
    sources = coverage_service.sources()
    if not sources:
        return render(
            "recommendations/coverage.html", sources=[], source=None, rows=[], themes=[], theme=None
        )
    source = next((s for s in sources if s.slug == request.args.get("source")), sources[0])
    themes = sorted({r.theme for r in source.recommendations})
    theme = request.args.get("theme") or None
    if theme not in themes:
        theme = None
    rows = coverage_service.answer_counts(
        source, readable_documents(current_user).with_only_columns(Document.id), theme
    )
    return render(
        "recommendations/coverage.html",
        sources=sources,
        source=source,
        rows=rows,
        themes=themes,
        theme=theme,
    )
