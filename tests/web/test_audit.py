"""The audit trail proves itself: a keyed chain, checkpoints that pin its head, TRUNCATE refused.

Tampering is done the way someone with direct database access would: around the append-only
triggers (dropped on the test's own SQLite copy; skipped with the replica role on PostgreSQL).
"""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import (
    AuditCheckpoint,
    AuditEvent,
    CheckpointKind,
    Decision,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    Role,
    User,
)
from app.services import audit, clauses, lifecycle
from tests import factories
from tests.snapshots import snapshot

SLUG = "member-officer-protocol"
OTHER_KEY = "a-second-audit-key-for-the-rotation-tests"


@pytest.fixture
@snapshot
def trail(app):
    """A document with a clause, a facilitator, and a few events: ids of both."""
    from tests.helpers import make_user

    facilitator_id = make_user(app, "facilitator@example.org", roles=(Role.FACILITATOR,))
    with app.app_context():
        document = Document(
            kind=DocumentKind.PROTOCOL,
            slug="protocol",
            title="Protocol",
            status=DocumentStatus.OPEN,
        )
        db.session.add(document)
        db.session.flush()
        clauses.add_clause(document, "Trust", "We trust each other.", by=None)
        for index in range(5):
            audit.record("test.event", actor=None, object_type="test", summary=f"Event {index}")
        db.session.commit()
        return document.id, facilitator_id


def _publish(app, trail):
    with app.app_context():
        document = db.session.get(Document, trail[0])
        version = lifecycle.publish_version(document, by=db.session.get(User, trail[1]))
        db.session.commit()
        return version.id


def _events(count: int = 1) -> None:
    for index in range(count):
        audit.record("test.more", actor=None, object_type="test", summary=f"More {index}")
    db.session.commit()


def _bypass_triggers() -> None:
    """In the current transaction, let UPDATE and DELETE through (as a database superuser)."""
    if db.engine.dialect.name == "sqlite":
        for name in ("update", "delete"):
            db.session.execute(text(f"DROP TRIGGER IF EXISTS audit_events_append_only_{name}"))
    else:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


# TRUNCATE --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table", ["audit_events", "audit_checkpoints", "document_versions", "clause_revisions"]
)
def test_truncate_is_refused_like_update_and_delete(app, trail, table):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE")
    _publish(app, trail)
    with app.app_context():
        before = _count()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(f"TRUNCATE {table} CASCADE"))
        db.session.rollback()
        assert _count() == before and audit.verify().ok


# Checkpoints -----------------------------------------------------------------------------


def test_publication_decision_and_adoption_each_record_the_head(app, trail):
    version_id = _publish(app, trail)
    with app.app_context():
        head_at_publication = audit.head()
        document = db.session.get(Document, trail[0])
        facilitator = db.session.get(User, trail[1])
        lifecycle.move(document, DocumentStatus.CLOSED, by=facilitator)
        version = db.session.get(DocumentVersion, version_id)
        lifecycle.move(document, DocumentStatus.SUBMITTED, by=facilitator, version=version)
        lifecycle.decide(document, Decision.RECOMMEND, lifecycle.council_today(), by=facilitator)
        db.session.commit()
        head_at_decision = audit.head()
        lifecycle.adopt(document, lifecycle.council_today(), by=facilitator)
        db.session.commit()
        head_at_adoption = audit.head()
        points = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
        assert [(p.kind, p.version_id) for p in points] == [
            (CheckpointKind.PUBLISHED, version_id),
            (CheckpointKind.DECIDED, version_id),
            (CheckpointKind.ADOPTED, version_id),
        ]
        assert [p.pin for p in points] == [
            head_at_publication.pin,
            head_at_decision.pin,
            head_at_adoption.pin,
        ]
        assert points[0].event_count == 7  # five events, the clause added, the publication
        result = audit.verify()
        assert result.ok and result.checkpoints_compared == 3


def test_deleting_the_newest_events_is_caught_by_a_recorded_checkpoint(app, trail):
    _publish(app, trail)
    with app.app_context():
        _events(3)
        total = _count()
        _bypass_triggers()
        newest = db.session.scalars(
            select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(5)
        ).all()
        db.session.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": min(newest)})
        db.session.commit()
        result = audit.verify()
    assert not result.ok and result.checked == total - 5
    assert any("events were removed from its end" in failure for failure in result.failures)
    assert any("Version published: Protocol v1" in failure for failure in result.failures)


def test_a_tail_cut_after_the_last_checkpoint_is_caught_by_a_printed_one(app, trail):
    with app.app_context():
        printed = audit.head()
        assert audit.verify([(printed.count, printed.hash)]).ok
        _bypass_triggers()
        db.session.execute(
            text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
        )
        db.session.commit()
        assert audit.verify().ok  # nothing recorded pins the lost event...
        result = audit.verify([(printed.count, printed.hash)])
    assert not result.ok  # ...but the printed checkpoint does
    assert "the checkpoint given" in result.failures[0]


def _rehash_plain(keep_key_id: bool) -> None:
    """Rewrite every event's summary and rehash the chain with plain SHA-256, as anyone with
    the code but not the key could."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    db.session.expunge_all()
    previous = audit.GENESIS
    for event in events:
        event.summary = "nothing happened"
        event.previous_hash = previous
        if not keep_key_id:
            event.key_id = None
        event.hash = audit.content_hash(event)
        previous = event.hash
    _bypass_triggers()
    # Free the unique columns first, then write the new chain row by row.
    db.session.execute(text("UPDATE audit_events SET previous_hash = 'p' || id, hash = 'h' || id"))
    for event in events:
        db.session.execute(
            text(
                "UPDATE audit_events SET summary = :summary, previous_hash = :previous, "
                "hash = :hash, key_id = :key_id WHERE id = :id"
            ),
            {
                "summary": event.summary,
                "previous": event.previous_hash,
                "hash": event.hash,
                "key_id": event.key_id,
                "id": event.id,
            },
        )
    db.session.commit()


@pytest.mark.parametrize("keep_key_id", [True, False], ids=["keyed label", "unkeyed"])
def test_rehashing_every_event_with_plain_sha256_is_caught(app, trail, keep_key_id):
    with app.app_context():
        assert audit.verify().ok
        first = db.session.scalar(select(func.min(AuditEvent.id)))
        _rehash_plain(keep_key_id)
        assert db.session.scalar(select(AuditEvent.summary).limit(1)) == "nothing happened"
        result = audit.verify()
    assert not result.ok and result.broken_id == first
    expected = "does not match its hash" if keep_key_id else "hashed without the audit key"
    assert expected in result.failures[0]


# Keys and segments -----------------------------------------------------------------------


def test_a_new_key_starts_a_segment_that_records_the_old_head(app, trail):
    old_key = app.config["AUDIT_KEY"]
    with app.app_context():
        old_head = audit.head()
    app.config.update(AUDIT_KEY=OTHER_KEY, AUDIT_KEYS_RETIRED=[old_key])
    with app.app_context():
        _events(2)
        start = db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id).offset(old_head.count).limit(1)
        ).one()
        assert start.action == audit.SEGMENT_STARTED
        assert start.after["previous_count"] == old_head.count
        assert start.after["previous_hash"] == old_head.hash
        assert start.key_id == audit.key_id(OTHER_KEY)
        result = audit.verify()
        assert result.ok, result.failures
        assert [(s.key_id, s.first, s.last) for s in result.segments] == [
            (audit.key_id(old_key), 1, old_head.count),
            (audit.key_id(OTHER_KEY), old_head.count + 1, old_head.count + 3),
        ]
    app.config.update(AUDIT_KEYS_RETIRED=[])
    with app.app_context():
        result = audit.verify()
    assert not result.ok and audit.key_id(old_key) in result.failures[0]
    assert "AUDIT_KEYS_RETIRED" in result.failures[0]


def test_events_from_before_the_key_verify_as_a_legacy_segment(app, trail):
    """An upgraded trail: plain SHA-256 events and the migration's legacy checkpoint."""
    with app.app_context():
        _rehash_plain(keep_key_id=False)  # as they were before the trail was keyed
        legacy = audit.head()
        db.session.add(
            AuditCheckpoint(
                kind=CheckpointKind.LEGACY, event_count=legacy.count, head_hash=legacy.hash
            )
        )
        db.session.commit()
        assert audit.verify().ok
        _events(1)
        result = audit.verify()
        assert result.ok, result.failures
        assert [(s.key_id, s.last) for s in result.segments] == [
            (None, legacy.count),
            (audit.key_id(app.config["AUDIT_KEY"]), legacy.count + 2),
        ]
        newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        # An unkeyed event after the legacy segment is refused.
        _bypass_triggers()
        db.session.execute(
            text("UPDATE audit_events SET key_id = NULL, hash = :hash WHERE id = :id"),
            {"hash": audit.content_hash(_unkeyed(newest)), "id": newest.id},
        )
        db.session.commit()
        result = audit.verify()
    assert not result.ok and "hashed without the audit key" in result.failures[0]


def _unkeyed(event: AuditEvent) -> AuditEvent:
    db.session.expunge(event)
    event.key_id = None
    return event


# The command line ------------------------------------------------------------------------


def test_audit_verify_prints_the_head_and_checks_a_given_checkpoint(app, trail):
    _publish(app, trail)
    runner = app.test_cli_runner()
    with app.app_context():
        head = audit.head()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert f"Events: {head.count}" in intact.output
    assert f"Head: {head.hash}" in intact.output
    assert "Last event: " in intact.output and "UTC" in intact.output
    assert "Checkpoints compared: 1" in intact.output and "intact" in intact.output

    pinned = runner.invoke(args=["audit", "verify", "--checkpoint", head.pin])
    assert pinned.exit_code == 0 and "Checkpoints compared: 2" in pinned.output

    wrong = runner.invoke(args=["audit", "verify", "--checkpoint", f"{head.count}:{'a' * 64}"])
    assert wrong.exit_code == 1
    assert "does not match the checkpoint given" in wrong.output
    assert "NOT intact (1 failure)" in wrong.output

    ahead = runner.invoke(args=["audit", "verify", "--checkpoint", f"{head.count + 9}:{'b' * 64}"])
    assert ahead.exit_code == 1 and "events were removed from its end" in ahead.output

    for bad in ("12", "x:" + "a" * 64, "3:abc", f"3:{'z' * 64}"):
        malformed = runner.invoke(args=["audit", "verify", "--checkpoint", bad])
        assert malformed.exit_code == 2 and "COUNT:HASH" in malformed.output


def test_audit_verify_names_what_failed_and_exits_non_zero(app, trail):
    _publish(app, trail)
    with app.app_context():
        _bypass_triggers()
        db.session.execute(text("DELETE FROM audit_events"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "Events: 0" in result.output
    assert "The trail has 0 events but the checkpoint recorded" in result.output


# Exports and the audit trail page --------------------------------------------------------


def _published(app) -> AuditCheckpoint:
    with app.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=SLUG)).one()
        version = lifecycle.publish_version(document, by=factories.user("facilitator@example.org"))
        db.session.commit()
        point = audit.version_checkpoint(version)
        db.session.expunge(point)
        return point


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_every_export_of_a_version_prints_its_checkpoint(seeded, client, fmt):
    point = _published(seeded)
    client.sign_in("member@example.org")
    response = client.get(
        f"/documents/{SLUG}/export/download",
        query_string={"version": "1", "format": fmt, "clauses": "all", "annexes": "yes"},
    )
    assert response.status_code == 200
    if fmt == "docx":
        body = "\n".join(p.text for p in WordDocument(io.BytesIO(response.data)).paragraphs)
    else:
        body = response.get_data(as_text=True)
    assert "Audit trail checkpoint" in body
    assert point.pin in body and f"{point.event_count} events; Version published" in body


def test_the_pdf_export_prints_the_checkpoint(seeded, client):
    from pypdf import PdfReader

    point = _published(seeded)
    client.sign_in("member@example.org")
    response = client.get(
        f"/documents/{SLUG}/export/download",
        query_string={"version": "1", "format": "pdf", "clauses": "all", "annexes": "no"},
    )
    pages = PdfReader(io.BytesIO(response.data)).pages
    text_of_pdf = "".join(page.extract_text() for page in pages)
    assert point.head_hash[:16] in text_of_pdf.replace("\n", "")


def test_the_audit_trail_page_shows_the_latest_checkpoints_and_how_to_check_them(seeded, client):
    point = _published(seeded)
    client.sign_in("standards@example.org")
    page = client.get("/audit").get_data(as_text=True)
    assert "How to check a printed committee pack against the trail" in page
    assert "flask" not in page.split("<h2")[1]  # plain words, not a command
    table = page.split('aria-label="Checkpoints"')[1].split("</table>")[0]
    assert point.head_hash in table and f">{point.event_count}<" in table
    assert "Version published: Member/Officer Protocol v1" in table and "Yes" in table
