"""Bringing people in from a CSV file: parse and plan it (``app.importers.people``), then apply.

``preview`` plans the file against the database and writes nothing. ``apply`` writes a plan only
when no row is rejected: an import is all or nothing. The confirm step sends the file's text
again and it is planned afresh, so what is written is checked against the database as it is at
that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from app.extensions import db
from app.importers.people import ImportPlan, PlannedRow, parse, plan
from app.models import User, UserRole, utcnow
from app.services import DomainError, accounts, audit, markers
from app.services import people as people_service
from app.services.accounts import normalise_email
from app.services.people import details_for, person_record


def existing_people(emails: list[str]) -> dict[str, User]:
    """The people already in Accord with these addresses (any case), with their roles: two
    queries per 500 addresses."""
    keys = sorted({normalise_email(email) for email in emails if email})
    people: dict[str, User] = {}
    for start in range(0, len(keys), 500):  # keep each IN list modest
        chunk = keys[start : start + 500]
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            people[user.email.lower()] = user
    return people


def _records(people: Mapping[str, User]) -> dict[str, dict]:
    return {
        key: {
            **person_record(user),
            "has_password": bool(user.password_hash),
            "is_independent_person": user.is_independent_person,
        }
        for key, user in people.items()
    }


def preview(text: str, *, add_new_groups: bool = False) -> ImportPlan:
    """Parse and plan against the database and its managed lists; writes nothing. Raises
    ``ImportFileError``."""
    parsed = parse(text)
    return plan(
        parsed,
        _records(existing_people([row.email for row in parsed.rows])),
        people_service.known_names(),
        add_new_groups=add_new_groups,
    )


@dataclass
class ImportResult:
    created: list[User]
    changed: list[User]
    invited: int


class ImportRejected(DomainError):
    """Some rows are rejected, so nothing was imported."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        count = len(plan.rejected)
        super().__init__(
            f"Nothing was imported: {count} row{'s are' if count != 1 else ' is'} rejected. "
            "Correct the file and upload it again."
        )


def apply(
    text: str, *, by: User, send_invitations: bool, add_new_groups: bool = False
) -> ImportResult:
    """Plan the file afresh and write it, all or nothing: with any rejected row, nothing.

    New people, their roles and invitations are inserted in batches (executemany), so the
    number of queries does not grow with the number of rows."""
    parsed = parse(text)
    people_service.lock_admins()  # before reading who is an administrator (see people.py)
    people = existing_people([row.email for row in parsed.rows])
    import_plan = plan(
        parsed, _records(people), people_service.known_names(), add_new_groups=add_new_groups
    )
    if import_plan.rejected:
        raise ImportRejected(import_plan)
    people_service.add_to_lists(import_plan.new_names, by=by)
    changes = (_change(people[planned.row.key], planned, by) for planned in import_plan.changed)
    events = [event for event in changes if event is not None]
    created = _create(import_plan.created)
    events += [
        {
            "action": "person.created",
            "actor": by,
            "object_type": "person",
            "object_id": user.id,
            "summary": f"{user.email} created (CSV import)",
            "after": person_record(user),
        }
        for user in created
    ]
    if send_invitations:
        events += accounts.invite_new_people(created, by=by)
    audit.record_many(events)
    return ImportResult(
        created,
        [people[p.row.key] for p in import_plan.changed],
        invited=len(created) if send_invitations else 0,
    )


def _change(user: User, planned: PlannedRow, by: User) -> dict | None:
    """Apply a changed row to an existing person; returns the audit event."""
    before = person_record(user)
    row = planned.row
    people_service.set_details(
        user,
        row.name,
        row.roles,
        group=row.group,
        ward=row.ward,
        job_title=row.job_title,
        service=row.service,
        is_independent_person=user.is_independent_person,
    )
    return people_service.change_event(user, before, by=by, note=" (CSV import)")


def _create(rows: list[PlannedRow]) -> list[User]:
    """Insert the new people and their roles in batches; returns them, loaded with roles."""
    if not rows:
        return []
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "email": planned.row.key,
                "display_name": planned.row.name,
                "active": True,
                "created_at": now,
                "unsubscribe_key": User.new_unsubscribe_key(),
                **details_for(
                    planned.row.roles,
                    group=planned.row.group,
                    ward=planned.row.ward,
                    job_title=planned.row.job_title,
                    service=planned.row.service,
                ),
            }
            for planned in rows
        ],
        execution_options={"render_nulls": True},  # one batch, not one per shape of row
    )
    keys = [planned.row.key for planned in rows]
    ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(keys))).all())
    db.session.execute(
        insert(UserRole),
        [
            {"user_id": ids[planned.row.key], "role": role}
            for planned in rows
            for role in sorted(planned.row.roles)
        ],
    )
    markers.people_changed()  # bulk inserts: the flush listener does not see them
    created = existing_people(keys)
    return [created[key] for key in keys]
