"""A thread's top-level comments indexed in their order

``ix_comments_top_level`` (``discussion_id, parent_id, created_at, id``: a thread's top-level
comments are those with ``parent_id`` NULL, which both databases find as an equality) holds
them in the order its pages show them: a page of them, and how
many there are, come from the index without reading and sorting the thread's comments. The
page's summary and its live poll both need them; on a 300-comment thread the poll of its last
page took 0.3-0.6 ms on PostgreSQL without it and about 0.34 ms with it (0.22 ms on page 1).
PostgreSQL reads them in order only when the order names ``parent_id`` first
(``threads.page_roots``).

Revision ID: 0028_top_level_comments
Revises: 0027_comments_by_time
Create Date: 2026-12-01 05:05:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0028_top_level_comments"
down_revision = "0027_comments_by_time"
branch_labels = None
depends_on = None
# Only an index changes: nothing is lost either way.
drops_data = False


def upgrade():
    op.create_index(
        "ix_comments_top_level",
        "comments",
        ["discussion_id", "parent_id", "created_at", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_comments_top_level", table_name="comments")
