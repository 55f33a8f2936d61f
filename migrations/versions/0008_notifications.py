"""Notifications, each person's email preference, and when voting is due to close

Revision ID: 0008_notifications
Revises: 0007_people
Create Date: 2026-11-27 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0008_notifications'
down_revision = '0007_people'
branch_labels = None
depends_on = None

KINDS = (
    'reply', 'new_discussion', 'new_amendment', 'voting_opened', 'voting_closing',
    'amendment_accepted', 'amendment_rejected', 'review_decision', 'session_invitation',
)


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='notification_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_notifications_document_id_documents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name=op.f('uq_notifications_user_id_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notifications_digest', ['emailed_at', 'user_id'], unique=False)

    # Everyone already here gets the default: a daily digest.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_notifications', sa.Enum('none', 'immediate', 'daily_digest', name='email_notifications', native_enum=False, create_constraint=True, length=20), server_default='daily_digest', nullable=False))
    _restore_email_index()

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voting_closes_at', app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('voting_closes_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_email_notifications'), type_='check')
        batch_op.drop_column('email_notifications')
    _restore_email_index()

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_digest')
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')


def _restore_email_index():
    """SQLite rebuilds the table in a batch and cannot carry an expression index across."""
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)
