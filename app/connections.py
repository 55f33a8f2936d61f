"""Pooled database connections are tested only after they have been idle a while.

SQLAlchemy's ``pool_pre_ping`` tests every connection at every checkout: on PostgreSQL a
round trip (``SELECT 1``) before each request's first statement, a fifth of an unchanged live
poll's time. A connection that served a request moments ago is almost surely still open, so it
is tested only when it has been idle at least ``PING_AFTER_IDLE_SECONDS`` (a database restart
or a dropped network path usually shows there); a failed test discards it and the pool connects
afresh (SQLAlchemy retries the checkout). A connection that dies while in use fails that one
statement, as with ``pool_pre_ping``; SQLAlchemy then discards every connection older than the
failure, and ``pool_recycle`` (``app.config.engine_options``) replaces any after half an hour.

On PostgreSQL a pooled connection also keeps the statements psycopg prepared on it (each is
prepared at its fifth use), by ending transactions that only read with COMMIT rather than
ROLLBACK (``end_reads_with_commit``): a page's statements are then planned once a connection,
not once a request.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakSet

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from app.extensions import db

PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "accord_idle_since"


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Test ``engine``'s pooled connections at checkout when idle ``idle_seconds`` or more;
    one that fails is discarded (``DisconnectionError``) and the pool connects afresh."""

    def checkin(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection, record, proxy) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure means: do not hand this connection out
            raise DisconnectionError("a pooled connection failed its test") from error

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _reads_only(statement: str) -> bool:
    """Whether ``statement`` is a plain SELECT (one that writes nothing; a ``WITH`` may hold an
    INSERT, a ``SET`` changes the session: neither counts)."""
    return statement.lstrip()[:6].upper() == "SELECT"


def end_reads_with_commit(engine: Engine) -> None:
    """On PostgreSQL, end a transaction that ran only SELECTs with COMMIT, not ROLLBACK.

    psycopg forgets every prepared statement of a connection when it rolls back (the rollback
    might have undone a table they name), and every request that only reads (almost every
    page) ends with SQLAlchemy's rollback. So no statement was ever prepared: each page's
    statements were parsed and planned afresh, about 5 ms of a discussion page's 3 statements
    (the session lookup alone: 3.4 ms unprepared, 0.8 ms prepared). For a transaction that
    wrote nothing, COMMIT and ROLLBACK are the same to the database: both end it and release
    its snapshot and locks. Any other transaction (one that wrote, or ran anything but a
    SELECT, or failed) is rolled back as before."""
    if engine.dialect.name != "postgresql":
        return
    from psycopg.pq import TransactionStatus

    wrote: WeakSet[Any] = WeakSet()

    def note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
        if executemany or not _reads_only(statement):
            wrote.add(cursor.connection)

    rollback, commit = engine.dialect.do_rollback, engine.dialect.do_commit

    def do_rollback(connection) -> None:
        driver = getattr(connection, "dbapi_connection", connection)  # the pool's proxy, or not
        if driver in wrote or driver.info.transaction_status != TransactionStatus.INTRANS:
            wrote.discard(driver)
            rollback(connection)
        else:
            commit(connection)

    def do_commit(connection) -> None:
        wrote.discard(getattr(connection, "dbapi_connection", connection))
        commit(connection)

    event.listen(engine, "before_cursor_execute", note_writes)
    engine.dialect.do_rollback = do_rollback  # type: ignore[method-assign, assignment]
    engine.dialect.do_commit = do_commit  # type: ignore[method-assign, assignment]


def init_connections(app: Flask) -> None:
    """Test idle pooled connections of ``app``'s database, and keep their prepared statements
    on PostgreSQL (see the module's notes and ``end_reads_with_commit``)."""
    with app.app_context():
        ping_when_idle(db.engine)
        end_reads_with_commit(db.engine)
