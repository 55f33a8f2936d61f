"""A clause with 50 passage suggestions (and 10 passage comments): how long its page takes to
render and how many SQL statements it runs (timings are printed, never asserted).

Run with ``make bench`` (or ``python -m bench.passages``). Uses SQLite unless
``BENCH_DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from sqlalchemy import event, select

from app.extensions import db
from app.models import Document, Role, User, UserRole
from app.services import passages
from bench import demo_app, signed_in

SLUG = "ways-of-working-accord"
SUGGESTIONS = 50
COMMENTS = 10
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def _suggestions() -> str:
    """Clause 2 of the Accord gets SUGGESTIONS suggestions (some on the same words, some
    overlapping) and COMMENTS passage comments; returns the clause's path."""
    document = db.session.scalar(select(Document).where(Document.slug == SLUG))
    clause = document.clauses[1]
    voters = db.session.scalars(
        select(User).join(User.role_grants).where(UserRole.role.in_([Role.MEMBER, Role.OFFICER]))
    ).all()
    words = clause.body.split()
    made = 0
    for start in range(0, len(words) - 3):
        if made == SUGGESTIONS:
            break
        quote = " ".join(words[start : start + 3])
        try:
            passages.suggest_change(
                clause,
                by=voters[made % len(voters)],
                quote=quote,
                replacement=quote.upper(),
                reason="Bench",
                recommendations=list(clause.recommendations),
            )
        except (passages.PassageAmbiguous, passages.PassageNotFound):
            continue
        made += 1
    for index in range(COMMENTS):
        quote = " ".join(words[index * 4 : index * 4 + 2])
        try:
            passages.comment_on_passage(clause, by=voters[index], quote=quote, body="Bench")
        except passages.PassageAmbiguous:
            continue
    db.session.commit()
    print(f"{made} suggestions on clause {clause.number}")
    return f"/documents/{SLUG}/clauses/{clause.number}"


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = demo_app(directory)
        with app.app_context():
            path = _suggestions()
        client, _ = signed_in(app, "member@example.org")
        statements = []
        with app.app_context():
            engine = db.engine

            def count(*_args) -> None:
                statements.append(1)

            event.listen(engine, "before_cursor_execute", count)
            assert client.get(path).status_code == 200
            event.remove(engine, "before_cursor_execute", count)
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            assert client.get(path).status_code == 200
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{'page':45} {'median ms':>10} {'p95 ms':>10} {'statements':>11}")
        print(f"{path:45} {statistics.median(timings):10.1f} {p95:10.1f} {len(statements):11}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
