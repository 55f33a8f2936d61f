"""A recommendation's date: when it was added to Accord

``recommendations.created_at``: search dates a recommendation by its newest revision, and one
never revised had no date at all, so any date filter left it out. Rows already there take the
date of their first revision (the wording as first loaded, recorded at its first change) or,
never revised, the moment of this migration: when they were loaded is not recorded elsewhere.

It adds a column to a searched table without rebuilding it (``ADD COLUMN``), so the search
index and its triggers are untouched; the column stays nullable in the schema for that reason,
and the model gives every new row its date.

Revision ID: 0029_recommendation_dates
Revises: 0028_top_level_comments
Create Date: 2026-12-02 18:45:00.000000

"""

from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0029_recommendation_dates"
down_revision = "0028_top_level_comments"
branch_labels = None
depends_on = None
# Downgrading drops the dates; upgrading again dates the rows by the migration.
drops_data = False


def upgrade():
    op.add_column("recommendations", sa.Column("created_at", UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE recommendations SET created_at = coalesce("
        "(SELECT min(r.created_at) FROM recommendation_revisions AS r "
        "WHERE r.recommendation_id = recommendations.id), CURRENT_TIMESTAMP)"
    )


def downgrade():
    op.drop_column("recommendations", "created_at")
