"""What every template can use: the permission predicates, Markdown, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user

from app.audit_words import action_label
from app.markdown import render_markdown
from app.permissions import PREDICATES
from app.rules import is_two_factor_required
from app.services import notifications

LONDON = ZoneInfo("Europe/London")


def london_time(value: datetime | None) -> str:
    """'23 November 2026 at 2:05pm', in the council's time zone."""
    if value is None:
        return ""
    local = (
        value.astimezone(LONDON) if value.tzinfo else value.replace(tzinfo=UTC).astimezone(LONDON)
    )
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def time_ago(value: datetime | None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago'; older shows the date."""
    if value is None:
        return ""
    seconds = int((datetime.now(UTC) - value).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return london_time(value).split(" at ")[0]
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def iso_time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else ""


def unread_notification_count() -> int:
    """The signed-in person's unread notifications, for the header: one query per page, and
    none for fragments or pages that do not show the header."""
    if "unread_notification_count" not in g:
        g.unread_notification_count = (
            notifications.unread_count(current_user) if current_user.is_authenticated else 0
        )
    return g.unread_notification_count


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(PREDICATES)
    app.jinja_env.globals["is_two_factor_required"] = is_two_factor_required
    app.jinja_env.globals["unread_notification_count"] = unread_notification_count
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["london_time"] = london_time
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["ago"] = time_ago
    app.jinja_env.filters["iso"] = iso_time

    @app.context_processor
    def council():
        return {
            "council_name": app.config["COUNCIL_NAME"],
            "service_name": "Accord",
            "london": LONDON,
        }
