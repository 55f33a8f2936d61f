"""Command-line tasks: the demo seed and managing people without the web."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Document, Role, User, utcnow
from app.services import (
    DomainError,
    accounts,
    audit,
    leavers,
    notifications,
    people,
    seeding,
    submissions,
    two_factor,
)
from app.text import one_line_option
from app.transactions import writing_command


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(users)
    app.cli.add_command(audit_commands)
    app.cli.add_command(export)
    app.cli.add_command(notification_commands)
    app.cli.add_command(two_factor_commands)
    app.cli.add_command(markdown_commands)
    app.cli.add_command(account_commands)

    from app.ops_cli import init_ops_cli
    from app.recommendations.cli import recommendations_cli

    init_ops_cli(app)

    app.cli.add_command(recommendations_cli)

    from app.search.cli import search_cli

    app.cli.add_command(search_cli)


@click.command("export")
@with_appcontext
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["docx", "pdf", "md", "html", "csv", "json"]),
)
@click.option("--version", "version_number", type=int, help="A published version's number.")
@click.option(
    "--all-clauses", is_flag=True, help="Every clause with its status, not only the agreed text."
)
@click.option("--no-annexes", is_flag=True, help="Leave out the annexes.")
@click.option("--changes-since", type=int, help="Show the changes since this version.")
@click.option(
    "--table",
    type=click.Choice(["discussions", "comments", "votes", "amendments"]),
    default="comments",
    show_default=True,
    help="Which table, for --format csv.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="The file to write ('-' for standard output).",
)
def export(slug, fmt, version_number, all_clauses, no_annexes, changes_since, table, output):
    """Export a document (or a published version), for committee-pack scripts."""
    from app.exports.build import ExportError, build_model, find_version, open_data
    from app.exports.render import render_export

    document = db.session.scalar(select(Document).where(Document.slug == slug))
    if document is None:
        raise click.ClickException(f"There is no document {slug!r}.")
    try:
        if fmt in ("csv", "json"):
            data = open_data(document, for_facilitator=True)
            subject = data[table] if fmt == "csv" else {"document": slug, **data}
            body = render_export(subject, fmt, table=table)
        else:
            model = build_model(
                document,
                version=find_version(document, version_number),
                agreed_only=not all_clauses,
                include_annexes=not no_annexes,
                changes_since=find_version(document, changes_since),
            )
            body = render_export(model, fmt, css_href=_print_css_uri())
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    payload = body.encode() if isinstance(body, str) else body
    if output == "-":
        sys.stdout.buffer.write(payload)
    else:
        try:
            with open(output, "wb") as file:
                file.write(payload)
        except OSError as error:  # no such folder, no permission, a file one cannot write
            reason = error.strerror or str(error)
            raise click.ClickException(f"Cannot write {output}: {reason}.") from error
        click.echo(f"Wrote {output} ({len(payload):,} bytes).", err=True)


def _print_css_uri() -> str:
    assert current_app.static_folder is not None  # create_app sets it
    return (Path(current_app.static_folder) / "css" / "print.css").resolve().as_uri()


audit_commands = AppGroup("audit", help="Check the audit trail.")


def _pins(ctx, param, values) -> list[tuple[int, str]]:
    try:
        return [audit.parse_pin(value) for value in values]
    except ValueError as error:
        raise click.BadParameter(f"{error} (COUNT:HASH, as printed on exports)") from error


@audit_commands.command("verify")
@click.option(
    "--checkpoint",
    "pins",
    multiple=True,
    callback=_pins,
    metavar="COUNT:HASH",
    help="A checkpoint printed on an export; may be given more than once.",
)
def verify_audit(pins: list[tuple[int, str]]) -> None:
    """Check the audit trail: its keyed hash chain, its segments and its checkpoints (every
    recorded one and each --checkpoint). Prints the count, head and time of the last event;
    exits 1 naming each failure."""
    result = audit.verify(pins)
    last = result.last_at.strftime("%d %B %Y %H:%M:%S UTC") if result.last_at else "none"
    click.echo(f"Events: {result.checked}")
    click.echo(f"Head: {result.head_hash}")
    click.echo(f"Last event: {last}")
    for segment in result.segments:
        sealed = f"key {segment.key_id}" if segment.key_id else "no key (plain SHA-256)"
        click.echo(f"Segment: events {segment.first} to {segment.last}, {sealed}")
    click.echo(f"Checkpoints compared: {result.checkpoints_compared}")
    if result.ok:
        click.echo(f"The audit trail is intact: {result.checked} events checked.")
        return
    for failure in result.failures:
        click.echo(failure, err=True)
    click.echo(
        f"The audit trail is NOT intact ({len(result.failures)} "
        f"failure{'' if len(result.failures) == 1 else 's'}).",
        err=True,
    )
    sys.exit(1)


notification_commands = AppGroup(
    "notifications", help="Email digests and voting reminders (run them from cron)."
)


@notification_commands.command("remind-closing")
@writing_command
def remind_closing() -> None:
    """Tell Members and Officers when voting closes within 24 hours (once per round)."""
    count = notifications.remind_closing()
    db.session.commit()
    click.echo(f"Voting-closing reminders: {count} notification{'s' if count != 1 else ''}.")


@notification_commands.command("send-digest")
@writing_command
def send_digest() -> None:
    """Email each daily-digest person what is new; each notification is emailed once."""
    report = notifications.send_digests()
    click.echo(f"Daily digests: {report}.")


@notification_commands.command("run")
@click.pass_context
@writing_command
def run_notifications(context: click.Context) -> None:
    """Both, reminders first so that they are in the digest: the one line for cron."""
    context.invoke(remind_closing)
    context.invoke(send_digest)


markdown_commands = AppGroup("markdown", help="People's text, stored as sanitised HTML.")


@markdown_commands.command("rerender")
@click.option("--all", "every", is_flag=True, help="Every row, not only those out of date.")
@writing_command
def markdown_rerender(every: bool) -> None:
    """Render stored HTML made under an earlier sanitiser policy again (after an upgrade that
    changes app.markdown.POLICY_VERSION)."""
    from app.services import stored_html

    done = stored_html.rerender(every=every)
    db.session.commit()
    for table, count in done.items():
        click.echo(f"{table}: {count} rendered")


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--i-know-this-is-production",
    "in_production",
    is_flag=True,
    help="Run even with ACCORD_ENV=production (it creates an administrator whose password "
    "is DEMO_PASSWORD).",
)
@writing_command
def seed_demo(in_production: bool) -> None:
    """Load the recommendations, demo accounts, documents and a little activity (idempotent).

    Refused in production without ``--i-know-this-is-production``: the demo accounts,
    an administrator among them, share the published demo password."""
    if current_app.config["ACCORD_ENV"] == "production" and not in_production:
        raise click.ClickException(
            "seed-demo creates demo accounts, an administrator among them, with the published "
            "demo password. This is production (ACCORD_ENV=production): nothing was loaded. "
            "Run it with --i-know-this-is-production only on a demonstration site."
        )
    report = seeding.load_demo(current_app.config["DEMO_PASSWORD"])
    seeding.load_demo_activity(report)
    db.session.commit()
    click.echo(f"Demo data loaded: {report}")


account_commands = AppGroup(
    "accounts", help="Sign-in records and form keys: keep them only as long as needed."
)


@account_commands.command("prune")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Keep this many days (default: SIGN_IN_RECORDS_DAYS, 365 unless set).",
)
@writing_command
def prune_sign_in_records(days: int | None) -> None:
    """Delete sign-in records (ended signed-in sessions) older than the retention period, and
    the create forms' one-time keys older than the longest signed-in session (no form can be
    sent with them any more: its CSRF token ended with its session)."""
    days = days or current_app.config["SIGN_IN_RECORDS_DAYS"]
    count = accounts.prune_sign_in_records(days)
    longest = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    keys = submissions.prune(utcnow() - longest)
    db.session.commit()
    click.echo(f"Deleted {count} sign-in records that ended more than {days} days ago.")
    click.echo(f"Deleted {keys} form keys older than the longest signed-in session.")


users = AppGroup("users", help="Create, list and deactivate people; set their passwords.")


def _read_password(prompt: bool) -> str:
    if prompt and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.ClickException("Give the password on standard input.")
    return password


def _user(email: str) -> User:
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    return user


ROLE_CHOICE = click.Choice([role.value for role in Role])
PERSON_OPTIONS = (
    click.option(
        "--name",
        "display_name",
        required=True,
        callback=one_line_option,
        help="The name shown to others.",
    ),
    click.option(
        "--role",
        "roles",
        multiple=True,
        type=ROLE_CHOICE,
        required=True,
        help="Repeat for several roles.",
    ),
    click.option("--group", help="A Member's political Group.", callback=one_line_option),
    click.option("--ward", help="A Member's ward.", callback=one_line_option),
    click.option("--job-title", help="An Officer's job title.", callback=one_line_option),
    click.option("--service", help="An Officer's service.", callback=one_line_option),
    click.option(
        "--independent-person",
        "is_independent_person",
        is_flag=True,
        help="A Standards Committee member who is neither Member nor Officer.",
    ),
)


def _person_options(command):
    """A person's name, roles and details, as ``users create`` and ``users invite`` take them:
    the command gets ``display_name``, ``roles`` and the details as keyword arguments."""
    for option in reversed(PERSON_OPTIONS):
        command = option(command)
    return command


def _checked_person(email: str, display_name: str, roles, details: dict) -> set[Role]:
    """The roles, once the person's details pass the rules every way in shares
    (``people.person_problems``: a real address, a name, a Member's Group and ward...); else
    exit with each problem. ``users create`` checked none of them, and took "not-an-email"
    and a blank name."""
    chosen = {Role(role) for role in roles}
    if accounts.find_user_by_email(email) is not None:
        raise click.ClickException(
            f"There is already an account for {accounts.normalise_email(email)}."
        )
    problems = people.person_problems(name=display_name, email=email, roles=chosen, **details)
    if problems:
        raise click.ClickException(" ".join(f"{message}." for message in problems.values()))
    return chosen


@users.command("create")
@click.argument("email")
@_person_options
@click.option(
    "--password/--no-password",
    "with_password",
    default=True,
    help="Read a password from standard input or a prompt (the default).",
)
@writing_command
def create_user(email, display_name, roles, with_password, **details) -> None:
    """Create a person with their roles. The password is read from stdin or a prompt."""
    chosen = _checked_person(email, display_name, roles, details)
    password = _read_password(prompt=True) if with_password else None
    try:
        user = people.create_user(
            email, display_name, chosen, password=password, **people.details_for(chosen, **details)
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@users.command("invite")
@click.argument("email")
@_person_options
@writing_command
def invite_user(email, display_name, roles, **details):
    """Add a person and email them a single-use link to set their password (PUBLIC_URL)."""
    chosen = _checked_person(email, display_name, roles, details)
    try:
        user = people.invite(email, display_name, chosen, by=None, **details)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Invited {user.email} ({', '.join(sorted(roles))}); "
        f"the link works for {current_app.config['INVITATION_DAYS']} days."
    )


@users.command("set-password")
@click.argument("email")
@writing_command
def set_password(email: str) -> None:
    """Set a new password (read from stdin or a prompt) and end the person's sessions."""
    user = _user(email)
    try:
        accounts.set_password(user, _read_password(prompt=True))
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Password set for {user.email}; their other sessions have ended.")


@users.command("deactivate")
@click.argument("email")
@writing_command
def deactivate(email: str) -> None:
    """Stop a person signing in and end their sessions. Their contributions stay."""
    user = _user(email)
    try:
        changed = people.deactivate(user)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    if not changed:
        click.echo(f"{user.email} is already deactivated: nothing changed.")
        return
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@users.command("reactivate")
@click.argument("email")
@writing_command
def reactivate(email: str) -> None:
    """Let a deactivated person sign in again."""
    user = _user(email)
    try:
        changed = people.reactivate(user)
    except DomainError as error:  # anonymised: cannot be used again
        raise click.ClickException(str(error)) from error
    if not changed:
        click.echo(f"{user.email} is already active: nothing changed.")
        return
    db.session.commit()
    click.echo(f"Reactivated {user.email}.")


@users.command("reset-two-factor")
@click.argument("email")
@writing_command
def reset_two_factor(email: str) -> None:
    """Reset a person's two-factor sign-in (a lost phone): their codes stop working, their
    sessions end and they are told by email; they set it up again at their next sign-in."""
    user = _user(email)
    try:
        two_factor.reset(user, by=None)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Two-factor sign-in reset for {user.email}; they have been emailed.")


@users.command("anonymise")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@writing_command
def anonymise(email: str, yes: bool) -> None:
    """Anonymise a person who has left: their name becomes "Former Member" (or the like), their
    email and contact details are removed and they can never sign in again. Their votes,
    comments and the audit trail stay. This cannot be undone."""
    user = _user(email)
    if not yes:
        click.confirm(
            f"Anonymise {user.display_name} ({user.email})? This cannot be undone.", abort=True
        )
    try:
        leavers.anonymise(user, by=None)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Anonymised {email}: the account now shows as {user.display_name}.")


@users.command("list")
def list_users() -> None:
    """Everyone, with roles and whether they are active."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        roles = ", ".join(sorted(user.roles)) or "no roles"
        state = (
            "anonymised"
            if user.is_anonymised
            else "deactivated"
            if not user.active
            else "active"
            if user.password_hash
            else "invited"
        )
        click.echo(f"{user.email}\t{user.display_name}\t{roles}\t{state}")


two_factor_commands = AppGroup("two-factor", help="Two-factor sign-in: the encryption key.")


@two_factor_commands.command("rotate-key")
@writing_command
def rotate_two_factor_key() -> None:
    """Re-encrypt every two-factor secret with TWO_FACTOR_KEY (the old key must be in
    TWO_FACTOR_KEYS_RETIRED). All or nothing; then the retired key can be removed."""
    try:
        count = two_factor.rotate_key()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Re-encrypted {count} two-factor secret{'' if count == 1 else 's'}.")
