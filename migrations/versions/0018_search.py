"""Full-text search: the databases' own engines over everything a person can read

PostgreSQL: a stored generated ``search_vector`` column (weighted ``to_tsvector('english',
…)`` and its pairs of adjacent words, ``search_word_pairs``, so that the index finds a phrase
without reading word positions) and a GIN index on clauses, discussions, comments, amendments,
recommendations, joint sessions, agenda items and session actions. SQLite: an FTS5
external-content table for each (porter tokenizer), kept current by triggers. Both:
``search_version_clauses``, one row per clause of each published version, written by a trigger
on ``document_versions`` and indexed the same way. The definitions live in
``app/search/schema.py`` (``flask search rebuild`` uses them too).

Existing data: the index is built from the rows already there (generated columns compute on
ADD COLUMN; FTS5 ``'rebuild'``; the versions' clauses copied from their JSON).

Revision ID: 0018_search
Revises: 0024b_groups_register
Create Date: 2026-12-04 08:00:00.000000

"""
from alembic import op

from app.search import schema


# revision identifiers, used by Alembic.
revision = '0018_search'
down_revision = '0024b_groups_register'
branch_labels = None
depends_on = None
# Downgrading drops the search indexes, which `search rebuild` makes again from the tables.
drops_data = False


def upgrade():
    connection = op.get_bind()
    schema.create_index(connection)
    schema.rebuild(connection)


def downgrade():
    schema.drop_index(op.get_bind())
