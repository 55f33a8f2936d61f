"""What makes a password acceptable: long enough, and not one of the commonest.

The list of common passwords is Django's (BSD-3-Clause, see app/data/NOTICE), shipped with the
product so that no network is needed. It is read once, on first use.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from app.services import DomainError

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"


class WeakPassword(DomainError):
    """The password would be too easy to guess; the message says why."""


class PasswordTooShort(WeakPassword):
    pass


class PasswordTooCommon(WeakPassword):
    pass


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as file:
        return frozenset(line.strip().lower() for line in file if line.strip())


def is_common(password: str) -> bool:
    """True when the password, whatever its case, is on the list of common passwords."""
    return password.strip().lower() in common_passwords()


def check_password_strength(password: str) -> None:
    """Raise ``WeakPassword`` unless the password is long enough and not a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if is_common(password):
        raise PasswordTooCommon(
            "That password is one of the most common passwords, so it is easy to guess. "
            "Choose another, for example three or four random words."
        )
