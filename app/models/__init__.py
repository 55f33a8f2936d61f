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
from app.models.review import (
    AuditEvent,
    CommitteeDecision,
    Decision,
    DocumentVersion,
    ReviewNote,
    Transition,
)
from app.models.voting import (
    Amendment,
    AmendmentStatus,
    Choice,
    Outcome,
    Vote,
    VotingAction,
    VotingEvent,
    amendment_recommendations,
)

__all__ = [
    "Amendment",
    "AmendmentStatus",
    "AuditEvent",
    "Base",
    "Choice",
    "Clause",
    "ClauseRevision",
    "Comment",
    "CommentRevision",
    "CommitteeDecision",
    "Decision",
    "Discussion",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "DocumentVersion",
    "Moderation",
    "ModerationAction",
    "Outcome",
    "Recommendation",
    "RecommendationSource",
    "ReviewNote",
    "Role",
    "Transition",
    "User",
    "UserRole",
    "UserSession",
    "Vote",
    "VotingAction",
    "VotingEvent",
    "amendment_recommendations",
    "clause_recommendations",
    "discussion_recommendations",
    "utcnow",
]
