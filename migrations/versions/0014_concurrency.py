"""Amendments carry their proposal form's one-time key, unique, so a form sent twice makes one

Revision ID: 0014_concurrency
Revises: 0013_decision_reasons
Create Date: 2026-12-08 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_concurrency'
down_revision = '0013_decision_reasons'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('amendments', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index(
        'ix_amendments_submission_key', 'amendments', ['submission_key'], unique=True
    )


def downgrade():
    op.drop_index('ix_amendments_submission_key', table_name='amendments')
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_column('submission_key')
