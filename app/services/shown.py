"""What a "check before you confirm" page showed, carried by its confirm form.

A check page (the committee's decision, closing voting) shows what confirming will record;
its form carries a digest of exactly that (``digest``), and confirming first works out the
digest again from the state as it now is, under the lock of the write it guards, and refuses
with ``ShownChanged`` (409) when the two differ: another tab changed the answers, a vote
changed the outcome. So what is recorded is always what the person saw. A missing or
tampered digest differs from every real one, so it never records either.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from app.services import Conflict

#: The hidden field that carries the digest (``app.forms.shown_field``).
FIELD = "shown"


class ShownChanged(Conflict):
    """What confirming would record is not what the check page showed (409): nothing is
    recorded, and the page is shown again as things now are."""

    says_nothing_recorded = True


def digest(shown: object) -> str:
    """A digest (32 hex digits) of what a page showed: any JSON-able value, canonicalised
    (keys sorted), so equal content gives an equal digest whatever its order."""
    encoded = json.dumps(shown, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(b"accord shown\n" + encoded).hexdigest()[:32]


def matches(shown: object, seen: str | None) -> bool:
    """Whether ``seen`` (the digest a confirm form sent, or None) is the digest of ``shown``."""
    if seen is None:
        return False
    return hmac.compare_digest(digest(shown).encode(), seen.strip().encode("utf-8", "replace"))


def require_shown(shown: object, seen: str | None, message: str) -> None:
    """Raise ``ShownChanged(message)`` unless ``seen`` is the digest of ``shown``."""
    if not matches(shown, seen):
        raise ShownChanged(message)
