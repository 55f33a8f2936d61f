"""Single-use, expiring tokens sent by email (invitations, password resets).

The raw token only ever exists in the email; the table keeps its SHA-256 hash. Issuing a new
token of a purpose revokes the person's older unused ones of that purpose (a password reset
keeps those asked for in the last ten minutes: a request sent twice must not leave a dead link
in the first email), and using a token is one conditional UPDATE, so a link works once even
when two requests race for it; setting a password revokes every other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeGuard, cast

from sqlalchemy import CursorResult, select, update

from app.extensions import db
from app.models import AccountToken, TokenPurpose, User, utcnow
from app.models.people import hash_token


def issue(
    user: User,
    purpose: TokenPurpose,
    lifetime: timedelta,
    *,
    by: User | None = None,
    keeping: timedelta = timedelta(0),
) -> str:
    """A new token for ``user``; older unused ones of the same purpose stop working, except
    those issued within ``keeping`` before now (each still ends at its own expiry)."""
    now = utcnow()
    revoke(user, purpose, issued_before=now - keeping)
    token = AccountToken.new_token()
    db.session.add(
        AccountToken(
            token_hash=hash_token(token),
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
            created_by_id=by.id if by is not None else None,
        )
    )
    return token


def revoke(
    user: User, purpose: TokenPurpose | None = None, *, issued_before: datetime | None = None
) -> None:
    """Stop the person's unused tokens (of one purpose, or all; those issued before
    ``issued_before``, or all) from working."""
    query = update(AccountToken).where(
        AccountToken.user_id == user.id,
        AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None),
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose)
    if issued_before is not None:
        query = query.where(AccountToken.created_at < issued_before)
    db.session.execute(
        query.values(revoked_at=utcnow()), execution_options={"synchronize_session": False}
    )


def find(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The token with this value and purpose, usable or not (None for an unknown one)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose
        )
    )


def use(token: str, purpose: TokenPurpose) -> User | None:
    """Mark the token used and return its person, or None when it is unknown, used, revoked or
    expired. Exactly one of any number of concurrent requests gets the person."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    result = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == hash_token(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if cast(CursorResult, result).rowcount != 1:
        return None
    return db.session.scalar(
        select(User)
        .join(AccountToken, AccountToken.user_id == User.id)
        .where(AccountToken.token_hash == hash_token(token))
    )


def latest_invitations(user_ids: list[int]) -> dict[int, AccountToken]:
    """Each person's most recent invitation, in one query."""
    if not user_ids:
        return {}
    tokens = db.session.scalars(
        select(AccountToken)
        .where(
            AccountToken.user_id.in_(user_ids),
            AccountToken.purpose == TokenPurpose.INVITATION,
        )
        .order_by(AccountToken.user_id, AccountToken.id)
    )
    return {token.user_id: token for token in tokens}


def is_usable(token: AccountToken | None, now: datetime | None = None) -> TypeGuard[AccountToken]:
    return token is not None and token.is_usable(now or utcnow())
