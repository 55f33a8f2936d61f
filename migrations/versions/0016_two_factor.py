"""Two-factor sign-in: each person's encrypted authenticator secret and their recovery codes

New tables only; no existing data moves.

Revision ID: 0016_two_factor
Revises: 0015_vote_wording
Create Date: 2026-12-10 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0016_two_factor'
down_revision = '0015_vote_wording'
branch_labels = None
depends_on = None
# Downgrading drops the two-factor tables: every person's second factor and recovery codes
# are lost (see app/ops_cli.py: `db downgrade` asks for --i-understand-data-loss).
drops_data = True


def upgrade():
    op.create_table(
        'two_factor_credentials',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('enabled_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_used_step', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_credentials_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_factor_credentials')),
    )
    op.create_table(
        'two_factor_recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_recovery_codes_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_recovery_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_two_factor_recovery_codes_code_hash')),
    )
    with op.batch_alter_table('two_factor_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_two_factor_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('two_factor_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_two_factor_recovery_codes_user_id'))
    op.drop_table('two_factor_recovery_codes')
    op.drop_table('two_factor_credentials')
