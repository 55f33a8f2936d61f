"""`flask recommendations import`: the web import, for scripts and first installs."""

from __future__ import annotations

import textwrap

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services import DomainError
from app.services import recommendations as service
from app.text import one_line_option
from app.transactions import writing_command

recommendations_cli = AppGroup("recommendations", help="Import recommendations from a file.")


def _line(change: service.Change, mark: str) -> str:
    theme = f"[{change.after['theme']}] " if change.after["theme"] else ""
    start = textwrap.shorten(change.after["text"] or "", width=70, placeholder="…")
    return f"  {mark} {change.letter})  {theme}{start}"


@recommendations_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--source",
    "source_name",
    required=True,
    callback=one_line_option,
    help="The source's name (or short name).",
)
@click.option(
    "--short-name",
    callback=one_line_option,
    help="For a new source: its short name, e.g. CR (default: initials).",
)
@click.option(
    "--title", default="", callback=one_line_option, help="For a new source: the report's title."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(service.FORMATS),
    help="csv or text (default: by the file's ending, .csv being CSV).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be imported; save nothing.")
@writing_command
def import_recommendations(file, source_name, short_name, title, fmt, dry_run):
    """Import a source's recommendations from FILE (CSV, or an action plan as plain text)."""
    with open(file, "rb") as handle:
        data = handle.read()
    result = service.parse(data, fmt or service.format_for(file))
    for problem in result.problems:
        click.echo(f"Problem: {problem}", err=True)
    if not result.recommendations:
        raise click.ClickException(f"No recommendations were recognised in {file}; nothing saved.")

    source = service.find_source(source_name)
    try:
        if source is None:
            typed_short_name = bool(short_name)
            short_name = short_name or service.short_name_for(source_name)
            clash = service.find_source(short_name) if not typed_short_name else None
            if clash is not None:
                # The short name was made from the name, not typed: say what was not found.
                raise DomainError(
                    f"No source is called “{source_name.strip()}”. To import into "
                    f"“{clash.name}”, use --source “{clash.name}” (or “{clash.short_name}”); "
                    "for a new source, give it a short name of its own with --short-name."
                )
            service.check_source(source_name, short_name)
            click.echo(f"A new source: {source_name.strip()} ({short_name.strip()}).")
        elif short_name and short_name.strip() != source.short_name:
            raise DomainError(
                f"The source “{source.name}” already exists with the short name "
                f"{source.short_name}, not {short_name.strip()}."
            )
    except DomainError as error:
        raise click.ClickException(str(error)) from error

    plan = service.plan_import(source, result)
    count = len(result.recommendations)
    click.echo(f"Recognised {count} recommendation{'' if count == 1 else 's'}:")
    for change in plan.rows:
        click.echo(_line(change, "+" if change.before is None else "~"))
    for letter in plan.unchanged:
        click.echo(f"  = {letter})  unchanged")
    if result.unplaced:
        click.echo(f"{len(result.unplaced)} lines could not be placed:")
        for number, text in result.numbered_unplaced:
            click.echo(f"  line {number}: {text}")
    summary = f"{len(plan.new)} new, {len(plan.changed)} changed, {len(plan.unchanged)} unchanged"
    if dry_run:
        click.echo(f"Dry run: nothing was saved ({summary}).")
        return
    if not plan.to_save:
        click.echo(f"Nothing to save ({summary}).")
        return
    try:
        if source is None:
            source = service.create_source(source_name, short_name, title, by=None)
        service.apply_import(source, plan, by=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Saved to {source.name} ({source.short_name}): {summary}.")
