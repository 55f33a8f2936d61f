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

from sqlalchemy import select

from app.extensions import db
from app.models import Amendment, Clause, Document, DocumentStatus
from app.services.clauses import lock_document


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
