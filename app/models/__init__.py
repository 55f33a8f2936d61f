"""Typed SQLAlchemy models, one module per part of the domain."""

from app.models.base import Base, utcnow
from app.models.documents import (
    Clause,
    ClauseRevision,
    Document,
    DocumentKind,
    DocumentStatus,
    clause_recommendations,
)
from app.models.participation import (
    Comment,
    CommentRevision,
    Discussion,
    Moderation,
    ModerationAction,
    discussion_recommendations,
)
from app.models.people import Role, User, UserRole, UserSession
from app.models.recommendations import Recommendation, RecommendationSource

__all__ = [
    "Base",
    "Clause",
    "ClauseRevision",
    "Comment",
    "CommentRevision",
    "Discussion",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "Moderation",
    "ModerationAction",
    "Recommendation",
    "RecommendationSource",
    "Role",
    "User",
    "UserRole",
    "UserSession",
    "clause_recommendations",
    "discussion_recommendations",
    "utcnow",
]
