"""Managed lists of Groups, wards and services; a session's register; items' clauses

``list_entries`` holds the names a person's political Group, ward and service are chosen
from. It starts with the distinct names already on ``users`` (spaces trimmed and runs of
spaces made one); those people's stored names are normalised the same way, so "Labour " and
"Labour" become one entry. ``users.group``, ``users.ward`` and ``users.service`` keep the
name itself, as before: this release only adds (expand); nothing is dropped or renamed.

``session_register`` is the register taken on the day of a joint session: one mark
(present, apologies, absent) per person per session. ``agenda_item_clauses`` links an
agenda item to the clauses of other documents it discusses.

Downgrading drops the three tables; the normalised names on ``users`` stay normalised.

Revision ID: 0024b_groups_register
Revises: 0025_passages
Create Date: 2026-12-10 08:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = '0024b_groups_register'
down_revision = '0025_passages'
branch_labels = None
depends_on = None
# Downgrading drops the managed lists, the register and the links between items and clauses.
drops_data = True

COLUMNS = {'group': 'group', 'ward': 'ward', 'service': 'service'}  # list kind -> users column


def _normalise(name):
    return re.sub(r'\s+', ' ', name).strip()


def upgrade():
    op.create_table('list_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('group', 'ward', 'service', name='list_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('retired_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entries')),
    sa.UniqueConstraint('kind', 'name', name=op.f('uq_list_entries_kind_name'))
    )
    op.create_table('session_register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Enum('present', 'apologies', 'absent', name='register_mark', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('marked_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_session_register_marked_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['joint_sessions.id'], name=op.f('fk_session_register_session_id_joint_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_register_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_register')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_register_session_id_user_id'))
    )
    with op.batch_alter_table('session_register', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_register_session_id'), ['session_id'], unique=False)
    op.create_table('agenda_item_clauses',
    sa.Column('item_clause_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_agenda_item_clauses_clause_id_clauses')),
    sa.ForeignKeyConstraint(['item_clause_id'], ['clauses.id'], name=op.f('fk_agenda_item_clauses_item_clause_id_clauses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_clause_id', 'clause_id', name=op.f('pk_agenda_item_clauses'))
    )

    # The lists start from the names already on people, normalised for spaces.
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), *(sa.column(c, sa.String) for c in COLUMNS.values()))
    entries = sa.table('list_entries', sa.column('kind', sa.String), sa.column('name', sa.String), sa.column('created_at', app.models.base.UTCDateTime(timezone=True)))
    now = sa.func.current_timestamp()
    for kind, column in COLUMNS.items():
        names = set()
        for user_id, value in bind.execute(sa.select(users.c.id, users.c[column]).where(users.c[column].is_not(None))):
            name = _normalise(value)
            if name != value:
                bind.execute(users.update().where(users.c.id == user_id).values({column: name or None}))
            if name:
                names.add(name)
        for name in sorted(names):
            bind.execute(entries.insert().values(kind=kind, name=name, created_at=now))


def downgrade():
    op.drop_table('agenda_item_clauses')
    with op.batch_alter_table('session_register', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_register_session_id'))
    op.drop_table('session_register')
    op.drop_table('list_entries')
