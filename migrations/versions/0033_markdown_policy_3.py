"""Stored HTML rendered again under sanitiser policy 3: lists, links, headings, images

Policy 3 (``app.markdown.POLICY_VERSION``): an ordered list typed from 3 keeps its number (the
pages showed 1, the Word export 3); only http(s), mailto and the site's own addresses link
("[^1]: note" linked to a page that is not there); a heading is a bold paragraph and an image
its words, as in the Word export. HTML made under policy 2 is never shown (pages render from
the source instead), so this only saves that work, as ``flask markdown rerender`` would.

Revision ID: 0033_markdown_policy_3
Revises: 0032_decision_drafts
Create Date: 2026-12-03 17:00:00.000000

"""

from alembic import op

from app.services.stored_html import render_stored


# revision identifiers, used by Alembic.
revision = "0033_markdown_policy_3"
down_revision = "0032_decision_drafts"
branch_labels = None
depends_on = None
# Downgrading keeps the HTML as rendered: the older code renders from the source whatever it
# finds stamped with a policy version other than its own. Nothing is lost.
drops_data = False

# (table, Markdown column, HTML column), as in 0019_stored_html and 0031
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
