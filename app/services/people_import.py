"""Bringing people in from a CSV file: parse and plan it (``app.importers.people``), then apply.

``preview`` plans the file against the database and writes nothing. ``apply`` writes a plan only
when no row is rejected: an import is all or nothing. The confirm step sends the file's text
again and it is planned afresh, so what is written is checked against the database as it is at
that moment; and it carries the digest of the plan its preview showed (``plan_shown``): when the
plan made now is another (someone in the file was added, changed or deactivated meanwhile, or a
list entry it names renamed), nothing is written (``PlanChanged``, 409) and the new plan is
previewed instead, so what is imported is always what the administrator checked. A caller with
no preview (a script calling ``apply`` directly) passes no digest and imports the plan as it is.
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
from app.services.shown import ShownChanged, matches


def existing_people(emails: list[str], *, lock: bool = False) -> dict[str, User]:
    """The people already in Accord with these addresses (any case), with their roles: two
    queries per 500 addresses. With ``lock``, each person's row is locked (in id order) and
    read afresh under the lock, so the plan is made from what the import will change: an
    edit of one of them in progress is waited for, and seen."""
    keys = sorted({normalise_email(email) for email in emails if email})
    people: dict[str, User] = {}
    for start in range(0, len(keys), 500):  # keep each IN list modest
        chunk = keys[start : start + 500]
        query = select(User).where(func.lower(User.email).in_(chunk))
        if lock:
            # FOR NO KEY UPDATE, as the other row locks (app.services.locks)
            query = (
                query.order_by(User.id)
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
        for user in db.session.scalars(query):
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
    known, retired = people_service.list_names()
    return plan(
        parsed,
        _records(existing_people([row.email for row in parsed.rows])),
        known,
        add_new_groups=add_new_groups,
        retired=retired,
        admins=people_service.active_admin_emails(),
    )


def plan_shown(plan: ImportPlan) -> dict:
    """What the preview of ``plan`` showed, and what confirming it writes (for
    ``app.services.shown``): each row's decision, with what it adds or the changes it makes,
    the person it changes as they are now, and the reasons it is rejected; the names added to
    the managed lists."""
    return {
        "rows": [
            {
                "line": planned.row.line,
                "action": planned.action,
                "email": planned.row.key,
                "written": {
                    "name": planned.row.name,
                    "roles": sorted(planned.row.roles),
                    "group": planned.row.group,
                    "ward": planned.row.ward,
                    "job_title": planned.row.job_title,
                    "service": planned.row.service,
                },
                "changes": {label: list(change) for label, change in planned.changes.items()},
                "person": {
                    key: value
                    for key, value in (planned.person or {}).items()
                    if key != "has_password"  # not shown; the rule it serves gives reasons
                },
                "reasons": planned.reasons,
            }
            for planned in plan.rows
        ],
        "new_names": {kind.value: names for kind, names in plan.new_names.items()},
    }


PLAN_CHANGED = (
    "People or lists changed after you checked the import (another administrator added, "
    "changed or deactivated someone in the file, or renamed a Group, ward or service it "
    "names), so nothing was imported. This is what the import would do now: check it, then "
    "import again."
)


class PlanChanged(ShownChanged):
    """What confirming would import is not what the preview showed (409): nothing is
    imported; ``plan`` is the import as it would be now, to preview again."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(PLAN_CHANGED)


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
    text: str,
    *,
    by: User,
    send_invitations: bool,
    add_new_groups: bool = False,
    seen: str | None = None,
) -> ImportResult:
    """Plan the file afresh and write it, all or nothing: with any rejected row, nothing.

    ``seen``, when given, is the digest of the plan the preview showed (``plan_shown``): the
    people in the file are locked and read afresh, and unless the plan made from them now is
    that one nothing is written (``PlanChanged``, 409, with the new plan). Without it (a script
    with no preview) the plan made now is written. New people, their roles and invitations are
    inserted in batches (executemany), so the number of queries does not grow with the number
    of rows. Raises ``ImportFileError``, ``PlanChanged``, ``ImportRejected``."""
    parsed = parse(text)
    people_service.lock_admins()  # before reading who is an administrator (see people.py)
    people = existing_people([row.email for row in parsed.rows], lock=True)
    known, retired = people_service.list_names()
    import_plan = plan(
        parsed,
        _records(people),
        known,
        add_new_groups=add_new_groups,
        retired=retired,
        admins=people_service.active_admin_emails(),
    )
    if seen is not None and not matches(plan_shown(import_plan), seen):
        raise PlanChanged(import_plan)
    if import_plan.rejected:
        raise ImportRejected(import_plan)
    people_service.add_to_lists(import_plan.new_names, by=by, offer_retired=True)
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
