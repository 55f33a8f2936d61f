"""People: creating, inviting and changing them, their passwords, and their signed-in sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.mail import external_url, send_mail
from app.models import AccountToken, Role, TokenPurpose, User, UserRole, UserSession, utcnow
from app.models.people import hash_token
from app.services import DomainError, account_tokens, audit, voting
from app.services.passwords import (  # noqa: F401  (PasswordTooShort is part of this API)
    MIN_PASSWORD_LENGTH,
    PasswordTooShort,
    check_password_strength,
)

_STRONG = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # for the test suite only
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_UNKNOWN_USER_HASHES = {
    id(_STRONG): _STRONG.hash("an account that does not exist"),
    id(_CHEAP): _CHEAP.hash("an account that does not exist"),
}


def _hasher() -> PasswordHasher:
    return _CHEAP if current_app.config.get("PASSWORD_HASH_CHEAP") else _STRONG


class EmailTaken(DomainError):
    pass


class LastAdmin(DomainError):
    """The change would leave nobody able to manage people."""


class InvalidLink(DomainError):
    """An invitation or reset link that is unknown, used, superseded or expired."""


class AlreadySetUp(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str,
    display_name: str,
    roles: set[Role],
    *,
    password: str | None = None,
    by: User | None = None,
    **details: str | bool | None,
) -> User:
    """Add a person with their roles (and group/ward or job title/service)."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(f"There is already an account for {normalise_email(email)}.")
    user = User(email=normalise_email(email), display_name=display_name.strip(), **details)
    user.set_roles(roles)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "person.created",
        actor=by,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} created",
        after=person_record(user),
    )
    return user


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


def set_password(user: User, password: str) -> None:
    """Store a new password hash, end every session the person had and withdraw any other
    invitation or reset link (one would otherwise set yet another password).

    Raises ``WeakPassword`` for a password that is too short or too common."""
    check_password_strength(password)
    user.password_hash = _hasher().hash(password)
    if user.id is not None:
        end_all_sessions(user, reason="password changed")
        account_tokens.revoke(user)
        audit.record(
            "person.password_set",
            actor=None,
            actor_label="",
            object_type="person",
            object_id=user.id,
            summary=f"New password for {user.email}",
        )


def check_password(user: User | None, password: str) -> bool:
    """True when ``password`` is the person's; takes as long whether or not the person exists."""
    stored = user.password_hash if user is not None and user.password_hash else None
    hasher = _hasher()
    try:
        return hasher.verify(stored or _UNKNOWN_USER_HASHES[id(hasher)], password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(email: str, password: str) -> User | None:
    """The active person with this email and password, or None (for any reason)."""
    user = find_user_by_email(email)
    if not check_password(user, password) or user is None or not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


def start_session(user: User) -> str:
    """Open a server-side session for ``user`` and return its raw token (kept in the cookie)."""
    token = UserSession.new_token()
    db.session.add(UserSession(user=user, token_hash=hash_token(token)))
    user.last_signed_in_at = utcnow()
    user.session_token = token
    return token


def find_session(token: str) -> UserSession | None:
    """The open session for ``token``, with its person loaded, or None."""
    return db.session.scalar(
        select(UserSession)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user))
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
    )


def end_session(token: str, reason: str = "signed out") -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def end_all_sessions(user: User, reason: str) -> None:
    """Sign the person out everywhere (password change, deactivation)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def deactivate(user: User, *, by: User | None = None) -> None:
    """Stop the person signing in; their comments and votes keep their name.

    The last active administrator cannot be deactivated (see ``_keep_an_admin``)."""
    if not user.active:
        return
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


def reactivate(user: User, *, by: User | None = None) -> None:
    if user.active:
        return
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


# The last active administrator ---------------------------------------------------------------


def _can_act_as_admin():
    """An administrator who can sign in: active, with a password (not only invited)."""
    return (UserRole.role == Role.ADMIN) & User.active.is_(True) & User.password_hash.is_not(None)


def active_admin_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(_can_act_as_admin())
    )


def is_last_active_admin(user: User) -> bool:
    """For showing controls; changes are checked under a lock by ``_keep_an_admin``."""
    return bool(user.is_admin and user.active and user.password_hash and active_admin_count() <= 1)


def lock_admins() -> None:
    """On PostgreSQL, lock the administrators' rows until the transaction ends (SQLite's
    writing requests already hold the whole database's write lock)."""
    if db.session.get_bind().dialect.name == "postgresql":
        admins = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
        db.session.execute(
            select(User.id).where(User.id.in_(admins)).order_by(User.id).with_for_update()
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
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Enter an email address in the correct format, like name@example.org"
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
    **details,
) -> list[str]:
    """Change a person's details and roles; returns the names of what changed (audited with
    before and after). The last active administrator keeps the admin role.

    A new email address withdraws the links sent to the old one (an invitation sent to a
    mistyped address must not stay usable by whoever reads that mailbox)."""
    email = normalise_email(email)
    if email != user.email:
        other = find_user_by_email(email)
        if other is not None and other.id != user.id:
            raise EmailTaken(f"There is already an account for {email}.")
        account_tokens.revoke(user)
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


# Status, invitations and password resets -----------------------------------------------------


@dataclass(frozen=True)
class Status:
    """Where a person's account stands, for the people pages."""

    key: str  # active, invited, expired, not_invited, deactivated
    label: str
    colour: str
    expires_at: datetime | None = None


STATUSES = {
    "active": "Active",
    "invited": "Invited",
    "expired": "Invitation expired",
    "not_invited": "Not invited",
    "deactivated": "Deactivated",
}


def status_of(user: User, invitation: AccountToken | None) -> Status:
    """Deactivated, Active (has a password), Invited (a live invitation), or its invitation
    expired (or was never sent). ``status_condition`` is the same rule in SQL."""
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


def status_condition(key: str):
    """A WHERE condition for the people whose ``status_of`` has ``key`` (the list's filter).
    An invitation is live unless used, revoked or expired; a new one revokes the older."""
    invitations = AccountToken.user_id == User.id, AccountToken.purpose == TokenPurpose.INVITATION
    live_invitation = exists().where(
        *invitations,
        AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None),
        AccountToken.expires_at > utcnow(),
    )
    any_invitation = exists().where(*invitations)
    waiting = User.active.is_(True) & User.password_hash.is_(None)
    return {
        "active": User.active.is_(True) & User.password_hash.is_not(None),
        "deactivated": User.active.is_(False),
        "invited": waiting & live_invitation,
        "expired": waiting & any_invitation & ~live_invitation,
        "not_invited": waiting & ~any_invitation,
    }[key]


def invitation_lifetime() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_DAYS"])


def reset_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def invite(email: str, display_name: str, roles: set[Role], *, by: User | None, **details) -> User:
    """Add a person without a password and email them a link to set one."""
    user = create_user(email, display_name, roles, by=by, **details_for(roles, **details))
    send_invitation(user, by=by)
    return user


def send_invitation(user: User, *, by: User | None) -> None:
    """Email a new single-use invitation link; any earlier link stops working."""
    if user.password_hash:
        raise AlreadySetUp(f"{user.display_name} has already set a password and can sign in.")
    if not user.active:
        raise AlreadySetUp(f"{user.display_name} is deactivated: reactivate them first.")
    lifetime = invitation_lifetime()
    token = account_tokens.issue(user, TokenPurpose.INVITATION, lifetime, by=by)
    expires_at = utcnow() + lifetime
    _mail_invitation(user, token, expires_at, by)
    audit.record(
        "person.invited",
        actor=by,
        object_type="person",
        object_id=user.id,
        summary=f"Invitation sent to {user.email}",
        after={"expires_at": expires_at.isoformat(timespec="seconds")},
    )


def invite_new_people(users: list[User], *, by: User | None) -> list[dict]:
    """Invite people just created (a bulk import): tokens and mails queued, and the audit
    events returned for ``audit.record_many``, so 500 people cost a handful of queries."""
    now = utcnow()
    expires_at = now + invitation_lifetime()
    tokens, events = [], []
    for user in users:
        token = AccountToken.new_token()
        tokens.append(
            {
                "token_hash": hash_token(token),
                "user_id": user.id,
                "purpose": TokenPurpose.INVITATION,
                "created_at": now,
                "expires_at": expires_at,
                "created_by_id": by.id if by is not None else None,
            }
        )
        _mail_invitation(user, token, expires_at, by)
        events.append(
            {
                "action": "person.invited",
                "actor": by,
                "object_type": "person",
                "object_id": user.id,
                "summary": f"Invitation sent to {user.email}",
                "after": {"expires_at": expires_at.isoformat(timespec="seconds")},
            }
        )
    if tokens:
        db.session.execute(insert(AccountToken), tokens)
    return events


def _mail_invitation(user: User, token: str, expires_at: datetime, by: User | None) -> None:
    send_mail(
        user.email,
        f"You are invited to Accord, {current_app.config['COUNCIL_NAME']}",
        render_template(
            "people/invitation_email.txt",
            user=user,
            by=by,
            link=external_url("auth.accept_invitation", token=token),
            expires_at=expires_at,
        ),
    )


def _set_password_by_link(token: str, purpose: TokenPurpose, password: str) -> User:
    """Use up an emailed link and set its person's password (ending their sessions).

    The password is checked before the link is used, so a weak one leaves the link working.
    Raises ``InvalidLink`` for a link that is unknown, used, superseded or expired, or whose
    person was deactivated (or, for a reset, has no password yet: they need an invitation)."""
    check_password_strength(password)
    user = account_tokens.use(token, purpose)
    if (
        user is None
        or not user.active
        or (purpose is TokenPurpose.PASSWORD_RESET and not user.password_hash)
    ):
        what = "invitation" if purpose is TokenPurpose.INVITATION else "password reset"
        raise InvalidLink(f"This {what} link has expired or has already been used.")
    set_password(user, password)
    return user


def accept_invitation(token: str, password: str) -> User:
    """Use an invitation link: set the person's first password. Raises ``InvalidLink``."""
    user = _set_password_by_link(token, TokenPurpose.INVITATION, password)
    audit.record(
        "person.invitation_accepted",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} accepted the invitation",
    )
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link to an active person with a password; to anyone else, nothing.

    The caller answers the same either way, so the page never reveals who has an account."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.password_hash:
        audit.record(
            "person.password_reset_requested",
            actor=None,
            actor_label=normalise_email(email)[:254],
            object_type="person",
            summary="Password reset requested for an address with no active account",
        )
        return
    lifetime = reset_lifetime()
    token = account_tokens.issue(user, TokenPurpose.PASSWORD_RESET, lifetime)
    send_mail(
        user.email,
        "Reset your Accord password",
        render_template(
            "auth/password_reset_email.txt",
            user=user,
            link=external_url("auth.reset_password", token=token),
            minutes=current_app.config["PASSWORD_RESET_MINUTES"],
        ),
    )
    audit.record(
        "person.password_reset_requested",
        actor=None,
        actor_label=user.email,
        object_type="person",
        object_id=user.id,
        summary=f"Password reset link sent to {user.email}",
    )


def reset_password(token: str, password: str) -> User:
    """Use a reset link: a new password, and every session the person had ends."""
    user = _set_password_by_link(token, TokenPurpose.PASSWORD_RESET, password)
    audit.record(
        "person.password_reset",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} reset their password; every session they had ended",
    )
    return user
