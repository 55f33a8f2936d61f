"""Pooled database connections are tested only after they have been idle a while.

SQLAlchemy's ``pool_pre_ping`` tests every connection at every checkout: on PostgreSQL a
round trip (``SELECT 1``) before each request's first statement, a fifth of an unchanged live
poll's time. A connection that served a request moments ago is almost surely still open, so it
is tested only when it has been idle at least ``PING_AFTER_IDLE_SECONDS`` (a database restart
or a dropped network path usually shows there); a failed test discards it and the pool connects
afresh (SQLAlchemy retries the checkout). A connection that dies while in use fails that one
statement, as with ``pool_pre_ping``; SQLAlchemy then discards every connection older than the
failure, and ``pool_recycle`` (``app.config.engine_options``) replaces any after half an hour.
"""

from __future__ import annotations

import time

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


def init_connections(app: Flask) -> None:
    """Test idle pooled connections of ``app``'s database (see the module's notes)."""
    with app.app_context():
        ping_when_idle(db.engine)
