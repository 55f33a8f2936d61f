"""The queries for "documents this person may read" (by the person, and by their id as the
live poll asks it) agree with ``can_read_document``."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, Role, User
from app.permissions import can_read_document, is_readable_by_id, readable_documents


def _person(email: str, roles: set[Role], *, active: bool = True) -> User:
    user = User(email=email, display_name=email.split("@")[0], active=active)
    user.set_roles(roles)
    db.session.add(user)
    return user


@pytest.fixture
def world(app):
    """One document in every state; one person with each role, two roles, or none active."""
    with app.app_context():
        documents = [
            Document(kind=DocumentKind.ACCORD, slug=status.value, title=status.label, status=status)
            for status in DocumentStatus
        ]
        db.session.add_all(documents)
        people = {role.value: _person(f"{role.value}@example.org", {role}) for role in Role}
        people["member+standards"] = _person("both@example.org", {Role.MEMBER, Role.STANDARDS})
        people["inactive facilitator"] = _person(
            "gone@example.org", {Role.FACILITATOR}, active=False
        )
        db.session.flush()
        yield documents, people
        db.session.rollback()


def test_the_query_returns_exactly_what_the_predicate_allows(world):
    documents, people = world
    for name, user in {**people, "signed out": None}.items():
        expected = {d.slug for d in documents if can_read_document(user, d)}
        found = set(db.session.scalars(readable_documents(user).with_only_columns(Document.slug)))
        assert found == expected, name


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_state_is_checked_for_every_role(world, role):
    documents, people = world
    user = people[role.value]
    for document in documents:
        query = readable_documents(user).where(Document.id == document.id)
        assert (db.session.scalar(query) is not None) is can_read_document(user, document), (
            document.status
        )


def test_the_query_by_id_allows_what_the_predicate_allows_an_active_person(world):
    """``is_readable_by_id`` (the live poll's; the poll checks the person is active itself)."""
    documents, people = world
    for name, user in people.items():
        if not user.active:
            continue
        query = select(Document.slug).where(is_readable_by_id(literal(user.id)))
        expected = {d.slug for d in documents if can_read_document(user, d)}
        assert set(db.session.scalars(query)) == expected, name
