"""The sign-in throttle: failed passwords, one-time codes and recovery codes count together.

Every step that checks a secret shares two limits: per account (``SIGN_IN_LIMIT_PER_ACCOUNT``,
keyed by the email address being signed in to) and per address (``SIGN_IN_LIMIT_PER_ADDRESS``).
Only refusals count: an answer in the 400s (a wrong password or code answers 422), not a form
refused before its secret was checked (a blank password or code: ``validated``). A form
where the secret is one field among others (changing your password) counts only a wrong
secret, which its view reports with ``count_failure``; the count is the same one.
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf import FlaskForm

from app.extensions import limiter
from app.services import accounts

# Kept in the cookie between the password and the code: who passed the password, and when.
PENDING = "two_factor_pending"


def _key(email: object) -> str:
    return "sign-in:" + accounts.normalise_email(str(email))[:254]


def _account_key() -> str:
    """The account being signed in to: the signed-in person's (passwords and codes asked for
    on their account pages, whatever else the form carries), else the email typed."""
    if current_user.is_authenticated:
        return _key(current_user.email)
    return _key(request.form.get("email", ""))


def _pending_account_key() -> str:
    """The account that passed the password step in this browser (the second step's codes),
    whatever the form carries: an ``email`` sent with each wrong code once moved its count
    to a made-up account, and the real one was never paused."""
    pending = session.get(PENDING)
    return _key(pending.get("email", "") if isinstance(pending, dict) else "")


def _failed(response) -> bool:
    """Whether an attempt counts against the throttles: a refusal (4xx), not a success nor an
    answer the service could not judge (5xx: the database or the throttle's Redis is down, and
    counting it would reach Redis again), nor a form refused before any secret in it was
    checked (``validated``)."""
    return 400 <= response.status_code < 500 and not g.get("sign_in_no_guess")


def validated(form: FlaskForm) -> bool:
    """``form.validate_on_submit()`` for a form carrying a secret (a password, a code): when
    the form is sent but refused before its secret is checked (left blank, longer than any),
    the refusal is no guess and does not count against the throttles. Anything else refused
    still counts, a CSRF failure included (it answers before the view)."""
    if form.validate_on_submit():
        return True
    if form.is_submitted():
        g.sign_in_no_guess = True
    return False


def count_failure() -> None:
    """Count this answer against the account's limit (for ``per_account_when_counted``)."""
    g.sign_in_failure_counted = True


def _counted(response) -> bool:
    return bool(g.get("sign_in_failure_counted")) and response.status_code < 500


per_address = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    scope="sign-in-address",
    methods=["POST"],
    deduct_when=_failed,
)
per_account = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    scope="sign-in-account",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
# The same count as ``per_account`` (one scope), for the second step of signing in: keyed by
# the account that passed the password, never by a field of the form.
per_pending_account = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    scope="sign-in-account",
    key_func=_pending_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
# The same count as ``per_account`` (one scope, one key), for forms that say which refusals
# count: a new password that is too short is no guess at the current one.
per_account_when_counted = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    scope="sign-in-account",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_counted,
)
