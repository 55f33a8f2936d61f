"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db
from app.search import schema as search_schema

# The first rows of a migration test's old database: a Member and an Open Accord, as every
# revision from 0014 on stores them.
A_MEMBER_AND_AN_ACCORD = (
    "INSERT INTO users (email, display_name, active, is_independent_person, created_at) "
    "VALUES ('m@example.org', 'M', true, false, '2026-01-01 09:00:00')",
    "INSERT INTO documents (kind, title, slug, summary, status, created_at, updated_at) "
    "VALUES ('accord', 'Accord', 'accord', '', 'open', '2026-01-01 09:00:00', "
    "'2026-01-01 09:00:00')",
)


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": search_schema.include_object,
                "include_name": search_schema.include_name,
            },
        )
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; that index is checked separately below.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            return compare_metadata(context, db.metadata)


def _index_names(app, table: str) -> set[str]:
    with app.app_context(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        names = {index["name"] for index in inspect(db.engine).get_indexes(table)}
        if db.engine.dialect.name == "sqlite":  # SQLite's inspector leaves them out
            with db.engine.connect() as connection:
                names |= set(
                    connection.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=?",
                        (table,),
                    ).scalars()
                )
        return names


def test_upgrade_from_empty_gives_the_models_schema(app):
    assert _differences(app) == []
    assert "uq_users_email_lower" in _index_names(app, "users")


def test_downgrade_to_nothing_and_back_again(app):
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
    assert _differences(app) == []


def test_each_migration_keeps_the_data_already_there(database_url):
    """Upgrade one step at a time from the first migration with rows in the tables."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate
    from sqlalchemy import text

    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="base")
        config = Migrate().get_config(directory="migrations")
        revisions = [
            s.revision for s in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))
        ]
        upgrade(revision=revisions[0])
        db.session.execute(
            text(
                "INSERT INTO documents (kind, title, slug, summary, status, created_at, "
                "updated_at) VALUES ('accord', 'Accord', 'accord', '', 'open', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO clauses (document_id, position, number, heading, body, "
                "revision_number, created_at) VALUES (1, 1, '1', 'Trust', 'Body', 1, "
                "CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        for revision in revisions[1:]:
            upgrade(revision=revision)
        row = db.session.execute(
            text(
                "SELECT d.title, d.member_turnout_percent, d.voting_open, c.heading, c.activity "
                "FROM documents d JOIN clauses c ON c.document_id = d.id"
            )
        ).one()
        assert tuple(row) == ("Accord", 25, False, "Trust", 0)
        db.session.remove()
    if database_url.startswith("postgresql"):  # the PostgreSQL database is shared by the run
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_events_hashed_before_the_key_become_a_legacy_segment(database_url):
    """Upgrading a trail of plain SHA-256 events records their head as the legacy checkpoint;
    they still verify, and the first keyed event starts a segment recording that head."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from app.models import AuditCheckpoint, AuditEvent, CheckpointKind
    from app.services import audit
    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="0009_document_admin")
        previous = audit.GENESIS
        for number in range(3):
            event = AuditEvent(
                at=datetime(2026, 1, 5, 9, number, 7, 123456, tzinfo=UTC),
                actor_id=None,
                actor_label="admin@example.org",
                action="person.created",
                object_type="user",
                object_id=None,
                document_id=None,
                summary=f"Person {number} created",
                before=None,
                after={"number": number},
                previous_hash=previous,
                key_id=None,
            )
            event.hash = audit.content_hash(event)
            previous = event.hash
            values = {
                column: getattr(event, column)
                for column in (
                    "at",
                    "actor_label",
                    "action",
                    "object_type",
                    "summary",
                    "after",
                    "previous_hash",
                    "hash",
                )
            }
            db.session.execute(insert(AuditEvent.__table__).values(**values))
        db.session.commit()
        upgrade()
        legacy = db.session.scalars(select(AuditCheckpoint)).one()
        assert (legacy.kind, legacy.pin) == (CheckpointKind.LEGACY, f"3:{previous}")
        assert audit.verify().ok
        audit.record("test.event", actor=None, object_type="test", summary="After the upgrade")
        db.session.commit()
        result = audit.verify()
        assert result.ok, result.failures
        assert [(s.key_id is None, s.first, s.last) for s in result.segments] == [
            (True, 1, 3),
            (False, 4, 5),
        ]
        db.session.remove()
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_decision_reasons_keep_the_outcomes_and_their_append_only_rule(database_url):
    """Upgrading to and downgrading from the decision reasons keeps the recorded outcomes and
    voting events, and both tables stay append-only either way (SQLite rebuilds them)."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from tests import databases

    app = databases.make_app(database_url)

    def insert_outcome() -> None:
        for statement in (
            "INSERT INTO users (email, display_name, active, is_independent_person, "
            "created_at) VALUES ('f@example.org', 'F', true, false, CURRENT_TIMESTAMP)",
            "INSERT INTO documents (kind, title, slug, summary, status, created_at, updated_at) "
            "VALUES ('accord', 'Accord', 'accord', '', 'open', CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)",
            "INSERT INTO clauses (document_id, position, number, heading, body, "
            "revision_number, created_at) VALUES (1, 1, '1', 'Trust', 'Body', 1, "
            "CURRENT_TIMESTAMP)",
            "INSERT INTO outcomes (document_id, clause_id, agreed, tallies, rule, closed_at, "
            "closed_by_id) VALUES (1, 1, true, '{}', '{}', CURRENT_TIMESTAMP, 1)",
            "INSERT INTO voting_events (document_id, action, detail, by_id, at) VALUES "
            "(1, 'closed', '', 1, CURRENT_TIMESTAMP)",
        ):
            db.session.execute(text(statement))
        db.session.commit()

    def assert_append_only() -> None:
        for table in ("outcomes", "voting_events"):
            assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 1
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(f"DELETE FROM {table}"))
            db.session.rollback()

    with app.app_context():
        downgrade(revision="0011_clean_text")
        insert_outcome()
        upgrade()
        assert_append_only()
        reason = db.session.execute(text("SELECT close_reason FROM outcomes")).scalar_one()
        assert reason is None
        db.session.remove()
        downgrade(revision="0011_clean_text")
        assert_append_only()
        assert "close_reason" not in {c["name"] for c in inspect(db.engine).get_columns("outcomes")}
        upgrade()
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)  # the run's database is shared by the tests that follow
    with app.app_context():
        db.engine.dispose()


def test_stored_text_is_cleaned_and_history_is_left_as_it_was(database_url):
    """0011 cleans the live text (clauses, documents, people) with the text rule; a clause's
    earlier wordings are append-only history and keep their CRLF line breaks."""
    from sqlalchemy import insert, select

    from app.models import Clause, ClauseRevision, Document, User
    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="0010_audit_checkpoints")
        dirty = "Members listen.  \r\n\r\nOfficers\x0breply\x1b.\r\n"
        db.session.execute(
            insert(User.__table__).values(
                id=1, email="jo@example.org", display_name="Jo\r\nBloggs ", ward="Cafe\u0301"
            )
        )
        db.session.execute(
            insert(Document.__table__).values(
                id=1,
                kind="accord",
                title="The\tAccord",
                slug="accord",
                summary="Why\r\nit matters",
                status="open",
            )
        )
        db.session.execute(
            insert(Clause.__table__).values(
                id=1, document_id=1, position=1, number="1", heading="Trust\x1b", body=dirty
            )
        )
        db.session.execute(
            insert(ClauseRevision.__table__).values(
                clause_id=1, number=1, heading="Trust\x1b", body=dirty, reason="", created_by_id=1
            )
        )
        db.session.commit()
        upgrade()
        user = db.session.get(User, 1)
        assert (user.display_name, user.ward) == ("Jo Bloggs", "Caf\u00e9")
        document = db.session.get(Document, 1)
        assert (document.title, document.summary) == ("The Accord", "Why\nit matters")
        clause = db.session.get(Clause, 1)
        assert clause.heading == "Trust"
        assert clause.body == "Members listen.\n\nOfficers\nreply."
        revision = db.session.scalars(select(ClauseRevision)).one()
        assert (revision.heading, revision.body) == ("Trust\x1b", dirty)
        db.session.remove()
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_an_amendments_submission_key_is_unique_and_its_migration_goes_both_ways(app):
    """0014: a proposal form sent twice (even at the same moment) makes one amendment."""
    with app.app_context():
        indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("amendments")}
        assert indexes["ix_amendments_submission_key"]["unique"]
        downgrade(revision="0013_decision_reasons")
        columns = {c["name"] for c in inspect(db.engine).get_columns("amendments")}
        assert "submission_key" not in columns
        upgrade()
    assert _differences(app) == []


def test_votes_and_outcomes_already_there_get_their_wording(database_url):
    """A vote already cast gets its clause's current wording (it was counted for it, and stays
    counted: nothing is set aside); a clause's outcome gets the wording in force when it was
    recorded. Downgrading drops the set-aside votes and the new notifications."""
    from sqlalchemy import text

    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="0014_concurrency")
        for statement in (
            *A_MEMBER_AND_AN_ACCORD,
            "INSERT INTO clauses (document_id, position, number, heading, body, "
            "revision_number, created_at) VALUES (1, 1, '1', 'Trust', 'Body 2', 2, "
            "'2026-01-01 09:00:00')",
            "INSERT INTO clause_revisions (clause_id, number, heading, body, reason, created_at) "
            "VALUES (1, 1, 'Trust', 'Body', '', '2026-01-01 09:00:00'), "
            "(1, 2, 'Trust', 'Body 2', '', '2026-01-03 09:00:00')",
            "INSERT INTO votes (user_id, clause_id, choice, cast_at) "
            "VALUES (1, 1, 'support', '2026-01-02 09:00:00')",
            "INSERT INTO outcomes (document_id, clause_id, agreed, tallies, rule, closed_at, "
            "closed_by_id) VALUES (1, 1, true, '{}', '{}', '2026-01-02 10:00:00', 1), "
            "(1, 1, false, '{}', '{}', '2026-01-04 10:00:00', 1)",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        vote = db.session.execute(
            text("SELECT revision_number, set_aside_at, set_aside_reason FROM votes")
        ).one()
        assert tuple(vote) == (2, None, None)
        wordings = db.session.execute(
            text("SELECT revision_number FROM outcomes ORDER BY id")
        ).scalars()
        assert list(wordings) == [1, 2]
        db.session.execute(
            text(
                "UPDATE votes SET set_aside_at = '2026-01-05 09:00:00', "
                "set_aside_reason = 'earlier_wording'"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO notifications (user_id, kind, text, link, created_at) "
                "VALUES (1, 'vote_again', 'Vote again', '/', '2026-01-05 09:00:00')"
            )
        )
        db.session.commit()
        downgrade(revision="0014_concurrency")
        assert db.session.execute(text("SELECT count(*) FROM votes")).scalar_one() == 0
        assert db.session.execute(text("SELECT count(*) FROM notifications")).scalar_one() == 0
        db.session.commit()  # let go of the tables before the migration alters them
        upgrade()
        db.session.remove()
    assert _differences(app) == []
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)  # the run's database is shared by the tests that follow
    with app.app_context():
        db.engine.dispose()
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_text_already_there_gets_its_stored_html_and_discussions_their_own_marker(database_url):
    """0019 renders the Markdown of the comments and clauses already there under the current
    sanitiser policy, and gives each discussion its activity marker as its own."""
    from sqlalchemy import text

    from app.markdown import POLICY_VERSION
    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="0015_vote_wording")
        for statement in (
            *A_MEMBER_AND_AN_ACCORD,
            "INSERT INTO clauses (document_id, position, number, heading, body, "
            "revision_number, created_at) VALUES (1, 1, '1', 'Trust', 'We **trust**.', 1, "
            "'2026-01-01 09:00:00')",
            "INSERT INTO discussions (document_id, clause_id, title, started_by_id, created_at, "
            "activity_mark) VALUES (1, 1, 'T', 1, '2026-01-01 09:00:00', 7)",
            "INSERT INTO comments (discussion_id, author_id, body, created_at, edit_count, "
            "created_mark, activity_mark) VALUES (1, 1, '<script>x</script> *Yes*', "
            "'2026-01-01 09:00:00', 0, 7, 7)",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        comment = db.session.execute(text("SELECT body_html, html_version FROM comments")).one()
        rendered = "<p>&lt;script&gt;x&lt;/script&gt; <em>Yes</em></p>\n"
        assert tuple(comment) == (rendered, POLICY_VERSION)
        clause = db.session.execute(text("SELECT body_html FROM clauses")).scalar_one()
        assert clause == "<p>We <strong>trust</strong>.</p>\n"
        mark = db.session.execute(text("SELECT state_mark FROM discussions")).scalar_one()
        assert mark == 7
        db.session.commit()
        downgrade(revision="0015_vote_wording")
        db.session.commit()
        upgrade()
        db.session.remove()
    assert _differences(app) == []
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def _comment_rendered_on_upgrade(database_url, down_to: str, body: str, html: str, policy: int):
    """Downgrade to ``down_to``, store a comment ``body`` with ``html`` made under ``policy``,
    upgrade: its (HTML, policy version) as the upgrade left them."""
    from sqlalchemy import text

    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision=down_to)
        for statement in (
            *A_MEMBER_AND_AN_ACCORD,
            "INSERT INTO discussions (document_id, title, started_by_id, created_at, "
            "activity_mark, state_mark) VALUES (1, 'T', 1, '2026-01-01 09:00:00', 7, 7)",
        ):
            db.session.execute(text(statement))
        db.session.execute(
            text(
                "INSERT INTO comments (discussion_id, author_id, body, body_html, html_version, "
                "created_at, edit_count, created_mark, activity_mark) VALUES (1, 1, :body, "
                ":html, :policy, '2026-01-01 09:00:00', 0, 7, 7)"
            ),
            {"body": body, "html": html, "policy": policy},
        )
        db.session.commit()
        upgrade()
        comment = db.session.execute(text("SELECT body_html, html_version FROM comments")).one()
        db.session.commit()
        db.session.remove()
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()
    return tuple(comment)


def test_stored_html_of_an_older_policy_is_rendered_again(database_url):
    """0031 renders again, under policy 2, the HTML stored under policy 1, where a character
    reference (``&#x202E;``) had become a right-to-left override."""
    from app.markdown import POLICY_VERSION

    rendered = _comment_rendered_on_upgrade(
        database_url, "0030_form_submissions", "Yes &#x202E;on", "<p>Yes \u202eon</p>\n", 1
    )
    assert rendered == ("<p>Yes on</p>\n", POLICY_VERSION)


def test_stored_html_of_policy_2_is_rendered_again_under_policy_3(database_url):
    """0033 renders again the HTML stored under policy 2, where a list typed from 3 showed 1
    and "[^1]: note" linked to a page that is not there."""
    from app.markdown import POLICY_VERSION

    rendered = _comment_rendered_on_upgrade(
        database_url, "0032_decision_drafts", "3. three", "<ol>\n<li>three</li>\n</ol>\n", 2
    )
    assert rendered == ('<ol start="3">\n<li>three</li>\n</ol>\n', POLICY_VERSION)


def test_every_search_index_is_still_kept_current_at_head(database_url):
    """A later migration that rebuilds a searched table (SQLite's batch mode copies the table)
    drops its triggers with it: at head every searched table still has its three triggers
    (SQLite) or its generated ``search_vector`` column, with word pairs (PostgreSQL)."""
    from sqlalchemy import text

    from app.search.schema import SOURCES, pg_is_current
    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        if database_url.startswith("sqlite"):
            names = set(
                db.session.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
            )
            missing = [
                f"{source.index}_{suffix}"
                for source in SOURCES
                for suffix in ("ai", "ad", "au")
                if f"{source.index}_{suffix}" not in names
            ]
        else:
            connection = db.session.connection()
            missing = [source.table for source in SOURCES if not pg_is_current(connection, source)]
        db.session.remove()
        db.engine.dispose()  # this test's own app: no connection left for the GC to find
    assert missing == []


def test_every_kind_the_code_knows_fits_the_database_at_head(app):
    """Each enum is a CHECK constraint the migrations rewrite (which alembic's comparison does
    not see): a row of every notification kind the code can send is accepted at head."""
    from app.models import Notification, NotificationKind
    from tests import factories

    with factories.built(app):
        person = factories.member()
        for kind in NotificationKind:
            db.session.add(Notification(user=person, kind=kind, text=kind.value, link="/"))
        db.session.flush()


def test_the_managed_lists_start_from_the_names_people_already_have(database_url):
    """0024b fills the lists of Groups, wards and services from the distinct names on people,
    spaces normalised (so "Labour  Group " and "Labour Group" are one), and keeps the names on
    ``users`` (expand only: the columns stay)."""
    from sqlalchemy import text

    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="0025_passages")
        for n, (group, ward, service) in enumerate(
            [
                ("Labour Group", "Parr", None),
                ("  Labour   Group ", "Parr", None),
                ("Green Group", "Windle", None),
                (None, None, "Legal and Governance"),
                ("   ", None, None),
            ]
        ):
            db.session.execute(
                text(
                    "INSERT INTO users (email, display_name, active, is_independent_person, "
                    'created_at, "group", ward, service) VALUES (:email, :name, true, false, '
                    "'2026-01-01 09:00:00', :group, :ward, :service)"
                ),
                {
                    "email": f"p{n}@example.org",
                    "name": f"P{n}",
                    "group": group,
                    "ward": ward,
                    "service": service,
                },
            )
        db.session.commit()
        upgrade()
        entries = db.session.execute(
            text("SELECT kind, name FROM list_entries ORDER BY kind, name")
        ).all()
        assert [tuple(entry) for entry in entries] == [
            ("group", "Green Group"),
            ("group", "Labour Group"),
            ("service", "Legal and Governance"),
            ("ward", "Parr"),
            ("ward", "Windle"),
        ]
        groups = db.session.execute(text('SELECT "group" FROM users ORDER BY id')).scalars()
        assert list(groups) == ["Labour Group", "Labour Group", "Green Group", None, None]
        db.session.commit()
        downgrade(revision="0025_passages")
        db.session.commit()
        upgrade()
        db.session.remove()
    assert _differences(app) == []
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_recommendations_already_there_are_dated_by_their_first_revision_or_the_migration(
    database_url,
):
    """0029 dates each recommendation: by its first revision's date when it has one, else by
    the migration (when it was loaded is recorded nowhere else); downgrading drops the dates."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from tests import databases

    app = databases.make_app(database_url)
    with app.app_context():
        downgrade(revision="0028_top_level_comments")
        for statement in (
            "INSERT INTO recommendation_sources (name, short_name, slug, title, position) "
            "VALUES ('Culture Review 2019', 'CR', 'culture-review', '', 1)",
            "INSERT INTO recommendations (source_id, letter, text, theme, response, version) "
            "VALUES (1, 'a', 'Revised', '', '', 2), (1, 'b', 'Never revised', '', '', 1)",
            "INSERT INTO recommendation_revisions (recommendation_id, number, text, theme, "
            "response, reason, created_at) VALUES "
            "(1, 1, 'First', '', '', '', '2026-01-01 09:00:00'), "
            "(1, 2, 'Revised', '', '', '', '2026-02-01 09:00:00')",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        from app.models import Recommendation

        dated = {r.letter: r.created_at for r in db.session.query(Recommendation)}
        assert dated["a"] == datetime(2026, 1, 1, 9, tzinfo=UTC)
        assert abs(dated["b"] - datetime.now(UTC)) < timedelta(minutes=5)
        db.session.commit()
        downgrade(revision="0028_top_level_comments")
        db.session.commit()
        upgrade()
        db.session.remove()
    assert _differences(app) == []
    if database_url.startswith("postgresql"):
        databases.empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_form_submissions_keys_are_unique_and_the_migration_goes_both_ways(app):
    """0030: the create forms' one-time keys, one row per key; downgrading drops the table and
    upgrading again makes it as the models describe."""
    with app.app_context():
        unique = inspect(db.engine).get_unique_constraints("form_submissions")
        assert [c["column_names"] for c in unique] == [["key"]]
        downgrade(revision="0029_recommendation_dates")
        assert "form_submissions" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "form_submissions" in inspect(db.engine).get_table_names()
    assert _differences(app) == []
