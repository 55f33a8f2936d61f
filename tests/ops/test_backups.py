"""Backups that restore: taken while comments are being written, restored into a new database,
migrated, verified against their audit checkpoint and served (README "Backups")."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditEvent, Comment, Discussion, Role, User
from app.services import discussions
from tests import databases, factories
from tests.helpers import AccordClient


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A new, empty database of the same kind as the app's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    try:
        url = databases.create_postgres_database()
    except databases.PostgresUnavailable as error:
        databases.postgres_unavailable(str(error))
    yield url
    databases.drop_postgres_database(url)


class Writer(threading.Thread):
    """Posts comments through the service, one transaction each, until stopped; keeps the ids
    of those committed, in order."""

    def __init__(self, app, discussion_id: int, author_id: int):
        super().__init__(daemon=True)
        self.app, self.discussion_id, self.author_id = app, discussion_id, author_id
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                n = 0
                while not self.stop.is_set():
                    discussion = db.session.get(Discussion, self.discussion_id)
                    author = db.session.get(User, self.author_id)
                    comment = discussions.add_comment(discussion, f"Written {n}", by=author)
                    db.session.commit()
                    self.committed.append(comment.id)
                    n += 1
                db.session.remove()
        except BaseException as error:  # reported by the test
            self.error = error

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.committed) < count and time.monotonic() < deadline:
            assert self.error is None, self.error
            time.sleep(0.01)
        assert len(self.committed) >= count


def test_a_backup_taken_while_comments_are_written_restores_every_one(
    app, empty_database, tmp_path
):
    with app.app_context():
        discussion = factories.discussion()
        author = factories.someone(Role.OFFICER)
        db.session.commit()
        discussion_id, author_id, email = discussion.id, author.id, author.email
    writer = Writer(app, discussion_id, author_id)
    writer.start()
    try:
        writer.wait_for(5)
        committed_before = list(writer.committed)
        created = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path)])
        assert created.exit_code == 0, created.output
        writer.wait_for(len(writer.committed) + 3)  # the writing carried on during the backup
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    committed = set(writer.committed)

    backup = next(p for p in tmp_path.iterdir() if p.suffix in (".sqlite3", ".pgdump"))
    stored = json.loads((tmp_path / (backup.name + ".json")).read_text())
    assert stored["revision"] in backup.name and stored["revision"] in created.output
    assert f"Audit checkpoint: {stored['audit_count']}:{stored['audit_head']}" in created.output

    restored = app.test_cli_runner().invoke(
        args=["backup", "restore", str(backup), "--into", empty_database]
    )
    assert restored.exit_code == 0, restored.output
    assert "The audit trail is intact" in restored.output

    with databases.app_for(empty_database) as copy:
        with copy.app_context():
            ids = set(
                db.session.scalars(select(Comment.id).where(Comment.discussion_id == discussion_id))
            )
            opening = min(ids)
            written = ids - {opening}
            assert set(committed_before) <= written, "every comment committed before is there"
            assert written <= committed, "and nothing that was never committed"
            # Each comment was committed with its audit event: the copy holds both or neither.
            posted = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "comment.posted")
            )
            assert posted == len(ids)
            assert stored["audit_count"] == db.session.scalar(
                select(func.count()).select_from(AuditEvent)
            )
            if db.engine.dialect.name == "sqlite":
                assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        copy.test_client_class = AccordClient
        client = copy.test_client()
        assert client.sign_in(email).status_code == 303
        page = client.get(f"/discussions/{discussion_id}")
        assert page.status_code == 200
        assert "Written 0" in page.get_data(as_text=True)


def test_a_restore_refuses_a_database_that_is_not_empty_unless_told(app, empty_database, tmp_path):
    with app.app_context():
        factories.discussion(comments=2)
        db.session.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "backup"
    assert runner.invoke(args=["backup", "create", str(target)]).exit_code == 0
    assert (tmp_path / "backup.json").exists()
    first = runner.invoke(args=["backup", "restore", str(target), "--into", empty_database])
    assert first.exit_code == 0, first.output

    again = runner.invoke(args=["backup", "restore", str(target), "--into", empty_database])
    assert again.exit_code == 1
    assert "is not empty" in again.output and "--replace" in again.output

    replaced = runner.invoke(
        args=["backup", "restore", str(target), "--into", empty_database, "--replace"]
    )
    assert replaced.exit_code == 0, replaced.output
    assert "The audit trail is intact" in replaced.output


def test_a_restore_refuses_a_backup_without_its_checkpoint(app, empty_database, tmp_path):
    target = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(target)]).exit_code == 0
    (tmp_path / "backup.json").unlink()
    refused = app.test_cli_runner().invoke(
        args=["backup", "restore", str(target), "--into", empty_database]
    )
    assert refused.exit_code == 1
    assert "backup.json is missing" in refused.output


def test_a_backup_whose_trail_does_not_match_its_checkpoint_fails(app, empty_database, tmp_path):
    """The checkpoint beside the file is compared: a trail that does not match it fails."""
    with app.app_context():
        factories.discussion(comments=2)
        db.session.commit()
    target = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(target)]).exit_code == 0
    sidecar = tmp_path / "backup.json"
    stored = json.loads(sidecar.read_text())
    stored["audit_head"] = "f" * 64
    sidecar.write_text(json.dumps(stored))
    result = app.test_cli_runner().invoke(
        args=["backup", "restore", str(target), "--into", empty_database]
    )
    assert result.exit_code == 1
    assert "does not match the checkpoint given" in result.output
    assert "NOT intact" in result.output
