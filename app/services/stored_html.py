"""Stored HTML of people's Markdown, brought up to the sanitiser policy's version.

Comments, clauses and amendments keep their Markdown rendered and sanitised beside the source
(``app.markdown.keep_rendered``), stamped with ``POLICY_VERSION``. When the policy changes (a tag
allowed or refused, a parser option), raising ``POLICY_VERSION`` makes pages render from the
source until ``rerender`` has brought every row up to date (``flask markdown rerender``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from app.extensions import db
from app.markdown import POLICY_VERSION, render_markdown
from app.models import Amendment, Clause, Comment

# (model, Markdown attribute, HTML attribute)
STORED = (
    (Comment, "body", "body_html"),
    (Clause, "body", "body_html"),
    (Amendment, "rationale", "rationale_html"),
)
BATCH = 500


def rerender(*, every: bool = False) -> dict[str, int]:
    """Render again the stored HTML made under another policy version (``every``: all of it),
    a batch of rows at a time; returns how many rows of each table were rendered. Flushes,
    never commits."""
    done: dict[str, int] = {}
    for model, source_name, html_name in STORED:
        source, html = getattr(model, source_name), getattr(model, html_name)
        stale = or_(model.html_version != POLICY_VERSION, html.is_(None))
        done[model.__tablename__] = 0
        last = 0
        while True:
            query = select(model.id, source).where(model.id > last)
            if not every:
                query = query.where(stale)
            rows = db.session.execute(query.order_by(model.id).limit(BATCH)).all()
            if not rows:
                break
            db.session.execute(
                update(model),
                [
                    {
                        "id": row_id,
                        html_name: str(render_markdown(text)),
                        "html_version": POLICY_VERSION,
                    }
                    for row_id, text in rows
                ],
            )
            done[model.__tablename__] += len(rows)
            last = rows[-1][0]
    db.session.expire_all()
    return done


def render_stored(connection: Connection, table_name: str, source: str, html: str) -> None:
    """Fill ``html`` from ``source`` for the rows of ``table_name`` not rendered under
    POLICY_VERSION, a batch at a time, by table name (for migrations, which must not depend
    on today's models)."""
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer),
        sa.column(source, sa.Text),
        sa.column(html, sa.Text),
        sa.column("html_version", sa.Integer),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c[source])
            .where(table.c.id > last, table.c.html_version != POLICY_VERSION)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values({html: sa.bindparam("rendered"), "html_version": POLICY_VERSION}),
            [{"row_id": row[0], "rendered": str(render_markdown(row[1]))} for row in rows],
        )
        last = rows[-1][0]
