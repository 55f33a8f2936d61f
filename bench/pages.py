"""How long the main pages take to render, on a fresh demo database (timings are printed).

Run with ``make bench``. Uses SQLite unless ``BENCH_DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.services import seeding

PASSWORD = "a-long-bench-password"
PAGES = ["/", "/documents/ways-of-working-accord", "/recommendations/"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{directory}/bench.db")
        app = create_app(
            {"ACCORD_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}
        )
        with app.app_context():
            upgrade()
            seeding.load_demo(PASSWORD)
            db.session.commit()
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post(
            "/sign-in",
            data={"email": "member@example.org", "password": PASSWORD, "csrf_token": token},
        )
        print(f"{'page':45} {'median ms':>10} {'p95 ms':>10}")
        for path in PAGES:
            timings = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                assert client.get(path).status_code == 200
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{path:45} {statistics.median(timings):10.1f} {p95:10.1f}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
