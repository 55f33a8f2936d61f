"""Everyday work: when each person last looked at each clause and discussion; two new
notification kinds (a proposed agenda item for facilitators, a voting result)

A new table only; no existing data moves. Downgrading deletes the notifications of the new
kinds.

Revision ID: 0023_tasks
Revises: 0022_personal_data
Create Date: 2026-12-12 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0023_tasks'
down_revision = '0022_personal_data'
branch_labels = None
depends_on = None
# Downgrading drops when each person last looked at each clause and discussion.
drops_data = True

KINDS = (
    'reply', 'new_discussion', 'new_amendment', 'voting_opened', 'voting_closing',
    'amendment_accepted', 'amendment_rejected', 'review_decision', 'session_invitation',
    'vote_again', 'submitted', 'recommended', 'adopted',
)
NEW_KINDS = KINDS + ('new_proposal', 'voting_result')


def _kind_check(kinds):
    return 'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')'


def upgrade():
    op.create_table(
        'last_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('clause', 'discussion', name='viewed_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('viewed_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_last_views_document_id_documents'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_last_views_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_last_views')),
        sa.UniqueConstraint('user_id', 'kind', 'object_id', name=op.f('uq_last_views_user_id_kind_object_id')),
    )
    with op.batch_alter_table('last_views', schema=None) as batch_op:
        batch_op.create_index('ix_last_views_user_document', ['user_id', 'document_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_notification_kind'), _kind_check(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('new_proposal', 'voting_result')")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_notification_kind'), _kind_check(KINDS))

    with op.batch_alter_table('last_views', schema=None) as batch_op:
        batch_op.drop_index('ix_last_views_user_document')
    op.drop_table('last_views')
