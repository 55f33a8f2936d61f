"""PostgreSQL connections keep their prepared statements across requests that only read
(``app.connections.end_reads_with_commit``), and everything else is rolled back as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.connections import _reads_only
from app.extensions import db
from app.models import User
from tests import databases, factories
from tests.helpers import AccordClient

PREPARED = text("SELECT count(*) FROM pg_prepared_statements")


@pytest.fixture
def pg_app(postgres_url):
    with databases.app_for(postgres_url) as app:
        app.test_client_class = AccordClient
        yield app


def _names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.display_name)))


def test_pages_that_only_read_keep_the_statements_psycopg_prepared(pg_app):
    with factories.built(pg_app):
        factories.member()
        document = factories.document(clauses=1)
        discussion = factories.discussion(document, factories.clause(document, "1"), comments=2)
        url = f"/discussions/{discussion.id}"
    client = pg_app.test_client()
    client.sign_in("member@example.org")
    for _ in range(8):  # psycopg prepares a statement at its fifth use on a connection
        assert client.get(url).status_code == 200
    with pg_app.app_context():
        assert db.session.scalar(PREPARED) > 0
        db.session.rollback()  # read-only: ends with COMMIT, so they stay
        assert db.session.scalar(PREPARED) > 0


@pytest.mark.parametrize(
    "write",
    [
        "UPDATE users SET display_name = 'Changed'",
        "WITH changed AS (UPDATE users SET display_name = 'Changed' RETURNING id)"
        " SELECT count(*) FROM changed",
    ],
    ids=["update", "update-in-a-with"],
)
def test_a_transaction_that_wrote_is_still_rolled_back(pg_app, write):
    with factories.built(pg_app):
        factories.member(display_name="Cllr Ann Example")
    with pg_app.app_context():
        db.session.scalar(select(func.count()).select_from(User))
        db.session.execute(text(write))
        db.session.rollback()
    assert _names(pg_app) == ["Cllr Ann Example"]


def test_a_setting_changed_in_a_transaction_is_rolled_back(pg_app):
    with pg_app.app_context():
        default = db.session.scalar(text("SHOW statement_timeout"))
        db.session.execute(text("SET statement_timeout = 12345"))
        db.session.rollback()
        assert db.session.scalar(text("SHOW statement_timeout")) == default


def test_a_failed_transaction_is_rolled_back_and_the_connection_serves_on(pg_app):
    with pg_app.app_context():
        with pytest.raises(Exception, match="division by zero"):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT 2")) == 2


def test_only_a_plain_select_counts_as_reading():
    assert _reads_only("  select 1") and _reads_only("SELECT users.id FROM users FOR UPDATE")
    for statement in (
        "WITH x AS (DELETE FROM users RETURNING id) SELECT 1",
        "SET a = 1",
        "INSERT INTO t VALUES (1)",
        "SAVEPOINT s",
        "UPDATE t SET a = 1",
    ):
        assert not _reads_only(statement), statement
