"""Backups that restore: a consistent copy of the database with its audit checkpoint beside it.

SQLite is copied with its own online backup API (``sqlite3.Connection.backup``), which copies
a consistent snapshot even while requests write (a plain file copy taken under load loses
committed rows). PostgreSQL is dumped with ``pg_dump`` in its custom format (``-Fc``) from an
exported snapshot, the same snapshot the audit checkpoint is read in, so the checkpoint
describes exactly what the dump holds. The password never appears on a command line: it goes
to pg_dump and pg_restore in ``PGPASSWORD``.

Each backup ``FILE`` has ``FILE.json`` beside it: the database kind, the schema revision, the
time, and the audit trail's checkpoint (event count and head hash). A restore refuses a target
that already holds tables (unless told to replace it), copies the backup in, migrates it to the
code's revision and verifies the audit trail against that checkpoint.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from app.extensions import db
from app.services import audit

# How the head of the trail is read inside the backup's own snapshot (one statement).
_HEAD_SQL = (
    "SELECT (SELECT count(*) FROM audit_events), "
    "(SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1)"
)
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Checkpoint:
    """What ``FILE.json`` records about a backup."""

    file: str
    database: str  # "sqlite" or "postgresql"
    revision: str  # the schema's alembic revision when the backup was taken
    created_at: str  # ISO 8601, UTC
    audit_count: int
    audit_head: str

    @property
    def pin(self) -> str:
        return f"{self.audit_count}:{self.audit_head}"


def sidecar(path: Path) -> Path:
    """Where a backup's checkpoint is kept: ``FILE.json``."""
    return path.with_name(path.name + ".json")


def _revision(connection: Connection) -> str:
    from alembic.migration import MigrationContext  # only here: 60 ms of every start

    heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) or "none"


def _head(row) -> tuple[int, str]:
    count, digest = row
    return int(count), digest or audit.GENESIS


def libpq_environment(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``url`` without its password, and the environment carrying
    the password (``PGPASSWORD``) for pg_dump and pg_restore."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def default_name(kind: str, revision: str, now: datetime) -> str:
    """``accord-20261210T031500Z-0020_committee_review.pgdump``: the time and the revision."""
    return f"accord-{now:%Y%m%dT%H%M%SZ}-{revision}{SUFFIXES[kind]}"


def create(target: Path | None, directory: Path) -> Checkpoint:
    """Back up the app's database (call within an app context) to ``target``: a file, or a
    folder to put a named file in; by default ``directory``. Writes ``FILE.json`` and returns
    the checkpoint. Raises BackupError when the tool fails or the file exists."""
    url = db.engine.url
    kind = url.get_backend_name()
    if kind not in SUFFIXES:
        raise BackupError(f"Cannot back up a {kind} database.")
    now = datetime.now(UTC).replace(microsecond=0)
    with db.engine.connect() as connection:
        revision = _revision(connection)
    name = default_name(kind, revision, now)
    if target is None:
        path = directory / name
    elif target.is_dir():
        path = target / name
    else:
        path = target
    if path.exists():
        raise BackupError(f"{path} already exists: choose another name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        count, head = _backup_sqlite(url, path)
    else:
        count, head = _backup_postgresql(url, path)
    checkpoint = Checkpoint(str(path.name), kind, revision, now.isoformat(), count, head)
    sidecar(path).write_text(json.dumps(asdict(checkpoint), indent=2) + "\n")
    return checkpoint


def _backup_sqlite(url: URL, path: Path) -> tuple[int, str]:
    source = sqlite3.connect(url.database or "")
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)  # one consistent snapshot, whatever is being written meanwhile
        return _head(copy.execute(_HEAD_SQL).fetchone())
    finally:
        copy.close()
        source.close()


def _backup_postgresql(url: URL, path: Path) -> tuple[int, str]:
    """pg_dump from a snapshot this connection exports and holds open, in which the audit
    head is read too: the dump and its checkpoint see the same committed rows."""
    uri, environment = libpq_environment(url)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            count, head = _head(connection.execute(text(_HEAD_SQL)).one())
            _run(
                [
                    *("pg_dump", "--format=custom", f"--snapshot={snapshot}"),
                    *("--file", str(path), "--dbname", uri),
                ],
                environment,
            )
    return count, head


def read_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint stored beside the backup ``path``; BackupError when it is missing."""
    try:
        return Checkpoint(**json.loads(sidecar(path).read_text()))
    except FileNotFoundError as error:
        raise BackupError(
            f"{sidecar(path)} is missing: it holds the backup's audit checkpoint."
        ) from error


def normalise_url(value: str) -> URL:
    """A database address as DATABASE_URL takes it (``postgresql://``, ``sqlite:///FILE``)."""
    url = make_url(value)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def has_tables(url: URL) -> bool:
    engine = create_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@dataclass
class Restored:
    checkpoint: Checkpoint
    revision: str
    verification: audit.Verification


def restore(path: Path, into: str, *, replace: bool, make_app: Callable[[str], Flask]) -> Restored:
    """Restore the backup ``path`` into the database ``into``, migrate it to the code's
    revision and verify its audit trail against the backup's checkpoint.

    ``make_app(url)`` builds the app for the restored database (the same settings, the audit
    keys above all). Raises BackupError when the target holds tables and ``replace`` is false,
    when the backup is of the other kind of database, or when a tool fails."""
    checkpoint = read_checkpoint(path)
    url = normalise_url(into)
    kind = url.get_backend_name()
    if kind != checkpoint.database:
        raise BackupError(
            f"{path.name} is a {checkpoint.database} backup: restore it into a "
            f"{checkpoint.database} database, not {kind}."
        )
    if has_tables(url) and not replace:
        raise BackupError(
            f"{url.render_as_string(hide_password=True)} is not empty. Restore into a new, "
            "empty database, or give --replace to overwrite everything in it."
        )
    if kind == "sqlite":
        _restore_sqlite(path, url)
    else:
        _restore_postgresql(path, url, replace=replace)
    from flask_migrate import upgrade  # only here: Alembic costs every start 60 ms

    app = make_app(url.render_as_string(hide_password=False))
    with app.app_context():
        try:
            upgrade()
            with db.engine.connect() as connection:
                revision = _revision(connection)
            verification = audit.verify([(checkpoint.audit_count, checkpoint.audit_head)])
            if verification.checked < checkpoint.audit_count:
                verification.failures.append(
                    f"The restored trail has {verification.checked} events; the backup's "
                    f"checkpoint says {checkpoint.audit_count}."
                )
        finally:
            db.session.remove()
            db.engine.dispose()
    return Restored(checkpoint, revision, verification)


def _restore_sqlite(path: Path, url: URL) -> None:
    source = sqlite3.connect(path)
    target = sqlite3.connect(url.database or "")
    try:
        source.backup(target)  # replaces every page of the target
    finally:
        target.close()
        source.close()


def _restore_postgresql(path: Path, url: URL, *, replace: bool) -> None:
    if replace:
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    uri, environment = libpq_environment(url)
    _run(
        [
            *("pg_restore", "--no-owner", "--no-privileges"),
            *("--exit-on-error", "--single-transaction", "--dbname", uri, str(path)),
        ],
        environment,
    )
