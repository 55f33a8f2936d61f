"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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
