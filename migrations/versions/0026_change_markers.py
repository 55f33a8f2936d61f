"""Change markers: a counter for what many pages show (people's names, Groups and roles)

One row per marker, made on its first move (``app.services.markers``); a live page's ETag and
its poll read the ``people`` row, so a rename reaches open pages at their next poll.

It comes after ``0018_search`` (the others of this release come before it, as that one builds
the search index of every table they change): it touches no searched table, and a database
already at ``0018_search`` must still get it.

Revision ID: 0026_change_markers
Revises: 0018_search
Create Date: 2026-11-30 11:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026_change_markers"
down_revision = "0018_search"
branch_labels = None
depends_on = None
# Downgrading drops the markers: open pages answer their next poll afresh, nothing else is lost.
drops_data = False


def upgrade():
    op.create_table(
        "change_markers",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("mark", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_markers")),
    )


def downgrade():
    op.drop_table("change_markers")
