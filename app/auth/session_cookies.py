"""The signed session cookie, verified once for each value it takes.

Flask's cookie session (``SecureCookieSessionInterface``) builds a serializer and checks the
cookie's signature (HMAC, base64, JSON) on every request: about a tenth of a small page's work
in the process, for a cookie that a browser sends unchanged for minutes. ``KeptCookieSessions``
does what Flask does, but remembers each value it has verified with its contents (as JSON) and
the time it was signed; a value seen again is only checked for age (against
``PERMANENT_SESSION_LIFETIME``, every time) and its contents read afresh, so no request shares
or changes another's. The same value always verifies the same way under the same keys, so
what one worker keeps can never be wrong in another; changing ``SECRET_KEY`` (or its
fallbacks) forgets everything kept. A bad signature is never kept, and a signed payload that
is not a session (``BadPayload``, where Flask's own interface answers 500) is no session.
The live poll's middleware (``app.polls``) reads cookies through the same ``verified``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadData, URLSafeTimedSerializer

KEPT_COOKIES = 4096  # verified cookie values kept by each process (a few hundred bytes each)


class _Verified(NamedTuple):
    """A cookie value's verified contents: as tagged JSON (read afresh for each request), as
    read once (for readers that change nothing, such as the live poll), and the time it was
    signed in seconds since the epoch."""

    text: str
    contents: Mapping[str, Any]
    signed_at: float


@dataclass(frozen=True)
class _Signing:
    """One set of keys, its serializer and the cookie values it has verified. Replaced whole
    when the keys change, so a request in another thread keeps using the set it read and
    never files a cookie verified under old keys among the new ones."""

    keys: tuple
    serializer: URLSafeTimedSerializer | None
    kept: dict[str, _Verified] = field(default_factory=dict)


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session with verified values kept (see the module's notes)."""

    def __init__(self) -> None:
        self._signing: _Signing | None = None

    def _signing_for(self, app: Flask) -> _Signing:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        signing = self._signing
        if signing is None or signing.keys != keys:
            signing = self._signing = _Signing(keys, super().get_signing_serializer(app))
        return signing

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once for each set of keys (not on every request); a
        change of ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS`` makes a new one and forgets the
        cookies kept."""
        return self._signing_for(app).serializer

    def verified(
        self, app: Flask, value: str, *, to_change: bool = True
    ) -> Mapping[str, Any] | None:
        """The contents of the cookie ``value``, or None when its signature is bad, it is
        older than the session lifetime or the app has no secret key. ``to_change``: a new
        dict each call, which the request may change; else the contents as read once, which
        nothing may change (read-only at the top; the live poll only reads them)."""
        signing = self._signing_for(app)
        if signing.serializer is None:
            return None
        kept = signing.kept.get(value)
        if kept is None:
            try:
                contents, signed = signing.serializer.loads(value, return_timestamp=True)
            except BadData:  # a bad signature, or a signed payload that is not a session's
                return None
            if len(signing.kept) >= KEPT_COOKIES:
                signing.kept.clear()
            kept = signing.kept[value] = _Verified(
                self.serializer.dumps(contents), MappingProxyType(contents), signed.timestamp()
            )
        if not 0 <= time.time() - kept.signed_at <= app.permanent_session_lifetime.total_seconds():
            return None
        return self.serializer.loads(kept.text) if to_change else kept.contents

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """As Flask's: the cookie's session, an empty one for no cookie or a bad or expired
        one, and None (Flask's null session) when there is no secret key."""
        if self.get_signing_serializer(app) is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        contents = self.verified(app, value)
        return self.session_class(contents) if contents is not None else self.session_class()
