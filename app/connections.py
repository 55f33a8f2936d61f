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

import re
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from weakref import WeakSet

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from app.extensions import db

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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


# What may make a SELECT do more than read: several statements in one string, SELECT … INTO
# (a new table), and the functions that change the session or the world outside the
# transaction's rows. A statement that has any of them counts as writing.
_NOT_ONLY_READING = re.compile(
    r";|\binto\b|set_config|pg_notify|nextval|setval|lo_\w+\s*\(|dblink", re.IGNORECASE
)
# PostgreSQL's answer to a prepared statement whose result's columns changed type since it
# was prepared (a migration altered a column it selects).
STALE_PLAN = "cached plan must not change result type"


# What makes a WITH more than a named SELECT: a data-modifying statement inside it.
_WRITES_IN_WITH = re.compile(r"\b(insert|update|delete|merge)\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def _reads_only(statement: str) -> bool:
    """Whether ``statement`` is a plain SELECT: one that writes nothing and changes nothing of
    the session (a ``SET`` changes the session; see ``_NOT_ONLY_READING`` for the SELECTs that
    count as writing). A ``WITH`` counts when nothing in it could modify data: no INSERT,
    UPDATE, DELETE or MERGE anywhere in its text (a page's statement names a CTE to read it
    twice; one that could hold a write is never taken for reading).

    Remembered for each statement's text: the pages' statements are built once and compiled
    once, so the same strings come back on every request, and searching a long statement
    with ``_NOT_ONLY_READING`` cost more than running it (about 0.1 ms for the live poll's)."""
    head = statement.lstrip()[:6].upper()
    if head[:4] == "WITH" and head[4:5].isspace():
        return not _WRITES_IN_WITH.search(statement) and not _NOT_ONLY_READING.search(statement)
    return head == "SELECT" and not _NOT_ONLY_READING.search(statement)


def is_stale_plan(error: BaseException | None) -> bool:
    """Whether ``error`` (a driver error) is PostgreSQL refusing a prepared statement whose
    columns changed type (``STALE_PLAN``)."""
    return getattr(error, "sqlstate", None) == "0A000" and STALE_PLAN in str(error)


# The execution option that keeps a statement from ever being prepared (``never_prepared``).
NEVER_PREPARED = "accord_never_prepared"


def never_prepared(statement):
    """``statement`` (an executable) marked so that psycopg never prepares it: it is parsed
    and planned with its parameters' values each time it runs.

    For a statement whose best plan depends on its values, and which a generic plan would
    make slow. psycopg prepares a statement at its fifth use, and PostgreSQL may then keep a
    generic plan, made without the values: there a function of a parameter is not folded into
    a constant but called again for every row (the search's parsed query: a results page on
    the tests' small database took 80 ms instead of 8). Without effect on SQLite."""
    return statement.execution_options(**{NEVER_PREPARED: True})


def end_reads_with_commit(engine: Engine) -> None:
    """On PostgreSQL, end a transaction that ran only SELECTs with COMMIT, not ROLLBACK.

    psycopg forgets every prepared statement of a connection when it rolls back (the rollback
    might have undone a table they name), and every request that only reads (almost every
    page) ends with SQLAlchemy's rollback. So no statement was ever prepared: each page's
    statements were parsed and planned afresh, about 5 ms of a discussion page's 3 statements
    (the session lookup alone: 3.4 ms unprepared, 0.8 ms prepared). For a transaction that
    wrote nothing, COMMIT and ROLLBACK are the same to the database: both end it and release
    its snapshot and locks. Any other transaction (one that wrote, ran anything but a plain
    SELECT (``_reads_only``), or failed) is rolled back as before. Statements must go
    through SQLAlchemy (its ``before_cursor_execute`` is where writes are noticed), never
    through the driver's connection directly.

    Statements kept prepared across requests meet migrations: after a column they select
    changes type, PostgreSQL refuses the prepared statement (``STALE_PLAN``). When it is the
    transaction's first statement (a request's session lookup), the connection's prepared
    statements are dropped and it runs again, unseen. Later in a transaction it cannot be
    run again; the error then counts as a lost connection, so SQLAlchemy replaces every
    pooled connection (each holds the old statements). A GET or HEAD is then answered again
    from the start (``AnsweredAgain``); a form sent at that moment answers 503 "try again",
    nothing saved, as when the database restarts."""
    if engine.dialect.name != "postgresql":
        return
    from psycopg.pq import TransactionStatus

    wrote: WeakSet[Any] = WeakSet()

    def note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
        if cursor.connection in wrote:
            return  # already known to have written: no need to read the statement
        if executemany or not _reads_only(statement):
            wrote.add(cursor.connection)

    rollback, commit = engine.dialect.do_rollback, engine.dialect.do_commit
    execute, execute_no_params = engine.dialect.do_execute, engine.dialect.do_execute_no_params

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

    def again_after_stale_plan(run, cursor, *arguments) -> None:
        driver = cursor.connection
        first = driver.info.transaction_status == TransactionStatus.IDLE
        try:
            run(cursor, *arguments)
        except Exception as error:
            if not (first and is_stale_plan(error)):
                raise
            if driver.info.transaction_status != TransactionStatus.IDLE:
                driver.rollback()  # nothing else ran in it; psycopg drops its statements
            else:  # AUTOCOMMIT: no transaction to roll back
                driver.execute("DEALLOCATE ALL")  # psycopg forgets them on seeing this too
            run(cursor, *arguments)

    def execute_unprepared(cursor, statement, parameters, context=None) -> None:
        cursor.execute(statement, parameters, prepare=False)

    def do_execute(cursor, statement, parameters, context=None) -> None:
        unprepared = context is not None and context.execution_options.get(NEVER_PREPARED)
        run = execute_unprepared if unprepared else execute
        again_after_stale_plan(run, cursor, statement, parameters, context)

    def do_execute_no_params(cursor, statement, context=None) -> None:
        again_after_stale_plan(execute_no_params, cursor, statement, context)

    def stale_plan_is_a_lost_connection(context) -> None:
        if is_stale_plan(context.original_exception):
            context.is_disconnect = True
            context.invalidate_pool_on_disconnect = True

    event.listen(engine, "before_cursor_execute", note_writes)
    event.listen(engine, "handle_error", stale_plan_is_a_lost_connection)
    engine.dialect.do_rollback = do_rollback  # type: ignore[method-assign, assignment]
    engine.dialect.do_commit = do_commit  # type: ignore[method-assign, assignment]
    engine.dialect.do_execute = do_execute  # type: ignore[method-assign]
    engine.dialect.do_execute_no_params = do_execute_no_params  # type: ignore[method-assign]


REPLAY = "accord.stale_plan"  # set in the WSGI environ by app.errors for ``AnsweredAgain``


class AnsweredAgain:
    """WSGI middleware: a GET or HEAD that met a stale prepared statement part-way through
    (``end_reads_with_commit``: its 503 "try again") is answered again at once from the start,
    on the fresh connections the pool has by then; its 503 is never sent. Reading requests
    only: they may be run twice. The error handler marks such a request (``REPLAY``) before
    the response starts; anything else passes through untouched."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        again = dict(environ)

        def start_unless_replayed(status, headers, exc_info=None):
            if environ.get(REPLAY):
                return lambda data: None
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, start_unless_replayed)
        if not environ.get(REPLAY):
            return answer
        if hasattr(answer, "close"):
            answer.close()
        return self.wsgi_app(again, start_response)


def init_connections(app: Flask) -> None:
    """Test idle pooled connections of ``app``'s database, and keep their prepared statements
    on PostgreSQL (see the module's notes and ``end_reads_with_commit``)."""
    with app.app_context():
        ping_when_idle(db.engine)
        end_reads_with_commit(db.engine)
    app.wsgi_app = AnsweredAgain(app.wsgi_app)  # type: ignore[method-assign]
