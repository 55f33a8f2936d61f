"""Upgrading a live installation (README "Upgrading"): every migration of this release only
expands the schema, so the previous release's code keeps reading and writing while it runs;
and ``db downgrade`` will not undo a data-dropping migration unless told."""

from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, inspect, select

from app.extensions import db
from app.models import Choice, Comment
from app.services import voting
from tests import factories

# The last migration of the previous release: its code is what runs during this upgrade.
PREVIOUS_RELEASE = "0015_vote_wording"


def _script(app) -> ScriptDirectory:
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def this_release(app) -> list[str]:
    """The migrations after PREVIOUS_RELEASE, oldest first."""
    revisions = _script(app).iterate_revisions("heads", PREVIOUS_RELEASE)
    return [revision.revision for revision in reversed(list(revisions))]


def _schema(connection) -> dict[str, dict[str, dict]]:
    inspector = inspect(connection)
    return {
        table: {column["name"]: column for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
    }


def contractions(before: dict, after: dict) -> list[str]:
    """What in ``after`` would break code written for ``before``: a table or column gone
    (dropped or renamed), a new NOT NULL column without a server default (old INSERTs omit
    it), a column that became NOT NULL."""
    found = []
    for table, columns in before.items():
        if table not in after:
            found.append(f"table {table} dropped or renamed")
            continue
        for name, column in columns.items():
            now = after[table].get(name)
            if now is None:
                found.append(f"column {table}.{name} dropped or renamed")
            elif column["nullable"] and not now["nullable"]:
                found.append(f"column {table}.{name} made NOT NULL")
        for name, column in after[table].items():
            if name not in columns and not column["nullable"] and column["default"] is None:
                found.append(f"column {table}.{name} added NOT NULL without a server default")
    return found


def test_this_release_has_migrations_and_the_check_finds_a_contraction():
    before = {"comments": {"body": {"nullable": True, "default": None}}}
    assert contractions(before, {}) == ["table comments dropped or renamed"]
    assert contractions(before, {"comments": {}}) == ["column comments.body dropped or renamed"]
    added = {"body": before["comments"]["body"], "x": {"nullable": False, "default": None}}
    assert contractions(before, {"comments": added}) == [
        "column comments.x added NOT NULL without a server default"
    ]


def test_each_migration_of_this_release_only_expands_the_schema(app):
    with app.app_context():
        assert this_release(app)[:4] == [
            "0016_two_factor",
            "0017_account",
            "0019_stored_html",
            "0020_committee_review",
        ]
        downgrade(revision=PREVIOUS_RELEASE)
        try:
            with db.engine.connect() as connection:
                previous = _schema(connection)
            for revision in this_release(app):
                upgrade(revision=revision)
                with db.engine.connect() as connection:
                    assert contractions(previous, _schema(connection)) == [], revision
        finally:
            upgrade()


def test_the_previous_releases_writes_and_reads_work_during_each_migration(app):
    """The previous release's statements (its column set, read from its schema) insert a
    comment and a vote, edit the comment and read both back after each migration; this
    release's code then shows them."""
    with app.app_context():
        discussion = factories.discussion(comments=1)
        document = factories.voting_opened(discussion.document)
        clause = factories.clause(document)
        voting.cast_vote(factories.member(), Choice.SUPPORT, clause=clause)
        voters = [factories.member() for _ in this_release(app)]
        db.session.commit()
        comment_id = max(c.id for c in db.session.scalars(select(Comment)))
        discussion_id, voter_ids = discussion.id, [voter.id for voter in voters]
        db.session.remove()

        downgrade(revision=PREVIOUS_RELEASE)
        written = []
        try:
            old = MetaData()
            with db.engine.connect() as connection:
                old.reflect(connection)
            comments, votes = old.tables["comments"], old.tables["votes"]
            for n, revision in enumerate(this_release(app)):
                upgrade(revision=revision)
                with db.engine.begin() as connection:
                    row = (
                        connection.execute(select(comments).where(comments.c.id == comment_id))
                        .one()
                        ._asdict()
                    )
                    row.pop("id")
                    row.update(body=f"Old code wrote this during {revision}", submission_key=None)
                    new_id = connection.execute(comments.insert().values(row)).inserted_primary_key[
                        0
                    ]
                    connection.execute(
                        comments.update()
                        .where(comments.c.id == new_id)
                        .values(body=f"Old code edited this during {revision}", edit_count=1)
                    )
                    connection.execute(  # a comment the migration rendered, edited
                        comments.update()
                        .where(comments.c.id == comment_id)
                        .values(body=f"Edited by old code during {revision}")
                    )
                    vote = connection.execute(select(votes).limit(1)).one()._asdict()
                    vote.pop("id")
                    vote["user_id"] = voter_ids[n]
                    connection.execute(votes.insert().values(vote))
                    assert (
                        connection.execute(
                            select(comments.c.body).where(comments.c.id == new_id)
                        ).scalar_one()
                        == f"Old code edited this during {revision}"
                    )
                written.append((new_id, revision))
        finally:
            upgrade()

        # Once every host runs this release: the catch-up step of the README's procedure.
        assert app.test_cli_runner().invoke(args=["markdown", "rerender", "--all"]).exit_code == 0
        edited = db.session.get(Comment, comment_id)
        assert f"Edited by old code during {written[-1][1]}" in str(edited.body_markup)
        for new_id, revision in written:
            comment = db.session.get(Comment, new_id)
            assert comment is not None and comment.discussion_id == discussion_id
            assert f"Old code edited this during {revision}" in str(comment.body_markup)


def _current(app) -> str:
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or "base"


def test_db_downgrade_refuses_to_undo_a_migration_that_drops_data_unless_told(app):
    runner = app.test_cli_runner()
    head = _current(app)
    try:
        refused = runner.invoke(args=["db", "downgrade", "0016_two_factor"])
        assert refused.exit_code == 1
        assert "0020_committee_review" in refused.output or "0025_passages" in refused.output
        assert "--i-understand-data-loss" in refused.output
        assert _current(app) == head, "nothing was undone"

        told = runner.invoke(
            args=["db", "downgrade", "0019_stored_html", "--i-understand-data-loss"]
        )
        assert told.exit_code == 0, told.output
        assert _current(app) == "0019_stored_html"

        # Stored HTML is made again from the Markdown beside it: no data is lost.
        regenerable = runner.invoke(args=["db", "downgrade"])
        assert regenerable.exit_code == 0, regenerable.output
        assert _current(app) == "0017_account"

        # Going further back loses data again (the sessions' devices, then two-factor).
        assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 1
        assert _current(app) == "0017_account"
    finally:
        with app.app_context():
            upgrade()


def test_every_migration_of_this_release_says_whether_its_downgrade_drops_data(app):
    with app.app_context():
        script = _script(app)
        for revision in this_release(app):
            module = script.get_revision(revision).module
            assert isinstance(getattr(module, "drops_data", None), bool), revision


def test_a_relative_downgrade_is_guarded_too(app):
    """``db downgrade`` takes ``-N`` (and ``-1`` when given nothing), a relative target that
    alembic's range walk does not take: it used to find nothing to undo, so nothing refused."""
    from app.ops_cli import drops_data, revisions_undone

    runner = app.test_cli_runner()
    head = _current(app)
    with app.app_context():
        steps = 1 + next(
            n for n, revision in enumerate(revisions_undone("-50")) if drops_data(revision)
        )
        assert len(revisions_undone(f"-{steps}")) == steps
    refused = runner.invoke(args=["db", "downgrade", "--", f"-{steps}"])
    assert refused.exit_code == 1, refused.output
    assert "--i-understand-data-loss" in refused.output
    assert _current(app) == head


def test_a_database_already_at_the_search_migration_gets_the_change_markers(app):
    """``0026_change_markers`` comes after ``0018_search`` (every other migration of this
    release comes before it): a site that had upgraded to ``0018_search`` gets the table from
    ``db upgrade`` (found by the outside tester: before, it stayed "up to date", and every
    signed-in page failed on the missing table)."""
    with app.app_context():
        downgrade(revision="0018_search")
        assert "change_markers" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "change_markers" in inspect(db.engine).get_table_names()
