"""The permission grid for the foundation's pages: every role × every document state."""

from __future__ import annotations

import pytest

from app.models import Document, DocumentStatus, Role, User
from app.permissions import can_manage_people, can_read_document, can_read_recommendations


def person(*roles: Role, active: bool = True) -> User:
    user = User(email="x@example.org", display_name="X", active=active)
    user.set_roles(set(roles))
    return user


ROLES = list(Role)
READ_DRAFT = {Role.FACILITATOR, Role.ADMIN}


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_reading_a_document(role, status):
    document = Document(status=status)
    expected = status != DocumentStatus.DRAFT or role in READ_DRAFT
    assert can_read_document(person(role), document) is expected


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
def test_nobody_reads_anything_once_deactivated_or_signed_out(status):
    document = Document(status=status)
    for role in ROLES:
        assert can_read_document(person(role, active=False), document) is False
    assert can_read_document(None, document) is False
    assert can_read_recommendations(person(Role.ADMIN, active=False)) is False


def test_a_member_on_the_standards_committee_has_both_columns():
    both = person(Role.MEMBER, Role.STANDARDS)
    assert both.is_member and both.is_standards
    assert can_read_document(both, Document(status=DocumentStatus.OPEN))
    assert not can_read_document(both, Document(status=DocumentStatus.DRAFT))


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_only_admins_manage_people(role):
    assert can_manage_people(person(role)) is (role == Role.ADMIN)
