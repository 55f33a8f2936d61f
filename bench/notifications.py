"""How long telling ~110 Members and Officers that voting opened takes, and a daily digest run
for them all, on a fresh demo database (timings are printed, never asserted).

Run with ``make bench``. Uses SQLite unless ``BENCH_DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import delete, func, select, update

from app import create_app
from app.extensions import db
from app.mail import sent_mail
from app.models import Document, Notification, Role, User, UserRole
from app.services import notifications, seeding, voting

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "110"))  # Members and Officers in all
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def _add_people() -> None:
    """Enough Members and Officers (no password: they never sign in here) to make ``PEOPLE``."""
    voters = select(UserRole.user_id).where(UserRole.role.in_([Role.MEMBER, Role.OFFICER]))
    have = db.session.scalar(select(func.count()).select_from(voters.distinct().subquery()))
    for index in range(PEOPLE - have):
        user = User(email=f"bench.{index}@example.org", display_name=f"Bench Person {index}")
        db.session.add(user)
        db.session.flush()
        db.session.add(UserRole(user_id=user.id, role=Role.MEMBER if index % 2 else Role.OFFICER))
    db.session.commit()


def _timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{directory}/bench.db")
        app = create_app(
            {
                "ACCORD_ENV": "test",
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": url,
                "PUBLIC_URL": "https://accord.example.org",
            }
        )
        with app.app_context():
            upgrade()
            seeding.load_demo("a-long-bench-password")
            db.session.commit()
            _add_people()
            document = db.session.scalar(
                select(Document).where(Document.slug == "member-officer-protocol")
            )
            facilitator = db.session.scalar(
                select(User).where(User.email == "facilitator@example.org")
            )
            opened, digests = [], []
            told = emailed = 0
            for _ in range(ROUNDS):
                db.session.execute(delete(Notification))
                db.session.commit()
                if document.voting_open:
                    voting.close_voting(document, by=facilitator, reason="A new round.")
                # Opening voting (the event, the audit record and the notifications), committed.
                seconds, _ = _timed(lambda: voting.open_voting(document, by=facilitator))
                seconds += _timed(db.session.commit)[0]
                opened.append(seconds)
                told = db.session.scalar(select(func.count()).select_from(Notification))
                db.session.execute(update(Notification).values(emailed_at=None))
                db.session.commit()
                sent_mail(app).clear()
                seconds, report = _timed(notifications.send_digests)
                digests.append(seconds)
                emailed = report.people
            print(f"{'step':34} {'median s':>10} {'max s':>8}")
            print(
                f"{f'voting opened: {told} told':34} "
                f"{statistics.median(opened):10.3f} {max(opened):8.3f}"
            )
            print(
                f"{f'daily digest: {emailed} emails':34} "
                f"{statistics.median(digests):10.3f} {max(digests):8.3f}"
            )
            db.engine.dispose()


if __name__ == "__main__":
    main()
