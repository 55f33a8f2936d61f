from __future__ import annotations

from itertools import groupby

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Recommendation, RecommendationSource
from app.permissions import can_read_recommendations, require
from app.recommendations import bp
from app.rendering import render


@bp.get("/")
def index():
    """Both sources, their recommendations by theme, and the council's responses."""
    require(can_read_recommendations(current_user))
    sources = db.session.scalars(
        select(RecommendationSource)
        .order_by(RecommendationSource.position, RecommendationSource.name)
        .options(selectinload(RecommendationSource.recommendations))
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


def recommendation_anchor(recommendation: Recommendation) -> str:
    return f"{recommendation.source.slug}-{recommendation.letter}"
