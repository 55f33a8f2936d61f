"""People, their roles, and their signed-in sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum
from typing import cast

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_type, utcnow


class Role(StrEnum):
    MEMBER = "member"
    OFFICER = "officer"
    FACILITATOR = "facilitator"
    STANDARDS = "standards"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MEMBER: "Member",
    Role.OFFICER: "Officer",
    Role.FACILITATOR: "Facilitator",
    Role.STANDARDS: "Standards Committee",
    Role.ADMIN: "Administrator",
}


class EmailPreference(StrEnum):
    """How a person hears of their notifications by email."""

    NONE = "none"
    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"

    @property
    def label(self) -> str:
        return {
            EmailPreference.NONE: "No emails",
            EmailPreference.IMMEDIATE: "An email for each notification",
            EmailPreference.DAILY_DIGEST: "A daily digest",
        }[self]


class ListKind(StrEnum):
    """The managed lists a person's details are chosen from."""

    GROUP = "group"
    WARD = "ward"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return {"group": "Political Groups", "ward": "Wards", "service": "Services"}[self.value]

    @property
    def singular(self) -> str:
        return {"group": "Group", "ward": "ward", "service": "service"}[self.value]

    @property
    def column(self) -> str:
        """The ``users`` column that keeps the chosen name."""
        return self.value


class ListEntry(Base):
    """One name on a managed list (a political Group, a ward, a service). ``users.group``,
    ``users.ward`` and ``users.service`` keep the name itself; a retired entry stays on the
    people who have it but is no longer offered."""

    __tablename__ = "list_entries"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ListKind] = mapped_column(enum_type(ListKind, "list_kind"))
    name: Mapped[str] = mapped_column(String(160))
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, Base):
    """A Member, an Officer, a facilitator, a Standards Committee member or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    group: Mapped[str | None] = mapped_column(String(120), doc="a Member's political Group")
    ward: Mapped[str | None] = mapped_column(String(120), doc="a Member's ward")
    job_title: Mapped[str | None] = mapped_column(String(160), doc="an Officer's job title")
    service: Mapped[str | None] = mapped_column(String(160), doc="an Officer's service")
    is_independent_person: Mapped[bool] = mapped_column(default=False)
    email_notifications: Mapped[EmailPreference] = mapped_column(
        enum_type(EmailPreference, "email_notifications"),
        default=EmailPreference.DAILY_DIGEST,
        server_default=EmailPreference.DAILY_DIGEST.value,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[datetime | None]
    # Set when an administrator anonymised the account of a person who left: the name became
    # "Former Member" (or the like), the email a placeholder, and sign-in is impossible.
    anonymised_at: Mapped[datetime | None]
    # The random part of the person's unsubscribe link (see app.services.notifications);
    # a new one withdraws every earlier link. Given when the person is added (or, for people
    # added before links had keys, when Accord first emails them).
    unsubscribe_key: Mapped[str | None] = mapped_column(String(32))

    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    sessions: Mapped[list[UserSession]] = relationship(back_populates="user")

    # Set by the user loader: the raw token of the session this request belongs to, and the
    # ``people`` change marker read with it (part of a live page's ETag: app.rendering).
    session_token = cast("str | None", None)
    people_mark = cast("int | None", None)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @staticmethod
    def new_unsubscribe_key() -> str:
        return secrets.token_urlsafe(16)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive people
        return self.active

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def get_id(self) -> str | None:
        """Flask-Login keeps the session token in the cookie, never the user id."""
        return self.session_token

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(grant.role) for grant in self.role_grants)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def set_roles(self, roles: set[Role] | frozenset[Role]) -> None:
        keep = {grant.role: grant for grant in self.role_grants if grant.role in roles}
        self.role_grants = [keep.get(role) or UserRole(role=role) for role in sorted(roles)]

    @property
    def is_member(self) -> bool:
        return Role.MEMBER in self.roles

    @property
    def is_officer(self) -> bool:
        return Role.OFFICER in self.roles

    @property
    def is_facilitator(self) -> bool:
        return Role.FACILITATOR in self.roles

    @property
    def is_standards(self) -> bool:
        return Role.STANDARDS in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def description(self) -> str:
        """How the person is introduced next to their name: 'Member, Labour Group'."""
        return describe(self.roles, self.group, self.job_title, self.is_independent_person)


def describe(
    roles: frozenset[Role], group: str | None, job_title: str | None, independent: bool
) -> str:
    """``User.description`` from its parts (for lists read without loading whole people)."""
    parts = []
    if Role.MEMBER in roles:
        parts.append(f"Member, {group}" if group else "Member")
    if Role.OFFICER in roles:
        parts.append(job_title or "Officer")
    if Role.STANDARDS in roles:
        parts.append("Independent Person" if independent else "Standards Committee")
    if Role.FACILITATOR in roles:
        parts.append("Facilitator")
    if Role.ADMIN in roles:
        parts.append("Administrator")
    return "; ".join(parts)


# Email is unique whatever its case: "Jo@Example.org" and "jo@example.org" are one person.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class UserRole(Base):
    """One role held by one person; a person may hold several."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_grants")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(Base):
    """A signed-in session, so the server can end it.

    Flask's cookie session is only signed, so a copied cookie would outlive sign-out. The cookie
    carries a random token instead; its hash is stored here and sign-out, a password change and
    deactivation end the row, after which the token no longer signs anyone in.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    # What the person sees in their list of sessions: the browser's User-Agent header (cut to
    # 400 characters), the address it signed in from, and when it was last used (to the minute).
    user_agent: Mapped[str | None] = mapped_column(String(400))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    last_seen_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")

    @property
    def last_active_at(self) -> datetime:
        return self.last_seen_at or self.created_at

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(Base):
    """A single-use, expiring link sent by email: an invitation or a password reset.

    Only the SHA-256 hash of the token is stored, so a copy of the database cannot be used to
    set anyone's password. A token is usable while it is unused, not revoked (a newer one of the
    same purpose supersedes it) and not expired; using it sets ``used_at`` in one conditional
    UPDATE, so two requests cannot both use it.
    """

    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, "token_purpose"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
