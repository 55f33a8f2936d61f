"""How long the main pages take to render, on a fresh demo database (timings are printed).

Run with ``make bench``. Uses SQLite unless ``BENCH_DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from sqlalchemy import select

from app.extensions import db
from app.models import Document, User
from app.services import discussions
from bench import demo_app, signed_in

PAGES = [
    "/",
    "/documents/ways-of-working-accord",
    "/recommendations/",
    "/recommendations/coverage",
    "/discussions/1",
    "/discussions/1/live",
]
BIG_DISCUSSION_COMMENTS = 500
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))


def _big_discussion() -> None:
    """Discussion 1: a clause discussion with 500 comments, a third of them replies."""
    document = db.session.scalar(select(Document).where(Document.slug == PAGES[1].split("/")[-1]))
    clause = document.clauses[1]
    people = db.session.scalars(select(User).limit(6)).all()
    discussion = discussions.start_discussion(
        document,
        clause,
        "A long discussion",
        "Opening",
        list(clause.recommendations),
        by=people[0],
    )
    parents = []
    for index in range(BIG_DISCUSSION_COMMENTS):
        parent = parents[-1] if index % 3 == 2 else None
        comment = discussions.add_comment(
            discussion, f"Comment {index}", by=people[index % 6], parent=parent
        )
        if parent is None:
            parents.append(comment)
    db.session.commit()


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = demo_app(directory)
        with app.app_context():
            _big_discussion()
        client, _ = signed_in(app, "member@example.org")
        etag = client.get("/discussions/1/live", headers={"HX-Request": "true"}).headers["ETag"]
        unchanged_poll = ("/discussions/1/live", {"HX-Request": "true", "If-None-Match": etag}, 304)
        print(f"{'page':45} {'median ms':>10} {'p95 ms':>10}")
        for path, headers, status in [(p, {}, 200) for p in PAGES] + [unchanged_poll]:
            timings = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                assert client.get(path, headers=headers).status_code == status
                timings.append((time.perf_counter() - start) * 1000)
            path += " (unchanged, 304)" if status == 304 else ""
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{path:45} {statistics.median(timings):10.1f} {p95:10.1f}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
