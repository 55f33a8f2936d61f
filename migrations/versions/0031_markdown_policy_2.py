"""Stored HTML rendered again under sanitiser policy 2: no bidirectional controls

Policy 2 (``app.markdown.POLICY_VERSION``) removes the bidirectional embeddings, overrides and
isolates that a character reference in stored text (``&#x202E;``) became when rendered. HTML
made under policy 1 is never shown (pages render from the source instead), so this only saves
that work: the rows of comments, clauses and amendments not rendered under the running policy
are rendered here, as ``flask markdown rerender`` would.

Revision ID: 0031_markdown_policy_2
Revises: 0030_form_submissions
Create Date: 2026-12-03 15:00:00.000000

"""

from alembic import op

from app.services.stored_html import render_stored


# revision identifiers, used by Alembic.
revision = "0031_markdown_policy_2"
down_revision = "0030_form_submissions"
branch_labels = None
depends_on = None
# Downgrading keeps the HTML as rendered: the older code renders from the source whatever it
# finds stamped with a policy version other than its own. Nothing is lost.
drops_data = False

# (table, Markdown column, HTML column), as in 0019_stored_html
STORED = (
    ("comments", "body", "body_html"),
    ("clauses", "body", "body_html"),
    ("amendments", "rationale", "rationale_html"),
)


def upgrade():
    connection = op.get_bind()
    for table, source, html in STORED:
        render_stored(connection, table, source, html)


def downgrade():
    pass
