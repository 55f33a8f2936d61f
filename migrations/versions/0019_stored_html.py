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

from app.services.stored_html import render_stored


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
