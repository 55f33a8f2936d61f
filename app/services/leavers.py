"""People who leave: anonymising an account, and showing the audit trail afterwards.

Anonymising (shared/DOMAIN.md, "People who leave") keeps the person's row, so their votes,
comments, amendments and attendance keep their integrity and every tally stays as it was; what
identifies them goes. The name becomes "Former Member" / "Former Officer" (by their side; see
``former_name``), the email a unique placeholder at the reserved ``.invalid`` domain (RFC 2606:
never deliverable), and the ward, job title and service are cleared. Their political Group
stays: the record of votes and attendance is broken down by Group. Their password, second factor
and sessions are deleted (sign-in is impossible), their invitation and reset links are deleted,
and so are their own notifications (nothing is ever emailed to them again); notifications that
name them as the one who acted take the new name.

The audit trail is never rewritten: its events are hash-chained (``app.services.audit``), and
some embed the person's email or name in their summary, ``actor_label`` or before/after values.
So the trail's pages substitute at display time (``displayed``): an event by an anonymised
person shows their current name, and the identifiers they had (read from the trail's own
``person.*`` events and the labels of their own events, never copied elsewhere) are replaced by
that name wherever an event on the page shows them. ``flask --app wsgi audit verify`` still
passes, and the stored events still hold what was recorded at the time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from app.extensions import db
from app.models import (
    AccountToken,
    AuditEvent,
    Notification,
    RecoveryCode,
    Role,
    TwoFactorCredential,
    User,
    UserSession,
    utcnow,
)
from app.services import Conflict, Forbidden, audit, people

PLACEHOLDER_DOMAIN = "anonymised.invalid"
# The person's side, first match wins; the council's words (shared/DOMAIN.md, "Words").
FORMER_NAMES = (
    (Role.MEMBER, "Former Member"),
    (Role.OFFICER, "Former Officer"),
    (Role.STANDARDS, "Former Standards Committee member"),
    (Role.FACILITATOR, "Former facilitator"),
    (Role.ADMIN, "Former administrator"),
)


class AlreadyAnonymised(Conflict):
    """The account was anonymised before; there is nothing left to remove (409)."""


def former_name(user: User) -> str:
    """The name an anonymised person is shown by: "Former Member", "Former Officer",
    "Former Independent Person", "Former Standards Committee member", "Former facilitator",
    "Former administrator", or "Former participant" for someone with no role."""
    if user.is_standards and user.is_independent_person:
        return "Former Independent Person"
    return next((name for role, name in FORMER_NAMES if user.has_role(role)), "Former participant")


def placeholder_email(user: User) -> str:
    """A unique address that can never be delivered: ``former-<id>@anonymised.invalid``."""
    return f"former-{user.id}@{PLACEHOLDER_DOMAIN}"


def anonymise(user: User, *, by: User | None) -> None:
    """Remove what identifies a person who has left, keeping their contributions (see the
    module's docstring). Deactivates them first (their votes on items still open to voting are
    set aside as "no longer eligible", as for any deactivation; recorded outcomes never change).

    Raises ``Forbidden`` when ``by`` anonymises themself, ``AlreadyAnonymised`` when done
    before, and ``people.LastAdmin`` for the last active administrator. Audited as
    ``person.anonymised`` (who, whose, when), with no personal data in the event."""
    if user.is_anonymised:
        raise AlreadyAnonymised(f"{user.display_name}'s account is already anonymised.")
    if by is not None and by.id == user.id:
        raise Forbidden("You cannot anonymise your own account.")
    people.deactivate(user, by=by)
    old_name, new_name = user.display_name, former_name(user)
    user.display_name = new_name
    user.email = placeholder_email(user)
    user.password_hash = None
    user.ward = user.job_title = user.service = None
    user.anonymised_at = utcnow()
    for model in (UserSession, AccountToken, TwoFactorCredential, RecoveryCode, Notification):
        db.session.execute(
            delete(model).where(model.user_id == user.id),
            execution_options={"synchronize_session": False},
        )
    _rename_in_notifications(user, old_name, new_name)
    audit.record(
        "person.anonymised",
        actor=by,
        actor_label=None if by is not None else "command line",
        object_type="person",
        object_id=user.id,
        summary=f"Person {user.id} anonymised as {new_name}",
        after={"name": new_name, "active": False},
    )
    db.session.expire(user, ["sessions"])


def _rename_in_notifications(user: User, old_name: str, new_name: str) -> None:
    """Notifications to others that begin with the person's name ("Jo Bloggs replied to your
    comment ...") name them by their new name."""
    if not old_name:
        return
    rows = db.session.execute(
        select(Notification.id, Notification.text).where(Notification.actor_id == user.id)
    ).all()
    for row in rows:
        if old_name in row.text:
            db.session.execute(
                update(Notification)
                .where(Notification.id == row.id)
                .values(text=row.text.replace(old_name, new_name)[:300]),
                execution_options={"synchronize_session": False},
            )


# The audit trail, shown ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShownEvent:
    """An audit event as its pages show it: the stored event's fields, with the identifiers of
    anonymised people replaced by their current name. ``event`` is the stored event."""

    event: AuditEvent
    actor_label: str
    summary: str
    before: dict | None
    after: dict | None

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def action(self) -> str:
        return self.event.action

    @property
    def object_type(self) -> str:
        return self.event.object_type

    @property
    def object_id(self) -> int | None:
        return self.event.object_id

    @property
    def document_id(self) -> int | None:
        return self.event.document_id


def _former_identifiers(names: dict[int, str]) -> list[tuple[str, str]]:
    """(identifier, current name) for each email and name the trail recorded for these
    anonymised people (``names``: their current names by id): their ``person.*`` events' values
    and their own events' labels. Longest first, so a name is replaced before a part of it."""
    if not names:
        return []
    people_ids = list(names)
    found: dict[str, str] = {}
    rows = db.session.execute(
        select(
            AuditEvent.object_id,
            AuditEvent.actor_id,
            AuditEvent.actor_label,
            AuditEvent.before,
            AuditEvent.after,
        ).where(
            or_(
                (AuditEvent.object_type == "person") & AuditEvent.object_id.in_(people_ids),
                AuditEvent.actor_id.in_(people_ids),
            )
        )
    ).yield_per(500)
    for row in rows:
        if row.actor_id in names and row.actor_label:
            found.setdefault(row.actor_label, names[row.actor_id])
        if row.object_id in names:
            for values in (row.before or {}, row.after or {}):
                for key in ("email", "name"):
                    value = values.get(key)
                    if isinstance(value, str) and value.strip():
                        found.setdefault(value, names[row.object_id])
    current = set(names.values())
    return sorted(
        ((old, new) for old, new in found.items() if old not in current),
        key=lambda pair: -len(pair[0]),
    )


def _substitute(value, pattern: re.Pattern | None, replacements: dict[str, str]):
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(lambda match: replacements[match.group(0).lower()], value)
    if isinstance(value, list):
        return [_substitute(item, pattern, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, pattern, replacements) for key, item in value.items()}
    return value


def displayed(events: Iterable[AuditEvent]) -> list[ShownEvent]:
    """``events`` as the audit trail's pages show them: an event by an anonymised person names
    them by their current name, and the emails and names they had are replaced by it in every
    event's summary, label and before/after values. The stored events are not changed (their
    hash chain still verifies). Two queries, whatever the number of events."""
    events = list(events)
    ids = {e.actor_id for e in events if e.actor_id is not None} | {
        e.object_id for e in events if e.object_type == "person" and e.object_id is not None
    }
    names: dict[int, str] = {}
    if ids:
        rows = db.session.execute(
            select(User.id, User.display_name).where(
                User.id.in_(ids), User.anonymised_at.is_not(None)
            )
        )
        names = {row.id: row.display_name for row in rows}
    pairs = _former_identifiers(names)
    replacements = {old.lower(): new for old, new in pairs}
    pattern = (
        re.compile("|".join(rf"(?<!\w){re.escape(old)}(?!\w)" for old, _ in pairs), re.IGNORECASE)
        if pairs
        else None
    )
    shown = []
    for event in events:
        label = (
            names[event.actor_id]
            if event.actor_id in names
            else _substitute(event.actor_label, pattern, replacements)
        )
        shown.append(
            ShownEvent(
                event=event,
                actor_label=label,
                summary=_substitute(event.summary, pattern, replacements),
                before=_substitute(event.before, pattern, replacements),
                after=_substitute(event.after, pattern, replacements),
            )
        )
    return shown
