"""The audit trail: every state-changing action appends a hash-chained event.

Each event's hash covers its own content and the previous event's hash, so a changed, inserted
or deleted row breaks the chain from that point. Events are never updated or deleted by the
application, and the database refuses it too (triggers). On PostgreSQL an advisory lock makes
appends one at a time, so the chain never forks; a unique previous_hash backs that up.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import cast

from sqlalchemy import Table, insert, select, text

from app.extensions import db
from app.models import AuditEvent, User, utcnow

GENESIS = "0" * 64
_LOCK_KEY = 7_210_431  # any constant: the advisory lock that serialises appends


def _plain(value):
    """JSON-safe and stable: what is stored is exactly what is hashed."""
    return None if value is None else json.loads(json.dumps(value, default=str, sort_keys=True))


def content_hash(event: AuditEvent) -> str:
    at = event.at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    content = {
        "at": at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "document_id": event.document_id,
        "summary": event.summary,
        "before": event.before,
        "after": event.after,
        "previous_hash": event.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_and_read_last_hash() -> str:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    db.session.flush()  # objects created in this request need their ids first
    previous = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return previous or GENESIS


def _event(
    previous_hash: str,
    action: str,
    *,
    actor: User | None,
    object_type: str,
    object_id: int | None = None,
    document_id: int | None = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label if actor_label is not None else (actor.email if actor else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        document_id=document_id,
        summary=summary[:500],
        before=_plain(before),
        after=_plain(after),
        previous_hash=previous_hash,
    )
    event.hash = content_hash(event)
    return event


def record(
    action: str,
    *,
    actor: User | None,
    object_type: str,
    object_id: int | None = None,
    document_id: int | None = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the trail (in the caller's transaction)."""
    event = _event(
        _lock_and_read_last_hash(),
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        document_id=document_id,
        summary=summary,
        before=before,
        after=after,
        actor_label=actor_label,
    )
    db.session.add(event)
    return event


def record_many(events: list[dict]) -> None:
    """Append several events at once: one lock, one read of the chain's end, one batched
    insert, in order (a bulk import of 500 people must not cost 1,500 queries). Each dict
    holds ``action`` and the fields ``record`` takes."""
    if not events:
        return
    previous = _lock_and_read_last_hash()
    columns = [column.key for column in AuditEvent.__table__.columns if column.key != "id"]
    rows = []
    for fields in events:
        event = _event(previous, **fields)
        previous = event.hash
        rows.append({column: getattr(event, column) for column in columns})
    # The rows are inserted in order, so ids follow the chain.
    db.session.execute(insert(cast(Table, AuditEvent.__table__)), rows)


@dataclass
class Verification:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify() -> Verification:
    """Walk the chain in order; the first event whose links or hash do not match is broken."""
    expected_previous = GENESIS
    checked = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        if event.previous_hash != expected_previous:
            return Verification(
                checked,
                event.id,
                "it does not follow the event before it (one was changed, inserted or deleted)",
            )
        if content_hash(event) != event.hash:
            return Verification(checked, event.id, "its content does not match its hash")
        expected_previous = event.hash
        checked += 1
    return Verification(checked)
