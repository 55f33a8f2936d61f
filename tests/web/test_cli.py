"""The command line: the demo seed and managing people without the web."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Clause,
    Comment,
    Discussion,
    Document,
    Notification,
    NotificationKind,
    Recommendation,
    Role,
    User,
    UserSession,
)
from app.services import accounts
from tests.helpers import make_user


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Document, Clause, Recommendation, Discussion, Comment, Notification)
        }


def test_seed_demo_loads_everything_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    assert counts["Recommendation"] == 25 + 12
    assert counts["Document"] == 3 and counts["Clause"] >= 8 + 6 + 5
    assert counts["User"] >= 5 + 6

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "0 created" in again.output
    assert _counts(app) == counts


def test_seed_demo_has_an_account_for_each_role_and_opens_the_documents(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    with app.app_context():
        for role in Role:
            user = accounts.find_user_by_email(f"{role.value}@example.org")
            assert user is not None and role in user.roles
            assert accounts.check_password(user, app.config["DEMO_PASSWORD"])
        groups = {u.group for u in db.session.scalars(select(User)) if u.is_member}
        assert len(groups) >= 3
        statuses = {d.status.value for d in db.session.scalars(select(Document))}
        assert statuses == {"open"}


def test_seed_demo_leaves_the_demo_member_a_few_notifications(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    with app.app_context():
        member = accounts.find_user_by_email("member@example.org")
        kinds = set(db.session.scalars(select(Notification.kind).filter_by(user_id=member.id)))
        assert kinds == {
            NotificationKind.REPLY,
            NotificationKind.NEW_DISCUSSION,
            NotificationKind.VOTING_OPENED,
            NotificationKind.SESSION_INVITATION,
        }
        protocol = db.session.scalars(select(Document).filter_by(slug="member-officer-protocol"))
        assert protocol.one().voting_closes_at is not None
        # The actor is never told of what they did.
        reply = db.session.scalars(select(Notification).filter_by(kind=NotificationKind.REPLY))
        assert [n.user_id for n in reply] == [member.id]


def test_users_create_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Jo@Example.org",
            "--name",
            "Jo Bloggs",
            "--role",
            "member",
            "--role",
            "standards",
            "--group",
            "Green Group",
            "--ward",
            "Windle",
        ],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-long-enough-password" not in result.output
    with app.app_context():
        user = accounts.find_user_by_email("jo@example.org")
        assert user.roles == {Role.MEMBER, Role.STANDARDS} and user.ward == "Windle"
        assert accounts.authenticate("jo@example.org", "a-long-enough-password") is not None


def test_users_create_refuses_a_taken_email_and_a_short_password(app):
    make_user(app, "jo@example.org")
    runner = app.test_cli_runner()
    taken = runner.invoke(
        args=["users", "create", "JO@example.org", "--name", "Jo", "--role", "officer"],
        input="a-long-enough-password\n",
    )
    assert taken.exit_code != 0 and "already an account" in taken.output
    short = runner.invoke(
        args=[
            *("users", "create", "sam@example.org", "--name", "Sam", "--role", "officer"),
            *("--job-title", "Solicitor", "--service", "Legal and Governance"),
        ],
        input="short\n",
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    assert _counts(app)["User"] == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["not-an-email", "--name", "Jo", "--role", "admin"], "in the correct format"),
        (["jo@example.org", "--name", "   ", "--role", "admin"], "Enter the person"),
        (["jo@example.org", "--name", "Jo", "--role", "member"], "Group"),
        (["jo@example.org", "--name", "J" * 1_000, "--role", "admin"], "characters or fewer"),
        (
            [
                *("jo@example.org", "--name", "Jo", "--role", "standards", "--role", "member"),
                *("--group", "Green Group", "--ward", "Windle", "--independent-person"),
            ],
            "neither a Member nor an Officer",
        ),
    ],
)
def test_users_create_checks_a_person_as_every_other_way_in_does(app, arguments, message):
    """Outside tester: ``users create`` took "not-an-email", a blank name, a Member with no
    Group or ward and a 1,000-character name, which ``users invite`` and the web refuse; the
    nameless person was then an empty link on the People page. The service checks now."""
    result = app.test_cli_runner().invoke(args=["users", "create", *arguments, "--no-password"])
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert _counts(app)["User"] == 0


def test_set_password_and_deactivate_end_sessions(app, client):
    make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "set-password", "jo@example.org"], input="a-brand-new-password\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    client.sign_in("jo@example.org", "a-brand-new-password")
    assert runner.invoke(args=["users", "deactivate", "jo@example.org"]).exit_code == 0
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(UserSession.ended_at.is_(None))) == 0
    listing = runner.invoke(args=["users", "list"]).output
    assert "jo@example.org" in listing and "deactivated" in listing
    assert runner.invoke(args=["users", "reactivate", "jo@example.org"]).exit_code == 0
    assert client.sign_in("jo@example.org", "a-brand-new-password").status_code == 303


def test_unknown_people_get_a_clear_message(app):
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "nobody@example.org"])
    assert result.exit_code != 0 and "There is no account for nobody@example.org" in result.output


def test_a_command_that_writes_waits_for_a_write_made_while_it_reads(
    sqlite_template, tmp_path, monkeypatch
):
    """On SQLite a command's transaction began as a reading one (``BEGIN``): when anyone else
    (the web app) committed a write after its first read, its own write failed at once with
    "database is locked", whatever the busy timeout. A command that writes now takes the write
    lock at its first statement, as a writing request does, so the other writer waits its
    turn and both land. (PostgreSQL's row locks need no such thing.)"""
    import sqlite3
    import threading

    from app.services import people
    from tests import databases

    url = sqlite_template.copy_to(tmp_path)
    path = url.removeprefix("sqlite:///")
    with databases.app_for(url) as app:
        make_user(app, "jo@example.org")
        make_user(app, "sam@example.org")
        original = people.deactivate
        landed = threading.Event()

        def someone_else_writes() -> None:
            other = sqlite3.connect(path, timeout=10)
            with other:
                other.execute(
                    "UPDATE users SET display_name = 'Sam S' WHERE email = 'sam@example.org'"
                )
            other.close()
            landed.set()

        def deactivate_after_another_write(user, *args, **kwargs):
            writer = threading.Thread(target=someone_else_writes)
            writer.start()
            writer.join(timeout=0.5)  # blocked by the command's write lock, or done
            try:
                return original(user, *args, **kwargs)
            finally:
                deactivate_after_another_write.writer = writer

        monkeypatch.setattr(people, "deactivate", deactivate_after_another_write)
        result = app.test_cli_runner().invoke(args=["users", "deactivate", "jo@example.org"])
        assert result.exit_code == 0, result.output
        deactivate_after_another_write.writer.join(timeout=10)
        assert landed.is_set()
        with app.app_context():
            assert not accounts.find_user_by_email("jo@example.org").active
            assert accounts.find_user_by_email("sam@example.org").display_name == "Sam S"


@pytest.mark.parametrize("target", ["/nonexistent/folder/x.csv", "/proc/version"])
def test_an_export_to_a_file_that_cannot_be_written_says_so(app, target):
    """Outside tester: ``export -o`` to a missing folder (or /proc/version) printed a Python
    traceback."""
    app.test_cli_runner().invoke(args=["seed-demo"])
    result = app.test_cli_runner().invoke(
        args=["export", "ways-of-working-accord", "--format", "md", "-o", target]
    )
    assert result.exit_code != 0
    assert f"Cannot write {target}" in result.output and "Traceback" not in result.output


def test_a_command_without_its_settings_says_what_is_missing_without_a_traceback(tmp_path):
    """Outside tester: any command run without ACCORD_ENV (or a production setting) printed a
    traceback ending in ConfigError; its message alone is what a person needs."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD", "SECRET"))}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "users", "list"],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in output and "Traceback" not in output


def test_deactivating_or_reactivating_twice_says_nothing_changed(app, client):
    """Outside tester: reactivating an active person printed "Reactivated"."""
    make_user(app, "jo@example.org", roles=(Role.ADMIN,))
    make_user(app, "admin@example.org", roles=(Role.ADMIN,))
    runner = app.test_cli_runner()
    again = runner.invoke(args=["users", "reactivate", "jo@example.org"])
    assert again.exit_code == 0 and "already active: nothing changed" in again.output
    assert "Deactivated" in runner.invoke(args=["users", "deactivate", "jo@example.org"]).output
    twice = runner.invoke(args=["users", "deactivate", "jo@example.org"])
    assert "already deactivated: nothing changed" in twice.output
    client.sign_in("admin@example.org")
    with app.app_context():
        jo = accounts.find_user_by_email("jo@example.org").id
    twice_web = client.post_form(f"/people/{jo}/deactivate", follow_redirects=True)
    assert "already deactivated: nothing changed" in twice_web.get_data(as_text=True)
    assert client.post_form(f"/people/{jo}/reactivate").status_code == 303
    again_web = client.post_form(f"/people/{jo}/reactivate", follow_redirects=True)
    assert "already active: nothing changed" in again_web.get_data(as_text=True)
