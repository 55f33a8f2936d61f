"""The Standards Committee's answers on the decision page, kept until the decision is recorded.

The decision page's answers (``lifecycle.decision_answers``: the decision, the meeting date,
the reasons, the minute reference) wait on the check page until the person records them. They
are kept in ``decision_drafts``, one set a person and document, not in the signed session
cookie: up to 5,000 characters of reasons, for more than one document, passed a browser's 4 KB
for a cookie, which it then dropped without a word.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from app.extensions import db
from app.models import DecisionDraft, Document, User, utcnow
from app.services import insert_or


def keep(document: Document, person: User, answers: dict) -> None:
    """Keep ``answers`` as ``person``'s for ``document``, replacing any they had (an upsert:
    the same form sent twice at once keeps one set). Flushes, never commits."""
    now = utcnow()
    statement = insert_or(DecisionDraft).values(
        document_id=document.id, user_id=person.id, answers=answers, updated_at=now
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[DecisionDraft.document_id, DecisionDraft.user_id],
            set_={"answers": answers, "updated_at": now},
        )
    )


def find(document: Document, person: User) -> dict | None:
    """``person``'s answers for ``document``, or None when they have none waiting."""
    return db.session.scalar(
        select(DecisionDraft.answers).where(
            DecisionDraft.document_id == document.id, DecisionDraft.user_id == person.id
        )
    )


def discard(document: Document, person: User) -> None:
    """Discard ``person``'s answers for ``document`` (they recorded them). Another member's
    are kept: if they send theirs after, the refusal shows their reasons to copy; answers for
    a version no longer under review are not offered again. Flushes, never commits."""
    db.session.execute(
        delete(DecisionDraft).where(
            DecisionDraft.document_id == document.id, DecisionDraft.user_id == person.id
        )
    )
