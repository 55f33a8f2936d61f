"""Managing documents: clause numbers fixed by hand, retired clauses, unique numbers

Revision ID: 0009_document_admin
Revises: 0008_notifications
Create Date: 2026-11-27 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0009_document_admin'
down_revision = '0008_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_fixed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('retired_at', app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retired_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('retired_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('retired_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_clauses_retired_by_id_users'), 'users', ['retired_by_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_clauses_document_id_number'), ['document_id', 'number'])
        batch_op.create_check_constraint(batch_op.f('ck_clauses_retired_with_reason'), 'retired_at IS NULL OR retired_reason IS NOT NULL')


def downgrade():
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_clauses_retired_with_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_clauses_document_id_number'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_clauses_retired_by_id_users'), type_='foreignkey')
        batch_op.drop_column('retired_by_id')
        batch_op.drop_column('retired_number')
        batch_op.drop_column('retired_reason')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('number_fixed')
