"""The main pages on a council's data after a year of use (``make bench-scale``): what grows
with use, rather than what a fresh demo costs.

The data, on PostgreSQL unless ``BENCH_DATABASE_URL`` names another database: 300 people
(two thirds Members, a third Officers, a few facilitators), 5 Open documents of 60 clauses
with voting open and 200 votes on every clause, 20 discussions of 300 comments (a third of
them replies), about 50,000 notifications (most read) and the last looks of 250 people.
``SCALE=3`` makes three times the documents, discussions and notifications.

For a Member and a facilitator it prints each page's median time in the test client and its
SQL statements. An outside review found with this data that the facilitator's header (new
comments in every discussion) and the coverage page grew with every comment and clause; both
were rewritten (1 December). Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import timedelta

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import (
    Choice,
    Clause,
    Comment,
    LastView,
    Notification,
    NotificationKind,
    Role,
    User,
    ViewedKind,
    Vote,
    utcnow,
)
from bench import demo_app, signed_in
from tests import databases, factories
from tests.helpers import count_queries

SCALE = int(os.environ.get("SCALE", "1"))
PEOPLE = 300
DOCUMENTS = 5 * SCALE
CLAUSES = 60
VOTES_PER_CLAUSE = 200
DISCUSSIONS = 20 * SCALE
COMMENTS_PER_DISCUSSION = 300
NOTIFICATIONS = 50_000 * SCALE
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
BATCH = 5_000


def _people(rng: random.Random) -> list[User]:
    """Everyone who may vote: the demo's people and enough more to make ``PEOPLE``."""
    existing = db.session.scalar(select(db.func.count()).select_from(User)) or 0
    for index in range(PEOPLE - existing):
        if index < 3:
            roles, details = {Role.FACILITATOR}, {"job_title": "Facilitator"}
        elif index % 3:
            roles = {Role.MEMBER}
            details = {"group": rng.choice(["Labour Group", "Green Group"]), "ward": "Ward"}
        else:
            roles, details = {Role.OFFICER}, {"job_title": "Officer", "service": "Service"}
        user = User(email=f"person{index}@example.org", display_name=f"Person {index}", **details)
        user.set_roles(roles)
        db.session.add(user)
    db.session.flush()
    return [u for u in db.session.scalars(select(User)) if u.is_member or u.is_officer]


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def _thread(clause: Clause, index: int, voters: list[User], rng: random.Random):
    """A discussion on ``clause`` with ``COMMENTS_PER_DISCUSSION`` comments over 300 hours,
    a third of them replies, each with its own change marker."""
    started = utcnow() - timedelta(days=365 - index * 5)
    discussion = factories.discussion(clause=clause, title=f"Thread {index}", by=rng.choice(voters))
    opening = db.session.scalars(
        select(Comment).where(Comment.discussion_id == discussion.id)
    ).one()
    opening.created_at = discussion.created_at = started
    mark = opening.created_mark
    roots = [opening]
    for number in range(1, COMMENTS_PER_DISCUSSION * 2 // 3):
        mark += 1
        roots.append(
            Comment(
                discussion_id=discussion.id,
                author_id=rng.choice(voters).id,
                body=f"Comment {number} on *thread* {index}.",
                clause_revision_number=clause.revision_number,
                created_at=started + timedelta(hours=number),
                created_mark=mark,
                activity_mark=mark,
            )
        )
    db.session.add_all(roots[1:])
    db.session.flush()
    for number in range(COMMENTS_PER_DISCUSSION - len(roots)):
        mark += 1
        parent = roots[(number * 7) % len(roots)]
        db.session.add(
            Comment(
                discussion_id=discussion.id,
                parent_id=parent.id,
                author_id=rng.choice(voters).id,
                body=f"Reply {number} _agreeing_.",
                clause_revision_number=clause.revision_number,
                created_at=parent.created_at + timedelta(minutes=30 + number),
                created_mark=mark,
                activity_mark=mark,
            )
        )
    db.session.flush()
    db.session.execute(update(Clause).where(Clause.id == clause.id).values(activity=mark))
    discussion.activity_mark = mark
    return discussion


def build(app) -> dict:
    """The council's year (see the module's notes); the ids the pages need."""
    rng = random.Random(7)
    year_ago = utcnow() - timedelta(days=365)
    with app.app_context():
        voters = _people(rng)
        member = factories.user("member@example.org")
        documents = [
            factories.voting_opened(factories.document(title=f"Accord {n}", clauses=CLAUSES))
            for n in range(1, DOCUMENTS + 1)
        ]
        others = [u for u in voters if u.id != member.id]
        _insert(
            Vote,
            [
                {
                    "user_id": user.id,
                    "clause_id": clause.id,
                    "revision_number": clause.revision_number,
                    "choice": rng.choice([Choice.SUPPORT, Choice.OPPOSE, Choice.ABSTAIN]),
                }
                for number, document in enumerate(documents)
                for clause in document.clauses
                for user in rng.sample(others, VOTES_PER_CLAUSE - (number < 3))
                + [member] * (number < 3)
            ],
        )
        clauses = [
            factories.clause(documents[n % DOCUMENTS], str(2 + n // DOCUMENTS))
            for n in range(DISCUSSIONS)
        ]
        discussions = [_thread(clause, n, voters, rng) for n, clause in enumerate(clauses)]
        everyone = db.session.scalars(select(User.id)).all()
        kinds = list(NotificationKind)
        notifications = []
        for user_id in everyone:
            for number in range(NOTIFICATIONS // len(everyone)):
                made = year_ago + timedelta(minutes=rng.randrange(525_000))
                notifications.append(
                    {
                        "user_id": user_id,
                        "kind": kinds[number % len(kinds)],
                        "text": "Something happened",
                        "link": f"/discussions/{discussions[number % DISCUSSIONS].id}",
                        "document_id": documents[number % DOCUMENTS].id,
                        "created_at": made,
                        "read_at": None if rng.random() < 0.05 else made + timedelta(hours=3),
                    }
                )
        _insert(Notification, notifications)
        facilitator = factories.user("facilitator@example.org")
        lookers = rng.sample([i for i in everyone if i not in (member.id, facilitator.id)], 248)
        looks = []
        for user_id in [*lookers, member.id, facilitator.id]:
            everything = user_id in (member.id, facilitator.id)
            for document in documents if everything else rng.sample(documents, 3):
                looks += [
                    {
                        "user_id": user_id,
                        "kind": ViewedKind.CLAUSE,
                        "object_id": clause.id,
                        "document_id": document.id,
                        "viewed_at": utcnow() - timedelta(days=rng.randrange(300)),
                        "revision_number": clause.revision_number,
                    }
                    for clause in document.clauses
                ]
            for discussion in discussions if everything else rng.sample(discussions, 10):
                looks.append(
                    {
                        "user_id": user_id,
                        "kind": ViewedKind.DISCUSSION,
                        "object_id": discussion.id,
                        "document_id": discussion.document_id,
                        "viewed_at": utcnow() - timedelta(days=rng.randrange(300)),
                        "revision_number": None,
                    }
                )
        _insert(LastView, looks)
        ids = {"slug": documents[0].slug, "discussion": discussions[0].id}
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum would, soon after
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as plain:
                plain.exec_driver_sql("ANALYZE")
    return ids


def _pages(ids: dict) -> list[str]:
    return [
        "/",
        f"/documents/{ids['slug']}",
        f"/documents/{ids['slug']}/clauses/2",
        f"/discussions/{ids['discussion']}",
        f"/discussions/{ids['discussion']}?page=10",
        "/tasks",
        "/notifications",
        "/recommendations/",
        "/recommendations/coverage",
    ]


def measure(app, ids: dict) -> None:
    print(f"{'page':45} {'person':12} {'median ms':>10} {'SQL':>4}")
    for email in ("member@example.org", "facilitator@example.org"):
        client, _ = signed_in(app, email)
        for path in _pages(ids):
            for _ in range(2):  # the first look writes marks and fills caches
                assert client.get(path).status_code == 200, path
            timings = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            with count_queries(app) as queries:
                client.get(path)
            person = email.split("@")[0]
            print(f"{path:45} {person:12} {statistics.median(timings):10.1f} {queries.count:4}")


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or databases.create_postgres_database()
    try:
        with tempfile.TemporaryDirectory() as directory:
            app = demo_app(directory, SQLALCHEMY_DATABASE_URI=url)
            start = time.perf_counter()
            ids = build(app)
            print(f"Built a council's year ×{SCALE} in {time.perf_counter() - start:.0f} s")
            measure(app, ids)
            with app.app_context():
                db.engine.dispose()
    finally:
        if not os.environ.get("BENCH_DATABASE_URL"):
            databases.drop_postgres_database(url)


if __name__ == "__main__":
    main()
