"""People's Markdown stored as sanitised HTML beside its source; a discussion's own marker

Comments (``body``), clauses (``body``) and amendments (``rationale``) get the HTML their
Markdown renders to under the sanitiser policy (``app.markdown``), and the policy version it was
made under (``html_version``); pages show the stored HTML instead of parsing and sanitising the
text on every request. Existing rows are rendered here, with the policy of the code that runs
the migration. A clause's earlier wordings (``clause_revisions``) are append-only history and
are still rendered when shown.

Discussions get ``state_mark``: the change marker when the discussion itself (not a comment in
it) last changed. Existing discussions take their ``activity_mark``.

Revision ID: 0019_stored_html
Revises: 0017_account
Create Date: 2026-12-09 08:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

from app.markdown import POLICY_VERSION, render_markdown


# revision identifiers, used by Alembic.
revision = "0019_stored_html"
down_revision = "0017_account"
branch_labels = None
depends_on = None
# Downgrading drops the stored HTML, which is made again from the Markdown kept beside it
# (`markdown rerender`): nothing is lost.
drops_data = False

# (table, Markdown column, HTML column)
STORED = (
    ("comments", "body", "body_html"),
    ("clauses", "body", "body_html"),
    ("amendments", "rationale", "rationale_html"),
)
BATCH = 500


def render_stored(connection, table_name: str, source: str, html: str) -> None:
    """Fill ``html`` from ``source`` for the rows not rendered under POLICY_VERSION, a batch
    at a time."""
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


def upgrade():
    for table, _source, html in STORED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(html, sa.Text(), nullable=True))
            batch_op.add_column(
                sa.Column("html_version", sa.Integer(), server_default="0", nullable=False)
            )
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state_mark", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute("UPDATE discussions SET state_mark = activity_mark")
    connection = op.get_bind()
    for table, source, html in STORED:
        render_stored(connection, table, source, html)


def downgrade():
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.drop_column("state_mark")
    for table, _source, html in STORED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("html_version")
            batch_op.drop_column(html)
