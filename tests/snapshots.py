"""Fixture snapshots: a world a fixture builds is built once a process and copied after.

Building a test's world through the services (people, documents, votes, the audit chain) was
a third of the suite's time, and most files build the same world for each of their tests. A
fixture marked ``@snapshot`` builds it the first time; its database's rows are then kept (on
SQLite the database itself, by SQLite's backup API, which reads the write-ahead log too; on
PostgreSQL each table's rows by ``COPY`` and each sequence's value) with what the fixture
returned, and the next test that asks for it gets the rows copied into its own database
instead (its app is its own, as before).

What is copied is only the database. A fixture is marked only when what it makes lives in
the database alone: not one that sends mail, fills a cache or starts anything, and not one
that takes the database's URL or other fixtures' values beyond the app (its first argument).
Its return value is the app, or plain data (ids, slugs) that is copied, and so are the
plain settings it put in ``app.config`` (some fixtures keep ids there). A snapshot is used for
``FRESH_FOR`` seconds after it was built, so no world is older than the windows the rules
count from the rows' times (a comment's edit window is 15 minutes), then built again.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import sqlite3
import tempfile
import time
from typing import Any

from flask import Flask

from app.extensions import db

FRESH_FOR = 120.0  # seconds
_SNAPSHOTS: dict[tuple, tuple[float, Any, Any, dict]] = {}
_FILES = tempfile.TemporaryDirectory(prefix="accord-snapshots-")  # removed when the process ends


def snapshot(fixture):
    """Mark a fixture ``fixture(app, ...) -> app | plain data`` (see the module's docstring)."""
    parameters = list(inspect.signature(fixture).parameters)
    if not parameters or parameters[0] not in {"app", "seeded"}:
        raise TypeError(f"{fixture.__name__}: a snapshot fixture's first argument is the app")

    @functools.wraps(fixture)
    def marked(*args, **kwargs):
        app: Flask = kwargs[parameters[0]] if parameters[0] in kwargs else args[0]
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        key = (fixture.__module__, fixture.__qualname__, url.split(":", 1)[0], _values(kwargs))
        kept = _SNAPSHOTS.get(key)
        if kept is not None and time.monotonic() - kept[0] < FRESH_FOR:
            _restore(app, kept[1])
            app.config.update(copy.deepcopy(kept[3]))
            return app if kept[2] is _APP else copy.deepcopy(kept[2])
        if kept is not None and isinstance(kept[1], str):
            os.remove(kept[1])  # a stale SQLite snapshot's file: a fresh one replaces it
        config = dict(app.config)
        made = fixture(*args, **kwargs)
        returned = _APP if made is app else made
        settings = {k: v for k, v in app.config.items() if k not in config or config[k] != v}
        if (returned is _APP or _plain(returned)) and _plain(settings):
            kept_value = returned if returned is _APP else copy.deepcopy(returned)
            _SNAPSHOTS[key] = (time.monotonic(), _take(app), kept_value, copy.deepcopy(settings))
        return made

    return marked


_APP = object()


def _values(kwargs: dict) -> tuple:
    """The other fixtures' values, when plain, as part of the key (a parametrised world)."""
    return tuple(sorted((name, repr(value)) for name, value in kwargs.items() if _plain(value)))


def _plain(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (tuple, list, set, frozenset)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


def _is_sqlite(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _sqlite_path(app: Flask) -> str:
    with app.app_context():
        path = db.engine.url.database
    assert path, "a snapshot is of a database in a file"
    return path


def _copy(source_path: str, target_path: str) -> None:
    """SQLite's backup API: the database as its connections see it, the log's pages too."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _take(app: Flask) -> Any:
    with app.app_context():
        db.session.remove()
        if _is_sqlite(app):
            db.engine.dispose()
            kept = os.path.join(_FILES.name, f"{len(_SNAPSHOTS)}-{time.monotonic_ns()}.db")
            _copy(_sqlite_path(app), kept)
            return kept
        connection = db.engine.raw_connection()
        try:
            cursor = connection.driver_connection.cursor()
            names = [
                row[0]
                for row in cursor.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename <> 'alembic_version'"
                )
            ]
            probe = " UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
            )
            tables = {}
            for (name,) in cursor.execute(probe).fetchall():
                with cursor.copy(f'COPY "{name}" TO STDOUT (FORMAT binary)') as copying:
                    tables[name] = b"".join(bytes(block) for block in copying)
            sequences = cursor.execute(
                "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            ).fetchall()
            connection.driver_connection.rollback()
            return tables, sequences
        finally:
            connection.close()


def _restore(app: Flask, kept: Any) -> None:
    from tests.databases import empty_all_tables

    if _is_sqlite(app):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _copy(kept, _sqlite_path(app))
        return
    empty_all_tables(app)
    tables, sequences = kept
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            driver = connection.driver_connection
            cursor = driver.cursor()
            cursor.execute("SET LOCAL session_replication_role = replica")
            for name, data in tables.items():
                with cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT binary)') as copying:
                    copying.write(data)
            for sequence, value in sequences:
                cursor.execute("SELECT setval(%s::regclass, %s)", (sequence, value))
            driver.commit()
        finally:
            connection.close()
        db.session.remove()
