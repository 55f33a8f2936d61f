"""Fixtures: an app on SQLite and on PostgreSQL for every test that asks for one."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from tests import databases
from tests.compiled_statements import share_mapper_caches
from tests.helpers import AccordClient, free_port
from tests.snapshots import snapshot
from tests.url_builders import memoise_rule_parsing, memoise_url_builders

memoise_url_builders()
memoise_rule_parsing()
share_mapper_caches()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return databases.SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_url():
    try:
        url = databases.create_postgres_database()
    except databases.PostgresUnavailable as error:
        databases.postgres_unavailable(str(error))
    databases.migrate_to_head(url)
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_template").copy_to(tmp_path)
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(database_url):
    with databases.app_for(database_url) as app:
        app.test_client_class = AccordClient
        yield app


@pytest.fixture
def client(app) -> AccordClient:
    return app.test_client()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Sign-in throttles count per process; each test starts with none used."""
    from app.extensions import limiter

    yield
    if limiter.enabled and getattr(limiter, "_storage", None) is not None:
        limiter.reset()


@pytest.fixture
@snapshot
def seeded(app):
    """The app with the demo data: recommendations, people and the three documents."""
    from app.extensions import db
    from app.services import seeding

    with app.app_context():
        seeding.load_demo(password="a-long-test-password")
        db.session.commit()
    return app


class _Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that records what it is sent."""
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


@pytest.fixture
def smtp_app(database_url, smtp_server):
    """The app sending its mail by plain SMTP to ``smtp_server``; yields it with the server's
    recorder (its ``envelopes``)."""
    controller, recorder = smtp_server
    with databases.app_for(
        database_url,
        MAIL_BACKEND="smtp",
        SMTP_HOST=controller.hostname,
        SMTP_PORT=controller.port,
        SMTP_SECURITY="none",
        MAIL_FROM="Accord <accord@sthelens.example>",
    ) as app:
        yield app, recorder


def pytest_collection_finish(session):
    """Freeze what collection made (the app's modules, the test modules) out of the garbage
    collector's later passes, as ``wsgi`` does for a worker (``app.startup``), and collect
    less often: a test makes tens of thousands of objects (an app, its database rows, pages),
    so with Python's default threshold (700) the collector ran every few hundred microseconds
    and took about a sixth of a web test's time. Cycles are still freed, in larger batches."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
