from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import csrf, db
from app.models import EmailPreference, Notification
from app.notifications.forms import PREFERENCE_HINTS, PreferencesForm
from app.pagination import paginate
from app.permissions import can_read_notification, require
from app.rendering import is_htmx_request, render, render_fragments, safe_next
from app.services import notifications as service
from app.templating import unread_notification_count

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 25
ITEM_AND_COUNT = [
    ("notifications/index.html", "notification_item"),
    ("notifications/index.html", "unread_summary"),
    ("notifications/_count.html", "count"),
    ("notifications/_count.html", "menu_count"),
    ("_announcement.html", "announcement_oob"),
]


def _own(notification_id: int) -> Notification:
    notification = db.get_or_404(Notification, notification_id)
    require(can_read_notification(current_user, notification))
    return notification


@bp.get("/notifications")
def index():
    """The person's notifications, newest first, 25 to a page."""
    found = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        request.args.get("page", type=int),
        PAGE_SIZE,
    )
    return render(
        "notifications/index.html",
        notifications=found.items,
        page=found.number,
        pages=found.pages,
        unread_count=unread_notification_count(),
        next_url=(
            url_for("notifications.index", page=found.number) if found.number > 1 else request.path
        ),
    )


@bp.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one notification read: htmx swaps the item and, out of band, the unread counts."""
    notification = _own(notification_id)
    service.mark_read(notification)
    db.session.commit()
    if is_htmx_request():
        return render_fragments(
            ITEM_AND_COUNT,
            notification=notification,
            unread_count=service.unread_count(current_user),
            oob=True,
            next_url=safe_next(request.form.get("next"), url_for("notifications.index")),
            announcement="Marked as read.",
        )
    flash("The notification is marked as read.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")), 303)


@bp.post("/notifications/<int:notification_id>/open")
def follow(notification_id: int):
    """Mark the notification read, then go to what it is about."""
    notification = _own(notification_id)
    service.mark_read(notification)
    db.session.commit()
    return redirect(safe_next(notification.link, url_for("notifications.index")), 303)


@bp.post("/notifications/read-all")
def mark_all_read():
    """Mark every unread notification read."""
    count = service.mark_all_read(current_user)
    db.session.commit()
    flash(
        f"{count} notification{'s are' if count != 1 else ' is'} marked as read."
        if count
        else "You have no unread notifications.",
        "success",
    )
    return redirect(url_for("notifications.index"), 303)


@bp.route("/notifications/settings", methods=["GET", "POST"])
def preferences():
    """How the person wants to hear of notifications by email."""
    form = PreferencesForm(
        email_notifications=EmailPreference(current_user.email_notifications).value
    )
    if form.validate_on_submit():
        preference = EmailPreference(form.email_notifications.data)
        service.set_email_preference(current_user, preference, by=current_user)
        db.session.commit()
        flash(f"Your email settings are saved: {preference.label.lower()}.", "success")
        return redirect(url_for("notifications.preferences"), 303)
    return render(
        "notifications/preferences.html",
        form=form,
        hints=PREFERENCE_HINTS,
    )


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop notification emails from the link in an email, without signing in.

    GET only shows a confirmation button; POST turns emails off. The POST needs no CSRF token
    because the signed token in the address is what authorises it (only Accord can sign one,
    and it can do nothing but turn one person's emails off); this also lets mail programs use
    RFC 8058 one-click unsubscribe (List-Unsubscribe-Post), which posts without a token.
    """
    user = service.user_for_token(token)
    if user is None:
        abort(
            400,
            "This unsubscribe link is not valid: it may have been copied only in part. "
            "Nothing was changed. Sign in and change your email settings on your "
            "notifications page instead.",
        )
    done = False
    if request.method == "POST":
        service.set_email_preference(user, EmailPreference.NONE, by=None)
        db.session.commit()
        done = True
    return render("notifications/unsubscribe.html", done=done, token=token)
