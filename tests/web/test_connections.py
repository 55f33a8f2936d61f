"""PostgreSQL connections keep their prepared statements across requests that only read
(``app.connections.end_reads_with_commit``), and everything else is rolled back as before."""

from __future__ import annotations

import psycopg
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
    _thread_seen_eight_times(pg_app)
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


@pytest.mark.parametrize(
    "change",
    [
        "SELECT set_config('statement_timeout', '12345', false)",
        "SELECT 1; SET statement_timeout = 12345",
    ],
    ids=["set_config", "two-statements"],
)
def test_a_select_that_changes_the_session_is_rolled_back(pg_app, change):
    with pg_app.app_context():
        default = db.session.scalar(text("SHOW statement_timeout"))
        db.session.execute(text(change))
        db.session.rollback()
        assert db.session.scalar(text("SHOW statement_timeout")) == default


def test_a_select_into_a_new_table_is_rolled_back(pg_app):
    with pg_app.app_context():
        db.session.execute(text("SELECT 1 AS x INTO made_by_a_select"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT to_regclass('made_by_a_select')")) is None


def _column_type(app, table: str, column: str) -> str:
    with app.app_context():
        return db.session.scalar(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
            ),
            {"table": table, "column": column},
        )


def _alter(postgres_url: str, table: str, column: str, type_: str) -> None:
    """A migration run by another process while the app serves (a rolling upgrade)."""
    with psycopg.connect(databases._psycopg_dsn(postgres_url), autocommit=True) as other:
        other.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_}")


def _thread_seen_eight_times(app) -> tuple[AccordClient, str]:
    """A Member who has loaded a discussion eight times: its statements are prepared (psycopg
    prepares a statement at its fifth use on a connection)."""
    with factories.built(app):
        factories.member()
        document = factories.document(clauses=1)
        discussion = factories.discussion(document, factories.clause(document, "1"), comments=2)
        url = f"/discussions/{discussion.id}"
    client = app.test_client()
    client.sign_in("member@example.org")
    for _ in range(8):
        assert client.get(url).status_code == 200
    return client, url


@pytest.mark.parametrize(
    ("table", "column", "type_"),
    # The session lookup, every request's first statement, selects users.display_name: it is
    # run again, unseen. The discussion is read later in the transaction: the pool's
    # connections are replaced and the GET is answered again from the start.
    [("users", "display_name", "text"), ("discussions", "activity_mark", "bigint")],
)
def test_a_column_changing_type_under_prepared_statements_fails_no_page(
    pg_app, postgres_url, table, column, type_
):
    client, url = _thread_seen_eight_times(pg_app)
    was = _column_type(pg_app, table, column)
    _alter(postgres_url, table, column, type_)
    try:
        answers = [client.get(url).status_code for _ in range(3)]
    finally:
        _alter(postgres_url, table, column, was)
    assert answers == [200, 200, 200]


def test_a_statement_outside_a_transaction_runs_again_after_a_column_changes_type(
    pg_app, postgres_url
):
    """The live poll's statement runs outside a transaction (AUTOCOMMIT): there is nothing to
    roll back, so the prepared statements are dropped by name and the statement runs again."""
    with factories.built(pg_app):
        factories.member(display_name="Cllr Ann Example")
    names = select(User.display_name)
    with pg_app.app_context(), db.engine.connect() as connection:
        polling = connection.execution_options(isolation_level="AUTOCOMMIT")
        for _ in range(6):
            assert polling.scalar(names) == "Cllr Ann Example"
        was = _column_type(pg_app, "users", "display_name")
        _alter(postgres_url, "users", "display_name", "text")
        try:
            assert polling.scalar(names) == "Cllr Ann Example"
        finally:
            _alter(postgres_url, "users", "display_name", was)


def test_a_form_sent_as_a_column_changes_type_is_refused_once_and_saves_nothing(
    pg_app, postgres_url
):
    """A POST cannot be run twice: it answers 503 "try again" (nothing saved), and sent again
    it is saved, on the pool's fresh connections."""
    client, url = _thread_seen_eight_times(pg_app)
    for _ in range(8):
        assert client.post_form(f"{url}/comments", {"body": ""}).status_code == 422
    was = _column_type(pg_app, "discussions", "activity_mark")
    _alter(postgres_url, "discussions", "activity_mark", "bigint")
    form = {"body": "Sent as the migration ran", "submission_key": "k" * 20}
    try:
        first = client.post_form(f"{url}/comments", form)
        saved_then = "Sent as the migration ran" in client.get(url).get_data(as_text=True)
        again = client.post_form(f"{url}/comments", form)
    finally:
        _alter(postgres_url, "discussions", "activity_mark", was)
    assert (first.status_code, saved_then, again.status_code) == (503, False, 303)
    assert "Sent as the migration ran" in client.get(url).get_data(as_text=True)


def test_a_failed_transaction_is_rolled_back_and_the_connection_serves_on(pg_app):
    with pg_app.app_context():
        with pytest.raises(Exception, match="division by zero"):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT 2")) == 2


def test_only_a_plain_select_counts_as_reading():
    assert _reads_only("  select 1") and _reads_only("SELECT users.id FROM users FOR UPDATE")
    # A WITH that only names SELECTs (a page reading one list twice) reads.
    assert _reads_only("WITH shown AS (SELECT id, updated_at FROM t) SELECT * FROM shown")
    assert _reads_only("with\nshown AS (SELECT 1) SELECT 2")
    for statement in (
        "WITH x AS (DELETE FROM users RETURNING id) SELECT 1",
        "WITH x AS (UPDATE t SET a = 1 RETURNING id) SELECT 1",
        "with x as (insert into t values (1) returning id) select 1",
        "WITH x AS (SELECT 1) MERGE INTO t USING x ON true WHEN MATCHED THEN DELETE",
        "WITH x AS (SELECT nextval('s')) SELECT 1",
        "SELECT lo_unlink (1)",
        "SET a = 1",
        "INSERT INTO t VALUES (1)",
        "SAVEPOINT s",
        "UPDATE t SET a = 1",
    ):
        assert not _reads_only(statement), statement


def test_a_poll_meeting_a_column_that_changed_type_goes_to_flask_then_is_answered_again(
    pg_app, postgres_url
):
    """The unchanged poll runs on the driver's connection (``app.driver_sql``), where psycopg
    prepares it at its fifth use. After a migration changes a column it selects, that poll
    is answered by Flask as the page would, its connection replaced, and the next polls are
    answered before Flask again."""
    from app.driver_sql import DriverStatement

    client, url = _thread_seen_eight_times(pg_app)
    live = f"{url}/live"
    etag = client.get(live, headers={"HX-Request": "true"}).headers["ETag"]
    poll = {"HX-Request": "true", "If-None-Match": etag}
    flask_answered: list[str] = []
    pg_app.before_request_funcs[None].insert(0, lambda: flask_answered.append("yes"))
    failed: list[BaseException] = []
    first = DriverStatement.first

    def noting(self, engine, parameters):
        try:
            return first(self, engine, parameters)
        except Exception as error:
            failed.append(error)
            raise

    DriverStatement.first = noting  # type: ignore[method-assign]
    try:
        for _ in range(8):
            assert client.get(live, headers=poll).status_code == 304
        assert flask_answered == [] and failed == []
        # The poll's first column is the greater of the discussion's and its comments' marks.
        was = _column_type(pg_app, "discussions", "state_mark")
        _alter(postgres_url, "discussions", "state_mark", "bigint")
        try:
            answers = [client.get(live, headers=poll).status_code for _ in range(3)]
        finally:
            _alter(postgres_url, "discussions", "state_mark", was)
    finally:
        DriverStatement.first = first  # type: ignore[method-assign]
    assert answers == [304, 304, 304]
    assert len(failed) == 1 and "cached plan" in str(failed[0].__cause__)
    assert len(flask_answered) == 1, "only the poll that met the stale plan went to Flask"


def test_a_driver_statement_cut_short_never_pools_a_connection_in_autocommit(pg_app, monkeypatch):
    """A poll's statement runs in autocommit; if the worker is stopped part-way (a time-out
    raising in the middle), the connection is discarded rather than pooled in autocommit, where
    a later transaction's rollback would undo nothing."""
    from app.driver_sql import DriverStatement

    with factories.built(pg_app):
        factories.member(display_name="Original")
    with pg_app.app_context():
        engine = db.engine
    statement = DriverStatement.compile(select(User.display_name), engine)
    pooled_connection = engine.raw_connection

    class Stopped(BaseException):
        pass

    class Cursor:
        def execute(self, *arguments):
            raise Stopped

        def close(self):
            pass

    class Pooled:
        def __init__(self, pooled):
            self.pooled, self.driver_connection = pooled, self
            self.real = pooled.driver_connection

        autocommit = property(
            lambda self: self.real.autocommit,
            lambda self, value: setattr(self.real, "autocommit", value),
        )

        def cursor(self):
            return Cursor()

        def invalidate(self, error=None):
            self.pooled.invalidate(error)

        def close(self):
            self.pooled.close()

    monkeypatch.setattr(engine, "raw_connection", lambda: Pooled(pooled_connection()))
    with pytest.raises(Stopped):
        statement.first(engine, {})
    monkeypatch.undo()
    with pg_app.app_context():
        db.session.execute(text("UPDATE users SET display_name = 'Should roll back'"))
        db.session.rollback()
        assert db.session.scalar(select(User.display_name)) == "Original"
