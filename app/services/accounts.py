"""Accounts: what a person does with their own account. Their password (hashed and checked),
their signed-in sessions, and the invitation and reset links that let them set a password."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import cast

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    String,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.elements import BindParameter

from app.extensions import db
from app.mail import external_url, send_mail
from app.models import AccountToken, TokenPurpose, User, UserSession, utcnow
from app.models.people import hash_token
from app.services import Conflict, DomainError, Gone, Invalid, account_tokens, audit
from app.services.markers import people_mark
from app.services.passwords import check_password_strength

_STRONG = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # for the test suite only


@cache
def _unknown_user_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password. Made at the first sign-in, not at import (a command line starts without it)."""
    return hasher.hash("an account that does not exist")


def _hasher() -> PasswordHasher:
    return _CHEAP if current_app.config.get("PASSWORD_HASH_CHEAP") else _STRONG


class InvalidLink(DomainError):
    """An invitation or reset link that is unknown, used, superseded or expired."""


class AlreadySetUp(DomainError):
    pass


class WrongPassword(Invalid):
    """The current password given to change it is not the person's (422, by the field)."""


WRONG_CURRENT_PASSWORD = "Your current password is not right: enter it again"


class SamePassword(Invalid):
    """The new password is the one the person has now (422, by the field)."""


class SessionAlreadyEnded(Gone):
    """The sign-in session was already ended (signed out, timed out, or ended elsewhere)."""


class CurrentSession(Conflict):
    """Ending the session the request belongs to is signing out, not ending another session."""


def normalise_email(email: str) -> str:
    """An email address as accounts keep it and are found by: trimmed, in lower case, its
    domain in its ASCII form ("x@exämple.org" is "x@xn--exmple-cua.org", one mailbox written
    two ways). Text that is not an address is only trimmed and put in lower case."""
    email = (email or "").strip()
    if "@" not in email or (email.isascii() and "xn--" not in email.lower()):
        return email.lower()
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    try:
        found = validate_email(email, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return email.lower()
    return (found.ascii_email or f"{found.local_part}@{found.ascii_domain}").lower()


def find_user_by_email(email: str) -> User | None:
    """The account with ``email`` (``normalise_email``), or one kept before domains were kept
    in their ASCII form, under the address as typed."""
    typed = (email or "").strip().lower()
    wanted = {normalise_email(email), typed}
    return db.session.scalar(
        select(User).where(func.lower(User.email).in_(sorted(wanted))).order_by(User.id).limit(1)
    )


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
        return hasher.verify(stored or _unknown_user_hash(hasher), password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(email: str, password: str) -> User | None:
    """The active person with this email and password, or None (for any reason)."""
    user = find_user_by_email(email)
    if not check_password(user, password) or user is None or not user.active:
        return None
    assert user.password_hash is not None  # check_password refuses a person without one
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


def start_session(user: User, *, user_agent: str | None = None, address: str | None = None) -> str:
    """Open a server-side session for ``user`` and return its raw token (kept in the cookie).

    ``user_agent`` (the browser's User-Agent header, cut to 400 characters) and ``address``
    (the client's IP address) are kept so the person can tell their sessions apart."""
    token = UserSession.new_token()
    db.session.add(
        UserSession(
            user=user,
            token_hash=hash_token(token),
            user_agent=(user_agent or "")[:400] or None,
            ip_address=(address or "")[:45] or None,
        )
    )
    user.last_signed_in_at = utcnow()
    user.session_token = token
    return token


TOKEN_HASH: BindParameter[str] = bindparam("token_hash", type_=String)


@lru_cache(maxsize=64)
def _session_lookup(header: tuple[ColumnElement[int], ...]) -> Select:
    """The session lookup with the ``people`` change marker and the ``header`` columns, built
    once for each (its parameters bound: ``token_hash``, and whatever ``header`` needs)."""
    return (
        select(UserSession, people_mark(), *header)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user).joinedload(User.role_grants))
        .where(UserSession.token_hash == TOKEN_HASH, UserSession.ended_at.is_(None))
    )


def find_session(
    token: str,
    header: tuple[ColumnElement[int], ...] = (),
    parameters: Mapping[str, object] | None = None,
) -> tuple[UserSession, tuple[int, ...]] | None:
    """The open session for ``token`` with its person and their roles (the person's
    ``people_mark`` set to the ``people`` change marker), and the values of the ``header``
    counts (say ``tasks.header_columns``: unread notifications and tasks, with their
    ``parameters``), in one statement; or None."""
    row = (
        db.session.execute(
            _session_lookup(header), {"token_hash": hash_token(token), **(parameters or {})}
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    user_session, mark, *counts = row
    user_session.user.people_mark = mark
    return user_session, tuple(int(value) for value in counts)


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


def touch_session(token: str) -> None:
    """Record that the open session for ``token`` was used just now (its "last active")."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
        .values(last_seen_at=utcnow())
    )


def open_sessions(user: User) -> list[UserSession]:
    """The person's sessions that have not ended, most recently active first."""
    last_active = func.coalesce(UserSession.last_seen_at, UserSession.created_at)
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(last_active.desc(), UserSession.id.desc())
        )
    )


def is_current(user_session: UserSession, current_token: str | None) -> bool:
    """True when ``user_session`` is the one whose raw token is ``current_token``."""
    return current_token is not None and user_session.token_hash == hash_token(current_token)


def end_other_session(user_session: UserSession, *, current_token: str | None) -> None:
    """End one of the person's other sessions (its cookie signs no one in from now on).

    Raises ``SessionAlreadyEnded`` (410) if it has ended, ``CurrentSession`` (409) for the
    session the request belongs to (that is signing out). The caller checks it is the person's
    own (``permissions.can_end_session``)."""
    if user_session.ended_at is not None:
        raise SessionAlreadyEnded("That session has already ended.")
    if is_current(user_session, current_token):
        raise CurrentSession("That is the session you are using: use Sign out to end it.")
    user_session.ended_at = utcnow()
    user_session.ended_reason = "signed out from another session"
    audit.record(
        "session.ended_elsewhere",
        actor=user_session.user,
        object_type="person",
        object_id=user_session.user_id,
        summary=f"{user_session.user.email} signed out one of their other sessions",
        after={"session_id": user_session.id},
    )


def end_other_sessions(user: User, *, current_token: str | None) -> int:
    """End every open session of the person but the current one; returns how many ended."""
    others = [s for s in open_sessions(user) if not is_current(s, current_token)]
    now = utcnow()
    for other in others:
        other.ended_at, other.ended_reason = now, "signed out everywhere else"
    if others:
        audit.record(
            "session.ended_everywhere_else",
            actor=user,
            object_type="person",
            object_id=user.id,
            summary=f"{user.email} signed out of {len(others)} other session(s)",
            after={"session_ids": [s.id for s in others]},
        )
    return len(others)


def record_wrong_current_password(user: User) -> None:
    """Note in the audit trail that a form asking for the person's current password was given
    a wrong one (as a failed sign-in is): a guess from someone holding their session?"""
    audit.record(
        "session.current_password_failed",
        actor=None,
        actor_label=user.email,
        object_type="person",
        object_id=user.id,
        summary=f"Wrong current password given for {user.email}",
    )


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the person's own password: the current one must be given. Every session the
    person had ends (the caller opens a fresh one for the browser that asked) and any emailed
    link is withdrawn (ASVS 6.2.3, 7.4.3).

    Raises ``WrongPassword`` (422) for a wrong current password, ``SamePassword`` (422) for a
    new one that is the current one, ``WeakPassword`` (422) for a new one that is too short or
    too common; nothing changes then."""
    if not check_password(user, current_password):
        raise WrongPassword(WRONG_CURRENT_PASSWORD)
    if new_password == current_password:
        raise SamePassword("Enter a new password that is different from your current one")
    set_password(user, new_password)
    audit.record(
        "person.password_changed",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} changed their password; every other session they had ended",
    )


# Invitations and password resets -----------------------------------------------------------


def invitation_lifetime() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_DAYS"])


RESET_LINKS_KEPT_TOGETHER = timedelta(minutes=10)
"""Reset links asked for within this time of a newer one keep working beside it."""


def reset_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def send_invitation(user: User, *, by: User | None) -> None:
    """Email a new single-use invitation link; any earlier link stops working."""
    if user.password_hash:
        raise AlreadySetUp(f"{user.display_name} has already set a password and can sign in.")
    if user.anonymised_at is not None:
        raise AlreadySetUp(f"{user.display_name}'s account is anonymised: it cannot be used again.")
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

    The caller answers the same either way, so the page never reveals who has an account.
    Links asked for within ``RESET_LINKS_KEPT_TOGETHER`` of each other all work (a double
    click, or asking again because the first email was slow, sends two emails, and either
    works); an older one is replaced. Using one withdraws the rest (``set_password``)."""
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
    token = account_tokens.issue(
        user, TokenPurpose.PASSWORD_RESET, lifetime, keeping=RESET_LINKS_KEPT_TOGETHER
    )
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


def prune_sign_in_records(days: int, now: datetime | None = None) -> int:
    """Delete signed-in sessions that ended more than ``days`` days ago (the retention period,
    ``SIGN_IN_RECORDS_DAYS``); returns how many. Sessions still open are kept whatever their
    age, and the audit trail (which is sealed) is never touched. Records the pruning there."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        delete(UserSession).where(UserSession.ended_at.is_not(None), UserSession.ended_at < cutoff),
        execution_options={"synchronize_session": False},
    )
    count = cast(CursorResult, result).rowcount
    audit.record(
        "sign_in_records.pruned",
        actor=None,
        actor_label="command line",
        object_type="sign_in_records",
        summary=f"{count} signed-in sessions that ended before {cutoff:%d %B %Y} were deleted "
        f"(kept for {days} days)",
    )
    return count
