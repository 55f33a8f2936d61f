"""A "create" form's one-time key, recorded once (``form_submissions``), so that the same form
sent twice (a double click without JavaScript, back and send again, a retry after a network
error) makes one thing. For the forms whose made things keep no key of their own (comments and
amendments do: ``submission_key``); ``app.forms.create_once`` is how a route uses it.

The key is claimed before the form makes anything, as the transaction's first write: an
INSERT … ON CONFLICT DO NOTHING on the unique key. A second sending at the same moment waits at
that INSERT (PostgreSQL; SQLite writes one transaction at a time) until the first's transaction
ends: committed, it finds the first's row and where its answer went; refused (rolled back), it
claims the key itself. Being the first write, the claim holds no other lock while it waits, so
it takes no place in the locks' order (``app.services.locks``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, delete, select, update

from app.extensions import db
from app.models import FormSubmission, User, utcnow
from app.services import Conflict, SentAgainChanged, insert_or


def fields_digest(path: str, fields: Mapping[str, object]) -> str:
    """A digest of what a form carried: the address it was sent to and its fields' values
    (as the form read them: text normalised, choices and dates parsed), keys sorted."""
    encoded = json.dumps([path, fields], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(b"accord form\n" + encoded.encode()).hexdigest()


def claim(key: str, *, by: User, kind: str, digest: str, made: str) -> str | None:
    """Claim the one-time ``key`` for this sending of the form ``kind`` (its route's endpoint)
    by ``by``, carrying fields with ``digest``: None when this is its first sending (the row
    is this transaction's until ``record`` says where its answer goes). Otherwise where the
    first sending's answer went, when the same person sent the same form with the same fields;
    ``SentAgainChanged`` naming ``made`` ("the note"), 409, nothing made, when they sent it
    with other fields; ``Conflict`` (409) for a key claimed by another person or form."""
    claimed = db.session.execute(
        insert_or(FormSubmission)
        .values(key=key, user_id=by.id, kind=kind, digest=digest, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(FormSubmission.id)
    ).first()
    if claimed is not None:
        return None
    earlier = db.session.scalars(select(FormSubmission).where(FormSubmission.key == key)).one()
    if (earlier.user_id, earlier.kind) != (by.id, kind):
        # Not this form sent again: its key came from another person's page or another form
        # (only a crafted request does that), so there is no first sending to speak of.
        raise Conflict(
            "This form's one-time key is not one this page gave you, so nothing was sent. "
            "Reload the page and send the form again."
        )
    if earlier.digest != digest:
        raise SentAgainChanged(made)
    if earlier.location is None:  # never committed so: ``create_once`` records it at once
        raise Conflict("This form is still being sent. Reload the page in a moment.")
    return earlier.location


def record(key: str, location: str) -> None:
    """Where the answer to the first sending of ``key`` (claimed by this transaction) went."""
    db.session.execute(
        update(FormSubmission).where(FormSubmission.key == key).values(location=location)
    )


def release(key: str) -> None:
    """Give up the key claimed by this transaction, whose sending was refused but whose
    transaction commits (a wrong two-factor code records the failure): the corrected form can
    be sent with it."""
    db.session.execute(delete(FormSubmission).where(FormSubmission.key == key))


def prune(before: datetime) -> int:
    """Delete the keys recorded before ``before``; returns how many. A form whose key is older
    than the longest signed-in session cannot be sent again (its CSRF token ended with the
    session), so such a key answers nothing any more."""
    result = db.session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < before),
        execution_options={"synchronize_session": False},
    )
    return cast(CursorResult, result).rowcount
