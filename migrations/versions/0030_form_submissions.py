"""Form submissions: the one-time keys of create forms, so a form sent twice makes one thing

``form_submissions`` records each key of the forms whose made things have no key column of
their own (a clause, an agenda item, a proposed item, an action, a review note): the key
(unique: the same form sent twice at once is served one after the other), who sent it, the
form, a digest of its fields and where its answer went (``app.services.submissions``).

Revision ID: 0030_form_submissions
Revises: 0029_recommendation_dates
Create Date: 2026-12-03 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0030_form_submissions"
down_revision = "0029_recommendation_dates"
branch_labels = None
depends_on = None
# Downgrading drops the keys: a form sent before, sent again after upgrading, makes a second
# thing. Nothing a person wrote is lost.
drops_data = False


def upgrade():
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_form_submissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
        sa.UniqueConstraint("key", name=op.f("uq_form_submissions_key")),
    )


def downgrade():
    op.drop_table("form_submissions")
