"""Work done after the response has been sent, so its cost cannot be timed from outside.

A password reset for a real address issues a token, renders and queues an email and writes
two rows; for an unknown address it would do none of that. Run before answering, the difference
is measurable (about 3 ms over a network) and reveals who has an account. ``after_response``
runs such work once the response has gone (WSGI ``close``, which every server calls after the
last byte is sent), in its own app context and transaction; the request itself does the same
work whatever the address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, after_this_request, current_app

from app.extensions import db
from app.transactions import writing_job

log = logging.getLogger("accord.deferred")


def after_response(job: Callable[..., object], *args: object) -> None:
    """Run ``job(*args)`` after this request's response is sent, then commit; a failure is
    logged and rolled back, never shown to anyone (the answer has already gone). On SQLite
    its transaction takes the write lock first (``transactions.writing_job``)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask

    def run() -> None:
        with app.app_context(), writing_job():
            try:
                job(*args)
                db.session.commit()
            except Exception:
                log.exception("Deferred work %s failed", getattr(job, "__name__", job))
                db.session.rollback()

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(run)
        return response
