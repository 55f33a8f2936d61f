"""Comments indexed by discussion and time of posting

``comments (discussion_id, created_at)`` replaces the index on ``discussion_id`` alone (it
serves everything that did): a thread's page and the comments after someone's last look
(the facilitator's "new comments" task, counted in the header of every page they open) read
only what they need, rather than every comment of the discussion, or of every discussion.

Revision ID: 0027_comments_by_time
Revises: 0026_change_markers
Create Date: 2026-12-01 04:30:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0027_comments_by_time"
down_revision = "0026_change_markers"
branch_labels = None
depends_on = None
# Only an index changes: nothing is lost either way.
drops_data = False


def upgrade():
    op.create_index(
        "ix_comments_discussion_id_created_at",
        "comments",
        ["discussion_id", "created_at"],
        unique=False,
    )
    op.drop_index("ix_comments_discussion_id", table_name="comments")


def downgrade():
    op.create_index("ix_comments_discussion_id", "comments", ["discussion_id"], unique=False)
    op.drop_index("ix_comments_discussion_id_created_at", table_name="comments")
