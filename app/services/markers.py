"""Moving the change markers of ``app.models.markers`` on, when the change commits.

The ``people`` marker moves whenever what pages show of a person changes: a person added or
removed, a role given or taken, or one of ``SHOWN_OF_PEOPLE`` changed. A flush listener
(``init_markers``) finds those among the session's changes, wherever they are made (an
administrator's edit, an import, an erasure, a person's own account page); a bulk statement
that changes people without the session's objects calls ``people_changed`` itself.

The marker is moved just before the whole transaction commits (not when a savepoint is
released), as its last statement: an upsert on the marker's row, so two changes at once queue
on its row lock and each commits a higher mark. The row lock is taken last, by a transaction
that then only commits, so it cannot be part of a deadlock (the outside tester found deadlocks
when it was taken at a savepoint, before the audit trail's lock). A database emptied without
the row starts it again. A rolled-back change may still move the marker when the session later
commits something else: a poll then answers afresh once, which is harmless.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, event, func, inspect, select
from sqlalchemy.orm import InstanceState, Session

from app.extensions import db
from app.models import ChangeMarker, MarkerName, User, UserRole
from app.services import insert_or

# What pages show of a person (cards, badges, descriptions, voter lists, counts by side), with
# ``role_grants``: a role taken away is deleted as an orphan during the flush, so it shows only
# in the collection's history. A change to any other column (an email, a password, a sign-in
# time, a ward or service, which no page with a marker shows) leaves every page as it was.
SHOWN_OF_PEOPLE = (
    "display_name",
    "active",
    "group",
    "job_title",
    "is_independent_person",
    "anonymised_at",
    "role_grants",
)
_PEOPLE_CHANGED = "accord.people_changed"


def people_changed(session: Session | None = None) -> None:
    """Say that this transaction changed what pages show of people (for bulk statements,
    which the flush listener does not see): the ``people`` marker moves when it commits."""
    (session or db.session).info[_PEOPLE_CHANGED] = True


def move_on(name: MarkerName, session: Session | None = None) -> None:
    """Raise the marker ``name`` by one, in the current transaction."""
    statement = insert_or(ChangeMarker).values(name=name.value, mark=1)
    (session or db.session).execute(
        statement.on_conflict_do_update(
            index_elements=[ChangeMarker.name], set_={"mark": ChangeMarker.mark + 1}
        )
    )


def people_mark() -> ColumnElement[int]:
    """The ``people`` marker as a column (0 before its first move), for the statements that
    read it with other things: the session lookup (for the page's ETag) and the poll."""
    mark = select(ChangeMarker.mark).where(ChangeMarker.name == MarkerName.PEOPLE.value)
    return func.coalesce(mark.scalar_subquery(), 0).label("people_mark")


def _changes_people(session: Session) -> bool:
    if any(isinstance(row, (User, UserRole)) for row in (*session.new, *session.deleted)):
        return True
    for row in session.dirty:
        if isinstance(row, User):
            state: InstanceState[User] = inspect(row)
            if any(state.attrs[name].history.has_changes() for name in SHOWN_OF_PEOPLE):
                return True
    return False


def _notice_people(session: Session, flush_context, instances) -> None:
    if _changes_people(session):
        session.info[_PEOPLE_CHANGED] = True


def _move_people_marker(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the marker moves when the whole transaction commits
    session.flush()  # the commit's own flush comes after this hook
    if session.info.pop(_PEOPLE_CHANGED, False):
        move_on(MarkerName.PEOPLE, session)


def init_markers() -> None:
    """Listen for changes to people in every session (once per process)."""
    for name, listener in (
        ("before_flush", _notice_people),
        ("before_commit", _move_people_marker),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
