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
person shows their current name, and the identifiers any anonymised person had (read from the
trail's own ``person.*`` events and the labels of their own events, never copied elsewhere:
``former_identifiers``) are replaced by that name wherever an event shows them, as are the
summaries in others' "Download your data"; the trail's person filter matches the names shown
(``shown_as_person``). ``flask --app wsgi audit verify`` still
passes, and the stored events still hold what was recorded at the time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from app.extensions import db
from app.models import (
    AccountToken,
    AuditEvent,
    DecisionDraft,
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
    for model in (  # DecisionDraft: a committee decision's answers never recorded, their words
        UserSession,
        AccountToken,
        TwoFactorCredential,
        RecoveryCode,
        Notification,
        DecisionDraft,
    ):
        db.session.execute(
            delete(model).where(model.user_id == user.id),
            execution_options={"synchronize_session": False},
        )
    _rename_in_notifications(
        user, [old_name, *(old for old, _, _ in _former_identifiers({user.id: new_name}))], new_name
    )
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


def _rename_in_notifications(user: User, old_names: list[str], new_name: str) -> None:
    """Notifications to others that begin with the person's name ("Jo Bloggs replied to your
    comment ...", as ``app.services.notifications`` words each one they act in) name them by
    their new name there: any name they had (``old_names``: the one now and the ones the trail
    recorded, since a notification keeps the name of its day); the rest of the text (a title
    that happens to hold the name) stays."""
    names = sorted({name for name in old_names if name.strip()}, key=len, reverse=True)
    if not names:
        return
    rows = db.session.execute(
        select(Notification.id, Notification.text).where(Notification.actor_id == user.id)
    ).all()
    for row in rows:
        name = next((name for name in names if row.text.startswith(name)), None)
        if name is not None:
            db.session.execute(
                update(Notification)
                .where(Notification.id == row.id)
                .values(text=(new_name + row.text[len(name) :])[:300]),
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


def _former_identifiers(names: dict[int, str]) -> list[tuple[str, str, int]]:
    """(identifier, current name, whose) for each email and name the trail recorded for these
    anonymised people (``names``: their current names by id): their ``person.*`` events' values
    and their own events' labels. Longest first, so a name is replaced before a part of it.
    Two queries, reading each label once however many events carry it."""
    if not names:
        return []
    anonymised = select(User.id).where(User.anonymised_at.is_not(None))
    found: dict[str, int] = {}
    labels = select(AuditEvent.actor_id, AuditEvent.actor_label).where(
        AuditEvent.actor_id.in_(anonymised), AuditEvent.actor_label != ""
    )
    for row in db.session.execute(labels.distinct()):
        if row.actor_id in names:
            found.setdefault(row.actor_label, row.actor_id)
    values = select(AuditEvent.object_id, AuditEvent.before, AuditEvent.after).where(
        AuditEvent.object_type == "person", AuditEvent.object_id.in_(anonymised)
    )
    for row in db.session.execute(values).yield_per(500):
        if row.object_id in names:
            for recorded in (row.before or {}, row.after or {}):
                for key in ("email", "name"):
                    value = recorded.get(key)
                    if isinstance(value, str) and value.strip():
                        found.setdefault(value, row.object_id)
    current = set(names.values())
    return sorted(
        ((old, names[whose], whose) for old, whose in found.items() if old not in current),
        key=lambda found: -len(found[0]),
    )


# An identifier is found only as a whole: not inside a longer name or address ("Ann Smith" in
# "Mary-Ann Smith", "smith@example.org" in "j.smith@example.org").
_BEFORE, _AFTER = r"(?<![\w.@+\-'])", r"(?![\w@\-']|\.\w)"


def _pattern(identifiers: list[tuple[str, str, int]]) -> re.Pattern | None:
    """One pattern for these identifiers: an email in any case, a name as written."""
    if not identifiers:
        return None
    return re.compile(
        "|".join(
            _BEFORE + (f"(?i:{re.escape(old)})" if "@" in old else re.escape(old)) + _AFTER
            for old, _, _ in identifiers
        )
    )


class FormerIdentifiers:
    """Every anonymised person's current name by id (``names``), and what replaces the emails
    and names the trail recorded for them (``identifiers``: identifier, current name, whose)
    by that name, in any text or value (``hide``). Emails, and names of two words or more,
    are replaced wherever they appear; a name of one word ("Will", "Ann") only in the events
    by or about its person, since elsewhere it is as likely an ordinary word; so is one that
    someone not anonymised has in their own name or email (``current``)."""

    def __init__(
        self,
        names: dict[int, str],
        identifiers: list[tuple[str, str, int]],
        current: Iterable[str] = (),
    ) -> None:
        self.names = names
        self.identifiers = identifiers
        self._replacements = {old: new for old, new, _ in identifiers} | {
            old.lower(): new for old, new, _ in identifiers if "@" in old
        }
        # Someone here now whose name or email holds the identifier ("John Smith" again, "Mary
        # Ann Smith" for "Ann Smith"): replaced in the leaver's own events only.
        current = [text.lower() for text in current]
        distinctive = [
            found
            for found in identifiers
            if ("@" in found[0] or " " in found[0].strip())
            and not any(found[0].lower() in text for text in current)
        ]
        self.everywhere = [old for old, _, _ in distinctive]
        self._everywhere = _pattern(distinctive)
        self._own: dict[int, re.Pattern | None] = {
            whose: _pattern([found for found in identifiers if found[2] == whose])
            for whose in {found[2] for found in identifiers}
        }

    def _replace(self, match: re.Match) -> str:
        text = match.group(0)
        return self._replacements.get(text) or self._replacements[text.lower()]

    def hide(self, value, event: AuditEvent | None = None):
        """``value`` (text, or lists and dicts of it) with each former identifier replaced;
        with ``event``, the one-word names of the people it is by or about too."""
        value = _substitute(value, self._everywhere, self._replace)
        if event is not None:
            related = [event.actor_id]
            if event.object_type == "person":
                related.append(event.object_id)
            for whose in {person for person in related if person is not None}:
                value = _substitute(value, self._own.get(whose), self._replace)
        return value

    def label(self, event: AuditEvent) -> str:
        """Who did ``event``, as the trail shows it."""
        if event.actor_id in self.names:
            return self.names[event.actor_id]
        return self.hide(event.actor_label, event)

    def matching(self, text: str) -> tuple[list[int], list[str]]:
        """For the trail's person filter: the anonymised people whose current name contains
        ``text`` (any case), and the former identifiers shown as such a name."""
        text = text.lower()
        return (
            [person for person, name in self.names.items() if text in name.lower()],
            [old for old, new, _ in self.identifiers if text in new.lower()],
        )


def shown_as_person(text: str, former: FormerIdentifiers) -> ColumnElement[bool]:
    """The audit trail's person filter, matching who did each event as the trail shows it
    (``FormerIdentifiers.label``): ``text`` in the label of an event by someone not
    anonymised, or in the current name of the anonymised person who did it; never in a
    former name or email."""
    people, identifiers = former.matching(text)
    label = func.lower(AuditEvent.actor_label)
    # A label holding a former identifier (a failed sign-in as "Smith@Example.org.") is shown
    # with the new name in it: found by that name, never by the old one.
    holds_former = [
        AuditEvent.actor_label.icontains(old, autoescape=True) for old in former.everywhere
    ]
    as_recorded = and_(
        AuditEvent.actor_label.icontains(text, autoescape=True),
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id.not_in(list(former.names))),
        label.not_in([old.lower() for old, _, _ in former.identifiers]),
        *(~holds for holds in holds_former),
    )
    shown_with = [
        AuditEvent.actor_label.icontains(old, autoescape=True)
        for old in former.everywhere
        if old in identifiers
    ]
    return or_(
        as_recorded,
        AuditEvent.actor_id.in_(people),
        label.in_([old.lower() for old in identifiers]),
        *shown_with,
    )


def former_identifiers() -> FormerIdentifiers:
    """What the trail and others' data show in place of every anonymised person's former
    emails and names, wherever an event holds them (an event about someone else, a wording's
    reason, a failed sign-in): not only on pages with that person's own events. Three
    queries, one of them everyone's current name and email (to leave those alone); the
    identifiers are read from the trail itself, never copied elsewhere."""
    names: dict[int, str] = {}
    current: list[str] = []
    for row in db.session.execute(
        select(User.id, User.display_name, User.email, User.anonymised_at.is_not(None))
    ):
        if row[3]:
            names[row.id] = row.display_name
        else:
            current += [row.display_name, row.email]
    return FormerIdentifiers(names, _former_identifiers(names), current)


def _substitute(value, pattern: re.Pattern | None, replace: Callable[[re.Match], str]):
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(replace, value)
    if isinstance(value, list):
        return [_substitute(item, pattern, replace) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, pattern, replace) for key, item in value.items()}
    return value


def displayed(
    events: Iterable[AuditEvent], former: FormerIdentifiers | None = None
) -> list[ShownEvent]:
    """``events`` as the audit trail's pages show them: an event by an anonymised person names
    them by their current name, and the emails and names any anonymised person had are
    replaced by it in every event's summary, label and before/after values
    (``former_identifiers``, read here unless given). The stored events are not changed
    (their hash chain still verifies)."""
    former = former or former_identifiers()
    return [
        ShownEvent(
            event=event,
            actor_label=former.label(event),
            summary=former.hide(event.summary, event),
            before=former.hide(event.before, event),
            after=former.hide(event.after, event),
        )
        for event in events
    ]
