"""``flask search rebuild``: rebuild the full-text index from the tables (for recovery)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services import search as service
from app.transactions import writing_command

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("rebuild")
@writing_command
def rebuild() -> None:
    """Recreate whatever of the index is missing and re-read every row into it."""
    counts = service.rebuild_index()
    db.session.commit()
    click.echo(
        "Rebuilt the search index: "
        + ", ".join(f"{count} {table}" for table, count in counts.items())
        + "."
    )
