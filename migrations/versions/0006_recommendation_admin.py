"""Recommendations administration: versions, retirement and the history of wordings

Revision ID: 0006_recommendation_admin
Revises: 0005_sessions
Create Date: 2026-11-27 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)
from app.append_only import allow_changes, forbid_changes


# revision identifiers, used by Alembic.
revision = '0006_recommendation_admin'
down_revision = '0005_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recommendation_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('theme', sa.String(length=255), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('timescale', sa.String(length=255), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_recommendation_revisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'], name=op.f('fk_recommendation_revisions_recommendation_id_recommendations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_revisions')),
    sa.UniqueConstraint('recommendation_id', 'number', name=op.f('uq_recommendation_revisions_recommendation_id_number'))
    )
    with op.batch_alter_table('recommendation_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_revisions_recommendation_id'), ['recommendation_id'], unique=False)

    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        # Recommendations already loaded are on their first wording.
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1')))
        batch_op.add_column(sa.Column('retired_at', app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retired_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retirement_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_recommendations_retired_by_id_users'), 'users', ['retired_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_recommendations_positive_version'), 'version > 0')
        batch_op.create_check_constraint(
            batch_op.f('ck_recommendations_retired_with_reason'),
            '(retired_at IS NULL) = (retirement_reason IS NULL)',
        )

    # A recommendation's wordings are its history: the database refuses to change or delete one.
    forbid_changes('recommendation_revisions')


def downgrade():
    allow_changes('recommendation_revisions')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_recommendations_retired_with_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_recommendations_positive_version'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_recommendations_retired_by_id_users'), type_='foreignkey')
        batch_op.drop_column('retirement_reason')
        batch_op.drop_column('retired_by_id')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('version')

    with op.batch_alter_table('recommendation_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_revisions_recommendation_id'))

    op.drop_table('recommendation_revisions')
