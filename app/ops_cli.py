"""Operators' commands: ``backup create`` and ``backup restore``, and ``db downgrade`` guarded
against losing data."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup, with_appcontext

from app import backups
from app.extensions import db

backup_commands = AppGroup("backup", help="Back up the database, and restore a backup.")


@backup_commands.command("create")
@click.argument("file", required=False, type=click.Path(path_type=Path))
def create_backup(file: Path | None) -> None:
    """Back up the database to FILE (or a named file in the folder FILE; by default in
    instance/backups): SQLite's online backup, or pg_dump's custom format. Prints the audit
    checkpoint and stores it in FILE.json."""
    try:
        checkpoint = backups.create(file, Path(current_app.instance_path) / "backups")
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    path = file / checkpoint.file if file is not None and file.is_dir() else file
    path = path or Path(current_app.instance_path) / "backups" / checkpoint.file
    click.echo(f"Backup: {path}")
    click.echo(f"Schema revision: {checkpoint.revision}")
    click.echo(f"Audit checkpoint: {checkpoint.pin}")
    click.echo(f"Checkpoint stored in {backups.sidecar(path)}")


def _app_for(database_url: str) -> Flask:
    """This app's settings (the audit keys above all) over another database."""
    from app import create_app

    settings = {key: value for key, value in current_app.config.items() if key.isupper()}
    settings.pop("SQLALCHEMY_ENGINE_OPTIONS", None)  # derived again from the new address
    settings["SQLALCHEMY_DATABASE_URI"] = database_url
    return create_app(settings)


@backup_commands.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", required=True, metavar="DATABASE_URL", help="Where to restore.")
@click.option("--replace", is_flag=True, help="Overwrite a database that is not empty.")
def restore_backup(file: Path, into: str, replace: bool) -> None:
    """Restore FILE into DATABASE_URL (refused if it is not empty, unless --replace), migrate
    it to this code's revision and verify its audit trail against the stored checkpoint.
    Exits 1 when the audit trail does not verify."""
    try:
        restored = backups.restore(file, into, replace=replace, make_app=_app_for)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {file.name} (revision {restored.checkpoint.revision}).")
    click.echo(f"Migrated to {restored.revision}.")
    verification = restored.verification
    if verification.ok:
        click.echo(
            f"The audit trail is intact: {verification.checked} events, matching the "
            f"checkpoint {restored.checkpoint.pin}."
        )
        return
    for failure in verification.failures:
        click.echo(failure, err=True)
    click.echo("The restored audit trail is NOT intact.", err=True)
    sys.exit(1)


# db downgrade, guarded ---------------------------------------------------------------------


def revisions_undone(target: str) -> list:
    """The migration scripts whose ``downgrade()`` runs to go from the database's revision to
    ``target`` (a revision, ``-N`` or ``base``), newest first."""
    from alembic.migration import MigrationContext
    from alembic.script import Script, ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    if not current:
        return []
    if target.startswith("-") and target[1:].isdigit():
        # alembic's iterate_revisions does not take a relative target as a downgrade range
        # ("-1" from the head gives nothing): walk back that many steps by hand.
        undone = []
        revision: Script | None = script.get_revision(current[0])
        for _ in range(int(target[1:])):
            if revision is None:
                break
            undone.append(revision)
            down = revision.down_revision
            revision = script.get_revision(down) if isinstance(down, str) else None
        return undone
    return list(script.iterate_revisions(current, target))


def drops_data(revision) -> bool:
    """Whether undoing ``revision`` loses data: its module's ``drops_data`` (True unless a
    migration says otherwise, so an unmarked one is treated as losing data)."""
    return bool(getattr(revision.module, "drops_data", True))


@click.command("downgrade")
@click.option("-d", "--directory", default=None, help="Migration script directory.")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--tag", default=None, help="Passed to env.py.")
@click.option("-x", "--x-arg", multiple=True, help="Passed to env.py.")
@click.option(
    "--i-understand-data-loss",
    "data_loss_accepted",
    is_flag=True,
    help="Undo migrations whose downgrade deletes data.",
)
@click.argument("revision", default="-1")
@with_appcontext
def guarded_downgrade(directory, sql, tag, x_arg, data_loss_accepted, revision) -> None:
    """Revert to an earlier revision (default: the one before). Refuses to undo a migration
    whose downgrade deletes data (``drops_data``) without --i-understand-data-loss."""
    if not sql and not data_loss_accepted:
        losing = [r.revision for r in revisions_undone(revision) if drops_data(r)]
        if losing:
            raise click.ClickException(
                "Downgrading undoes " + ", ".join(losing) + ", which deletes data. Take a "
                "backup first (flask --app wsgi backup create), then run again with "
                "--i-understand-data-loss."
            )
    from flask_migrate import downgrade

    downgrade(directory or g.directory, revision, sql, tag, x_arg or g.x_arg)


def init_ops_cli(app: Flask) -> None:
    app.cli.add_command(backup_commands)
