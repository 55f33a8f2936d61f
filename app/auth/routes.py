from __future__ import annotations

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import SignInForm
from app.auth.sessions import mark_signed_in
from app.extensions import db, limiter
from app.rendering import render, safe_next
from app.services import audit, people

SIGN_IN_FAILED = "Enter a correct email address and password"


def _account_key() -> str:
    """Throttle failed sign-ins per account as well as per address."""
    return "sign-in:" + people.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code != 303


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
)
def sign_in():
    """Sign in with email address and password."""
    destination = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(destination, 303)
    form = SignInForm()
    if form.validate_on_submit():
        user = people.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a new session cookie at sign-in: nothing carries over
            people.start_session(user)
            audit.record(
                "session.signed_in",
                actor=user,
                object_type="person",
                object_id=user.id,
                summary=f"{user.email} signed in",
            )
            login_user(user)
            mark_signed_in()
            db.session.commit()
            return redirect(destination, 303)
        # One message for a wrong password, an unknown email and a deactivated account alike.
        form.email.errors = [SIGN_IN_FAILED]
        audit.record(
            "session.sign_in_failed",
            actor=None,
            object_type="person",
            actor_label=people.normalise_email(form.email.data)[:254],
            summary="Failed sign-in",
        )
        db.session.commit()
    form.password.data = ""
    status = 422 if form.errors else 200
    return render("auth/sign_in.html", form=form, status=status)


@bp.post("/sign-out")
def sign_out():
    """End this session on the server and forget the cookie."""
    if current_user.session_token:
        people.end_session(current_user.session_token)
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
