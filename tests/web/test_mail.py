"""Outgoing mail: sent only when its change commits; to the outbox, the log or an SMTP server."""

from __future__ import annotations

import email

from app.extensions import db
from app.mail import external_url, send_mail, sent_mail, wait_for_deliveries
from tests.databases import make_app
from tests.helpers import free_port


def test_mail_goes_out_when_the_transaction_commits(app):
    with app.app_context():
        send_mail("jo@example.org", "Your invitation", "Follow the link.")
        assert sent_mail(app) == []
        db.session.commit()
    [message] = sent_mail(app)
    assert message["To"] == "jo@example.org"
    assert message["Subject"] == "Your invitation"
    assert message.get_content().strip() == "Follow the link."


def test_mail_of_a_rolled_back_change_is_never_sent(app):
    with app.app_context():
        send_mail("jo@example.org", "Your invitation", "Follow the link.")
        db.session.rollback()
        db.session.commit()
    assert sent_mail(app) == []


def test_outbox_backend_writes_an_eml_file_and_logs_it(database_url, tmp_path, caplog):
    app = make_app(database_url, MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    caplog.set_level("INFO", logger="accord.mail")
    with app.app_context():
        send_mail("jo@example.org", "Reset your password", "The link is in here.")
        db.session.commit()
        db.engine.dispose()
    [path] = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "jo@example.org"
    assert "Reset your password" in caplog.text
    assert "The link is in here." in caplog.text


def test_smtp_backend_delivers_to_a_real_server(smtp_app):
    app, recorder = smtp_app
    with app.app_context():
        send_mail("jo@example.org", "Your daily digest", "Three new replies.")
        db.session.commit()
    wait_for_deliveries()
    [envelope] = recorder.envelopes
    assert envelope.mail_from == "accord@sthelens.example"
    assert envelope.rcpt_tos == ["jo@example.org"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "Your daily digest"


def test_a_mail_server_that_is_down_does_not_undo_the_change(database_url, caplog):
    app = make_app(
        database_url,
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=free_port(),
        SMTP_SECURITY="none",
        SMTP_TIMEOUT_SECONDS=2,
    )
    with app.app_context():
        send_mail("jo@example.org", "Subject", "Body")
        db.session.commit()  # does not raise
        db.engine.dispose()
    wait_for_deliveries()
    assert "Could not send mail: Subject" in caplog.text
    assert "jo@example.org" not in caplog.text, "logs name no email address"


def test_links_in_mail_sent_from_the_command_line_use_public_url(app):
    with app.app_context():
        assert external_url("main.home") == "http://accord.test/"


def test_smtp_delivery_never_holds_up_the_response(database_url, monkeypatch):
    """A reset for a real address must answer like one for an unknown address: the SMTP
    conversation happens on the background pool, not on the thread serving the request."""
    import threading

    from app import mail

    threads = []
    monkeypatch.setattr(
        mail, "_send_smtp", lambda config, message: threads.append(threading.current_thread().name)
    )
    app = make_app(database_url, MAIL_BACKEND="smtp")
    with app.app_context():
        send_mail("jo@example.org", "Reset your password", "Link")
        db.session.commit()
        db.engine.dispose()
    wait_for_deliveries()
    assert len(threads) == 1
    assert threads[0].startswith("accord-smtp")
