"""Test databases: a migrated SQLite template copied per test, and a PostgreSQL database per run.

PostgreSQL is at ``TEST_POSTGRES_URL`` (default: the machine's server, trust auth, database
``test``). Each run (and each xdist worker) creates its own database there and drops it at the
end, so runs cannot collide. Without a server the PostgreSQL tests skip locally and fail under
CI (``CI=true``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests import compiled_statements, compiled_templates

IN_CI = os.environ.get("CI") == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

TEST_CONFIG = {"ACCORD_ENV": "test", "SECRET_KEY": "test-secret-key"}


def make_app(database_url: str, **overrides):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.jinja_env.bytecode_cache = compiled_templates.SHARED  # compiled once a process
    with app.app_context():  # statements compiled once a process
        compiled_statements.share_compiled_statements(db.engine)
        event.listen(db.engine, "connect", _without_waiting_for_the_disk)
    return app


def _without_waiting_for_the_disk(dbapi_connection, connection_record) -> None:
    """A test's database is thrown away with it, so its commits need not wait for the disk:
    SQLite's ``synchronous=OFF`` (no ``fsync`` at a commit or its last connection's
    checkpoint) and PostgreSQL's ``synchronous_commit=off`` for the test's own connections (a
    crash could lose the last commits, never corrupt). A third of a typical SQLite web test's
    time went to the disk. The served app keeps both databases' defaults."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")
    else:
        dbapi_connection.execute("SET synchronous_commit = off")
        dbapi_connection.commit()


def migrate_to_head(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresUnavailable(Exception):
    pass


def create_postgres_database() -> str:
    """Create an empty database for this run and return its SQLAlchemy URL."""
    name = f"accord_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(
            _psycopg_dsn(POSTGRES_ADMIN_URL), autocommit=True, connect_timeout=5
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise PostgresUnavailable(str(error)) from error
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_psycopg_dsn(POSTGRES_ADMIN_URL), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_unavailable(reason: str):
    message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI must run the PostgreSQL tests)", pytrace=False)
    pytest.skip(message)


class SqliteTemplate:
    """A migrated SQLite file, copied for each test (cheaper than migrating each time)."""

    def __init__(self, directory: Path):
        self.path = directory / "template.db"
        migrate_to_head(f"sqlite:///{self.path}")

    def copy_to(self, directory: Path) -> str:
        target = directory / "accord.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


def empty_all_tables(app) -> None:
    """Empty every table (PostgreSQL) and restart every sequence, keeping the schema and its
    triggers. The replica role (a superuser's) skips the triggers that refuse to delete from
    the append-only tables, and the foreign keys' checks, so the order does not matter.

    Only the tables with rows are emptied, with DELETE: TRUNCATE gives every table new files,
    which took 80 ms a test with all sixty empty and 150 ms after a typical test; this takes
    10 ms."""
    with app.app_context():
        # Every table, those the migrations make without a model (search's) among them.
        names = db.session.scalars(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'alembic_version'"
            )
        ).all()
        probe = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
        )
        used = db.session.scalars(text(probe)).all()
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for name in used:
            db.session.execute(text(f'DELETE FROM "{name}"'))
        db.session.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
                " FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )
        db.session.commit()


def empty_when_shared(app) -> None:
    """``app_for``'s default clean-up: a PostgreSQL database outlives the test (the run's
    tests share it), so it is emptied; each SQLite database is the test's own."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        empty_all_tables(app)


@contextmanager
def app_for(database_url: str, cleanup=empty_when_shared, **overrides):
    """The app on ``database_url`` with ``overrides``; ``cleanup(app)`` runs after (by default,
    ``empty_when_shared``), then its connections are closed."""
    app = make_app(database_url, **overrides)
    try:
        yield app
    finally:
        if cleanup is not None:
            cleanup(app)
        with app.app_context():
            db.engine.dispose()
