from __future__ import annotations

from flask import Blueprint, flash, redirect, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user

from app.account.devices import describe_device
from app.account.forms import ChangePasswordForm
from app.auth import throttles
from app.auth.login_sessions import client_details, mark_signed_in
from app.extensions import db
from app.forms import ConfirmForm
from app.models import EmailPreference, UserSession
from app.permissions import can_end_session, require
from app.rendering import render
from app.services import accounts, two_factor
from app.services.passwords import WeakPassword

bp = Blueprint("account", __name__)

# Built by the two-factor work (issue 16); linked by its path so this page needs nothing of it.


def _sessions() -> list[dict]:
    """The person's open sessions for the table: this one first, then by last activity."""
    rows = [
        {
            "session": user_session,
            "device": describe_device(user_session.user_agent),
            "is_current": accounts.is_current(user_session, current_user.session_token),
        }
        for user_session in accounts.open_sessions(current_user)
    ]
    return sorted(rows, key=lambda row: not row["is_current"])


@bp.get("/account")
def show():
    """Your account: details, password, two-factor sign-in, email settings, sessions."""
    return render(
        "account/show.html",
        sessions=_sessions(),
        email_preference=EmailPreference(current_user.email_notifications),
        two_factor_on=two_factor.is_enabled(current_user),
    )


TOO_MANY_FAILURES = (
    "There have been too many failed attempts to sign in to your account or give its password. "
    "Wait 15 minutes, then try again."
)


def _refuse_wrong_current_password(form: ChangePasswordForm) -> None:
    """A wrong current password: by its field, in the audit trail, and counted with failed
    sign-ins (the same per-account limit)."""
    form.current_password.errors = [accounts.WRONG_CURRENT_PASSWORD]
    form._errors = None  # WTForms caches form.errors: gather them again
    accounts.record_wrong_current_password(current_user)
    db.session.commit()
    throttles.count_failure()


@bp.errorhandler(RateLimitExceeded)
def too_many_failures(error: RateLimitExceeded):
    """Past the sign-in limit the password form refuses, by its field, whatever was typed."""
    form = ChangePasswordForm(formdata=None)
    form.current_password.errors = [TOO_MANY_FAILURES]
    return render("account/change_password.html", form=form, status=429)


@bp.route("/account/password", methods=["GET", "POST"])
@throttles.per_account_when_counted
def change_password():
    """Change your password; every other session you had ends, this browser stays signed in."""
    form = ChangePasswordForm()
    valid = form.validate_on_submit()
    # A wrong current password is shown with the other errors, all at once.
    if (
        form.is_submitted()
        and not valid
        and form.current_password.data
        and not form.current_password.errors
        and not accounts.check_password(current_user, form.current_password.data)
    ):
        _refuse_wrong_current_password(form)
    if valid:
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except accounts.WrongPassword:
            db.session.rollback()
            _refuse_wrong_current_password(form)
        except accounts.SamePassword as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        except WeakPassword as error:  # the form checks this first; kept for safety
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            # Every session ended with the old password; this browser gets a fresh one.
            user = current_user._get_current_object()
            session.clear()
            accounts.start_session(user, **client_details())
            login_user(user)
            mark_signed_in(user)
            db.session.commit()
            flash(
                "Your password is changed. You are signed out everywhere else.",
                "success",
            )
            return redirect(url_for("account.show"), 303)
    form.current_password.data = form.password.data = form.confirm.data = ""
    return render("account/change_password.html", form=form)


@bp.post("/account/sessions/<int:session_id>/sign-out")
def end_session(session_id: int):
    """Sign out of one of your other sessions: its browser must sign in again."""
    user_session = db.get_or_404(UserSession, session_id)
    require(can_end_session(current_user, user_session))
    device = describe_device(user_session.user_agent)
    accounts.end_other_session(user_session, current_token=current_user.session_token)
    db.session.commit()
    flash(f"You signed out of the session on {device}.", "success")
    return redirect(url_for("account.show", _anchor="sessions"), 303)


@bp.route("/account/sessions/sign-out-others", methods=["GET", "POST"])
def end_other_sessions():
    """Sign out everywhere else: asks first, then ends every session but this one."""
    form = ConfirmForm()
    if form.validate_on_submit():
        count = accounts.end_other_sessions(current_user, current_token=current_user.session_token)
        db.session.commit()
        flash(
            f"You signed out of {count} other session{'s' if count != 1 else ''}."
            if count
            else "You were not signed in anywhere else.",
            "success",
        )
        return redirect(url_for("account.show", _anchor="sessions"), 303)
    others = [row for row in _sessions() if not row["is_current"]]
    return render("account/end_other_sessions.html", form=form, others=others)
