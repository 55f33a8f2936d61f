"""Decision drafts: the Standards Committee's answers waiting on the check page

``decision_drafts`` keeps each committee member's answers on the decision page (the decision,
the meeting date, the reasons, the minute reference) until they record the decision: one set a
person and document (unique). They were kept in the signed session cookie, which up to 5,000
characters of reasons could take past a browser's 4 KB, and the browser then dropped it.

Revision ID: 0032_decision_drafts
Revises: 0031_markdown_policy_2
Create Date: 2026-12-03 15:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0032_decision_drafts"
down_revision = "0031_markdown_policy_2"
branch_labels = None
depends_on = None
# Downgrading drops the answers waiting on check pages: the person answers the decision page
# again. No decision recorded is touched.
drops_data = False


def upgrade():
    op.create_table(
        "decision_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_decision_drafts_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_decision_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_drafts")),
        sa.UniqueConstraint(
            "document_id", "user_id", name=op.f("uq_decision_drafts_document_id_user_id")
        ),
    )
    with op.batch_alter_table("decision_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_drafts_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("decision_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_drafts_user_id"))
    op.drop_table("decision_drafts")
