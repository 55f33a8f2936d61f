"""Decision reasons: why voting closed before its announced time, and what the agreement rule
said of an amendment when it was accepted

An outcome and its voting event record the reason given for closing early; an accepted
amendment records the rule's plain-words verdict at that moment (its ``decision_reason``, kept
for rejections, now also holds why an amendment the rule did not agree was accepted). All the
new columns are empty for what was recorded before.

Revision ID: 0013_decision_reasons
Revises: 0011_clean_text
Create Date: 2026-12-05 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.append_only import forbid_changes, allow_changes


# revision identifiers, used by Alembic.
revision = '0013_decision_reasons'
down_revision = '0011_clean_text'
branch_labels = None
depends_on = None

# Append-only tables: SQLite rebuilds a table to drop a column, losing its triggers.
APPEND_ONLY = ('outcomes', 'voting_events')


def upgrade():
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('voting_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_verdict', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_column('rule_verdict')
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column in (('voting_events', 'reason'), ('outcomes', 'close_reason')):
        if is_sqlite:
            allow_changes(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
        if is_sqlite:
            forbid_changes(table)
