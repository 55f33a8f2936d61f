"""Your account: where and on what each sign-in session is, and unsubscribe keys

``user_sessions`` gets the browser's user agent, the address it signed in from and when it was
last active, so a person can tell their sessions apart and end one. ``users`` gets
``unsubscribe_key``, the random part of the person's unsubscribe link: changing it (a new email
address) makes every earlier link stop working.

Existing data: existing sessions have no user agent or address (shown as "Not recorded") and
are last active when they started; existing people get their key when Accord next emails them,
so unsubscribe links in emails sent before this migration stop working (they named the person
by id alone, which could never be withdrawn).

Revision ID: 0017_account
Revises: 0016_two_factor
Create Date: 2026-12-09 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0017_account'
down_revision = '0016_two_factor'
branch_labels = None
depends_on = None
# Downgrading drops each session's device, address and last activity and each person's
# unsubscribe key (their links stop working).
drops_data = True


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('ip_address', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('last_seen_at', app.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribe_key', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_key')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('ip_address')
        batch_op.drop_column('user_agent')
