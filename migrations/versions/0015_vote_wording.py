"""Votes belong to a wording: the revision a vote and an outcome are on, set-aside votes

Votes get the clause revision they were cast on (``revision_number``, for votes on a clause)
and ``set_aside_at``/``set_aside_reason`` (a vote on an earlier wording, or by someone no longer
eligible, is kept but not counted). Outcomes get the clause revision they apply to.
Notifications get a new kind, ``vote_again``.

Existing data:
- A vote on a clause gets the clause's *current* revision number. Under the earlier rule a vote
  followed its clause to each new wording and was counted for it, so that is what every open
  tally and recorded outcome already says; the migration sets nothing aside, changes no tally
  and notifies nobody. (``cast_at`` moves whenever a vote is changed, so it cannot say which
  wording a vote was first cast on.)
- A clause's outcome gets the revision in force when it was recorded: the newest revision of
  the clause created at or before ``closed_at`` (revisions are append-only, so this is a fact,
  not a guess), else the clause's current one. Outcomes are append-only: their triggers are
  lifted for this one UPDATE and put back.

Downgrading deletes the set-aside votes (the earlier schema would count them again) and the
``vote_again`` notifications.

Revision ID: 0015_vote_wording
Revises: 0014_concurrency
Create Date: 2026-12-02 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)

from app.append_only import allow_changes, allow_truncate, forbid_changes, forbid_truncate


# revision identifiers, used by Alembic.
revision = '0015_vote_wording'
down_revision = '0014_concurrency'
branch_labels = None
depends_on = None

KINDS = (
    'reply', 'new_discussion', 'new_amendment', 'voting_opened', 'voting_closing',
    'amendment_accepted', 'amendment_rejected', 'review_decision', 'session_invitation',
)
NEW_KINDS = KINDS + ('vote_again',)


def _kind_check(kinds):
    return 'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')'


def upgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('set_aside_at', app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('set_aside_reason', sa.Enum('earlier_wording', 'not_eligible', name='set_aside_reason', native_enum=False, create_constraint=True, length=20), nullable=True))
    op.execute(
        'UPDATE votes SET revision_number = '
        '(SELECT clauses.revision_number FROM clauses WHERE clauses.id = votes.clause_id) '
        'WHERE clause_id IS NOT NULL'
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_votes_clause_vote_has_revision'), '(clause_id IS NULL) = (revision_number IS NULL)')
        batch_op.create_check_constraint(batch_op.f('ck_votes_set_aside_has_reason'), '(set_aside_at IS NULL) = (set_aside_reason IS NULL)')

    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_number', sa.Integer(), nullable=True))
    allow_truncate('outcomes')
    allow_changes('outcomes')
    op.execute(
        'UPDATE outcomes SET revision_number = COALESCE('
        '(SELECT max(clause_revisions.number) FROM clause_revisions '
        'WHERE clause_revisions.clause_id = outcomes.clause_id '
        'AND clause_revisions.created_at <= outcomes.closed_at), '
        '(SELECT clauses.revision_number FROM clauses WHERE clauses.id = outcomes.clause_id)) '
        'WHERE clause_id IS NOT NULL'
    )
    forbid_changes('outcomes')
    forbid_truncate('outcomes')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_notification_kind'), _kind_check(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'vote_again'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_notification_kind'), _kind_check(KINDS))

    # SQLite rebuilds the table to drop a column, losing its triggers: set them up again.
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    if is_sqlite:
        allow_changes('outcomes')
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_column('revision_number')
    if is_sqlite:
        forbid_changes('outcomes')

    op.execute('DELETE FROM votes WHERE set_aside_at IS NOT NULL')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_votes_set_aside_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_votes_clause_vote_has_revision'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_votes_set_aside_reason'), type_='check')
        batch_op.drop_column('set_aside_reason')
        batch_op.drop_column('set_aside_at')
        batch_op.drop_column('revision_number')
