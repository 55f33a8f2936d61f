"""A writing request that PostgreSQL ends with a deadlock or a serialisation failure is run
again from the start, a bounded number of times, before it answers.

Writing services take their locks in one order (``app.services.locks``), so deadlocks should
not happen; this is the backstop for the ones that still can (a lock taken by something outside
that order, a serialisation failure). Each attempt starts from a rolled-back session: mail
queued by the failed attempt is discarded with it (``app.mail``) and its flashed messages are
taken back, so a retried request never mails or flashes twice.
"""

from __future__ import annotations

import functools
import random
import time

from flask import Flask, request, session
from sqlalchemy.exc import DBAPIError

from app.extensions import db

ATTEMPTS = 3
# PostgreSQL's deadlock_detected and serialization_failure.
RETRYABLE_STATES = frozenset({"40P01", "40001"})
_FLASHES = "_flashes"


def is_retryable(error: DBAPIError) -> bool:
    """The database gave up on the transaction in a way that a new attempt may not meet."""
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_STATES


def retrying(view):
    """Wrap a view: on a retryable database error, roll back, wait a moment (with jitter) and
    run it again, at most ``ATTEMPTS`` times in all; then the error goes to the error handler."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return view(*args, **kwargs)
        flashed = list(session.get(_FLASHES, ()))
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if attempt == ATTEMPTS or not is_retryable(error):
                    raise
                db.session.rollback()
                if flashed:
                    session[_FLASHES] = list(flashed)
                else:
                    session.pop(_FLASHES, None)
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    return run


def init_retries(app: Flask) -> None:
    """Make every view retry (once all blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = retrying(view)
