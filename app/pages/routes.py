from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, current_app

from app import pages
from app.mail import external_url
from app.rendering import render

bp = Blueprint("pages", __name__)
# How far ahead security.txt's Expires is when SECURITY_TXT_EXPIRES is not set (RFC 9116
# 2.5.5 recommends less than a year).
SECURITY_TXT_LIFETIME = timedelta(days=180)


@bp.get(f"/<any({', '.join(pages.PAGES)}):slug>")
def show(slug: str):
    """An accessibility, privacy, cookies or help page: for everyone, signed in or not."""
    page = pages.load(slug, current_app.config)
    return render("pages/show.html", page=page, slug=slug)


def _expires() -> datetime:
    configured = current_app.config["SECURITY_TXT_EXPIRES"]
    try:
        day = date.fromisoformat(configured) if configured else None
    except ValueError:
        day = None
    if day is None:
        day = datetime.now(UTC).date() + SECURITY_TXT_LIFETIME
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@bp.get("/.well-known/security.txt")
def security_txt():
    """How to report a security problem (RFC 9116), with the contact from the settings."""
    config = current_app.config
    contact = config["SECURITY_CONTACT"] or f"mailto:{config['CONTACT_EMAIL']}"
    lines = [
        f"Contact: {contact}",
        f"Expires: {_expires().strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en",
        f"Canonical: {external_url('pages.security_txt')}",
        f"Policy: {external_url('pages.show', slug='help')}",
    ]
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
