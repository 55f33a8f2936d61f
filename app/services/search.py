"""Search everything a person may read, on the database's own full-text engine.

One interface over both engines (the index is described in ``app/search/schema.py``):

- ``parse_query(text)`` turns what a person typed into terms: words, "phrases in quotes" and
  ``-word`` or ``-"a phrase"`` to exclude. Everything else (operators, punctuation, column
  filters such as ``a:b``, ``*``, ``^``, NUL) is only a word separator, and every term is
  quoted when written out, so no text can reach either engine as syntax.
- ``search(user, text, filters, page)`` answers a results page in three statements whatever
  the number of hits: the counts per kind, the page's rows (ranked), the page's snippets.

Who may read what is part of each statement (the rules of ``app/permissions.py`` and
shared/DOMAIN.md, written as SQL): Draft documents only for facilitators and admins; withdrawn
comments never; hidden comments only for a facilitator while the document is editable (as the
discussion page shows them); retired clauses are found but marked. No person's email or name is
indexed. A filter applied after paging would leak through the counts, so there is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import BindParameter, bindparam, select, text
from sqlalchemy.orm import contains_eager

from app.connections import never_prepared
from app.extensions import db
from app.models import Document, DocumentKind, Recommendation, RecommendationSource, User
from app.models.base import UTCDateTime
from app.permissions import readable_documents
from app.rules import EDITABLE_STATUSES, PUBLIC_STATUSES
from app.search import schema
from app.search.schema import BY_TABLE, WEIGHTS, Source

# What a result is, in the order the filters and counts list them.
KINDS: dict[str, str] = {
    "clause": "Clause",
    "agenda_item": "Agenda item",
    "discussion": "Discussion",
    "comment": "Comment",
    "amendment": "Amendment",
    "recommendation": "Recommendation",
    "session": "Joint session",
    "version": "Published version",
}
SIDES: dict[str, str] = {"members": "Members", "officers": "Officers"}
PER_PAGE = 20
CAP = 1000  # hits counted and ranked per indexed table
MAX_TERMS = 16
MAX_WORD = 60
MAX_QUERY = 300

START, STOP = "\ue000", "\ue001"  # private-use characters that mark a match in a snippet
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# Double quotes as word processors, phones and other languages write them: read as ".
_STRAIGHT_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033", '"'))
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
_MARKED = re.compile(f"{START}(.*?){STOP}", re.S)


# The query ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several words in order; ``negated`` excludes it."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = ()

    @property
    def positives(self) -> list[Term]:
        return [term for term in self.terms if not term.negated]

    @property
    def negatives(self) -> list[Term]:
        return [term for term in self.terms if term.negated]

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: no word that is not excluded (neither engine can list
        "everything without X" from its index)."""
        return not self.positives

    def for_postgres(self) -> str:
        """The text for ``websearch_to_tsquery``: each term in quotes (so ``or`` is a word,
        not an operator), ``-`` before the excluded ones."""
        return " ".join(
            ("-" if term.negated else "") + '"' + " ".join(term.words) + '"' for term in self.terms
        )

    @property
    def phrases(self) -> list[str]:
        """The phrases to find (for PostgreSQL's word pairs: ``app/search/schema.py``)."""
        return [" ".join(term.words) for term in self.positives if len(term.words) > 1]

    def for_sqlite(self) -> str:
        """The FTS5 MATCH expression: the terms as quoted strings (a quoted string is never an
        FTS5 keyword, column filter or prefix), ANDed, then ``NOT`` each excluded one."""

        def quoted(term: Term) -> str:
            return '"' + " ".join(term.words) + '"'

        expression = "(" + " AND ".join(quoted(term) for term in self.positives) + ")"
        return expression + "".join(f" NOT {quoted(term)}" for term in self.negatives)

    def __str__(self) -> str:
        return self.for_postgres()


def parse_query(raw: str | None) -> ParsedQuery:
    """What a person typed → terms: ``"a phrase"``, ``-word``, ``-"a phrase"``, words. Only
    letters and digits make words; anything else separates them (a token such as ``a:b`` or
    ``well-being`` with several words is a phrase). Typographic quotes (“ ” „ « », as Word
    and phones write them) quote as ``"`` does. At most 16 terms of 60 characters."""
    cleaned = _CONTROL.sub(" ", raw or "")[:MAX_QUERY].translate(_STRAIGHT_QUOTES)
    terms: list[Term] = []
    seen: set[Term] = set()
    for match in _TOKEN.finditer(cleaned):
        if match.group(2) is not None:
            negated, content = match.group(1) == "-", match.group(2)
        else:
            negated, content = match.group(3) == "-", match.group(4)
        words = tuple(word.lower()[:MAX_WORD] for word in _WORD.findall(content))
        term = Term(words, negated)
        if words and term not in seen:
            seen.add(term)
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return ParsedQuery(tuple(terms))


# Filters and results --------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What narrows the results; an empty set means "any"."""

    kinds: frozenset[str] = frozenset()
    document_ids: frozenset[int] = frozenset()
    recommendation_id: int | None = None
    sides: frozenset[str] = frozenset()
    changed_from: date | None = None
    changed_to: date | None = None  # inclusive


@dataclass(frozen=True)
class Hit:
    kind: str
    source: str  # the indexed table
    item_id: int
    rank: float
    changed_at: datetime | None
    document_id: int | None
    document_title: str | None  # for a recommendation: its source's name
    document_slug: str | None  # for a recommendation: its source's slug
    document_kind: str | None
    label: str  # a heading, a discussion or session title, "CR g"
    number: str | None  # clause or item number; a recommendation's letter
    parent_id: int | None  # the discussion, the session, the version number
    state: str | None  # "retired", "hidden", "outcome", "action"
    snippet: Markup = field(default_factory=Markup)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def short_item_noun(self) -> str:
        """ "item" for a part of an agenda (an amendment to it, a version of it), else
        "clause"."""
        return DocumentKind(self.document_kind or "accord").short_item_noun


@dataclass(frozen=True)
class Results:
    query: ParsedQuery
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # per kind, before the kind filter
    total: int = 0  # in the chosen kinds
    page: int = 1
    pages: int = 1
    capped: frozenset[str] = frozenset()  # kinds with more hits than ``CAP`` in one table

    @property
    def is_capped(self) -> bool:
        return bool(self.capped)


# The SQL --------------------------------------------------------------------------------

# PostgreSQL: the query as typed ranks and marks the hits; a row must match it with each
# phrase's pairs of adjacent words ANDed in, which the GIN index finds without reading word
# positions (the same rows: see ``PG_FUNCTIONS`` in ``app/search/schema.py``).
_PG_QUERY = "websearch_to_tsquery('english', :query)"
_PG_MATCH = f"search_with_word_pairs({_PG_QUERY}, CAST(:phrases AS TEXT[]))"

_COLUMNS = (
    "kind, source, item_id, rank, changed_at, document_id, document_title, document_slug, "
    "document_kind, label, number, parent_id, state, author_id"
)


_INTEGERS = {"item_id", "document_id", "parent_id", "author_id"}
_NAMES = tuple(name.strip() for name in _COLUMNS.split(","))


def _split(select_list: str) -> list[str]:
    """The expressions of a SELECT list (commas inside parentheses do not split)."""
    parts, depth, current = [], 0, ""
    for char in select_list:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    parts.append(current.strip())
    return parts


def _source_sql(
    source: str, sqlite: bool, select_list: str, joins: str, where: str, ranked: bool = True
) -> str:
    """One indexed table's SELECT: ``{rank}`` in ``select_list`` becomes the engine's score."""
    spec: Source = BY_TABLE[source]
    expressions = _split(select_list.format(rank="{rank}", source=source))
    assert len(expressions) == len(_NAMES), expressions
    expressions = [  # a bare NULL in a wrapped union branch would be typed as text
        "CAST(NULL AS INTEGER)" if e == "NULL" and n in _INTEGERS else e
        for e, n in zip(expressions, _NAMES, strict=True)
    ]
    select_list = ", ".join(f"{e} AS {n}" for e, n in zip(expressions, _NAMES, strict=True))
    if sqlite:
        weights = ", ".join(str(WEIGHTS[weight]) for _, weight in spec.columns)
        rank = f"-bm25({spec.index}, {weights})"
        from_ = f"{spec.index} JOIN {source} AS t ON t.{spec.key} = {spec.index}.rowid"
        match = f"{spec.index} MATCH :query"
    else:
        rank = f"ts_rank_cd(t.search_vector, {_PG_QUERY})"
        from_ = f"{source} AS t"
        match = f"t.search_vector @@ {_PG_MATCH}"
    if not ranked:  # counting: no score to compute for each of many rows
        rank = "0"
    return (
        f"SELECT {select_list.replace('{rank}', rank)} FROM {from_} {joins} "
        f"WHERE {match} AND {where}"
    )


def _readable(user: User) -> str:
    """``permissions.is_readable_by`` on the alias ``d`` (documents)."""
    if user.is_facilitator or user.is_admin:
        return "1 = 1"
    return "d.status IN (" + ", ".join(f"'{s.value}'" for s in sorted(PUBLIC_STATUSES)) + ")"


def _hidden_text_readable(user: User) -> str:
    """A hidden comment's text: for a facilitator while the document is editable (the
    discussion page's ``can_offer_moderation``), never for anyone else."""
    if not user.is_facilitator:
        return "t.hidden_at IS NULL"
    editable = ", ".join(f"'{s.value}'" for s in sorted(EDITABLE_STATUSES))
    return f"(t.hidden_at IS NULL OR d.status IN ({editable}))"


def _sources(
    user: User, sqlite: bool, kinds: frozenset[str], recommendation: bool, ranked: bool = True
) -> list[str]:
    """The SELECT of each indexed table whose kind is in ``kinds``, with the reading rules
    (``ranked=False`` leaves the score out, for counting)."""
    readable = _readable(user)
    document = "d.id, d.title, d.slug, d.kind"

    def linked(table: str, column: str, value: str) -> str:
        if not recommendation:
            return ""
        return (
            f" AND EXISTS (SELECT 1 FROM {table} AS link WHERE link.{column} = {value} "
            "AND link.recommendation_id = :recommendation)"
        )

    def _source(table: str, _: bool, select_list: str, joins: str, where: str) -> str:
        return _source_sql(table, sqlite, select_list, joins, where, ranked)

    parts: list[str] = []
    if kinds & {"clause", "agenda_item"}:
        parts.append(
            _source(
                "clauses",
                sqlite,
                "CASE WHEN d.kind = 'agenda' THEN 'agenda_item' ELSE 'clause' END, '{source}', "
                "t.id, {rank}, (SELECT max(r.created_at) FROM clause_revisions AS r "
                f"WHERE r.clause_id = t.id), {document}, t.heading, t.number, NULL, "
                "CASE WHEN t.retired_at IS NULL THEN NULL ELSE 'retired' END, NULL",
                "JOIN documents AS d ON d.id = t.document_id",
                readable + linked("clause_recommendations", "clause_id", "t.id"),
            )
        )
    if "discussion" in kinds:
        parts.append(
            _source(
                "discussions",
                sqlite,
                f"'discussion', '{{source}}', t.id, {{rank}}, t.created_at, {document}, "
                "t.title, cl.number, t.id, NULL, t.started_by_id",
                "JOIN documents AS d ON d.id = t.document_id "
                "LEFT JOIN clauses AS cl ON cl.id = t.clause_id",
                readable + linked("discussion_recommendations", "discussion_id", "t.id"),
            )
        )
    if "comment" in kinds:
        parts.append(
            _source(
                "comments",
                sqlite,
                "'comment', '{source}', t.id, {rank}, coalesce(t.edited_at, t.created_at), "
                f"{document}, di.title, cl.number, di.id, "
                "CASE WHEN t.hidden_at IS NULL THEN NULL ELSE 'hidden' END, t.author_id",
                "JOIN discussions AS di ON di.id = t.discussion_id "
                "JOIN documents AS d ON d.id = di.document_id "
                "LEFT JOIN clauses AS cl ON cl.id = di.clause_id",
                f"{readable} AND t.withdrawn_at IS NULL AND {_hidden_text_readable(user)}"
                + linked("discussion_recommendations", "discussion_id", "di.id"),
            )
        )
    if "amendment" in kinds:
        parts.append(
            _source(
                "amendments",
                sqlite,
                "'amendment', '{source}', t.id, {rank}, coalesce(t.decided_at, t.created_at), "
                f"{document}, t.heading, cl.number, cl.id, "
                "CASE WHEN cl.retired_at IS NULL THEN NULL ELSE 'retired' END, t.proposer_id",
                "JOIN clauses AS cl ON cl.id = t.clause_id "
                "JOIN documents AS d ON d.id = cl.document_id",
                readable + linked("amendment_recommendations", "amendment_id", "t.id"),
            )
        )
    if "recommendation" in kinds:
        parts.append(
            _source(
                "recommendations",
                sqlite,
                "'recommendation', '{source}', t.id, {rank}, "
                "coalesce((SELECT max(r.created_at) FROM recommendation_revisions AS r "
                "WHERE r.recommendation_id = t.id), t.created_at), NULL, s.name, s.slug, NULL, "
                "s.short_name || ' ' || t.letter, t.letter, s.id, "
                "CASE WHEN t.retired_at IS NULL THEN NULL ELSE 'retired' END, NULL",
                "JOIN recommendation_sources AS s ON s.id = t.source_id",
                "t.id = :recommendation" if recommendation else "1 = 1",
            )
        )
    if "session" in kinds:
        sessions = linked("session_recommendations", "session_id", "js.id")
        parts.append(
            _source(
                "joint_sessions",
                sqlite,
                f"'session', '{{source}}', t.id, {{rank}}, t.created_at, {document}, t.title, "
                "NULL, t.id, NULL, NULL",
                "JOIN documents AS d ON d.id = t.agenda_id "
                "JOIN joint_sessions AS js ON js.id = t.id",
                readable + sessions,
            )
        )
        parts.append(
            _source(
                "agenda_items",
                sqlite,
                f"'session', '{{source}}', t.clause_id, {{rank}}, js.created_at, {document}, "
                "js.title, cl.number, js.id, 'outcome', NULL",
                "JOIN clauses AS cl ON cl.id = t.clause_id "
                "JOIN documents AS d ON d.id = cl.document_id "
                "JOIN joint_sessions AS js ON js.agenda_id = d.id",
                readable + sessions,
            )
        )
        parts.append(
            _source(
                "session_actions",
                sqlite,
                "'session', '{source}', t.id, {rank}, coalesce(t.done_at, t.created_at), "
                f"{document}, js.title, cl.number, js.id, 'action', NULL",
                "JOIN joint_sessions AS js ON js.id = t.session_id "
                "JOIN documents AS d ON d.id = js.agenda_id "
                "LEFT JOIN clauses AS cl ON cl.id = t.clause_id",
                readable + sessions,
            )
        )
    if "version" in kinds:
        parts.append(
            _source(
                "search_version_clauses",
                sqlite,
                f"'version', '{{source}}', t.id, {{rank}}, v.published_at, {document}, "
                "t.heading, t.number, v.number, NULL, NULL",
                "JOIN document_versions AS v ON v.id = t.version_id "
                "JOIN documents AS d ON d.id = t.document_id "
                "LEFT JOIN clauses AS cl ON cl.id = t.clause_id",
                f"{readable} AND (cl.id IS NULL OR cl.retired_at IS NOT NULL "
                "OR cl.body <> t.body OR cl.heading <> t.heading)"
                + linked("clause_recommendations", "clause_id", "t.clause_id"),
            )
        )
    return parts


def _outer_where(filters: Filters) -> str:
    """The filters on the union of hits (everything but the kind and the recommendation)."""
    conditions = ["1 = 1"]
    if filters.document_ids:
        conditions.append("document_id IN :document_ids")
    if filters.changed_from is not None:
        conditions.append("changed_at >= :changed_from")
    if filters.changed_to is not None:
        conditions.append("changed_at < :changed_before")
    sides = []
    role = "SELECT user_id FROM user_roles WHERE role = '{}'"
    if "members" in filters.sides:
        sides.append(f"author_id IN ({role.format('member')})")
    if "officers" in filters.sides:
        sides.append(
            f"(author_id IN ({role.format('officer')}) "
            f"AND author_id NOT IN ({role.format('member')}))"
        )
    if sides:
        conditions.append("(" + " OR ".join(sides) + ")")
    return " AND ".join(conditions)


def _params(query: ParsedQuery, filters: Filters, sqlite: bool) -> dict[str, Any]:
    params: dict[str, Any] = {
        "query": query.for_sqlite() if sqlite else query.for_postgres(),
        "phrases": query.phrases,
        "recommendation": filters.recommendation_id,
        "document_ids": sorted(filters.document_ids),
    }
    if filters.changed_from is not None:
        params["changed_from"] = datetime.combine(filters.changed_from, time(), UTC)
    if filters.changed_to is not None:
        params["changed_before"] = datetime.combine(
            filters.changed_to + timedelta(days=1), time(), UTC
        )
    return params


def _statement(sql: str, params: dict[str, Any]):
    statement = text(sql)
    binds: list[BindParameter[Any]] = []
    if ":document_ids" in sql:
        binds.append(bindparam("document_ids", expanding=True))
    for name in ("changed_from", "changed_before"):
        if f":{name}" in sql:
            binds.append(bindparam(name, type_=UTCDateTime()))
    if binds:
        statement = statement.bindparams(*binds)
    # Planned with the typed query each time: see ``never_prepared``.
    statement = never_prepared(statement)
    return statement, {key: value for key, value in params.items() if f":{key}" in sql}


# Snippets -------------------------------------------------------------------------------

_HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, ShortWord=2, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def _snippet_sql(source: str, sqlite: bool) -> str:
    spec = BY_TABLE[source]
    ids = f":ids_{source}"
    if sqlite:
        return (
            f"SELECT '{source}' AS source, rowid AS item_id, "
            f"snippet({spec.index}, -1, :start, :stop, '…', 30) AS snippet "
            f"FROM {spec.index} WHERE {spec.index} MATCH :query AND rowid IN {ids}"
        )
    document = " || ' … ' || ".join(f"coalesce(t.{column}, '')" for column, _ in spec.columns)
    return (
        f"SELECT '{source}' AS source, t.{spec.key} AS item_id, "
        f"ts_headline('english', {document}, {_PG_QUERY}, "
        f":options) AS snippet FROM {source} AS t WHERE t.{spec.key} IN {ids}"
    )


def highlight(snippet: str | None) -> Markup:
    """A snippet from either engine as safe HTML: the text escaped, each match in
    ``<mark>`` (bold and underlined by the stylesheet, so not by colour alone)."""
    escaped = str(escape(snippet or ""))
    marked = _MARKED.sub(r'<mark class="app-search-mark">\1</mark>', escaped)
    return Markup(marked.replace(START, "").replace(STOP, ""))


def _snippets(hits: list[Hit], query: ParsedQuery, sqlite: bool) -> dict[tuple[str, int], str]:
    """The snippet of each hit on the page, in one statement."""
    by_source: dict[str, list[int]] = {}
    for hit in hits:
        by_source.setdefault(hit.source, []).append(hit.item_id)
    sql = " UNION ALL ".join(_snippet_sql(source, sqlite) for source in sorted(by_source))
    statement = never_prepared(
        text(sql).bindparams(*(bindparam(f"ids_{source}", expanding=True) for source in by_source))
    )
    params: dict[str, Any] = {f"ids_{source}": ids for source, ids in by_source.items()}
    params["query"] = query.for_sqlite() if sqlite else query.for_postgres()
    if sqlite:
        params |= {"start": START, "stop": STOP}
    else:
        params["options"] = _HEADLINE_OPTIONS
    rows = db.session.execute(statement, params)
    return {(row.source, row.item_id): row.snippet for row in rows}


# The search -----------------------------------------------------------------------------


def search(
    user: User | None,
    raw_query: str | None,
    filters: Filters | None = None,
    page: int | None = 1,
    per_page: int = PER_PAGE,
) -> Results:
    """The results page ``page`` (clamped to the pages there are) of what ``user`` may read
    matching ``raw_query``, narrowed by ``filters``, best first.

    Three statements whatever the number of hits (counts per kind, the page, its snippets);
    none when the query has nothing to look for or the person is not signed in and active.
    ``counts`` ignore the kind filter (so each kind's box can say how many it would add).
    """
    filters = filters or Filters()
    query = parse_query(raw_query)
    if query.is_empty or user is None or not user.is_authenticated or not user.is_active:
        return Results(query)
    sqlite = db.engine.dialect.name == "sqlite"
    recommendation = filters.recommendation_id is not None
    every_kind = frozenset(KINDS)
    if filters.sides:  # only discussions, comments and amendments have an author
        every_kind = frozenset({"discussion", "comment", "amendment"})
    if recommendation and filters.document_ids:
        every_kind -= {"recommendation"}
    chosen = (filters.kinds & every_kind) if filters.kinds else every_kind
    params = _params(query, filters, sqlite)
    where = _outer_where(filters)

    sources = _sources(user, sqlite, every_kind, recommendation, ranked=False)
    sql = f"SELECT kind, source, count(*) AS n FROM ({_capped(sources, where)}) AS hits "
    sql += "GROUP BY kind, source"
    statement, bound = _statement(sql, params)
    counts = dict.fromkeys(KINDS, 0)
    capped: set[str] = set()
    for row in db.session.execute(statement, bound):
        counts[row.kind] += row.n
        if row.n >= CAP:
            capped.add(row.kind)
    total = sum(counts[kind] for kind in chosen)
    pages = max(1, -(-total // per_page))
    number = min(max(page or 1, 1), pages)
    if total == 0:
        return Results(query, [], counts, 0, number, pages)

    kinds = ", ".join(f"'{kind}'" for kind in sorted(chosen))
    union = _capped(
        _sources(user, sqlite, chosen, recommendation), f"{where} AND kind IN ({kinds})"
    )
    sql = (
        f"SELECT * FROM ({union}) AS hits "
        "ORDER BY rank DESC, source, item_id LIMIT :limit OFFSET :offset"
    )
    statement, bound = _statement(sql, params)
    bound |= {"limit": per_page, "offset": (number - 1) * per_page}
    typed = never_prepared(statement.columns(changed_at=UTCDateTime()))  # .columns() drops it
    rows = db.session.execute(typed, bound).mappings()
    hits = [
        Hit(**{key: row[key] for key in Hit.__dataclass_fields__ if key in row}) for row in rows
    ]
    snippets = _snippets(hits, query, sqlite)
    hits = [
        Hit(**{**hit.__dict__, "snippet": highlight(snippets.get((hit.source, hit.item_id)))})
        for hit in hits
    ]
    return Results(query, hits, counts, total, number, pages, frozenset(capped & chosen))


def _capped(sources: list[str], where: str) -> str:
    """The union of the sources, each filtered by ``where`` and cut at ``CAP`` rows: a word
    in most of 100,000 comments is counted as "1,000 or more" and ranked among the first
    1,000 found, instead of scoring every row (see the benchmark in the README)."""
    return " UNION ALL ".join(
        f"SELECT * FROM (SELECT * FROM ({source}) AS found WHERE {where} LIMIT {CAP}) AS s{n}"
        for n, source in enumerate(sources)
    )


def rebuild_index() -> dict[str, int]:
    """Rebuild the index from the tables, in the session's transaction (the caller commits):
    missing tables, columns or triggers are recreated first. Returns the rows indexed per
    table. Source of the steps: ``app.search.schema.rebuild``."""
    connection = db.session.connection()
    schema.rebuild(connection)
    return {
        source.table: connection.exec_driver_sql(f"SELECT count(*) FROM {source.table}").scalar()
        or 0
        for source in schema.SOURCES
    }


def filter_choices(user: User) -> tuple[list[Document], list[Recommendation]]:
    """The documents ``user`` may read and every recommendation, for the filter lists."""
    documents = db.session.scalars(readable_documents(user).order_by(Document.title)).all()
    recommendations = db.session.scalars(
        select(Recommendation)
        .join(Recommendation.source)
        .options(contains_eager(Recommendation.source))
        .order_by(RecommendationSource.position, RecommendationSource.id, Recommendation.letter)
    ).all()
    return list(documents), list(recommendations)


__all__ = [
    "KINDS",
    "SIDES",
    "Filters",
    "Hit",
    "ParsedQuery",
    "Results",
    "Term",
    "filter_choices",
    "highlight",
    "parse_query",
    "rebuild_index",
    "search",
]
