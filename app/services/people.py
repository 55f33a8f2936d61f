"""People: an administrator's work on them. Creating and inviting people, checking and changing
their details and roles, deactivating and reactivating them, and keeping one active administrator.
A person's own password, sessions and links are in ``accounts``."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import BindParameter

from app.extensions import db
from app.models import (
    AccountToken,
    ListEntry,
    ListKind,
    Role,
    TokenPurpose,
    User,
    UserRole,
    utcnow,
)
from app.services import (
    Conflict,
    DomainError,
    Invalid,
    account_tokens,
    audit,
    markers,
    notifications,
    voting,
)
from app.services.accounts import (
    end_all_sessions,
    find_user_by_email,
    normalise_email,
    send_invitation,
    set_password,
)
from app.services.locks import lock_row
from app.services.shown import require_shown
from app.sql import lowered


class EmailTaken(DomainError):
    pass


class LastAdmin(DomainError):
    """The change would leave nobody able to manage people."""


class PersonChanged(Conflict):
    """The person's details changed after the form was drawn (409): another administrator's
    edit, a CSV import, a Group renamed. Nothing is saved; the form is shown again with the
    details as they now are."""


def create_user(
    email: str,
    display_name: str,
    roles: set[Role],
    *,
    password: str | None = None,
    by: User | None = None,
    **details: str | bool | None,
) -> User:
    """Add a person with their roles (and group/ward or job title/service). Raises EmailTaken,
    also when the same address is added at the same moment (the database's unique index on
    the lower-cased address decides)."""
    taken = EmailTaken(f"There is already an account for {normalise_email(email)}.")
    if find_user_by_email(email) is not None:
        raise taken
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        unsubscribe_key=User.new_unsubscribe_key(),
        **details,
    )
    add_to_lists({kind: [str(details.get(kind.column) or "")] for kind in ListKind}, by=by)
    user.set_roles(roles)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise taken from None
    audit.record(
        "person.created",
        actor=by,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} created",
        after=person_record(user),
    )
    return user


def details_version(user: User) -> str:
    """A digest (16 hex digits) of everything the details form edits: ``person_record`` and
    whether they are an Independent Person. The form carries the one it was drawn from, and
    ``update_person`` refuses a form drawn from other details (``PersonChanged``), so an edit
    never quietly puts back what someone else has just changed. A digest rather than a
    counter, so that every way of changing a person (the import, a Group renamed) counts
    without each remembering to add one."""
    record = {**person_record(user), "is_independent_person": user.is_independent_person}
    encoded = json.dumps(record, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def person_record(user: User) -> dict:
    """What the audit trail keeps of a person (never the password hash)."""
    return {
        "email": user.email,
        "name": user.display_name,
        "roles": sorted(user.roles),
        "group": user.group,
        "ward": user.ward,
        "job_title": user.job_title,
        "service": user.service,
        "active": user.active,
    }


def deactivate(user: User, *, by: User | None = None) -> bool:
    """Stop the person signing in; their comments and votes keep their name. False when they
    were already deactivated (nothing changed, nothing audited).

    The last active administrator cannot be deactivated (see ``_keep_an_admin``)."""
    if not user.active:
        return False
    if user.is_admin:
        _keep_an_admin(user, "deactivate")
    user.active = False
    voting.set_aside_if_not_eligible(user, side_before=voting.side_of(user), by=by)
    end_all_sessions(user, reason="deactivated")
    account_tokens.revoke(user)
    audit.record(
        "person.deactivated",
        actor=by,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} deactivated",
        before={"active": True},
        after={"active": False},
    )
    return True


class Anonymised(Conflict):
    """The account was anonymised (its person left): it cannot be reactivated, invited or
    given details again (409). Add the person afresh if they come back."""

    def __init__(self, user: User):
        super().__init__(
            f"{user.display_name}'s account is anonymised, so it cannot be used again. "
            "If they come back, add them as a new person."
        )


def reactivate(user: User, *, by: User | None = None) -> bool:
    """Let a deactivated person sign in again; False when they were already active (nothing
    changed). Raises ``Anonymised`` for an anonymised one."""
    if user.is_anonymised:
        raise Anonymised(user)
    if user.active:
        return False
    user.active = True
    audit.record(
        "person.reactivated",
        actor=by,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} reactivated",
        before={"active": False},
        after={"active": True},
    )
    return True


# The last active administrator ---------------------------------------------------------------


def _can_act_as_admin():
    """An administrator who can sign in: active, with a password (not only invited)."""
    return (UserRole.role == Role.ADMIN) & User.active.is_(True) & User.password_hash.is_not(None)


def active_admin_count() -> int:
    return db.session.execute(
        select(func.count())
        .select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(_can_act_as_admin())
    ).scalar_one()


def active_admin_emails() -> list[str]:
    """The lower-case email addresses of everyone who can act as an administrator now."""
    return [
        email.lower()
        for email in db.session.scalars(
            select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(_can_act_as_admin())
        )
    ]


def is_last_active_admin(user: User) -> bool:
    """For showing controls; changes are checked under a lock by ``_keep_an_admin``."""
    return bool(user.is_admin and user.active and user.password_hash and active_admin_count() <= 1)


def lock_admins() -> None:
    """On PostgreSQL, lock the administrators' rows until the transaction ends (SQLite's
    writing requests already hold the whole database's write lock)."""
    if db.session.get_bind().dialect.name == "postgresql":
        admins = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
        db.session.execute(
            select(User.id)
            .where(User.id.in_(admins))
            .order_by(User.id)
            # FOR NO KEY UPDATE: exclusive among administrators' changes, but not blocking
            # the foreign-key checks of rows that point at them (an audit event's actor),
            # which deadlocked an import against an administrator's edit
            .with_for_update(key_share=True)
        )


def _keep_an_admin(user: User, action: str) -> None:
    """Refuse to take the admin role from (or deactivate) the last active administrator.

    Two administrators removing each other at once must not both succeed. On PostgreSQL the
    administrators' rows are locked first (in id order), and only then counted, in a new
    statement that sees what a transaction that held the locks before us committed. On SQLite
    a writing request holds the database's write lock from its first statement (BEGIN
    IMMEDIATE), so requests are already one at a time.
    """
    lock_admins()
    still_admin = db.session.scalar(
        select(func.count())
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.user_id == user.id, _can_act_as_admin())
    )
    if still_admin and active_admin_count() <= 1:
        consequence = (
            "cannot be deactivated"
            if action == "deactivate"
            else "must keep the administrator role"
        )
        raise LastAdmin(
            f"{user.display_name} is the only active administrator, so they {consequence}. "
            "Make someone else an administrator first."
        )


# Details and roles ---------------------------------------------------------------------------

MAX_LENGTHS = {
    "name": 120,
    "email": 254,
    "group": 120,
    "ward": 120,
    "job_title": 160,
    "service": 160,
}
FIELD_LABELS = {
    "name": "Name",
    "email": "Email address",
    "group": "Political Group",
    "ward": "Ward",
    "job_title": "Job title",
    "service": "Service",
}


def email_problem(email: str) -> str | None:
    """Why ``email`` is not a usable address, or None."""
    email = (email or "").strip()
    if not email:
        return "Enter an email address"
    if len(email) > MAX_LENGTHS["email"]:
        return "The email address must be 254 characters or fewer"
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    try:
        found = validate_email(email, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return "Enter an email address in the correct format, like name@example.org"
    if not found.local_part.isascii():
        # Mail servers without SMTPUTF8 cannot carry it, and a full-width "Ａdmin" looks
        # like "admin" (outside tester).
        return (
            "Before the @, an email address can only have the letters a to z, numbers and "
            "symbols such as . _ - +"
        )
    return None


def person_problems(
    *,
    name: str,
    email: str,
    roles: set[Role] | frozenset[Role],
    group: str | None = None,
    ward: str | None = None,
    job_title: str | None = None,
    service: str | None = None,
    is_independent_person: bool = False,
) -> dict[str, str]:
    """What is wrong with a person's details, by field (empty when nothing is).

    The rules every way in shares (the invite and edit forms, the CSV import): a name, a real
    email address and at least one role; a Member's Group and ward; an Officer's job title and
    service; an Independent Person sits on the Standards Committee and is neither Member nor
    Officer."""
    values = {
        "name": name,
        "email": email,
        "group": group,
        "ward": ward,
        "job_title": job_title,
        "service": service,
    }
    problems: dict[str, str] = {}
    if not (name or "").strip():
        problems["name"] = "Enter the person's name"
    if message := email_problem(email):
        problems["email"] = message
    if not roles:
        problems["roles"] = "Choose at least one role"
    if Role.MEMBER in roles:
        if not (group or "").strip():
            problems["group"] = "Enter the Member's political Group, for example Labour Group"
        if not (ward or "").strip():
            problems["ward"] = "Enter the Member's ward"
    if Role.OFFICER in roles:
        if not (job_title or "").strip():
            problems["job_title"] = "Enter the Officer's job title"
        if not (service or "").strip():
            problems["service"] = "Enter the Officer's service"
    if is_independent_person and (
        Role.STANDARDS not in roles or Role.MEMBER in roles or Role.OFFICER in roles
    ):
        problems["is_independent_person"] = (
            "An Independent Person is on the Standards Committee and is neither a Member "
            "nor an Officer"
        )
    for field, limit in MAX_LENGTHS.items():
        if field not in problems and len((values[field] or "").strip()) > limit:
            problems[field] = f"{FIELD_LABELS[field]} must be {limit} characters or fewer"
    return problems


def details_for(
    roles: set[Role] | frozenset[Role],
    *,
    group: str | None = None,
    ward: str | None = None,
    job_title: str | None = None,
    service: str | None = None,
    is_independent_person: bool = False,
) -> dict:
    """The details a person with ``roles`` keeps: a Group and ward only for a Member, a job
    title and service only for an Officer (a form may post fields hidden with their role)."""

    def clean(value: str | None) -> str | None:
        return (value or "").strip() or None

    is_member, is_officer = Role.MEMBER in roles, Role.OFFICER in roles
    return {
        "group": clean(group) if is_member else None,
        "ward": clean(ward) if is_member else None,
        "job_title": clean(job_title) if is_officer else None,
        "service": clean(service) if is_officer else None,
        "is_independent_person": bool(is_independent_person) and Role.STANDARDS in roles,
    }


def update_person(
    user: User,
    *,
    by: User | None,
    name: str,
    email: str,
    roles: set[Role] | frozenset[Role],
    seen_version: str | None = None,
    **details,
) -> list[str]:
    """Change a person's details and roles; returns the names of what changed (audited with
    before and after). The last active administrator keeps the admin role.

    ``seen_version`` is the ``details_version`` the form was drawn from: the person's row is
    locked and read afresh, and ``PersonChanged`` (409) raised if their details have changed
    since, or if the form did not say ("": ``app.forms.VersionField``). None, for a caller
    with no form (a script, the command line), changes the details as they are. A new email
    address withdraws the links sent to the old one (an invitation sent to a mistyped address
    must not stay usable by whoever reads that mailbox). Raises ``Anonymised`` for an
    anonymised account, ``EmailTaken``, ``LastAdmin``."""
    if user.is_admin:
        # The administrators' rows before the person's, in the order an import takes them:
        # the person's first, then the administrators' (to keep one), could wait in a cycle
        # with an import holding an administrator and waiting for this person.
        lock_admins()
    if seen_version is not None:
        # SQLite's writing request already holds the write lock; lock_row re-reads the row.
        lock_row(user)
        if details_version(user) != seen_version:
            raise PersonChanged(
                f"Someone changed {user.display_name}'s details while you were editing."
            )
    if user.is_anonymised:
        raise Anonymised(user)
    email = normalise_email(email)
    if email != user.email:
        other = find_user_by_email(email)
        if other is not None and other.id != user.id:
            raise EmailTaken(f"There is already an account for {email}.")
        account_tokens.revoke(user)
        notifications.rotate_unsubscribe_key(user)
    roles = frozenset(roles)
    if user.is_admin and Role.ADMIN not in roles:
        _keep_an_admin(user, "demote")
    before = person_record(user)
    user.email = email
    set_details(user, name, roles, **details)
    event = change_event(user, before, by=by)
    if event is None:
        return []
    audit.record(**event)
    return list(event["after"])


def set_details(user: User, name: str, roles: set[Role] | frozenset[Role], **details) -> None:
    """Give a person a name, roles and the details those roles keep (see ``details_for``)."""
    user.display_name = name.strip()
    for key, value in details_for(roles, **details).items():
        setattr(user, key, value)
    if frozenset(roles) != user.roles:
        side_before = voting.side_of(user)
        user.set_roles(set(roles))
        voting.set_aside_if_not_eligible(user, side_before=side_before, by=None)


def change_event(user: User, before: dict, *, by: User | None, note: str = "") -> dict | None:
    """The audit event of a change to a person since ``before`` (their ``person_record``): only
    what changed, before and after; None when nothing did. For ``audit.record(**event)``, or
    ``audit.record_many`` when many people change at once."""
    after = person_record(user)
    changed = [key for key in after if before[key] != after[key]]
    if not changed:
        return None
    return {
        "action": "person.roles_changed" if "roles" in changed else "person.updated",
        "actor": by,
        "object_type": "person",
        "object_id": user.id,
        "summary": f"{user.email}: {', '.join(changed)} changed{note}",
        "before": {key: before[key] for key in changed},
        "after": {key: after[key] for key in changed},
    }


# Status and invitations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """Where a person's account stands, for the people pages."""

    key: str  # active, invited, expired, not_invited, deactivated, anonymised
    label: str
    colour: str
    expires_at: datetime | None = None


STATUSES = {
    "active": "Active",
    "invited": "Invited",
    "expired": "Invitation expired",
    "not_invited": "Not invited",
    "deactivated": "Deactivated",
    "anonymised": "Anonymised",
}


def status_of(user: User, invitation: AccountToken | None) -> Status:
    """Deactivated, Active (has a password), Invited (a live invitation), or its invitation
    expired (or was never sent); Anonymised once the person left. ``status_condition`` is the
    same rule in SQL."""
    if user.is_anonymised:
        return Status("anonymised", STATUSES["anonymised"], "grey")
    if not user.active:
        return Status("deactivated", STATUSES["deactivated"], "grey")
    if user.password_hash:
        return Status("active", STATUSES["active"], "green")
    if account_tokens.is_usable(invitation):
        return Status("invited", STATUSES["invited"], "blue", invitation.expires_at)
    if invitation is None:
        return Status("not_invited", STATUSES["not_invited"], "yellow")
    if invitation.revoked_at is not None and invitation.expires_at > utcnow():
        return Status("expired", "Invitation withdrawn", "orange")  # on deactivation
    return Status("expired", STATUSES["expired"], "orange", invitation.expires_at)


def status_condition(key: str, now: datetime | BindParameter | None = None):
    """A WHERE condition for the people whose ``status_of`` has ``key`` (the list's filter),
    as of ``now`` (a time, a bound parameter, or by default the present moment). An invitation
    is live unless used, revoked or expired; a new one revokes the older."""
    invitations = AccountToken.user_id == User.id, AccountToken.purpose == TokenPurpose.INVITATION
    live_invitation = exists().where(
        *invitations,
        AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None),
        AccountToken.expires_at > (utcnow() if now is None else now),
    )
    any_invitation = exists().where(*invitations)
    waiting = User.active.is_(True) & User.password_hash.is_(None)
    return {
        "active": User.active.is_(True) & User.password_hash.is_not(None),
        "deactivated": User.active.is_(False) & User.anonymised_at.is_(None),
        "anonymised": User.anonymised_at.is_not(None),
        "invited": waiting & live_invitation,
        "expired": waiting & any_invitation & ~live_invitation,
        "not_invited": waiting & ~any_invitation,
    }[key]


def invite(email: str, display_name: str, roles: set[Role], *, by: User | None, **details) -> User:
    """Add a person without a password and email them a link to set one."""
    user = create_user(email, display_name, roles, by=by, **details_for(roles, **details))
    send_invitation(user, by=by)
    return user


# Managed lists: political Groups, wards, services ------------------------------------------
#
# A person's Group, ward and service are chosen from these lists, so that "Labour" and
# "Labour Group" cannot split the by-Group tallies. ``users.group`` (and ``ward``, ``service``)
# keep the name itself; renaming an entry renames it on everyone who has it.

LIST_COLUMNS = {ListKind.GROUP: "group", ListKind.WARD: "ward", ListKind.SERVICE: "service"}
LIST_NAME_LIMIT = {ListKind.GROUP: 120, ListKind.WARD: 120, ListKind.SERVICE: 160}


def list_name(name: str) -> str:
    """A name as the lists keep it: spaces trimmed, runs of spaces made one."""
    return " ".join((name or "").split())


def list_key(name: str) -> str:
    """What two list names that are the same name share: ``list_name`` in any case, with
    other forms of the same letters made one ("Ｔest" is "Test": Unicode's NFKC)."""
    return unicodedata.normalize("NFKC", list_name(name)).casefold()


def list_entries(kind: ListKind) -> list[ListEntry]:
    """Every entry of the list, current first, each in alphabetical order (one query)."""
    return list(
        db.session.scalars(
            select(ListEntry)
            .where(ListEntry.kind == kind)
            .order_by(ListEntry.retired_at.is_not(None), lowered(ListEntry.name))
        )
    )


def known_names() -> dict[ListKind, list[str]]:
    """The current (not retired) names of each list, alphabetical (one query)."""
    return list_names()[0]


def list_names() -> tuple[dict[ListKind, list[str]], dict[ListKind, list[str]]]:
    """The current names of each list and the retired ones, alphabetical (one query)."""
    current: dict[ListKind, list[str]] = {kind: [] for kind in ListKind}
    retired: dict[ListKind, list[str]] = {kind: [] for kind in ListKind}
    for kind, name, retired_at in db.session.execute(
        select(ListEntry.kind, ListEntry.name, ListEntry.retired_at).order_by(
            lowered(ListEntry.name)
        )
    ):
        (current if retired_at is None else retired)[ListKind(kind)].append(name)
    return current, retired


def find_list_entry(kind: ListKind, name: str) -> ListEntry | None:
    """The entry of ``kind`` named ``name`` in any case and spacing (retired or not), or None.

    The names are compared in Python: SQLite's ``lower()`` changes only ASCII letters, so
    "Élan Party" and "élan party" were two names there (and adding one twice broke the unique
    constraint, a 500). A list is a few dozen names, read in one query."""
    wanted = list_key(name)
    return next(
        (
            entry
            for entry in db.session.scalars(select(ListEntry).where(ListEntry.kind == kind))
            if list_key(entry.name) == wanted
        ),
        None,
    )


def _checked_name(kind: ListKind, name: str) -> str:
    name = list_name(name)
    if not name:
        raise Invalid(f"Enter the {kind.singular}'s name")
    if len(name) > LIST_NAME_LIMIT[kind]:
        raise Invalid(f"The name must be {LIST_NAME_LIMIT[kind]} characters or fewer")
    return name


def add_list_entry(kind: ListKind, name: str, *, by: User | None) -> ListEntry:
    """Add a name to a list. Raises ``Invalid`` (empty, too long) and ``Conflict`` when the
    name is there already in any case (a retired one is brought back instead)."""
    name = _checked_name(kind, name)
    existing = find_list_entry(kind, name)
    if existing is not None and existing.retired_at is None:
        raise Conflict(f"“{existing.name}” is already on the list.")
    if existing is not None:
        existing.retired_at = None
        entry = existing
    else:
        entry = ListEntry(kind=kind, name=name)
        db.session.add(entry)
        db.session.flush()
    audit.record(
        "list.entry_added",
        actor=by,
        object_type="list_entry",
        object_id=entry.id,
        summary=f"{kind.singular.capitalize()} “{entry.name}” added to the list",
        after={"kind": kind.value, "name": entry.name},
    )
    return entry


def add_to_lists(
    names: Mapping[ListKind, Sequence[str | None]],
    *,
    by: User | None,
    offer_retired: bool = False,
) -> list[ListEntry]:
    """Add the names not on their lists yet, in any case; returns the new entries. A retired
    one stays retired unless ``offer_retired`` (an import whose preview said it would be
    offered again). For people created from the command line or the demo data, and an
    import's new names. Three queries, however many names."""
    wanted: dict[tuple[ListKind, str], str] = {}
    for kind, raw_names in names.items():
        for raw in raw_names:
            if name := list_name(raw or ""):
                wanted.setdefault((kind, list_key(name)), name)
    if not wanted:
        return []
    present = {
        (ListKind(entry.kind), list_key(entry.name)): entry
        for entry in db.session.scalars(
            select(ListEntry).where(ListEntry.kind.in_({kind for kind, _ in wanted}))
        )
    }
    added = [
        ListEntry(kind=kind, name=name)
        for (kind, key), name in wanted.items()
        if (kind, key) not in present
    ]
    offered = [
        entry
        for key, entry in present.items()
        if offer_retired and key in wanted and entry.retired_at is not None
    ]
    for entry in offered:
        entry.retired_at = None
    db.session.add_all(added)
    db.session.flush()
    audit.record_many(
        [
            {
                "action": "list.entry_added",
                "actor": by,
                "object_type": "list_entry",
                "object_id": entry.id,
                "summary": f"{entry.kind.singular.capitalize()} “{entry.name}” added to the list",
                "after": {"kind": entry.kind.value, "name": entry.name},
            }
            for entry in added
        ]
        + [
            {
                "action": "list.entry_reinstated",
                "actor": by,
                "object_type": "list_entry",
                "object_id": entry.id,
                "summary": f"{ListKind(entry.kind).singular.capitalize()} “{entry.name}” "
                "offered again (named in an import)",
            }
            for entry in offered
        ]
    )
    return added


def list_entry_shown(entry: ListEntry) -> dict:
    """What the rename form was drawn with (``app.services.shown``): the entry's name."""
    return {"name": entry.name}


def _lock_entries(*entries: ListEntry | None) -> None:
    """Lock the list entries (each read afresh under its lock) in the order of their ids."""
    for entry in sorted({e.id: e for e in entries if e is not None}.values(), key=lambda e: e.id):
        lock_row(entry)


def rename_list_entry(
    entry: ListEntry, name: str, *, by: User | None, seen: str | None = None
) -> int:
    """Rename an entry and everyone who has it; returns how many people changed. Renaming
    onto another entry's name merges the two (the other keeps its spelling and this one is
    retired). The entry's row, and the row of the entry it would merge into, are locked (in
    the order of their ids) and read afresh first; ``seen``, when given, is the
    digest of the name the form was drawn with (``list_entry_shown``): an entry renamed since
    is never renamed again unseen (``ShownChanged``, 409, saying what it is called now).
    Raises ``Invalid``, ``ShownChanged``."""
    kind = ListKind(entry.kind)
    # Two renames of one entry are served one after the other, the second reading the
    # first's name; so are two that touch the same entries (one merging A into B, the other
    # B into A): the entry and the one it would merge into are locked in the order of their
    # ids, so neither runs beside the other, nor waits for it in a cycle.
    candidate = find_list_entry(kind, name) if list_name(name) else None
    _lock_entries(entry, candidate)
    if seen is not None:
        require_shown(
            list_entry_shown(entry),
            seen,
            f"Someone renamed this {kind.singular} after you opened the page, so your new "
            f"name was not saved. It is called “{entry.name}” now; the name you typed is "
            "still in the box: rename again to replace it.",
        )
    name = _checked_name(kind, name)
    column = getattr(User, LIST_COLUMNS[kind])
    other = find_list_entry(kind, name)
    if other is not None and other.id != entry.id and other is not candidate:
        lock_row(other)  # renamed onto this name meanwhile: not locked yet
    before = entry.name
    if other is not None and other.id != entry.id:
        name = other.name
        other.retired_at = None
        entry.retired_at = utcnow()
    else:
        entry.name = name
    result = db.session.execute(update(User).where(column == before).values({column: name}))
    changed = int(getattr(result, "rowcount", 0) or 0)
    if kind == ListKind.GROUP and changed:  # pages show Groups, not wards or services
        markers.people_changed()  # a bulk update: the flush listener does not see it
    audit.record(
        "list.entry_renamed",
        actor=by,
        object_type="list_entry",
        object_id=entry.id,
        summary=f"{kind.singular.capitalize()} “{before}” renamed “{name}” ({changed} people)",
        before={"name": before},
        after={"name": name, "people": changed},
    )
    return changed


def retire_list_entry(entry: ListEntry, *, by: User | None) -> None:
    """No longer offer the name; the people who have it keep it. Raises ``Conflict`` if it
    is retired already."""
    if entry.retired_at is not None:
        raise Conflict(f"“{entry.name}” is retired already.")
    entry.retired_at = utcnow()
    audit.record(
        "list.entry_retired",
        actor=by,
        object_type="list_entry",
        object_id=entry.id,
        summary=f"{ListKind(entry.kind).singular.capitalize()} “{entry.name}” retired",
    )


def reinstate_list_entry(entry: ListEntry, *, by: User | None) -> None:
    """Offer a retired name again. Raises ``Conflict`` if it is current."""
    if entry.retired_at is None:
        raise Conflict(f"“{entry.name}” is on the list already.")
    entry.retired_at = None
    audit.record(
        "list.entry_reinstated",
        actor=by,
        object_type="list_entry",
        object_id=entry.id,
        summary=f"{ListKind(entry.kind).singular.capitalize()} “{entry.name}” offered again",
    )
