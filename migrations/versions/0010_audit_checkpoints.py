"""The audit trail proves itself: keyed hashes, checkpoints, TRUNCATE refused

Events get the id of the key their HMAC was made with (none for the plain SHA-256 events
already there, which are never rewritten); a checkpoints table records the trail's head when
a version is published, decided or adopted, starting with the head of the events already there
(the legacy segment: only that many events may be unkeyed). On PostgreSQL every append-only
table now refuses TRUNCATE as well as UPDATE and DELETE.

Revision ID: 0010_audit_checkpoints
Revises: 0009_document_admin
Create Date: 2026-12-01 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401  (custom column types)

from app.append_only import allow_changes, allow_truncate, forbid_changes, forbid_truncate


# revision identifiers, used by Alembic.
revision = '0010_audit_checkpoints'
down_revision = '0009_document_admin'
branch_labels = None
depends_on = None

APPEND_ONLY = (
    'clause_revisions', 'comment_revisions', 'moderations', 'voting_events', 'outcomes',
    'document_versions', 'transitions', 'committee_decisions', 'audit_events',
    'recommendation_revisions', 'audit_checkpoints',
)


def upgrade():
    op.add_column('audit_events', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('legacy', 'published', 'decided', 'adopted', name='checkpoint_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_audit_checkpoints_document_id_documents')),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'], name=op.f('fk_audit_checkpoints_version_id_document_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_version_id'), ['version_id'], unique=False)

    # The events already there form the legacy segment; its head is the first checkpoint.
    bind = op.get_bind()
    count = bind.execute(sa.text('SELECT count(*) FROM audit_events')).scalar_one()
    if count:
        head = bind.execute(
            sa.text('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1')
        ).scalar_one()
        checkpoints = sa.table(
            'audit_checkpoints',
            sa.column('at', app.models.base.UTCDateTime(timezone=True)),
            sa.column('kind', sa.String()),
            sa.column('event_count', sa.Integer()),
            sa.column('head_hash', sa.String()),
        )
        op.bulk_insert(checkpoints, [{
            'at': app.models.base.utcnow(), 'kind': 'legacy', 'event_count': count,
            'head_hash': head,
        }])

    forbid_changes('audit_checkpoints')
    for table in APPEND_ONLY:
        forbid_truncate(table)


def downgrade():
    for table in APPEND_ONLY:
        allow_truncate(table)
    allow_changes('audit_checkpoints')
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_version_id'))
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_document_id'))
    op.drop_table('audit_checkpoints')

    # SQLite rebuilds the table to drop a column, losing its triggers: set them up again.
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    if is_sqlite:
        allow_changes('audit_events')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('key_id')
    if is_sqlite:
        forbid_changes('audit_events')
