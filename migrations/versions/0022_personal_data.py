"""People who leave: when a person's account was anonymised

One nullable column; no existing data moves.

Revision ID: 0022_personal_data
Revises: 0020_committee_review
Create Date: 2026-12-11 08:00:00.000000

"""

from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = "0022_personal_data"
down_revision = "0020_committee_review"
branch_labels = None
depends_on = None
# Downgrading drops when each account was anonymised (the anonymised names stay).
drops_data = True


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymised_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
