"""What a page's render notes for ``app.kept_pages``, which keeps whole pages: when the page
changes by itself (``changes_at``), and what it wrote that must differ on each serving (the
server's time and each form's one-time key). Kept apart from ``app.kept_pages`` so that the
template helpers and forms that note these import nothing heavy."""

from __future__ import annotations

import math
from datetime import datetime

from flask import g, has_request_context

CHANGES_AT = "page_changes_at"  # on ``g``: the first moment the page changes by itself
SERVER_TIME = "page_server_time"  # on ``g``: the server's time the page shows
SUBMISSION_KEYS = "page_submission_keys"  # on ``g``: the one-time keys its forms carry


def changes_at(moment: datetime | None) -> None:
    """Note that the page being rendered changes by itself at ``moment`` (None: never)."""
    if moment is None or not has_request_context():
        return
    seconds = moment.timestamp()
    if seconds < g.get(CHANGES_AT, math.inf):
        setattr(g, CHANGES_AT, seconds)


def note_server_time(value: str) -> str:
    """``value``, the server's time as the page shows it, noted to be written afresh."""
    if has_request_context():
        setattr(g, SERVER_TIME, value)
    return value


def note_submission_key(value: str) -> str:
    """``value``, a form's one-time key, noted to be made afresh on each serving."""
    if has_request_context():
        keys = g.get(SUBMISSION_KEYS)
        if keys is None:
            keys = []
            setattr(g, SUBMISSION_KEYS, keys)
        keys.append(value)
    return value


def first_change() -> float:
    """When the page rendered in this request first changes by itself (Unix seconds; infinity
    for never)."""
    return g.get(CHANGES_AT, math.inf)


def server_time_shown() -> str | None:
    return g.get(SERVER_TIME)


def submission_keys_made() -> tuple[str, ...]:
    return tuple(g.get(SUBMISSION_KEYS, ()))
