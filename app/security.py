"""Response headers every page carries, and the checks that end stale sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(config: Mapping[str, Any], endpoint: str | None) -> list[tuple[str, str]]:
    """The headers every response carries, as (name, value) pairs: the content security policy
    and its siblings, HSTS when ``config["HSTS"]``, and ``Cache-Control: no-store`` on
    everything but the ``static`` endpoint's files."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if config["HSTS"]:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if endpoint != "static":
        # Pages, calendars, exports and open data are drawn for someone and carry personal
        # data or CSRF tokens: never store them. Only static assets may be cached.
        headers.append(("Cache-Control", "no-store"))
    return headers


def init_security_headers(app: Flask) -> None:
    made: dict[bool, list[tuple[str, str]]] = {}  # the headers for static files and the rest

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        is_static = request.endpoint == "static"
        headers = made.get(is_static)
        if headers is None:  # the settings are read once
            headers = made[is_static] = security_headers(app.config, request.endpoint)
        present = {name.lower() for name, _value in response.headers.items()}
        for name, value in headers:
            if name.lower() not in present:  # a view's own choice stands
                response.headers.add(name, value)
        return response
