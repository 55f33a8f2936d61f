"""Two-factor sign-in: time-based one-time codes (RFC 6238) and single-use recovery codes.

- Secrets are random 160-bit base32 strings (``pyotp.random_base32``), kept encrypted with
  Fernet under ``TWO_FACTOR_KEY``; ``TWO_FACTOR_KEYS_RETIRED`` still decrypt (``MultiFernet``)
  until ``rotate_key`` re-encrypts every secret with the current key. Outside production a key
  derived from ``SECRET_KEY`` stands in when none is set (``app.config`` refuses that in
  production).
- A code is accepted for the current 30-second step or one step either side (RFC 6238 §5.2),
  and only for a step later than the last one accepted (``last_used_step``), so a code seen
  over someone's shoulder cannot be used again. The step is moved on with one conditional
  UPDATE, so two requests with the same code cannot both succeed.
- Ten recovery codes, each 80 random bits written as four groups of four characters; only
  their SHA-256 is kept (a high-entropy code needs no slow hash). Each is used up with one
  conditional UPDATE.

Failures are throttled by the sign-in throttle (``app.auth.throttles``), not here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from typing import TYPE_CHECKING

import pyotp
from flask import current_app, render_template
from sqlalchemy import delete, func, insert, or_, select, update

from app.extensions import db
from app.mail import send_mail
from app.models import RecoveryCode, TwoFactorCredential, User, utcnow
from app.rules import is_two_factor_required
from app.services import Conflict, Forbidden, Invalid, audit
from app.services.accounts import end_all_sessions

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
# 32 letters and digits, without the look-alikes 0/o and 1/l: 5 bits a character.
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16


class WrongCode(Invalid):
    """The code is not the authenticator's current one, or was used already (422)."""


class NotEnrolled(Conflict):
    """The person has no two-factor sign-in switched on (409)."""


class SecretUnreadable(Conflict):
    """The stored secret cannot be decrypted with ``TWO_FACTOR_KEY`` or a retired key: the
    key was changed without keeping the old one in ``TWO_FACTOR_KEYS_RETIRED`` (409)."""


# Keys and encryption --------------------------------------------------------------------


def derived_key(secret_key: str) -> bytes:
    """The development and test stand-in for ``TWO_FACTOR_KEY``: a Fernet key made from
    ``SECRET_KEY`` (never used in production, which refuses to start without a key)."""
    digest = hashlib.sha256(b"accord two-factor key\n" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    """The current key first (it encrypts), then the retired ones (they only decrypt).
    (cryptography is imported here, when a secret is first read or written: 9 ms of every
    start otherwise.)"""
    from cryptography.fernet import Fernet, MultiFernet

    config = current_app.config
    current = config.get("TWO_FACTOR_KEY") or derived_key(config["SECRET_KEY"])
    keys = [current, *config.get("TWO_FACTOR_KEYS_RETIRED", ())]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The plain secret. Raises ``SecretUnreadable`` when no configured key opens it."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            "Your two-factor secret cannot be read. Ask an administrator to reset your "
            "two-factor sign-in."
        ) from error


def rotate_key() -> int:
    """Re-encrypt every stored secret with the current ``TWO_FACTOR_KEY``; returns how many.

    Raises ``SecretUnreadable`` (and changes nothing, as the caller rolls back) if a secret
    is under a key that is neither current nor retired."""
    from cryptography.fernet import InvalidToken

    fernet = _fernet()
    credentials = db.session.scalars(
        select(TwoFactorCredential).order_by(TwoFactorCredential.user_id).with_for_update()
    ).all()
    for credential in credentials:
        try:
            credential.secret_encrypted = fernet.rotate(
                credential.secret_encrypted.encode()
            ).decode()
        except InvalidToken as error:
            raise SecretUnreadable(
                f"The two-factor secret of person {credential.user_id} opens with none of the "
                "configured keys: add its key to TWO_FACTOR_KEYS_RETIRED."
            ) from error
    audit.record(
        "two_factor.key_rotated",
        actor=None,
        actor_label="command line",
        object_type="two_factor",
        summary=f"Two-factor secrets re-encrypted with the current key ({len(credentials)})",
        after={"count": len(credentials)},
    )
    return len(credentials)


# State -------------------------------------------------------------------------------------


def credential_of(user: User) -> TwoFactorCredential | None:
    return db.session.get(TwoFactorCredential, user.id)


def is_enabled(user: User) -> bool:
    """True once the person has confirmed a code: they then sign in with one."""
    credential = credential_of(user)
    return credential is not None and credential.is_enabled


def needs_enrolment(user: User) -> bool:
    """True for a person whose roles require two-factor sign-in and who has not switched it on
    (one query, and none for anyone whose roles do not require it)."""
    return is_two_factor_required(user) and not is_enabled(user)


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


# Codes ---------------------------------------------------------------------------------------


def _clock() -> float:
    """Seconds since the epoch (a seam for the tests' clock)."""
    return time.time()


def current_step(now: float | None = None) -> int:
    return int((_clock() if now is None else now) // STEP_SECONDS)


def _clean_code(code: str) -> str:
    """The code as typed without spaces or hyphens, with full-width digits (as a phone's
    Japanese or Chinese keyboard types them) made ASCII: NFKC. Other scripts' digits stay as
    they are, and then match no code."""
    return re.sub(r"[\s-]+", "", unicodedata.normalize("NFKC", code or ""))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time-step (within one step either side of now) whose code is ``code``, or None."""
    code = _clean_code(code)
    if not re.fullmatch(rf"[0-9]{{{DIGITS}}}", code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def _use_step(user: User, step: int, *, enabled: bool) -> bool:
    """Record ``step`` as the last one used, unless it (or a later one) was used already."""
    last = TwoFactorCredential.last_used_step
    state = (
        TwoFactorCredential.enabled_at.is_not(None)
        if enabled
        else TwoFactorCredential.enabled_at.is_(None)
    )
    result = db.session.execute(
        update(TwoFactorCredential)
        .where(TwoFactorCredential.user_id == user.id, state, or_(last.is_(None), last < step))
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult


def check_code(user: User, code: str) -> bool:
    """True, and the code used up, when ``code`` is the person's current one-time code (one
    step either side) and no code of that step or a later one was accepted before. A failure
    is recorded in the audit trail."""
    credential = credential_of(user)
    if credential is None or not credential.is_enabled:
        return False
    step = matching_step(decrypt(credential.secret_encrypted), code)
    if step is not None and _use_step(user, step, enabled=True):
        db.session.refresh(credential)
        return True
    _record_failure(user, "one-time code")
    return False


def _record_failure(user: User, what: str) -> None:
    audit.record(
        "session.two_factor_failed",
        actor=None,
        actor_label=user.email,
        object_type="person",
        object_id=user.id,
        summary=f"Wrong or reused {what} for {user.email}",
    )


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(b"accord recovery code\n" + code.encode()).hexdigest()


def _normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", code or "").lower())


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _issue_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes with ten new ones; returns them (shown once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = utcnow()
    db.session.execute(
        insert(RecoveryCode),
        [
            {
                "user_id": user.id,
                "code_hash": _hash_recovery_code(_normalise_recovery_code(code)),
                "created_at": now,
            }
            for code in codes
        ],
    )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """True, and the recovery code used up, when it is one of the person's unused codes (with
    or without its hyphens, in any case). A failure is recorded in the audit trail."""
    normalised = _normalise_recovery_code(code)
    if is_enabled(user) and len(normalised) == _RECOVERY_LENGTH:
        result = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_recovery_code(normalised),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]  # a CursorResult
            audit.record(
                "session.recovery_code_used",
                actor=user,
                object_type="person",
                object_id=user.id,
                summary=f"{user.email} used a recovery code ({recovery_codes_left(user)} left)",
            )
            return True
    _record_failure(user, "recovery code")
    return False


def check_code_or_recovery_code(user: User, code: str) -> bool:
    """A one-time code, or else a recovery code (for switching off and new recovery codes)."""
    if re.fullmatch(rf"[0-9]{{{DIGITS}}}", _clean_code(code)):
        return check_code(user, code)
    return use_recovery_code(user, code)


# Enrolment and its end ------------------------------------------------------------------------


def start_enrolment(user: User) -> TwoFactorCredential:
    """A new secret for the person to scan, not yet in use until they confirm a code (an
    unconfirmed one is kept, so reloading the page does not change the QR code).

    Raises ``Conflict`` when two-factor sign-in is already on."""
    credential = credential_of(user)
    if credential is not None and credential.is_enabled:
        raise Conflict("Two-factor sign-in is already on for your account.")
    if credential is None:
        credential = TwoFactorCredential(
            user_id=user.id, secret_encrypted=encrypt(pyotp.random_base32())
        )
        db.session.add(credential)
        db.session.flush()
    return credential


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment not yet confirmed, to show as a QR code and as text."""
    credential = credential_of(user)
    if credential is None or credential.is_enabled:
        return None
    return decrypt(credential.secret_encrypted)


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    issuer = f"Accord ({current_app.config['COUNCIL_NAME']})"
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=issuer
    )


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Switch two-factor sign-in on with the first code from the person's app; returns the ten
    recovery codes (shown once). Raises ``NotEnrolled`` without a pending enrolment and
    ``WrongCode`` for a wrong code."""
    credential = credential_of(user)
    if credential is None or credential.is_enabled:
        raise NotEnrolled("Start setting up two-factor sign-in first.")
    step = matching_step(decrypt(credential.secret_encrypted), code)
    if step is None or not _use_step(user, step, enabled=False):
        raise WrongCode(
            "Enter the 6-digit code your authenticator app shows now (it changes every 30 seconds)"
        )
    credential.enabled_at = utcnow()
    credential.last_used_step = step
    codes = _issue_recovery_codes(user)
    audit.record(
        "person.two_factor_enabled",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} switched on two-factor sign-in",
    )
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after a current code. Raises
    ``NotEnrolled`` or ``WrongCode``."""
    if not is_enabled(user):
        raise NotEnrolled("Two-factor sign-in is not on for your account.")
    if not check_code_or_recovery_code(user, code):
        raise WrongCode("Enter the code your authenticator app shows now, or a recovery code")
    codes = _issue_recovery_codes(user)
    audit.record(
        "person.two_factor_recovery_codes",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} made new recovery codes; the earlier ones no longer work",
    )
    return codes


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))
    db.session.expire_all()


def switch_off(user: User, code: str) -> None:
    """Switch one's own two-factor sign-in off, after a current code. Raises ``Forbidden``
    where the person's roles require it, ``NotEnrolled`` or ``WrongCode``."""
    if is_two_factor_required(user):
        raise Forbidden("Your roles require two-factor sign-in, so it cannot be switched off.")
    if not is_enabled(user):
        raise NotEnrolled("Two-factor sign-in is not on for your account.")
    if not check_code_or_recovery_code(user, code):
        raise WrongCode("Enter the code your authenticator app shows now, or a recovery code")
    _remove(user)
    audit.record(
        "person.two_factor_disabled",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} switched off two-factor sign-in",
    )


def reset(user: User, *, by: User | None) -> None:
    """An administrator's (or the command line's) reset of someone's second factor, for a
    lost phone: the secret and recovery codes are deleted, every session of theirs ends, the
    audit trail records it and the person is told by email. They set it up again at their
    next sign-in (where their roles require it). Raises ``NotEnrolled`` when there is nothing
    to reset."""
    if credential_of(user) is None:
        raise NotEnrolled(f"{user.display_name} has no two-factor sign-in to reset.")
    _remove(user)
    end_all_sessions(user, reason="two-factor reset")
    audit.record(
        "person.two_factor_reset",
        actor=by,
        actor_label=None if by is not None else "command line",
        object_type="person",
        object_id=user.id,
        summary=f"Two-factor sign-in of {user.email} reset",
    )
    send_mail(
        user.email,
        "Your Accord two-factor sign-in was reset",
        render_template(
            "two_factor/reset_email.txt",
            user=user,
            by=by,
            council_name=current_app.config["COUNCIL_NAME"],
        ),
    )
