"""Creating people, setting passwords, and starting and ending signed-in sessions."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import Role, User, UserSession, utcnow
from app.models.people import hash_token
from app.services import DomainError, audit

MIN_PASSWORD_LENGTH = 12
_STRONG = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # for the test suite only
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_UNKNOWN_USER_HASHES = {
    id(_STRONG): _STRONG.hash("an account that does not exist"),
    id(_CHEAP): _CHEAP.hash("an account that does not exist"),
}


def _hasher() -> PasswordHasher:
    return _CHEAP if current_app.config.get("PASSWORD_HASH_CHEAP") else _STRONG


class PasswordTooShort(DomainError):
    pass


class EmailTaken(DomainError):
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
    """Store a new password hash and end every session the person had."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = _hasher().hash(password)
    if user.id is not None:
        end_all_sessions(user, reason="password changed")
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
    """Stop the person signing in; their comments and votes keep their name."""
    user.active = False
    end_all_sessions(user, reason="deactivated")
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
