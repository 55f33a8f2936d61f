from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import throttles
from app.auth.forms import (
    ForgottenPasswordForm,
    RecoveryCodeForm,
    SetPasswordForm,
    SignInForm,
    TwoFactorCodeForm,
)
from app.auth.login_sessions import client_details, mark_signed_in
from app.deferred import after_response
from app.extensions import db, limiter
from app.models import TokenPurpose, User
from app.rendering import render, safe_next
from app.services import account_tokens, accounts, audit, two_factor
from app.services.passwords import WeakPassword

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password"
CODE_FAILED = (
    "Enter the 6-digit code your authenticator app shows now (it changes every 30 seconds)"
)
RECOVERY_CODE_FAILED = "Enter one of your recovery codes that has not been used"
# How long after the password the code may be given.
PENDING_SECONDS = 5 * 60


def _start_signed_in(user: User, how: str = "") -> None:
    """Open a server-side session for ``user`` in a fresh cookie (the caller commits)."""
    session.clear()  # a new session cookie at sign-in: nothing carries over
    accounts.start_session(user, **client_details())
    audit.record(
        "session.signed_in",
        actor=user,
        object_type="person",
        object_id=user.id,
        summary=f"{user.email} signed in{how}",
    )
    login_user(user)
    mark_signed_in(user)


def _sign_out_whoever_is_signed_in() -> None:
    """Following someone's emailed link in a browser where another person is signed in."""
    if current_user.is_authenticated and current_user.session_token:
        accounts.end_session(current_user.session_token)
    logout_user()
    session.clear()


@bp.route("/sign-in", methods=["GET", "POST"])
@throttles.per_address
@throttles.per_account
def sign_in():
    """Sign in with email address and password (then a code, for a person with two-factor
    sign-in switched on)."""
    destination = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(destination, 303)
    form = SignInForm()
    if throttles.validated(form):
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None and two_factor.is_enabled(user):
            session.clear()
            session[throttles.PENDING] = {
                "user": user.id,
                "email": user.email,
                "at": int(time.time()),
                "next": destination,
            }
            db.session.commit()  # a password rehash, if any
            return redirect(url_for("auth.two_factor_code"), 303)
        if user is not None:
            _start_signed_in(user)
            db.session.commit()
            return redirect(destination, 303)
        # One message for a wrong password, an unknown email and a deactivated account alike.
        form.email.errors = [SIGN_IN_FAILED]
        audit.record(
            "session.sign_in_failed",
            actor=None,
            object_type="person",
            actor_label=accounts.normalise_email(form.email.data)[:254],
            summary="Failed sign-in",
        )
        db.session.commit()
    form.password.data = ""
    return render("auth/sign_in.html", form=form)


def _pending_user() -> User | None:
    """The person who gave their password in this browser in the last five minutes and has
    still to give a code."""
    pending = session.get(throttles.PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    return user if user is not None and user.active else None


def _expired_second_step():
    session.pop(throttles.PENDING, None)
    flash("Sign in again: it is more than five minutes since you gave your password.", "info")
    return redirect(url_for("auth.sign_in"), 303)


def _finish_second_step(user: User, how: str):
    destination = safe_next(session[throttles.PENDING].get("next"), url_for("main.home"))
    _start_signed_in(user, how)
    db.session.commit()
    return redirect(destination, 303)


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@throttles.per_address
@throttles.per_pending_account
def two_factor_code():
    """The second step of signing in: the code from the person's authenticator app."""
    user = _pending_user()
    if user is None:
        return _expired_second_step()
    form = TwoFactorCodeForm()
    if throttles.validated(form):
        if two_factor.check_code(user, form.code.data):
            return _finish_second_step(user, " with a one-time code")
        db.session.commit()  # the failure's audit event
        form.code.errors = [CODE_FAILED]
    form.code.data = ""
    return render("auth/two_factor_code.html", form=form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@throttles.per_address
@throttles.per_pending_account
def recovery_code():
    """The second step of signing in with a recovery code instead (each works once)."""
    user = _pending_user()
    if user is None:
        return _expired_second_step()
    form = RecoveryCodeForm()
    if throttles.validated(form):
        if two_factor.use_recovery_code(user, form.code.data):
            left = two_factor.recovery_codes_left(user)
            response = _finish_second_step(user, " with a recovery code")
            flash(
                f"You have {left} recovery code{'' if left == 1 else 's'} left. "
                "Make new ones from your two-factor sign-in page if you are running out.",
                "info",
            )
            return response
        db.session.commit()
        form.code.errors = [RECOVERY_CODE_FAILED]
    form.code.data = ""
    return render("auth/recovery_code.html", form=form)


@bp.post("/sign-out")
def sign_out():
    """End this session on the server and forget the cookie."""
    if current_user.session_token:
        accounts.end_session(current_user.session_token)
        audit.record(
            "session.signed_out",
            actor=current_user,
            object_type="person",
            object_id=current_user.id,
            summary=f"{current_user.email} signed out",
        )
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"), 303)


def _link_invalid(purpose: TokenPurpose, token: str):
    """The page for a link that is unknown, used, superseded or expired, saying whom to ask."""
    found = account_tokens.find(token, purpose)
    inviter = found.created_by if found is not None and found.created_by_id else None
    return render(
        "auth/link_invalid.html",
        purpose=purpose.value,
        inviter=inviter,
        status=410 if found is not None else 404,
    )


def _set_password_from_link(token: str, purpose: TokenPurpose):
    """The page an emailed link opens: the person chooses a password, which uses the link up.

    An invitation then signs them in; a reset signs them out everywhere, this browser too."""
    found = account_tokens.find(token, purpose)
    if not account_tokens.is_usable(found):
        return _link_invalid(purpose, token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        use_link = (
            accounts.accept_invitation
            if purpose is TokenPurpose.INVITATION
            else accounts.reset_password
        )
        try:
            user = use_link(token, form.password.data)
        except accounts.InvalidLink:
            db.session.rollback()
            return _link_invalid(purpose, token)
        except WeakPassword as error:  # the form checks this first; kept for safety
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            _sign_out_whoever_is_signed_in()
            if purpose is TokenPurpose.INVITATION:
                _start_signed_in(user)
                message = f"Your password is set. Welcome to Accord, {user.display_name}."
                destination = url_for("main.home")
            else:
                message = (
                    "Your password is changed and you are signed out everywhere. "
                    "Sign in with your new password."
                )
                destination = url_for("auth.sign_in")
            db.session.commit()
            flash(message, "success")
            return redirect(destination, 303)
    form.password.data = form.confirm.data = ""
    return render(
        "auth/set_password.html",
        form=form,
        person=found.user,
        purpose=purpose.value,
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """An invited person sets their password, and is signed in."""
    return _set_password_from_link(token, TokenPurpose.INVITATION)


def _reset_account_key() -> str:
    return "password-reset:" + accounts.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_reset_account_key,
)
def forgotten_password():
    """Ask for a password reset link; the answer is the same whether or not the address has
    an account, and takes the same time: the link is issued and mailed after it is sent."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        after_response(accounts.request_password_reset, form.email.data)
        return redirect(url_for("auth.reset_link_sent"), 303)
    return render("auth/forgotten_password.html", form=form)


@bp.get("/forgotten-password/sent")
def reset_link_sent():
    """The one answer to every reset request."""
    return render("auth/reset_link_sent.html", minutes=current_app.config["PASSWORD_RESET_MINUTES"])


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from an emailed link; every session the person had ends."""
    return _set_password_from_link(token, TokenPurpose.PASSWORD_RESET)
