"""How long a 60-clause document with both annexes takes to export to Word and PDF.

Run with ``make bench``. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.exports.build import build_model
from app.exports.render import render_export
from app.extensions import db
from app.models import Document
from app.services import clauses, seeding

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PARAGRAPH = (
    "Members and Officers will share information early, so that nobody is surprised by a "
    "decision, and will treat each other with courtesy in public and in private. "
) * 4


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "ACCORD_ENV": "test",
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.db",
            }
        )
        with app.app_context():
            upgrade()
            seeding.load_demo("a-long-bench-password")
            document = db.session.scalar(
                select(Document).where(Document.slug == "ways-of-working-accord")
            )
            while len(document.clauses) < 60:
                number = len(document.clauses) + 1
                clauses.add_clause(
                    document,
                    f"Extra clause {number}",
                    f"{PARAGRAPH}\n\n- a point\n- another point\n\n{PARAGRAPH}",
                    by=None,
                    recommendations=document.clauses[0].recommendations,
                )
                db.session.flush()
            db.session.commit()
            print(f"{'format':10} {'median s':>10} {'max s':>8} {'size KB':>9}")
            for fmt in ("docx", "pdf"):
                timings, size = [], 0
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    model = build_model(document, agreed_only=False, include_annexes=True)
                    size = len(render_export(model, fmt))
                    timings.append(time.perf_counter() - start)
                print(
                    f"{fmt:10} {statistics.median(timings):10.2f} {max(timings):8.2f} "
                    f"{size / 1024:9.0f}"
                )
            db.engine.dispose()


if __name__ == "__main__":
    main()
