"""A person's second factor: a time-based one-time code secret (RFC 6238) and recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.people import User


class TwoFactorCredential(Base):
    """One person's authenticator secret, encrypted with ``TWO_FACTOR_KEY`` (Fernet).

    A row with ``enabled_at`` empty is an enrolment not yet confirmed with a code; the person
    signs in with a code only once it is set. ``last_used_step`` is the RFC 6238 time-step of
    the last code accepted: a code for that step or an earlier one is refused (no replay).
    """

    __tablename__ = "two_factor_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enabled_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)

    user: Mapped[User] = relationship()

    @property
    def is_enabled(self) -> bool:
        return self.enabled_at is not None


class RecoveryCode(Base):
    """A single-use recovery code: only the SHA-256 of the code (50 random bits) is kept."""

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
