"""Invariants the database itself keeps, whatever the application does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db
from app.models import Clause, ClauseRevision, Document, DocumentKind, Role
from app.services import clauses
from tests.helpers import make_user


def test_email_is_unique_whatever_its_case(app):
    make_user(app, "jo@example.org")
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(
                    "INSERT INTO users (email, display_name, active, is_independent_person, "
                    "created_at) VALUES ('JO@Example.ORG', 'Jo', true, false, CURRENT_TIMESTAMP)"
                )
            )
        db.session.rollback()


def test_one_role_is_held_once(app):
    user_id = make_user(app, "jo@example.org", roles=(Role.MEMBER,))
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(
            text("INSERT INTO user_roles (user_id, role) VALUES (:id, 'member')"), {"id": user_id}
        )


def test_an_unknown_role_or_status_is_refused(app):
    user_id = make_user(app, "jo@example.org")
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("INSERT INTO user_roles (user_id, role) VALUES (:id, 'mayor')"),
                {"id": user_id},
            )
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(
                    "INSERT INTO documents (kind, title, slug, summary, status, created_at, "
                    "updated_at) VALUES ('accord', 'X', 'x', '', 'lost', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                )
            )
        db.session.rollback()


@pytest.fixture
def revised_clause(app):
    with app.app_context():
        document = Document(kind=DocumentKind.ACCORD, slug="accord", title="Accord")
        db.session.add(document)
        clause = clauses.add_clause(document, "Trust", "First wording.", by=None)
        db.session.flush()
        clauses.revise_clause(clause, "Trust", "Second wording.", by=None, reason="Agreed")
        db.session.commit()
        return clause.id


def test_a_clause_keeps_every_wording_and_shows_the_newest(app, revised_clause):
    with app.app_context():
        clause = db.session.get(Clause, revised_clause)
        assert [r.body for r in clause.revisions] == ["First wording.", "Second wording."]
        assert clause.body == "Second wording." and clause.revision_number == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE clause_revisions SET body = 'rewritten history'",
        "DELETE FROM clause_revisions",
    ],
    ids=["update", "delete"],
)
def test_clause_revisions_are_append_only(app, revised_clause, statement):
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        bodies = db.session.scalars(text("SELECT body FROM clause_revisions ORDER BY number"))
        assert list(bodies) == ["First wording.", "Second wording."]


def test_the_orm_cannot_quietly_change_a_revision_either(app, revised_clause):
    with app.app_context():
        revision = db.session.query(ClauseRevision).filter_by(number=1).one()
        revision.body = "rewritten"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()


def test_two_clauses_cannot_share_a_position(app, revised_clause):
    with app.app_context():
        clause = db.session.get(Clause, revised_clause)
        db.session.add(
            Clause(
                document_id=clause.document_id,
                position=clause.position,
                number="9",
                heading="Clash",
                body="",
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
