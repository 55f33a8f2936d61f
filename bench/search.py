"""Search: a results page over 100,000 comments, 2,000 clause revisions and 500 discussions.

For each database (SQLite in a temporary directory; PostgreSQL in a throwaway database on
``BENCH_POSTGRES_URL``, default the machine's server, skipped if unreachable) prints the
statements per results page, the median and 95th percentile time of a results page for a
common word (in about half the comments) and a rare one (in a handful), and the median time to
add and index one new comment (insert + commit, the index kept current in the same
transaction). Goal: a results page p95 under 100 ms on PostgreSQL.

Run with ``python -m bench.search`` (``make bench`` runs the others). ``BENCH_ROUNDS`` sets
the number of requests per figure (default 40).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from datetime import timedelta

import psycopg
from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Clause, ClauseRevision, Comment, Discussion, Document, User, utcnow
from bench import demo_app, signed_in

SLUG = "ways-of-working-accord"
COMMENTS, REVISIONS, DISCUSSIONS = 100_000, 2_000, 500
REVISIONS_PER_CLAUSE = 10
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
COMMON, RARE = "council", "zeppelin"
WORDS = [
    "member",
    "officer",
    "trust",
    "respect",
    "agenda",
    "cabinet",
    "policy",
    "forward",
    "plan",
    "meeting",
    "budget",
    "report",
    "ward",
    "group",
    "service",
    "director",
    "decision",
    "briefing",
    "scrutiny",
    "protocol",
    "accord",
    "culture",
    "review",
    "challenge",
    "portfolio",
    "leader",
    "chief",
    "executive",
    "partnership",
    "delivery",
    "priority",
    "engagement",
    "communication",
    "feedback",
    "workshop",
    "outcome",
    "action",
    "timetable",
    "consultation",
    "resident",
]


def _text(rng: random.Random, words: int, common_share: float) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < common_share:
        chosen[rng.randrange(words)] = COMMON
    return " ".join(chosen).capitalize() + "."


def _load(rng: random.Random) -> None:
    """The rows, inserted in bulk (the triggers and generated columns index them)."""
    document = db.session.scalar(select(Document).where(Document.slug == SLUG))
    people = db.session.scalars(select(User).order_by(User.id)).all()
    now = utcnow()
    start = 1000
    clause_rows = [
        {
            "document_id": document.id,
            "position": start + n,
            "number": str(start + n),
            "heading": f"Bench clause {n}",
            "body": _text(rng, 40, 0.5),
            "revision_number": REVISIONS_PER_CLAUSE,
            "created_at": now,
        }
        for n in range(REVISIONS // REVISIONS_PER_CLAUSE)
    ]
    clause_ids = db.session.execute(insert(Clause).returning(Clause.id), clause_rows).scalars()
    clause_ids = list(clause_ids)
    db.session.execute(
        insert(ClauseRevision),
        [
            {
                "clause_id": clause_id,
                "number": number,
                "heading": "Bench clause",
                "body": _text(rng, 40, 0.5),
                "reason": "Bench",
                "created_at": now,
            }
            for clause_id in clause_ids
            for number in range(1, REVISIONS_PER_CLAUSE + 1)
        ],
    )
    discussion_ids = list(
        db.session.execute(
            insert(Discussion).returning(Discussion.id),
            [
                {
                    "document_id": document.id,
                    "clause_id": clause_ids[n % len(clause_ids)],
                    "title": _text(rng, 6, 0.2),
                    "started_by_id": people[n % len(people)].id,
                    "created_at": now,
                }
                for n in range(DISCUSSIONS)
            ],
        ).scalars()
    )
    rare_at = set(rng.sample(range(COMMENTS), 12))
    batch = []
    for n in range(COMMENTS):
        body = _text(rng, 30, 0.5)
        if n in rare_at:
            body += f" A {RARE} over the town hall."
        batch.append(
            {
                "discussion_id": discussion_ids[n % DISCUSSIONS],
                "author_id": people[n % len(people)].id,
                "body": body,
                "created_at": now - timedelta(minutes=n),
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(Comment), batch)
            batch = []
    if batch:
        db.session.execute(insert(Comment), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def _timings(client, path: str) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        begin = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    return timings


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _run(label: str, directory: str, url: str) -> None:
    app = demo_app(directory, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        began = time.perf_counter()
        _load(random.Random(17))
        loaded = time.perf_counter() - began
    client, _ = signed_in(app, "member@example.org")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    client.get(f"/search?q={COMMON}")  # warm
    print(f"{label}: loaded and indexed in {loaded:.0f} s")
    print(f"  {'results page':28} {'hits':>10} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    for word in (COMMON, RARE, f'"{COMMON} member" -budget'):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        page = client.get("/search", query_string={"q": word}).get_data(as_text=True)
        event.remove(engine, "before_cursor_execute", record)
        hits = re.search(r'id="search-count">(?:More than )?([\d,]+)', page).group(0)
        hits = hits.split(">", 1)[1].replace("More than ", ">")
        timings = _timings(client, "/search?" + f"q={word}".replace(" ", "+"))
        print(
            f"  {word:28} {hits:>10} {len(statements):>8} "
            f"{statistics.median(timings):10.1f} {_p95(timings):8.1f}"
        )
    with app.app_context():
        discussion_id = db.session.scalar(select(Discussion.id).limit(1))
        author_id = db.session.scalar(select(User.id).limit(1))
        timings = []
        for n in range(ROUNDS):
            begin = time.perf_counter()
            db.session.execute(
                insert(Comment),
                [
                    {
                        "discussion_id": discussion_id,
                        "author_id": author_id,
                        "body": f"One more comment about the council budget, number {n}.",
                        "created_at": utcnow(),
                    }
                ],
            )
            db.session.commit()
            timings.append((time.perf_counter() - begin) * 1000)
        print(
            f"  index one new comment (insert + commit): median {statistics.median(timings):.1f} ms"
        )
        db.engine.dispose()


def main() -> None:
    engines = os.environ.get("BENCH_ENGINES", "sqlite,postgresql")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory() as directory:
            _run("SQLite (FTS5)", directory, f"sqlite:///{directory}/bench.db")
    if "postgresql" not in engines:
        return
    name = f"accord_bench_search_{os.getpid()}"
    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL: skipped ({error})")
        return
    try:
        with tempfile.TemporaryDirectory() as directory:
            url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
            _run("PostgreSQL (tsvector, GIN)", directory, url)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
