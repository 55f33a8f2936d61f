"""Passwords: long enough, and not one of the commonest (Django's list, shipped with Accord)."""

from __future__ import annotations

import pytest

from app.services.passwords import (
    MIN_PASSWORD_LENGTH,
    PasswordTooCommon,
    PasswordTooShort,
    check_password_strength,
    common_passwords,
    is_common,
)


def test_the_shipped_list_is_read_once_and_is_large():
    assert len(common_passwords()) > 19_000
    assert common_passwords() is common_passwords()  # cached


@pytest.mark.parametrize(
    "password", ["password1234", "PASSWORD1234", "Password1234 ", "qwertyuiop123", "1234567890123"]
)
def test_common_passwords_are_refused_whatever_their_case(password):
    assert is_common(password)
    with pytest.raises(PasswordTooCommon, match="most common passwords"):
        check_password_strength(password)


def test_short_passwords_are_refused_first():
    assert MIN_PASSWORD_LENGTH == 12
    with pytest.raises(PasswordTooShort, match="at least 12 characters"):
        check_password_strength("x" * 11)


@pytest.mark.parametrize(
    "password",
    [
        "accord-demo-password",  # the demo accounts'
        "a-long-test-password",  # the test suite's
        "a-long-demo-password",  # the browser tests'
        "correct horse battery staple",
        "x" * 12,
    ],
)
def test_good_enough_passwords_pass(password):
    check_password_strength(password)
