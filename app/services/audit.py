"""The audit trail: every state-changing action appends a keyed, hash-chained event.

Each event's hash is the HMAC-SHA256, under the audit key (``AUDIT_KEY``), of its own content
and the previous event's hash, so a changed, inserted or deleted row breaks the chain from that
point, and nobody without the key can rehash the rows to hide it. Events are never updated or
deleted by the application, and the database refuses it too (triggers, TRUNCATE included on
PostgreSQL). On PostgreSQL an advisory lock makes appends one at a time, so the chain never
forks; a unique previous_hash backs that up. The lock is the last one a writing transaction
takes (after the document's and the clause's).

Segments: each event names its key by ``key_id``. When the key changes (rotation), the first
event under the new key is ``audit.segment_started`` and records the old head (its count and
hash). Events from before the trail was keyed have no key id and a plain SHA-256 hash; they
verify as a first, legacy segment no longer than the migration found it (its checkpoint).

Checkpoints: publishing a version, the committee's decision and adoption record the trail's
head (count and hash); exports print it, and ``verify`` checks the trail against every recorded
checkpoint and any given one, so a tail cut off or rewritten is found.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from flask import current_app
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    AuditCheckpoint,
    AuditEvent,
    CheckpointKind,
    DocumentVersion,
    User,
    utcnow,
)

GENESIS = "0" * 64
SEGMENT_STARTED = "audit.segment_started"
_LOCK_KEY = 7_210_431  # any constant: the advisory lock that serialises appends


def _plain(value):
    """JSON-safe and stable: what is stored is exactly what is hashed."""
    return None if value is None else json.loads(json.dumps(value, default=str, sort_keys=True))


def key_id(key: str) -> str:
    """The public name of an audit key: 16 hex characters of a one-way hash of it."""
    return hashlib.sha256(b"accord audit key id\n" + key.encode()).hexdigest()[:16]


def _current_key() -> tuple[str, str]:
    key = current_app.config["AUDIT_KEY"]
    return key_id(key), key


def known_keys() -> dict[str, str]:
    """Every key the trail may be sealed with, by id: ``AUDIT_KEY`` and ``AUDIT_KEYS_RETIRED``."""
    keys = [*current_app.config.get("AUDIT_KEYS_RETIRED", ()), current_app.config["AUDIT_KEY"]]
    return {key_id(key): key for key in keys}


def _canonical(event: AuditEvent) -> bytes:
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
    if event.key_id is not None:
        content["key_id"] = event.key_id
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(event: AuditEvent) -> str:
    """The plain SHA-256 of an event's content: how events were hashed before the trail was
    keyed (the legacy segment)."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def event_hash(event: AuditEvent, key: str) -> str:
    """The HMAC-SHA256 of an event's content (its key id included) under ``key``."""
    return hmac.new(key.encode(), _canonical(event), hashlib.sha256).hexdigest()


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    db.session.flush()  # objects created in this request need their ids first


def _new_event(
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
    current_id, key = _current_key()
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
        key_id=current_id,
    )
    event.hash = event_hash(event, key)
    return event


def _lock_and_read_last_hash() -> str:
    """Take the chain's lock and return the hash the next event links to. When the newest
    event was sealed with another key (or none), first start a new segment recording its head."""
    _lock()
    last = db.session.execute(
        select(AuditEvent.hash, AuditEvent.key_id).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if last is None:
        return GENESIS
    if last.key_id == _current_key()[0]:
        return last.hash
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    start = _new_event(
        last.hash,
        SEGMENT_STARTED,
        actor=None,
        actor_label="Accord",
        object_type="audit_trail",
        summary="The audit key changed: a new segment of the trail starts here, "
        f"after {count} events",
        after={"previous_count": count, "previous_hash": last.hash, "previous_key_id": last.key_id},
    )
    db.session.add(start)
    db.session.flush()
    return start.hash


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
    event = _new_event(
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
        event = _new_event(previous, **fields)
        previous = event.hash
        rows.append({column: getattr(event, column) for column in columns})
    # The rows are inserted in order, so ids follow the chain.
    db.session.execute(insert(cast(Table, AuditEvent.__table__)), rows)


# The head and checkpoints ----------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The trail's end: how many events it holds, the newest one's hash and time."""

    count: int
    hash: str
    at: datetime | None

    @property
    def pin(self) -> str:
        return f"{self.count}:{self.hash}"


def head() -> Head:
    """The trail's head now, read in one statement (so count and hash agree)."""
    count = select(func.count()).select_from(AuditEvent).scalar_subquery()
    row = db.session.execute(
        select(AuditEvent.hash, AuditEvent.at, count).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return Head(0, GENESIS, None) if row is None else Head(row[2], row[0], row[1])


def checkpoint(kind: CheckpointKind, *, version: DocumentVersion | None = None) -> AuditCheckpoint:
    """Record the trail's head (including the events of this transaction so far) as a
    checkpoint of ``kind`` for ``version``."""
    _lock()
    now = head()
    point = AuditCheckpoint(
        kind=kind,
        event_count=now.count,
        head_hash=now.hash,
        version=version,
        document_id=version.document_id if version is not None else None,
    )
    db.session.add(point)
    return point


def latest_checkpoints(limit: int = 10) -> list[AuditCheckpoint]:
    return list(
        db.session.scalars(
            select(AuditCheckpoint)
            .options(selectinload(AuditCheckpoint.version))
            .order_by(AuditCheckpoint.id.desc())
            .limit(limit)
        )
    )


def version_checkpoint(version: DocumentVersion) -> AuditCheckpoint | None:
    """The newest checkpoint recorded for ``version`` (its publication, decision or adoption)."""
    return db.session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.version_id == version.id)
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )


def present_hashes(hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` some event in the trail has now."""
    wanted = set(hashes)
    if not wanted:
        return set()
    return set(db.session.scalars(select(AuditEvent.hash).where(AuditEvent.hash.in_(wanted))))


def parse_pin(value: str) -> tuple[int, str]:
    """``COUNT:HASH`` as printed on exports; raises ValueError when it is not one."""
    count, _, digest = value.strip().partition(":")
    digest = digest.strip().lower()
    if (
        not (count.strip().isascii() and count.strip().isdigit())
        or len(digest) != 64
        or set(digest) - set("0123456789abcdef")
    ):
        raise ValueError("a checkpoint is the number of events, a colon and a 64-character hash")
    return int(count), digest


# Verification ----------------------------------------------------------------------------


@dataclass
class Segment:
    key_id: str | None  # None: plain SHA-256, before the trail was keyed
    first: int  # positions in the trail, from 1
    last: int


@dataclass
class Verification:
    checked: int = 0
    head_hash: str = GENESIS
    last_at: datetime | None = None
    segments: list[Segment] = field(default_factory=list)
    checkpoints_compared: int = 0
    broken_id: int | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def reason(self) -> str:
        return self.failures[0] if self.failures else ""


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d %B %Y %H:%M UTC")


def verify(pins: Iterable[tuple[int, str]] = ()) -> Verification:
    """Walk the chain in order, checking each event's link, its hash under its segment's key,
    each segment's start, and the trail against every recorded checkpoint and each of ``pins``
    (``(count, hash)``). The walk stops at the first broken event; every failure is named."""
    keys = known_keys()
    recorded = db.session.scalars(
        select(AuditCheckpoint)
        .options(selectinload(AuditCheckpoint.version))
        .order_by(AuditCheckpoint.id)
    ).all()
    legacy_limit = max(
        (c.event_count for c in recorded if c.kind == CheckpointKind.LEGACY), default=0
    )
    expected: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for point in recorded:
        expected[point.event_count].append(
            (point.head_hash, f"the checkpoint recorded {_when(point.at)} ({point.label})")
        )
    for count, digest in pins:
        expected[count].append((digest, "the checkpoint given"))

    result = Verification()

    def compare(position: int, actual: str) -> None:
        for digest, source in expected.pop(position, ()):
            result.checkpoints_compared += 1
            if digest != actual:
                result.failures.append(
                    f"The trail does not match {source}, {position}:{digest}: its event "
                    f"number {position} has the hash {actual}, so the trail was rewritten."
                )

    def broken(event: AuditEvent, position: int, reason: str) -> Verification:
        result.broken_id = event.id
        result.failures.insert(
            0, f"The audit trail is broken at event {event.id} (number {position}): {reason}."
        )
        return result

    compare(0, GENESIS)
    seen_keyed = False
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500)
    for event in events:
        position = result.checked + 1
        if event.previous_hash != result.head_hash:
            return broken(
                event,
                position,
                "it does not follow the event before it (one was changed, inserted or deleted)",
            )
        if event.key_id is None:
            if seen_keyed or position > legacy_limit:
                return broken(
                    event,
                    position,
                    f"it is hashed without the audit key, but only the first {legacy_limit} "
                    "events, recorded before the trail was keyed, may be",
                )
            if content_hash(event) != event.hash:
                return broken(event, position, "its content does not match its hash")
        else:
            key = keys.get(event.key_id)
            if key is None:
                return broken(
                    event,
                    position,
                    f"it is sealed with the audit key {event.key_id}, which is neither "
                    "AUDIT_KEY nor one of AUDIT_KEYS_RETIRED",
                )
            if event_hash(event, key) != event.hash:
                return broken(event, position, "its content does not match its hash")
            starts_segment = position > 1 and (
                not result.segments or result.segments[-1].key_id != event.key_id
            )
            after = event.after or {}
            if starts_segment and (
                event.action != SEGMENT_STARTED
                or after.get("previous_count") != result.checked
                or after.get("previous_hash") != result.head_hash
            ):
                return broken(
                    event,
                    position,
                    "a new audit key starts here, but the event does not record the head of "
                    f"the trail before it ({result.checked} events)",
                )
            seen_keyed = True
        if result.segments and result.segments[-1].key_id == event.key_id:
            result.segments[-1].last = position
        else:
            result.segments.append(Segment(event.key_id, position, position))
        result.checked = position
        result.head_hash = event.hash
        result.last_at = event.at
        compare(position, event.hash)

    for position in sorted(expected):
        for digest, source in expected[position]:
            result.checkpoints_compared += 1
            result.failures.append(
                f"The trail has {result.checked} events but {source}, {position}:{digest}, "
                f"counts {position}: events were removed from its end, or the database was "
                "restored from an older copy."
            )
    return result
