"""The committee review: minute references and three notifications

``committee_decisions.minute_reference`` (the committee's minute for its decision) and
``documents.full_council_minute`` (Full Council's minute for the adoption, shown on the public
page). Notifications get three kinds: ``submitted`` (to the Standards Committee),
``recommended`` (to the administrators) and ``adopted`` (to everyone who took part).

Existing data: earlier decisions and adoptions have no minute reference (NULL, shown as "not
recorded"); no notification is written for past events.

Downgrading drops both columns and deletes the notifications of the three new kinds.

Revision ID: 0020_committee_review
Revises: 0019_stored_html
Create Date: 2026-12-09 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.append_only import allow_changes, forbid_changes


# revision identifiers, used by Alembic.
revision = '0020_committee_review'
down_revision = '0019_stored_html'
branch_labels = None
depends_on = None
# Downgrading drops the minute references and the notifications of the three new kinds.
drops_data = True

KINDS = (
    'reply', 'new_discussion', 'new_amendment', 'voting_opened', 'voting_closing',
    'amendment_accepted', 'amendment_rejected', 'review_decision', 'session_invitation',
    'vote_again',
)
NEW_KINDS = KINDS + ('submitted', 'recommended', 'adopted')


def _kind_check(kinds):
    return 'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')'


def upgrade():
    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minute_reference', sa.String(length=100), nullable=True))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_council_minute', sa.String(length=100), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_notification_kind'), _kind_check(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('submitted', 'recommended', 'adopted')")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_notification_kind'), _kind_check(KINDS))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('full_council_minute')
    # SQLite rebuilds the table to drop a column, losing its triggers: set them up again.
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    if is_sqlite:
        allow_changes('committee_decisions')
    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.drop_column('minute_reference')
    if is_sqlite:
        forbid_changes('committee_decisions')
