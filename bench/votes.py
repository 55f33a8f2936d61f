"""The document page with 60 clauses and 200 voters, before and after the wording data.

First every vote counts; then a quarter of the votes are set aside (cast on an earlier wording),
voting has closed once (an outcome per clause) and every other clause has a newer wording than
its outcome. Prints each state's query count and median time: both should stay the same.

Run with ``make bench``. Uses SQLite unless ``BENCH_DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from sqlalchemy import event, select, update

from app.extensions import db
from app.models import Choice, Document, Role, SetAsideReason, User, Vote, utcnow
from app.services import clauses, voting
from bench import demo_app, signed_in

SLUG = "ways-of-working-accord"
CLAUSES, VOTERS = 60, 200
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def _document() -> Document:
    return db.session.scalar(select(Document).where(Document.slug == SLUG))


def _votes() -> None:
    """60 clauses, 200 Members and Officers, each voting on every clause; voting open."""
    document = _document()
    for index in range(CLAUSES - len(document.clauses)):
        clauses.add_clause(document, f"Extra {index}", "Text", by=None)
    db.session.flush()
    people = []
    for index in range(VOTERS):
        user = User(
            email=f"voter{index}@example.org",
            display_name=f"Voter {index}",
            group="Labour Group" if index % 2 else "Green Group",
        )
        user.set_roles({Role.MEMBER if index % 3 else Role.OFFICER})
        people.append(user)
    db.session.add_all(people)
    db.session.flush()
    db.session.expire(document, ["clauses"])
    db.session.execute(
        Vote.__table__.insert(),
        [
            {
                "user_id": user.id,
                "clause_id": clause.id,
                "revision_number": clause.revision_number,
                "choice": [Choice.SUPPORT, Choice.OPPOSE][index % 2].value,
                "cast_at": utcnow(),
            }
            for clause in document.clauses
            for index, user in enumerate(people)
        ],
    )
    document.voting_open = True
    db.session.commit()


def _wording_data() -> None:
    """Close voting once, reword every other clause, re-open; set a quarter of the votes aside."""
    document = _document()
    facilitator = db.session.scalar(select(User).where(User.email == "facilitator@example.org"))
    voting.close_voting(document, by=facilitator)
    for clause in document.clauses[::2]:
        clauses.revise_clause(clause, clause.heading, "Reworded", by=facilitator, reason="Bench")
    db.session.execute(
        update(Vote)
        .where(Vote.set_aside_at.is_(None), Vote.user_id % 4 == 0)
        .values(set_aside_at=utcnow(), set_aside_reason=SetAsideReason.NOT_ELIGIBLE)
    )
    document.voting_open = True
    db.session.commit()


def _measure(app, client, label: str) -> None:
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    assert client.get(f"/documents/{SLUG}").status_code == 200
    event.remove(engine, "before_cursor_execute", record)
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        assert client.get(f"/documents/{SLUG}").status_code == 200
        timings.append((time.perf_counter() - start) * 1000)
    print(f"{label:45} {len(statements):>8} {statistics.median(timings):12.1f}")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = demo_app(directory)
        with app.app_context():
            _votes()
        client, _ = signed_in(app, "member@example.org")
        print(f"Document page, {CLAUSES} clauses x {VOTERS} voters, median of {ROUNDS} requests")
        print(f"{'state':45} {'queries':>8} {'median ms':>12}")
        _measure(app, client, "every vote counts")
        with app.app_context():
            _wording_data()
        _measure(app, client, "with set-aside votes and outcomes on wordings")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
