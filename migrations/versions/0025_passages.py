"""Passage suggestions and passage comments: where each points in its clause

Anchor columns on amendments and discussions (a quote with its context and offsets, as made and
as last re-found) and a passage suggestion's new words. All nullable; no existing data moves
(existing rows are about whole clauses).

Revision ID: 0025_passages
Revises: 0023_tasks
Create Date: 2026-12-12 08:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025_passages"
down_revision = "0023_tasks"
branch_labels = None
depends_on = None
# Downgrading drops every passage anchor (suggestions become whole-clause amendments).
drops_data = True

CHECK = "passage_quote IS NULL OR (passage_start >= 0 AND passage_end > passage_start)"


def _anchor_columns() -> list[sa.Column]:
    return [
        sa.Column("passage_quote", sa.Text(), nullable=True),
        sa.Column("passage_prefix", sa.String(length=64), nullable=True),
        sa.Column("passage_suffix", sa.String(length=64), nullable=True),
        sa.Column("passage_start", sa.Integer(), nullable=True),
        sa.Column("passage_end", sa.Integer(), nullable=True),
        sa.Column("passage_revision_number", sa.Integer(), nullable=True),
        sa.Column("anchor_revision_number", sa.Integer(), nullable=True),
        sa.Column("anchor_start", sa.Integer(), nullable=True),
        sa.Column("anchor_end", sa.Integer(), nullable=True),
    ]


def upgrade():
    with op.batch_alter_table("amendments", schema=None) as batch_op:
        for column in _anchor_columns():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column("passage_replacement", sa.Text(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_amendments_passage_selector"), CHECK)
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        for column in _anchor_columns():
            batch_op.add_column(column)
        batch_op.create_check_constraint(batch_op.f("ck_discussions_passage_selector"), CHECK)


def downgrade():
    for table, extra in (("discussions", []), ("amendments", ["passage_replacement"])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_passage_selector"), type_="check")
            for name in [*extra, *(column.name for column in _anchor_columns())]:
                batch_op.drop_column(name)
