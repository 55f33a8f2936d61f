"""How long the administration's bulk steps take, on a fresh demo database (timings are printed,
never asserted):

- the people CSV import of a 500-row file: its preview page, then its confirmation (which
  creates 500 people, invites them and audits it all);
- a recommendation import of the Culture Review seed file: its preview (parse and plan) and its
  save, into a new source each round;
- moving a clause in a 60-clause document, from last to first and back, as htmx posts it (the
  answer re-renders the whole list).

Run with ``make bench``. Uses SQLite unless ``BENCH_DATABASE_URL`` names another database; the
seed file is ``BENCH_CULTURE_REVIEW`` (default: the shared seeds folder).
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Clause, Document
from app.services import clauses
from app.services import recommendations as recommendation_service
from bench import demo_app, signed_in

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PEOPLE = 500
CLAUSES = 60
CULTURE_REVIEW = Path(
    os.environ.get("BENCH_CULTURE_REVIEW", "/work/shared/seeds/001_8f7b2b0db4663696.txt")
)
HEADER = "name,email,roles,group,ward,title,service\n"
SHOWN = re.compile(r'<input[^>]*name="shown"[^>]*value="([^"]*)"')  # the preview's digest


def _people_csv(round_number: int) -> str:
    """500 new people, half Members and half Officers (new addresses each round)."""
    rows = [
        f"Member {n},m{round_number}-{n}@example.org,member,Group {n % 5},Ward {n % 18},,"
        if n % 2
        else f"Officer {n},o{round_number}-{n}@example.org,officer,,,Title {n},Service {n % 7}"
        for n in range(PEOPLE)
    ]
    return HEADER + "\n".join(rows) + "\n"


def _time(step: Callable[[int], None]) -> list[float]:
    timings = []
    for round_number in range(ROUNDS):
        start = time.perf_counter()
        step(round_number)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _report(name: str, timings: list[float]) -> None:
    print(f"{name:50} {statistics.median(timings):10.0f} {max(timings):10.0f}")


def _long_document() -> str:
    """The demo Accord, lengthened to 60 clauses; returns its slug."""
    document = db.session.scalar(select(Document).where(Document.slug == "ways-of-working-accord"))
    while len(document.clauses) < CLAUSES:
        clauses.add_clause(
            document,
            f"Extra clause {len(document.clauses) + 1}",
            "Members and Officers share information early.",
            by=None,
            recommendations=document.clauses[0].recommendations,
        )
        db.session.expire(document, ["clauses"])
    db.session.commit()
    return document.slug


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = demo_app(directory)
        with app.app_context():
            slug = _long_document()
        print(f"{'step':50} {'median ms':>10} {'max ms':>10}")

        admin, admin_token = signed_in(app, "admin@example.org")
        shown: dict[int, str] = {}  # by round: the digest of the plan its preview showed

        def people_preview(round_number: int) -> None:
            response = admin.post(
                "/people/import",
                data={
                    "csrf_token": admin_token,
                    "text": _people_csv(round_number),
                    "send_invitations": "y",
                    "add_new_groups": "y",  # its Groups are new
                },
            )
            page = response.get_data(as_text=True)
            found = SHOWN.search(page)
            assert f"{PEOPLE} to add" in page and found, response.status_code
            shown[round_number] = found.group(1)

        def people_confirm(round_number: int) -> None:
            response = admin.post(
                "/people/import/confirm",
                data={
                    "csrf_token": admin_token,
                    "text": _people_csv(round_number),
                    "send_invitations": "yes",
                    "add_new_groups": "yes",
                    "shown": shown[round_number],
                },
            )
            assert response.status_code == 303, response.status_code

        _report(f"people CSV import preview ({PEOPLE} rows, page)", _time(people_preview))
        _report(f"people CSV import confirm ({PEOPLE} rows, invited)", _time(people_confirm))

        text = CULTURE_REVIEW.read_text(encoding="utf-8")

        def recommendations_preview(round_number: int) -> None:
            with app.app_context():
                result = recommendation_service.parse(text, "text")
                plan = recommendation_service.plan_import(None, result)
                assert plan.new and not result.problems
                db.session.rollback()

        def recommendations_save(round_number: int) -> None:
            with app.app_context():
                source = recommendation_service.create_source(
                    f"Culture Review bench {round_number}", f"CRB{round_number}", by=None
                )
                result = recommendation_service.parse(text, "text")
                plan = recommendation_service.plan_import(source, result)
                recommendation_service.apply_import(source, plan, by=None)
                db.session.commit()

        _report("recommendation import preview (Culture Review)", _time(recommendations_preview))
        _report("recommendation import save (Culture Review)", _time(recommendations_save))

        facilitator, facilitator_token = signed_in(app, "facilitator@example.org")
        with app.app_context():
            clause_id = db.session.scalar(
                select(Clause.id)
                .join(Document)
                .where(Document.slug == slug, Clause.retired_at.is_(None))
                .order_by(Clause.position.desc())
                .limit(1)
            )
        move_url = f"/documents/{slug}/manage/{clause_id}/move"

        def move(round_number: int) -> None:
            for position in ("1", str(CLAUSES)):
                response = facilitator.post(
                    move_url,
                    data={"csrf_token": facilitator_token, "position": position},
                    headers={"HX-Request": "true"},
                )
                assert response.status_code == 200, response.status_code

        _report(f"move a clause in a {CLAUSES}-clause document (x2, htmx)", _time(move))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
