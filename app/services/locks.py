"""The one order in which a writing transaction takes its locks.

Two transactions that take the same locks in different orders can each wait for the other
(a deadlock, which PostgreSQL ends by failing one of them). So every service that writes to a
document, its clauses or anything on them (votes, interests, outcomes, comments, amendments,
changes of order) takes its locks in this order, first thing, before it reads the state it
checks and before any other write:

1. the document's row (``lock_document``);
2. the clause's row, if the change is on one clause;
3. the amendment's row, if the change is on one amendment;
4. last, the audit chain's advisory lock, which ``audit.record`` takes when it appends.

Updates to other rows of the document (raising a clause's change marker, renumbering) come
after 1, so they never wait on a transaction that holds the audit lock. Rows are locked
``FOR NO KEY UPDATE``, which does not block inserts that only refer to them (foreign keys).
Each row is read afresh under its lock (``populate_existing``), so a rule such as "voting is
open" is checked on the state the write will see: closing voting and casting a vote take the
same document lock, so a vote is either in the recorded outcome or refused as closed.

On SQLite a writing request takes the database's single write lock at its first statement
(``BEGIN IMMEDIATE``), so writers are already one at a time; these calls only re-read the rows.
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.extensions import db
from app.models import Amendment, Base, Clause, Document, DocumentStatus
from app.rules import EDITABLE_STATUSES
from app.services import DocumentNotEditable


def lock_document(document: Document) -> DocumentStatus:
    """Serialise changes to the document and everything on it (a row lock until the request
    commits) and read the document afresh under the lock; returns its state as read under the
    lock. The first lock of a writing transaction (the order above)."""
    if document.id is None:
        db.session.flush()
    db.session.scalars(  # the row must be fetched for populate_existing to refresh it
        select(Document)
        .where(Document.id == document.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    return document.status


def _lock_row(model: type[Clause] | type[Amendment], row_id: int) -> None:
    db.session.scalars(  # fetched, so that populate_existing refreshes the loaded object
        select(model)
        .where(model.id == row_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def lock_for_write(
    document: Document, clause: Clause | None = None, *, amendment: Amendment | None = None
) -> DocumentStatus:
    """Lock the document, then the clause, then the amendment (each read afresh under its
    lock), in the one order above; returns the document's state as read under the lock."""
    status = lock_document(document)
    if clause is not None:
        _lock_row(Clause, clause.id)
    if amendment is not None:
        _lock_row(Amendment, amendment.id)
    return status


def lock_editable(
    document: Document, clause: Clause | None = None, *, refusal: str | None = None
) -> DocumentStatus:
    """Take the write locks (``lock_for_write``: the document, then ``clause``) and refuse
    with ``DocumentNotEditable`` (its message led by ``refusal``) unless the document's text
    and record may still change (Draft, Open or Closed: shared/DOMAIN.md, "From Submitted
    onwards nothing changes"). The state is the one read under the lock, so a write and a
    submission at the same moment are served one after the other: the write lands before the
    document is submitted, or is refused. Returns the state."""
    status = lock_for_write(document, clause)
    if status not in EDITABLE_STATUSES:
        raise DocumentNotEditable(document, status, refusal)
    return status


def lock_row(row: Base) -> None:
    """Lock one row that is not part of a document (a person, a list entry) until the
    transaction ends, ``FOR NO KEY UPDATE`` as above, then read it afresh under the lock, so a
    change and a check made after it see what the last writer committed.

    The lock is taken by the primary key alone and the row read afresh after: locking while
    reading (``session.refresh(row, with_for_update=...)``) reloads the object with the
    options it was first loaded with, and the signed-in person is loaded with their roles
    joined, so the locking statement carried that outer join, which PostgreSQL refuses (an
    administrator editing their own details got a 500)."""
    state = inspect(row)
    if state.identity is None:
        db.session.flush()
    identity = state.identity or ()
    key = state.mapper.primary_key
    db.session.execute(
        select(*key)
        .where(*(column == value for column, value in zip(key, identity, strict=True)))
        .with_for_update(key_share=True)
    )
    db.session.refresh(row)
