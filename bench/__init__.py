"""Benchmarks: timings are measured here (``make bench``), never asserted in tests.

The shared set-up: an app on a throwaway database (SQLite in ``directory`` unless
``BENCH_DATABASE_URL`` names another), migrated and loaded with the demo data, and test
clients signed in as a demo person.
"""

from __future__ import annotations

import os
import re

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.services import seeding

PASSWORD = "a-long-bench-password"
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def demo_app(directory: str, **settings) -> Flask:
    """A migrated app with the demo data committed (``settings`` override the config)."""
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{directory}/bench.db")
    app = create_app(
        {"ACCORD_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", **settings}
    )
    with app.app_context():
        upgrade()
        seeding.load_demo(PASSWORD)
        db.session.commit()
    return app


def signed_in(app: Flask, email: str) -> tuple[FlaskClient, str]:
    """A test client signed in as ``email``, and its CSRF token for the forms it posts."""
    client = app.test_client()

    def token() -> str:
        page = client.get("/sign-in", follow_redirects=True).get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, "no CSRF token on the sign-in page"
        return match.group(1)

    client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token()})
    return client, token()
