"""A page that answers a GET and still writes (its reader's "last looked" mark).

A GET's transaction on SQLite is a reading one (``BEGIN``, see ``app._sqlite_begin``), and a
reading transaction may not become a writing one once another request has written since it
began: SQLite answers "database is locked" at once, whatever the busy timeout, because waiting
could not help (its snapshot is already out of date). Two people opening pages at the same
moment met that as a 500. So such a write ends the page's reading transaction first and runs in
a transaction of its own, which on SQLite takes the write lock at its first statement
(``BEGIN IMMEDIATE``: it waits its turn). PostgreSQL needs neither: its row locks let the
upsert run in the page's own transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from flask import g, has_request_context

from app.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_WRITING = "writing_after_reading"
_writing_job: ContextVar[bool] = ContextVar("writing_job", default=False)


def takes_write_lock() -> bool:
    """Whether the transaction about to begin (on SQLite) is one of ``write_after_reading``'s
    or of ``writing_job``'s."""
    if _writing_job.get():
        return True
    return has_request_context() and bool(g.get(_WRITING))


@contextmanager
def writing_job() -> Iterator[None]:
    """Work outside a request that writes (``app.deferred``'s): on SQLite its transactions
    take the write lock at their first statement (``BEGIN IMMEDIATE``), waiting their turn,
    as a writing request's do. Begun as reading ones, a write committed by anyone else after
    their first read would make their own write fail at once ("database is locked")."""
    token = _writing_job.set(True)
    try:
        yield
    finally:
        _writing_job.reset(token)


def writing_command(command: Callable[P, R]) -> Callable[P, R]:
    """A command-line command that writes, run as a ``writing_job``: on SQLite its
    transactions take the write lock at their first statement. Begun as reading ones, a write
    the web app committed after the command's first read made the command's own write fail at
    once ("database is locked"). Put it under ``@...command(...)`` and its options."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with writing_job():
            return command(*args, **kwargs)

    return run


@contextmanager
def write_after_reading() -> Iterator[None]:
    """Run the block's writes in a committed transaction of their own (on SQLite), or in the
    page's transaction, committed (PostgreSQL). What the page loaded stays loaded (it has
    finished reading, so nothing is expired and read again)."""
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        yield
        session.commit()
        return
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # end the reading transaction
    finally:
        session.expire_on_commit = keep
    g.setdefault(_WRITING, True)
    try:
        yield
        db.session.commit()
    finally:
        g.pop(_WRITING, None)
