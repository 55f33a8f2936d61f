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
from app.models.people import Role, User, UserRole, UserSession
from app.models.recommendations import Recommendation, RecommendationSource

__all__ = [
    "Base",
    "Clause",
    "ClauseRevision",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "Recommendation",
    "RecommendationSource",
    "Role",
    "User",
    "UserRole",
    "UserSession",
    "clause_recommendations",
    "utcnow",
]
