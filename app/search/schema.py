"""The full-text index: what is indexed, and the SQL that builds it on each database.

One list, ``SOURCES``, names every indexed table and its columns (with their weight: A for a
heading or title, B for the text, C for reasons and responses). The migration
``0018_search`` and ``flask search rebuild`` both build from it:

- PostgreSQL: a stored generated column ``search_vector`` (``to_tsvector('english', …)``,
  weighted, and its pairs of adjacent words: see ``PG_FUNCTIONS``) on each table and a GIN
  index ``ix_search_<table>``. The database computes the column in the statement that writes
  the row, so the index is current in the same transaction.
- SQLite: an FTS5 external-content table ``search_<table>`` (porter stemming on unicode61) kept
  current by triggers ``search_<table>_ai|ad|au`` on the table.

Published versions are JSON; a trigger on ``document_versions`` copies each frozen clause into
``search_version_clauses`` (append-only, like the versions), which is indexed like the others.
Every object the search adds is named ``search_…`` (tables, triggers, indexes) or
``search_vector`` (columns), so the schema comparison in the tests can leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Source:
    table: str
    key: str  # the integer primary key (the FTS5 rowid)
    columns: tuple[tuple[str, str], ...]  # (column, weight A–D)

    @property
    def index(self) -> str:
        """The name of the FTS5 table (SQLite); the GIN index is ``ix_`` + this."""
        return f"search_{self.table}"


SOURCES = (
    Source("clauses", "id", (("heading", "A"), ("body", "B"))),
    Source("discussions", "id", (("title", "A"),)),
    Source("comments", "id", (("body", "B"),)),
    Source(
        "amendments",
        "id",
        (("heading", "A"), ("body", "B"), ("rationale", "C"), ("decision_reason", "C")),
    ),
    Source("recommendations", "id", (("theme", "A"), ("text", "B"), ("response", "C"))),
    Source("joint_sessions", "id", (("title", "A"), ("theme", "A"))),
    Source("agenda_items", "clause_id", (("outcome", "B"),)),
    Source("session_actions", "id", (("what", "B"),)),
    Source("search_version_clauses", "id", (("heading", "A"), ("body", "B"))),
)
BY_TABLE = {source.table: source for source in SOURCES}
WEIGHTS = {"A": 4.0, "B": 1.0, "C": 0.5, "D": 0.25}  # SQLite's bm25 column weights

VERSION_CLAUSES_TABLE = "search_version_clauses"


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the objects the search index adds (left out of the models' schema comparison)."""
    if not name:
        return False
    if type_ == "column":
        return name == "search_vector"
    return name.startswith(("search_", "ix_search_"))


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object`` hook: skip the search index's own objects."""
    return not is_search_object(name, type_)


def include_name(name, type_, parent_names) -> bool:
    """Alembic's ``include_name`` hook: skip the search index's own tables before reflecting."""
    return not is_search_object(name, type_)


# PostgreSQL ------------------------------------------------------------------------------


# A GIN index keeps no word positions, so for a phrase it returns every row that has all its
# words and PostgreSQL then reads each row's positions (about 25,000 rows for "council member"
# in the benchmark, for 601 hits). So the vector also holds each pair of words at adjacent
# positions as one lexeme, ``council_member`` (no positions or weights: only the index reads
# them), and a phrase's query also asks for its pairs (``search_with_word_pairs``), which the
# index finds in the few rows that have them; the phrase itself is still checked on those.
# Every row that has the phrase has its pairs, so the hits are the same as without them. Words
# with a stop word between make no pair: PostgreSQL's "member of staff" (``member <2> staff``)
# also matches "member big staff", which a pair over the gap would lose; such a phrase is found
# as before. The parser splits words at ``_``, so a pair is not a word (were one equal, the
# index would only return a row more, which the phrase check drops). ``search_word_pairs``
# calls only built-in functions, as a restore computes the column with an empty search_path.
PG_FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION search_word_pairs(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT a.lexeme || '_' || b.lexeme)),
                    ''::tsvector)
    FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(vector)) AS a
    JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest(vector)) AS b
        ON b.position = a.position + 1
    WHERE octet_length(a.lexeme) + octet_length(b.lexeme) < 2047
$$
""",
    # Each pair is written as a quoted lexeme of tsquery text (' doubled, \ escaped).
    r"""
CREATE OR REPLACE FUNCTION search_with_word_pairs(query tsquery, phrases text[])
RETURNS tsquery LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(
        query && string_agg(
            DISTINCT '''' || replace(replace(pair.lexeme, '\', '\\'), '''', '''''') || '''', ' & '
        )::tsquery,
        query
    )
    FROM unnest(phrases) AS phrase,
        unnest(search_word_pairs(to_tsvector('english', phrase))) AS pair
$$
""",
)
PG_FUNCTION_NAMES = ("search_with_word_pairs(tsquery, text[])", "search_word_pairs(tsvector)")


# PostgreSQL's parser reads "Member/Officer" as one file-path word, so "officer" would not find
# the Member/Officer Protocol; a slash is read as a space (as the query parser and SQLite do).
_PG_TEXT = "translate(coalesce({column}, ''), '/', ' ')"


def pg_vector_expression(source: Source) -> str:
    words = " || ".join(
        f"setweight(to_tsvector('english', {_PG_TEXT.format(column=column)}), '{weight}')"
        for column, weight in source.columns
    )
    return f"{words} || search_word_pairs({words})"


def pg_is_current(connection: Connection, source: Source) -> bool | None:
    """Whether ``search_vector`` on ``source`` has today's definition (None: no column). One
    made by an earlier build of ``0018_search`` has no word pairs, or reads a slash as part
    of a word."""
    expression = connection.exec_driver_sql(
        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute AS a "
        "JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        f"WHERE a.attrelid = '{source.table}'::regclass AND a.attname = 'search_vector' "
        "AND NOT a.attisdropped"
    ).scalar()
    if expression is None:
        return None
    return "search_word_pairs(" in expression and "translate(" in expression


def _pg_create(connection: Connection, source: Source) -> None:
    if pg_is_current(connection, source) is False:  # its index goes with it
        connection.exec_driver_sql(f"ALTER TABLE {source.table} DROP COLUMN search_vector")
    connection.exec_driver_sql(
        f"ALTER TABLE {source.table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({pg_vector_expression(source)}) STORED"
    )
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS ix_{source.index} ON {source.table} USING gin (search_vector)"
    )


PG_VERSION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION search_version_clauses_copy() RETURNS trigger AS $$
BEGIN
    INSERT INTO {VERSION_CLAUSES_TABLE}
        (version_id, document_id, clause_id, number, heading, body)
    SELECT NEW.id, NEW.document_id, (item->>'id')::integer, coalesce(item->>'number', ''),
           coalesce(item->>'heading', ''), coalesce(item->>'body', '')
    FROM json_array_elements(coalesce(NEW.content::json -> 'clauses', '[]'::json)) AS item;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


# SQLite ----------------------------------------------------------------------------------


def _sqlite_triggers(source: Source) -> list[str]:
    names = [column for column, _ in source.columns]
    columns = ", ".join(names)
    new = ", ".join(f"new.{c}" for c in names)
    old = ", ".join(f"old.{c}" for c in names)
    fts, table, key = source.index, source.table, source.key
    insert = f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.{key}, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.{key}, {old});"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {columns} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


SQLITE_VERSION_TRIGGER = f"""
CREATE TRIGGER IF NOT EXISTS search_versions_ai AFTER INSERT ON document_versions BEGIN
    INSERT INTO {VERSION_CLAUSES_TABLE} (version_id, document_id, clause_id, number, heading, body)
    SELECT new.id, new.document_id, json_extract(value, '$.id'),
           coalesce(json_extract(value, '$.number'), ''),
           coalesce(json_extract(value, '$.heading'), ''),
           coalesce(json_extract(value, '$.body'), '')
    FROM json_each(new.content, '$.clauses');
END
"""


def _sqlite_create(connection: Connection, source: Source) -> None:
    columns = ", ".join(column for column, _ in source.columns)
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {source.index} USING fts5({columns}, "
        f"content='{source.table}', content_rowid='{source.key}', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    for statement in _sqlite_triggers(source):
        connection.exec_driver_sql(statement)


# Both ------------------------------------------------------------------------------------


def create_version_clauses(connection: Connection) -> None:
    """The table of published versions' clauses (one row per clause per version), its trigger,
    and its rows for the versions already published."""
    sqlite = connection.dialect.name == "sqlite"
    key = "INTEGER PRIMARY KEY" if sqlite else "SERIAL PRIMARY KEY"
    connection.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {VERSION_CLAUSES_TABLE} ("
        f"id {key}, "
        "version_id INTEGER NOT NULL REFERENCES document_versions (id) ON DELETE CASCADE, "
        "document_id INTEGER NOT NULL REFERENCES documents (id), "
        "clause_id INTEGER, number VARCHAR(20) NOT NULL, heading TEXT NOT NULL, "
        "body TEXT NOT NULL)"
    )
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS ix_search_version_clauses_version "
        f"ON {VERSION_CLAUSES_TABLE} (version_id)"
    )
    if sqlite:
        connection.exec_driver_sql(SQLITE_VERSION_TRIGGER)
    else:
        connection.exec_driver_sql(PG_VERSION_FUNCTION)
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_versions_ai ON document_versions")
        connection.exec_driver_sql(
            "CREATE TRIGGER search_versions_ai AFTER INSERT ON document_versions "
            "FOR EACH ROW EXECUTE FUNCTION search_version_clauses_copy()"
        )


def fill_version_clauses(connection: Connection) -> None:
    """Copy every published version's clauses again (after emptying the table)."""
    connection.exec_driver_sql(f"DELETE FROM {VERSION_CLAUSES_TABLE}")
    if connection.dialect.name == "sqlite":
        select = SQLITE_VERSION_TRIGGER.split("BEGIN", 1)[1].rsplit("END", 1)[0]
        select = select.replace("new.", "v.").replace(
            "FROM json_each(v.content, '$.clauses')",
            "FROM document_versions AS v, json_each(v.content, '$.clauses')",
        )
    else:
        select = (
            f"INSERT INTO {VERSION_CLAUSES_TABLE} "
            "(version_id, document_id, clause_id, number, heading, body) "
            "SELECT v.id, v.document_id, (item->>'id')::integer, coalesce(item->>'number', ''), "
            "coalesce(item->>'heading', ''), coalesce(item->>'body', '') "
            "FROM document_versions AS v, "
            "json_array_elements(coalesce(v.content::json -> 'clauses', '[]'::json)) AS item"
        )
    connection.exec_driver_sql(select.strip().rstrip(";"))


def create_index(connection: Connection) -> None:
    """Create whatever of the index is missing (idempotent), and fill it from the tables."""
    create_version_clauses(connection)
    if connection.dialect.name != "sqlite":
        for function in PG_FUNCTIONS:
            connection.exec_driver_sql(function)
    for source in SOURCES:
        if connection.dialect.name == "sqlite":
            _sqlite_create(connection, source)
        else:
            _pg_create(connection, source)


def rebuild(connection: Connection) -> None:
    """Rebuild the index from the tables: recreate anything missing (a table rebuilt by a later
    migration loses its SQLite triggers) or outdated (a PostgreSQL column without word pairs,
    computed again for every row), copy the versions' clauses again, and re-read every row
    (SQLite's ``'rebuild'``; PostgreSQL reindexes)."""
    create_index(connection)
    fill_version_clauses(connection)
    for source in SOURCES:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"INSERT INTO {source.index}({source.index}) VALUES ('rebuild')"
            )
        else:
            connection.exec_driver_sql(f"REINDEX INDEX ix_{source.index}")


def drop_index(connection: Connection) -> None:
    """Remove everything the search index added."""
    sqlite = connection.dialect.name == "sqlite"
    for source in SOURCES:
        if sqlite:
            for suffix in ("ai", "ad", "au"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {source.index}_{suffix}")
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {source.index}")
        else:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS ix_{source.index}")
            if source.table != VERSION_CLAUSES_TABLE:
                connection.exec_driver_sql(
                    f"ALTER TABLE {source.table} DROP COLUMN IF EXISTS search_vector"
                )
    if sqlite:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_versions_ai")
    else:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_versions_ai ON document_versions")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS search_version_clauses_copy()")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {VERSION_CLAUSES_TABLE}")
    if not sqlite:
        for function in PG_FUNCTION_NAMES:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")
