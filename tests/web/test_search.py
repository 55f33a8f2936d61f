"""Search: ranking, stemming, phrases, exclusions, filters, who sees what, hostile queries.

Every test runs on SQLite (FTS5) and PostgreSQL (tsvector) through the ``app`` fixture.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.models import Comment, Discussion, Role
from app.search import schema
from app.services import clauses as clause_service
from app.services import discussions, lifecycle
from app.services import search as service
from tests import factories
from tests.helpers import count_queries
from tests.snapshots import snapshot

# Every secret item says "lantern" and a word of its own; the visible ones say "lantern" too.
SECRETS = {
    "draft clause": "draftsecret",
    "draft session": "sessionsecret",
    "hidden comment": "hiddensecret",
    "withdrawn comment": "withdrawnsecret",
    "email": "emailsecret",
}
# Who may read each secret (by role); nobody reads a withdrawn comment or an email.
READERS = {
    "draft clause": {Role.FACILITATOR, Role.ADMIN},
    "draft session": {Role.FACILITATOR, Role.ADMIN},
    "hidden comment": {Role.FACILITATOR},
    "withdrawn comment": set(),
    "email": set(),
}


@pytest.fixture
@snapshot
def world(app):
    """An Open Accord with clauses, a discussion, an amendment, a retired clause, a published
    version since changed; a Draft document; a draft session; hidden and withdrawn comments."""
    with factories.built(app):
        people = factories.everyone()
        accord = factories.document(
            clauses=[
                ("Respect", "Respect each other: respect is the lantern of the Accord.", ["CR g"]),
                (
                    "Policy Cabinet",
                    "The forward plan is shared at Policy Cabinet meetings by the lantern.",
                    ["CR c"],
                ),
                ("Retiring", "A retiredword lantern clause.", ["CR g"]),
                (
                    "Early sharing",
                    "Officers share emerging proposals early with Members.",
                    ["CR g"],
                ),
            ]
        )
        lifecycle.publish_version(accord, by=people[Role.FACILITATOR], note="First")
        clause_service.revise_clause(
            factories.clause(accord, "4"),
            "Early sharing",
            "Officers share proposals early.",
            by=people[Role.FACILITATOR],
            reason="Shorter",
        )
        clause_service.retire_clause(
            factories.clause(accord, "3"), "Not needed", by=people[Role.FACILITATOR]
        )
        talk = factories.discussion(
            accord,
            factories.clause(accord, "1"),
            title="Lantern talk",
            body="A Member writes about the lantern.",
            comments=[
                "An Officer: the lantern is lit.",
                f"lantern {SECRETS['hidden comment']}",
                f"lantern {SECRETS['withdrawn comment']}",
            ],
        )
        comments = db.session.scalars(
            db.select(Comment).where(Comment.discussion_id == talk.id).order_by(Comment.id)
        ).all()
        discussions.hide_comment(comments[2], "Off topic", by=people[Role.FACILITATOR])
        discussions.withdraw_comment(comments[3], by=comments[3].author)
        factories.amendment(
            factories.clause(accord, "2"),
            body="The forward plan is shared monthly.",
            rationale="A lantern needs a timetable.",
            answers=("CR c",),
        )
        factories.document(
            "draft",
            title="Draft Protocol",
            kind="protocol",
            clauses=[("Secret", f"A lantern {SECRETS['draft clause']}.")],
        )
        factories.joint_session(title=f"Lantern {SECRETS['draft session']}", published=False)
        factories.member(email=f"{SECRETS['email']}@example.org", display_name="Lantern Person")
        db.session.flush()
        ids = {"accord": accord.id, "talk": talk.id}
    return ids


def _search(app, role: Role, text: str, **filters):
    with app.app_context():
        user = factories.someone(role)
        return service.search(user, text, service.Filters(**filters))


def _labels(results) -> list[str]:
    return [f"{hit.kind}:{hit.label}" for hit in results.hits]


# The query parser ------------------------------------------------------------------------

HOSTILE = [
    '"',
    '"""',
    'a"b',
    "-",
    "--x",
    '-"',
    '"unbalanced phrase',
    "NEAR(lantern respect)",
    "lantern NEAR respect",
    "AND",
    "OR",
    "NOT",
    "lantern OR",
    "lantern AND NOT",
    "body:lantern",
    "heading : lantern",
    "*",
    "lantern*",
    "^lantern",
    "lantern\x00respect",
    "\x00",
    "'; DROP TABLE comments; --",
    "(",
    ")",
    "{lantern respect}",
    "lantern + respect",
    "!lantern",
    "lantern & | ! <-> :*",
    "lantern:*",
    "\\",
    "%_",
    "🙂 lantern",
    "\ue000lantern\ue001",
    "lantern " * 400,
    "x" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_parser_only_ever_writes_quoted_words(text):
    parsed = service.parse_query(text)
    assert len(parsed.terms) <= service.MAX_TERMS
    for term in parsed.terms:
        assert term.words and all(re.fullmatch(r"[^\W_]+", word) for word in term.words)
    sqlite = parsed.for_sqlite() if parsed.positives else ""
    assert "\x00" not in sqlite and "\x00" not in parsed.for_postgres()


def test_the_parser_reads_phrases_and_exclusions():
    parsed = service.parse_query('policy "forward plan" -budget -"chief executive" a:b')
    assert [(t.words, t.negated) for t in parsed.terms] == [
        (("policy",), False),
        (("forward", "plan"), False),
        (("budget",), True),
        (("chief", "executive"), True),
        (("a", "b"), False),
    ]
    assert parsed.for_sqlite() == (
        '("policy" AND "forward plan" AND "a b") NOT "budget" NOT "chief executive"'
    )
    assert parsed.for_postgres() == '"policy" "forward plan" -"budget" -"chief executive" "a b"'
    assert parsed.phrases == ["forward plan", "a b"]  # the ones to find, of two words or more
    assert service.parse_query("-budget").is_empty


@pytest.mark.parametrize(
    "typed",
    [
        "\u201cforward plan\u201d",
        "\u201eforward plan\u201c",
        "\u00abforward plan\u00bb",
    ],
)
def test_phrases_in_typographic_quotes_are_phrases(typed):
    """Quotes as a word processor or phone writes them (pasted from Word: “Policy Cabinet”)
    make a phrase as straight ones do."""
    parsed = service.parse_query(f"policy {typed} -\u201cchief executive\u201d")
    assert [(t.words, t.negated) for t in parsed.terms] == [
        (("policy",), False),
        (("forward", "plan"), False),
        (("chief", "executive"), True),
    ]


def test_hostile_queries_answer_200_on_the_page(app, world, client):
    client.sign_in("member@example.org")
    for text in HOSTILE:
        if "\x00" in text:
            continue  # refused at the boundary for every page (app/boundaries.py)
        response = client.get("/search", query_string={"q": text})
        assert response.status_code == 200, text


def test_hostile_queries_never_raise_in_the_service(app, world):
    for text in HOSTILE:
        _search(app, Role.FACILITATOR, text)


def test_a_snippet_escapes_the_text_and_marks_only_matches():
    marked = service.highlight('<script>x</script> \ue000lantern\ue001 "a" \ue000stray')
    assert "<script>" not in marked
    assert '<mark class="app-search-mark">lantern</mark>' in marked
    assert "\ue000" not in marked and "\ue001" not in marked


# Finding things ---------------------------------------------------------------------------


def test_stemming_finds_other_forms(app, world):
    found = _labels(_search(app, Role.MEMBER, "meeting", kinds=frozenset({"clause"})))
    assert found == ["clause:Policy Cabinet"]
    assert _labels(_search(app, Role.MEMBER, "shares", kinds=frozenset({"clause"})))


def test_phrases_need_the_words_together(app, world):
    assert _labels(_search(app, Role.MEMBER, '"forward plan"', kinds=frozenset({"clause"}))) == [
        "clause:Policy Cabinet"
    ]
    assert _search(app, Role.MEMBER, '"plan forward"', kinds=frozenset({"clause"})).total == 0


def test_a_phrase_is_marked_in_its_snippet(app, world):
    (hit,) = _search(app, Role.MEMBER, '"forward plan" -monthly', kinds=frozenset({"clause"})).hits
    marked = " ".join(re.findall(r'<mark class="app-search-mark">([^<]*)</mark>', hit.snippet))
    assert "forward" in marked and "plan" in marked


# PostgreSQL's word pairs: these run on PostgreSQL alone (SQLite's FTS5 has none).
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _pg_pairs(app, text: str) -> list[str]:
    """The word pairs the PostgreSQL query for ``text`` asks the index for."""
    parsed = service.parse_query(text)
    with app.app_context():
        query = db.session.scalar(
            db.text(f"SELECT CAST({service._PG_MATCH} AS TEXT)"),
            {"query": parsed.for_postgres(), "phrases": parsed.phrases},
        )
    return sorted(re.findall(r"'([^' ]+_[^' ]+)'", query))


@ON_POSTGRESQL
@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ('"council member"', ["council_member"]),
        ('"forward plan is shared" policy', ["forward_plan"]),  # "is" is a stop word
        (
            '"Policy Cabinet meetings" "forward plan"',
            ["cabinet_meet", "forward_plan", "polici_cabinet"],
        ),
        ('"member of staff"', []),  # a stop word between: no pair, the positions decide
        ('"members of the council" "the council member"', ["council_member"]),
        ('"council"', []),
        ("council member", []),
        ('council -"chief executive"', []),  # an excluded phrase narrows nothing
        ("well-being", []),  # "being" is a stop word
        ("covid-19", ["covid_19"]),
    ],
)
def test_a_phrase_asks_the_index_for_its_word_pairs(app, text, pairs):
    assert _pg_pairs(app, text) == pairs


# Texts and queries over a few words, stop words among them, for the comparison below.
PAIR_WORDS = [
    "council", "member", "members", "of", "the", "staff", "chief", "executive", "plan",
    "forward", "well-being", "a", "big", "policy", "cabinet", "covid-19", "o'brien", "is",
]  # fmt: skip


@ON_POSTGRESQL
def test_phrases_find_the_same_rows_with_word_pairs_as_without(app, world):
    """The word pairs only narrow what the index returns: for phrases of two and more words,
    with stop words inside, of one word, excluded, each search finds exactly the comments
    that the query without the pairs matches."""
    rng = random.Random(17)
    texts = [
        " ".join(rng.choice(PAIR_WORDS) for _ in range(rng.randint(2, 14))) for _ in range(400)
    ]
    with factories.built(app):
        talk = factories.discussion(factories.find_document("ways-of-working-accord"))
        author = factories.someone(Role.MEMBER)
        db.session.execute(
            insert(Comment),
            [{"discussion_id": talk.id, "author_id": author.id, "body": body} for body in texts],
        )
        talk_id = talk.id
    queries = []
    for _ in range(150):
        source = rng.choice(texts).split()
        start = rng.randrange(len(source))
        phrase = " ".join(source[start : start + rng.randint(1, 4)])
        other = " ".join(rng.sample(PAIR_WORDS, rng.randint(1, 3)))
        queries.append(f'"{phrase}"' + rng.choice(["", f' -"{other}"', f' "{other}"', f" {other}"]))
    found = 0
    for text in queries:
        parsed = service.parse_query(text)
        with app.app_context():
            page = service.search(
                factories.someone(Role.MEMBER),
                text,
                service.Filters(kinds=frozenset({"comment"})),
                per_page=service.CAP,
            )
            expected = db.session.scalars(
                db.text(
                    "SELECT id FROM comments WHERE discussion_id = :talk "
                    "AND search_vector @@ websearch_to_tsquery('english', :query)"
                ),
                {"talk": talk_id, "query": parsed.for_postgres()},
            ).all()
        assert page.total == len(page.hits), text  # counted as found, all on the page
        assert {hit.item_id for hit in page.hits if hit.parent_id == talk_id} == set(expected), text
        found += len(expected)
    assert found > 2000  # the phrases were found, not only missed
    assert sum(1 for text in queries if _pg_pairs(app, text)) > 50  # and narrowed by pairs


@ON_POSTGRESQL
def test_a_search_is_planned_with_its_query_however_often_it_is_asked(app, world):
    """psycopg prepares a statement at its fifth use, and PostgreSQL may then keep a generic
    plan, made without the typed query: the query's parsing (``websearch_to_tsquery``, the
    word pairs) is then not folded into a constant but done again for every row filtered,
    ranked and marked (on a small test database a results page took 80 ms instead of 8). The
    search's statements are never prepared, whatever other statements are."""
    with app.app_context():
        member = factories.someone(Role.MEMBER)
        for _ in range(7):
            page = service.search(member, '"forward plan" lantern -respect')
        prepared = db.session.execute(
            db.text("SELECT statement FROM pg_prepared_statements")
        ).scalars()
        searches = [text for text in prepared if "search_vector" in text or "ts_headline" in text]
        db.session.rollback()
    assert page.hits, "the search found nothing, so nothing was ranked or marked"
    assert searches == []


def test_a_minus_leaves_a_word_out(app, world):
    every = _search(app, Role.MEMBER, "lantern", kinds=frozenset({"clause"}))
    fewer = _search(app, Role.MEMBER, "lantern -respect", kinds=frozenset({"clause"}))
    assert "clause:Respect" in _labels(every)
    assert "clause:Respect" not in _labels(fewer)
    assert fewer.total == every.total - 1


def test_the_best_match_comes_first(app, world):
    results = _search(app, Role.MEMBER, "respect", kinds=frozenset({"clause"}))
    assert _labels(results)[0] == "clause:Respect"


def test_every_kind_is_found(app, world):
    results = _search(app, Role.FACILITATOR, "lantern")
    kinds = {kind for kind, count in results.counts.items() if count}
    assert {"clause", "discussion", "comment", "amendment", "session"} <= kinds
    assert _search(app, Role.MEMBER, "emerging").counts["version"] == 1  # v1 wording, since changed
    assert _search(app, Role.MEMBER, "Respect").counts["version"] == 0  # unchanged since v1
    assert _search(app, Role.MEMBER, "Corporate Plan").counts["recommendation"] > 0


def test_a_retired_clause_is_found_and_marked(app, world):
    results = _search(app, Role.MEMBER, "retiredword")
    found = [(hit.kind, hit.state) for hit in results.hits]
    assert sorted(found, key=str) == [("clause", "retired"), ("version", None)]  # and in v1


# Filters ------------------------------------------------------------------------------------


def test_the_kind_filter_keeps_the_counts_of_every_kind(app, world):
    results = _search(app, Role.MEMBER, "lantern", kinds=frozenset({"comment"}))
    assert {hit.kind for hit in results.hits} == {"comment"}
    assert results.total == results.counts["comment"]
    assert results.counts["clause"] > 0


def test_the_document_filter(app, world):
    with app.app_context():
        draft = factories.find_document("draft-protocol")
    only = _search(app, Role.ADMIN, "lantern", document_ids=frozenset({draft.id}))
    assert {hit.document_id for hit in only.hits} == {draft.id}
    assert only.counts["recommendation"] == 0


def test_the_recommendation_filter(app, world):
    with app.app_context():
        cr_c = factories.recommendation("CR c").id
    results = _search(app, Role.MEMBER, "forward", recommendation_id=cr_c)
    assert {hit.kind for hit in results.hits} == {"clause", "amendment", "recommendation"}
    assert all(hit.label in ("Policy Cabinet", "", "CR c") for hit in results.hits)


def test_the_side_filter(app, world):
    officers = _search(app, Role.MEMBER, "lantern", sides=frozenset({"officers"}))
    members = _search(app, Role.MEMBER, "lantern", sides=frozenset({"members"}))
    assert _labels(officers) == ["comment:Lantern talk"]  # the Officer's comment
    assert {hit.kind for hit in members.hits} == {"discussion", "comment", "amendment"}
    assert members.counts["clause"] == 0


def test_the_date_filter(app, world):
    today = date.today()
    assert _search(app, Role.MEMBER, "lantern", changed_from=today + timedelta(days=2)).total == 0
    assert _search(app, Role.MEMBER, "lantern", changed_to=today - timedelta(days=2)).total == 0
    between = _search(
        app,
        Role.MEMBER,
        "lantern",
        changed_from=today - timedelta(days=1),
        changed_to=today + timedelta(days=1),
    )
    assert between.total > 0


def test_the_date_filter_dates_a_recommendation_never_revised_by_when_it_was_added(app, world):
    """A recommendation has the date it was added to Accord until it is revised, so a date
    filter keeps it when that date is in range. Before, one never revised had no date and any
    date filter left it out."""
    today = date.today()
    everything = _search(app, Role.MEMBER, "forward")
    assert everything.counts["recommendation"] >= 1
    assert all(hit.changed_at is not None for hit in everything.hits)
    between = _search(
        app,
        Role.MEMBER,
        "forward",
        changed_from=today - timedelta(days=1),
        changed_to=today + timedelta(days=1),
    )
    assert between.counts["recommendation"] == everything.counts["recommendation"]
    later = _search(app, Role.MEMBER, "forward", changed_from=today + timedelta(days=2))
    assert later.counts["recommendation"] == 0


# Who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_nothing_leaks_through_results_counts_or_snippets(app, world, client, role):
    """Each role × each secret: found only by those who may read it, in the service, the
    counts and the page (searching for the shared word, so a snippet would show the secret)."""
    with app.app_context():
        email = factories.someone(role).email
    client.sign_in(email)
    shared = _search(app, role, "lantern")
    page = client.get("/search", query_string={"q": "lantern"}).get_data(as_text=True)
    snippets = " ".join(str(hit.snippet) + hit.label for hit in shared.hits)
    for secret, word in SECRETS.items():
        may = role in READERS[secret]
        alone = _search(app, role, word)
        assert (alone.total > 0) == may, (role, secret)
        assert (sum(alone.counts.values()) > 0) == may, (role, secret)
        assert (word in snippets.lower()) == may or secret in ("hidden comment",), (role, secret)
        if not may:
            assert word not in page.lower(), (role, secret)
            alone_page = client.get("/search", query_string={"q": word}).get_data(as_text=True)
            assert "0 results" in alone_page, (role, secret)


def test_a_search_takes_the_same_number_of_statements_for_few_and_many_hits(app, world, client):
    client.sign_in("member@example.org")
    client.get("/search?q=lantern")
    with count_queries(app) as few:
        client.get("/search?q=retiredword")
    with app.app_context(), factories.built(app):
        talk = factories.discussion(
            factories.find_document("ways-of-working-accord"),
            comments=[f"retiredword number {n}" for n in range(30)],
        )
        assert talk
    with count_queries(app) as many:
        response = client.get("/search?q=retiredword")
    assert "32 results" in response.get_data(as_text=True)  # the clause, v1, 30 comments
    assert many.count == few.count, str(many)


# The page ---------------------------------------------------------------------------------


def test_the_page_keeps_the_query_and_marks_matches(app, world, client):
    client.sign_in("member@example.org")
    html = client.get("/search?q=meetings").get_data(as_text=True)
    assert 'value="meetings"' in html
    assert 'role="search"' in html
    assert '<mark class="app-search-mark">meetings</mark>' in html
    assert "/documents/ways-of-working-accord/clauses/2" in html


def test_the_header_has_a_search_box_on_every_signed_in_page(app, world, client):
    client.sign_in("officer@example.org")
    html = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in html and 'id="header-search"' in html


def test_htmx_gets_the_results_alone(app, world, client):
    client.sign_in("member@example.org")
    response = client.get("/search?q=lantern&kind=comment", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="search-results"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_an_empty_result_suggests_what_to_try(app, world, client):
    client.sign_in("member@example.org")
    html = client.get("/search?q=zzzzqqq&kind=clause").get_data(as_text=True)
    assert "0 results" in html and "You could try" in html and "without the filters" in html


def test_a_bad_date_is_shown_by_its_field_and_keeps_the_input(app, world, client):
    client.sign_in("member@example.org")
    response = client.get("/search?q=lantern&from-day=31&from-month=2&from-year=2026")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a real date" in html and 'href="#from-day"' in html and 'value="31"' in html


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("10000", "The year must include 4 numbers"),
        ("99999", "The year must include 4 numbers"),
        ("２０２６", "Enter a real date"),
        ("-2026", "Enter a real date"),
        ("9999", "The year must be between 1900 and 2199"),
        ("0001", "The year must be between 1900 and 2199"),
    ],
)
def test_a_year_that_is_not_4_numbers_is_refused_not_misread(app, world, client, year, message):
    """ "10000" used to be cut to "1000", so everything since the year 1000 matched."""
    client.sign_in("member@example.org")
    response = client.get(f"/search?q=lantern&from-day=1&from-month=1&from-year={year}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_last_date_there_is_is_refused_by_its_field_not_a_500(app, world, client):
    """31 12 9999 is a real date, and "changed on or before" it was a 500: the search looks
    until the day after. Years are 1900 to 2199, as in every date field."""
    client.sign_in("member@example.org")
    response = client.get("/search?q=lantern&to-day=31&to-month=12&to-year=9999")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The year must be between 1900 and 2199" in html and 'href="#to-day"' in html


def test_dates_the_wrong_way_round_are_said_to_be(app, world, client):
    client.sign_in("member@example.org")
    response = client.get(
        "/search?q=lantern&from-day=1&from-month=1&from-year=2030&to-day=1&to-month=1&to-year=2020"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "must be the same as or after the first" in html and 'href="#to-day"' in html


def test_a_long_search_is_cut_between_words_and_says_so(app, world, client):
    client.sign_in("member@example.org")
    html = client.get("/search?q=" + "lantern " * 800).get_data(as_text=True)
    assert "Only the first 300 characters of your search were used" in html
    assert "lanter”" not in html and "lantern”" in html  # the quoted query ends on a whole word
    assert 'maxlength="300"' in html


def test_pages_of_results(app, world, client):
    with factories.built(app):
        factories.discussion(
            factories.find_document("ways-of-working-accord"),
            comments=[f"pagingword {n}" for n in range(25)],
        )
    client.sign_in("member@example.org")
    first = client.get("/search?q=pagingword").get_data(as_text=True)
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/search?q=pagingword&page=9").get_data(as_text=True)
    assert "Page 2 of 2" in second


def test_signed_out_people_are_sent_to_sign_in(app, client):
    assert client.get("/search?q=x").status_code == 302


def test_rebuild_restores_a_lost_index(app, world):
    """``flask search rebuild`` recreates what a later table rebuild dropped (SQLite loses a
    table's triggers with it) and re-reads every row; the index stays current afterwards."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(db.text("DROP TRIGGER search_comments_ai"))
            db.session.execute(
                db.text("INSERT INTO search_comments(search_comments) VALUES ('delete-all')")
            )
            db.session.commit()
    assert _search(app, Role.MEMBER, "lit", kinds=frozenset({"comment"})).total in (0, 1)
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the search index" in result.output
    assert _search(app, Role.MEMBER, "lit", kinds=frozenset({"comment"})).total == 1
    with factories.built(app):
        talk = db.session.get(Discussion, world["talk"])
        factories.comment(talk, "A freshly indexed glowworm.")
    assert _search(app, Role.MEMBER, "glowworm").total == 1


@ON_POSTGRESQL
def test_rebuild_adds_the_word_pairs_to_an_earlier_index(app, world):
    """A database whose ``0018_search`` ran before the index had word pairs finds no phrase
    until ``flask search rebuild`` makes the column again."""
    with app.app_context():
        connection = db.session.connection()
        source = schema.BY_TABLE["clauses"]
        connection.exec_driver_sql("ALTER TABLE clauses DROP COLUMN search_vector")
        words = schema.pg_vector_expression(source).split(" || search_word_pairs(")[0]
        connection.exec_driver_sql(
            f"ALTER TABLE clauses ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({words}) "
            "STORED"
        )
        assert schema.pg_is_current(connection, source) is False
        db.session.commit()
    assert _search(app, Role.MEMBER, '"forward plan"', kinds=frozenset({"clause"})).total == 0
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert _search(app, Role.MEMBER, '"forward plan"', kinds=frozenset({"clause"})).total == 1
    with app.app_context():
        assert all(schema.pg_is_current(db.session.connection(), s) for s in schema.SOURCES)


def test_words_joined_by_a_slash_are_found_as_words_and_as_a_phrase(app, world):
    """PostgreSQL's parser reads "member/officer" as one file-path word, so neither "officer"
    nor "member officer" found the Member/Officer Protocol there (SQLite splits it)."""
    with factories.built(app):
        talk = db.session.get(Discussion, world["talk"])
        factories.comment(talk, "We revise the Member/Officer Protocol together.")
    comment = frozenset({"comment"})
    for text in ("officer protocol", '"member officer protocol"', "Member/Officer"):
        assert _search(app, Role.MEMBER, text, kinds=comment).total == 1, text
    assert _search(app, Role.MEMBER, '"officer member"', kinds=comment).total == 0


@pytest.mark.parametrize("value", ["²", "١", "1_0", "99999999999999999999", "-3", " 4"])
def test_filters_read_ids_in_ascii_digits_only(app, world, client, value):
    """A document or recommendation filter that is no id in ASCII digits (a superscript, an
    Arabic-Indic digit, an underscore, a number beyond the database's) is no filter: the
    page answers 200, never a 500; the audit trail's document filter the same."""
    client.sign_in("member@example.org")
    for name in ("document", "recommendation"):
        response = client.get("/search", query_string={"q": "clause", name: value})
        assert response.status_code == 200, (name, value)
    client.sign_in("standards@example.org")
    assert client.get("/audit", query_string={"document": value}).status_code == 200


@pytest.mark.parametrize("typed", ["😀", "!!! ???", "😀 🎉"])
def test_a_search_of_no_words_says_so_rather_than_asking_for_some(app, world, client, typed):
    """Outside tester: a search of emoji alone answered "Type a word or two above", as if
    nothing had been typed."""
    client.sign_in("member@example.org")
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert "has no words to search for" in html and "Type a word or two above" not in html
    assert "Type a word or two above" in client.get("/search?q=").get_data(as_text=True)
