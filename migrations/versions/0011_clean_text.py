"""Clean the text already stored with the text rule: LF line breaks, no control characters,
NFC, no white space at line ends; single-line fields (titles, names) on one line.

Only the live, editable rows are cleaned. The append-only history is left exactly as it was
stored (its triggers forbid UPDATE, and the published versions' hashes must never change):
clause_revisions, comment_revisions, recommendation_revisions, document_versions, transitions,
committee_decisions, moderations, voting_events, outcomes, audit_events and audit_checkpoints.
Comparisons normalise line endings (``app.text.same_text``) and exports pass text through
``app.exports.model.printable``, so such history shows no phantom change and prints cleanly.

``normalise`` below is a frozen copy of ``app.text.normalise`` as it was when this migration
was written: a migration must keep doing what it did, whatever the app's code becomes.

Revision ID: 0011_clean_text
Revises: 0010_audit_checkpoints
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_clean_text'
down_revision = '0010_audit_checkpoints'
branch_labels = None
depends_on = None

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_SINGLE_LINE_BREAKS = re.compile("[\n\t]")


def normalise(text, *, multiline):
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))
    if not multiline:
        text = _SINGLE_LINE_BREAKS.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _TRAILING_SPACE.sub("", text).strip()


# table: (key columns, single-line columns, multi-line columns)
LIVE_TEXT = {
    'documents': (('id',), ('title',), ('summary', 'referral_reasons')),
    'clauses': (('id',), ('heading',), ('body', 'retired_reason')),
    'discussions': (('id',), ('title',), ()),
    'comments': (('id',), (), ('body', 'hidden_reason')),
    'amendments': (('id',), ('heading',), ('body', 'rationale', 'decision_reason')),
    'review_notes': (('id',), (), ('body',)),
    'joint_sessions': (('id',), ('title', 'theme', 'venue', 'facilitator_name'), ()),
    'agenda_items': (('clause_id',), ('lead',), ('outcome',)),
    'agenda_proposals': (('id',), ('title',), ('description', 'decision_reason')),
    'session_actions': (('id',), ('who',), ('what',)),
    'recommendation_sources': (('id',), ('name', 'title'), ()),
    'recommendations': (('id',), ('theme', 'timescale'), ('text', 'response', 'retirement_reason')),
    'users': (('id',), ('display_name', 'group', 'ward', 'job_title', 'service'), ()),
    'notifications': (('id',), ('text',), ()),
}


def upgrade():
    connection = op.get_bind()
    for name, (keys, single, multi) in LIVE_TEXT.items():
        columns = {column: False for column in single} | {column: True for column in multi}
        table = sa.table(name, *(sa.column(c) for c in (*keys, *columns)))
        for row in connection.execute(sa.select(table)).mappings().all():
            changed = {
                column: clean
                for column, multiline in columns.items()
                if isinstance(row[column], str)
                and (clean := normalise(row[column], multiline=multiline)) != row[column]
            }
            if changed:
                where = [table.c[key] == row[key] for key in keys]
                connection.execute(sa.update(table).where(*where).values(**changed))


def downgrade():
    pass  # the cleaned text is the same text; nothing to undo
