"""Outgoing email: a local outbox folder and the log by default, SMTP in production.

``send_mail`` never sends at once. It queues the message on the database session and the
message goes out only when that session commits, so a request that fails (and rolls back) never
mails a link to something that was not saved. A failed delivery is logged; it never undoes the
change the person made. SMTP delivery happens on a small pool of background threads, so a
response never waits for the mail server: a password reset for a real address answers as fast
as one for an unknown address. The pool is finished before the process exits (the digest
command waits for its messages).

Backends (``MAIL_BACKEND``):
- ``outbox`` (default): each message is written as an ``.eml`` file under ``MAIL_OUTBOX_DIR``
  (``instance/outbox``) and logged, so the product runs with no mail server;
- ``smtp``: ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USERNAME``, ``SMTP_PASSWORD``,
  ``SMTP_SECURITY`` (``starttls``, ``ssl`` or ``none``) and ``MAIL_FROM``;
- ``memory``: kept in ``app.extensions["accord_sent_mail"]``, for the test suite.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, url_for
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.metrics import email_outcome

log = logging.getLogger("accord.mail")
_QUEUE_KEY = "accord_outgoing_mail"
_smtp_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="accord-smtp")
_in_flight: set[Future] = set()
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_safe(value: str) -> str:
    """``value`` fit for one header line: line breaks and other control characters become a
    space (a header with a line break in it is refused, or worse, read as a second header)."""
    return " ".join(_CONTROL.sub(" ", value).split())


@dataclass(frozen=True)
class Mail:
    """One message to one person: plain text, with optional extra headers, and what to do
    (in an app context, after the failure is logged) if it cannot be delivered."""

    to: str
    subject: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()
    on_failure: Callable[[], None] | None = None


def send_mail(
    to: str,
    subject: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    on_failure: Callable[[], None] | None = None,
) -> None:
    """Queue a message; it is delivered when the current transaction commits. ``on_failure``
    runs, in an app context, if delivery fails."""
    mail = Mail(
        to=to,
        subject=subject,
        body=body,
        headers=tuple((headers or {}).items()),
        on_failure=on_failure,
    )
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, too, is an event that discards the message
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask
    session.info.setdefault(_QUEUE_KEY, []).append((app, mail))


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, always on ``PUBLIC_URL``.

    Never on the request's own host: the Host header is the asker's to choose, and a password
    reset asked for with a forged one would otherwise mail the victim a link to the asker's site
    (reset-link poisoning). The same goes for links built from the command line.
    """
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def to_message(mail: Mail, sender: str) -> EmailMessage:
    # Headers are folded at whitespace only, never turned into encoded words: a long
    # List-Unsubscribe URL must stay a plain <URL> (RFC 2369) for mail programs to use it.
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))
    message["From"] = header_safe(sender)
    message["To"] = header_safe(mail.to)
    message["Subject"] = header_safe(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in mail.headers:
        message[name] = header_safe(value)
    message.set_content(mail.body)
    return message


def deliver(app: Flask, mail: Mail) -> None:
    """Hand one message to the configured backend now."""
    config = app.config
    message = to_message(mail, config["MAIL_FROM"])
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        app.extensions.setdefault("accord_sent_mail", []).append(message)
    elif backend == "smtp":
        _send_smtp(config, message)
    elif backend == "outbox":
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        log.info("Mail to %s: %s (%s)\n%s", mail.to, mail.subject, path, mail.body)
    else:
        raise ValueError(f"Unknown MAIL_BACKEND {backend!r}: use outbox, smtp or memory.")


def _send_smtp(config, message: EmailMessage) -> None:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    security = config["SMTP_SECURITY"]
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def init_mail(app: Flask) -> None:
    """Check the backend at start-up, not at the first message."""
    if app.config["MAIL_BACKEND"] not in ("outbox", "smtp", "memory"):
        raise ValueError("MAIL_BACKEND must be outbox, smtp or memory.")
    app.extensions["accord_sent_mail"] = []


def sent_mail(app: Flask) -> list[EmailMessage]:
    """What the ``memory`` backend has delivered (tests)."""
    return app.extensions.setdefault("accord_sent_mail", [])


def wait_for_deliveries(timeout: float = 30) -> None:
    """Block until the SMTP messages handed to the background pool have gone (tests, CLI)."""
    wait(list(_in_flight), timeout=timeout)


def _deliver_logged(app: Flask, mail: Mail) -> None:
    # Logs never name the address (app/observability.py: no email addresses in logs).
    try:
        deliver(app, mail)
    except Exception:  # a mail server being down must not undo what was saved
        email_outcome(sent=False)
        log.exception("Could not send mail: %s", header_safe(mail.subject))
        if mail.on_failure is not None:
            try:
                with app.app_context():
                    mail.on_failure()
            except Exception:
                log.exception("Could not record that mail was not sent")
    else:
        email_outcome(sent=True)


@event.listens_for(Session, "after_commit")
def _deliver_queued(session: Session) -> None:
    for app, mail in session.info.pop(_QUEUE_KEY, []):
        if app.config["MAIL_BACKEND"] == "smtp":
            future = _smtp_pool.submit(_deliver_logged, app, mail)
            _in_flight.add(future)
            future.add_done_callback(_in_flight.discard)
        else:
            _deliver_logged(app, mail)


@event.listens_for(Session, "after_soft_rollback")
def _discard_queued(session: Session, previous_transaction) -> None:
    if session.in_transaction():  # a savepoint rolled back; the outer transaction goes on
        return
    session.info.pop(_QUEUE_KEY, None)
