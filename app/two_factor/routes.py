from __future__ import annotations

import io

from flask import Blueprint, abort, flash, make_response, redirect, url_for
from flask_login import current_user

from app.auth import throttles
from app.extensions import db
from app.forms import AccordForm, claim_sending
from app.permissions import can_switch_off_two_factor, require
from app.rendering import render
from app.rules import is_two_factor_required
from app.services import submissions, two_factor
from app.two_factor.forms import (
    CodeOrRecoveryCodeForm,
    ConfirmCodeForm,
    NewRecoveryCodesForm,
    StartForm,
)

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")


SWITCHED_ON_BEFORE = (
    "Two-factor sign-in was switched on when this form was first sent, and your recovery "
    "codes were shown then, once. They cannot be shown again: Accord keeps only a scrambled "
    "copy. If you did not write them down, make new ones below."
)
MADE_BEFORE = (
    "New recovery codes were made when this form was first sent, and shown then, once. They "
    "cannot be shown again: Accord keeps only a scrambled copy. If you did not write them "
    "down, make new ones below: they replace them."
)


SWITCHED_OFF_SINCE = (
    "This form was sent before, and the recovery codes it made were shown then. Two-factor "
    "sign-in has been switched off since, so no recovery codes are in use now."
)


def _shown_before(form: AccordForm, message: str) -> bool:
    """Whether this is the form sent again after its first sending showed recovery codes (a
    double click: the browser shows the second answer, and the codes are never shown twice).
    Then ``message`` is flashed for the two-factor page. Else its key is claimed for this
    sending. The code is left out of the comparison: it is good once, so a sending with the
    same key and a new code is still the page that showed the codes."""
    if claim_sending(form, made="the recovery codes", compare_fields=False) is None:
        return False
    if not two_factor.is_enabled(current_user):  # switched off since: no codes to make
        message = SWITCHED_OFF_SINCE
    flash(message, "info")
    return True


def _grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.get("")
def show():
    """Whether two-factor sign-in is on, and what you can do about it."""
    credential = two_factor.credential_of(current_user)
    enabled = credential is not None and credential.is_enabled
    return render(
        "two_factor/show.html",
        credential=credential if enabled else None,
        required=is_two_factor_required(current_user),
        codes_left=two_factor.recovery_codes_left(current_user) if enabled else 0,
        start_form=StartForm(formdata=None),
        regenerate_form=NewRecoveryCodesForm(formdata=None),
    )


@bp.post("/enrol")
def enrol():
    """Start setting up: a new secret to scan (kept until confirmed)."""
    form = StartForm()
    if not form.validate_on_submit():
        return redirect(url_for("two_factor.show"), 303)
    two_factor.start_enrolment(current_user)
    db.session.commit()
    return redirect(url_for("two_factor.confirm"), 303)


@bp.route("/confirm", methods=["GET", "POST"])
@throttles.per_account
def confirm():
    """Scan the QR code (or type the secret), then enter the first code: it switches
    two-factor sign-in on and shows the ten recovery codes, once."""
    form = ConfirmCodeForm()
    sent = throttles.validated(form)
    if sent and _shown_before(form, SWITCHED_ON_BEFORE):
        return redirect(url_for("two_factor.show"), 303)
    secret = two_factor.pending_secret(current_user)
    if secret is None:
        db.session.rollback()  # the key claimed: nothing was made with it
        return redirect(url_for("two_factor.show"), 303)
    if sent:
        try:
            codes = two_factor.confirm_enrolment(current_user, form.code.data)
        except two_factor.WrongCode as error:
            db.session.rollback()
            form.code.errors = [str(error)]
        else:
            submissions.record(form.submission_key.data, url_for("two_factor.show"))
            db.session.commit()
            # Shown in this answer and never again: only their hashes are kept.
            return render("two_factor/recovery_codes.html", codes=codes, first_time=True)
    form.code.data = ""
    return render("two_factor/confirm.html", form=form, secret=_grouped(secret))


@bp.get("/qr-code.svg")
def qr_code():
    """The QR code of the secret being set up, as SVG (no script, no styles); never cached."""
    secret = two_factor.pending_secret(current_user)
    if secret is None:
        abort(404)
    import segno  # here, not at start-up: only this answer needs it

    svg = io.BytesIO()
    segno.make(two_factor.provisioning_uri(current_user, secret), error="m").save(
        svg, kind="svg", scale=5, border=4, xmldecl=False, light="#fff"
    )
    response = make_response(svg.getvalue())
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/recovery-codes")
@throttles.per_account
def regenerate():
    """Ten new recovery codes after a current code; the earlier ones stop working."""
    form = NewRecoveryCodesForm()
    if throttles.validated(form):
        if _shown_before(form, MADE_BEFORE):
            return redirect(url_for("two_factor.show"), 303)
        try:
            codes = two_factor.regenerate_recovery_codes(current_user, form.code.data)
        except two_factor.WrongCode as error:
            submissions.release(form.submission_key.data)
            db.session.commit()  # the failure's audit event
            form.code.errors = [str(error)]
        else:
            submissions.record(form.submission_key.data, url_for("two_factor.show"))
            db.session.commit()
            return render("two_factor/recovery_codes.html", codes=codes, first_time=False)
    credential = two_factor.credential_of(current_user)
    if credential is None or not credential.is_enabled:
        return redirect(url_for("two_factor.show"), 303)
    form.code.data = ""
    return render(
        "two_factor/show.html",
        credential=credential,
        required=is_two_factor_required(current_user),
        codes_left=two_factor.recovery_codes_left(current_user),
        start_form=StartForm(formdata=None),
        regenerate_form=form,
    )


@bp.route("/switch-off", methods=["GET", "POST"])
@throttles.per_account
def switch_off():
    """Switch two-factor sign-in off, after a current code (only where your roles allow)."""
    require(can_switch_off_two_factor(current_user))
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("two_factor.show"), 303)
    form = CodeOrRecoveryCodeForm()
    if throttles.validated(form):
        try:
            two_factor.switch_off(current_user, form.code.data)
        except two_factor.WrongCode as error:
            db.session.commit()  # the failure's audit event
            form.code.errors = [str(error)]
        else:
            db.session.commit()
            flash("Two-factor sign-in is off. You sign in with your password only.", "success")
            return redirect(url_for("two_factor.show"), 303)
    form.code.data = ""
    return render("two_factor/switch_off.html", form=form)
