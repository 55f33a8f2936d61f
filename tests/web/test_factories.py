"""The factories build what they say, through the services, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AgendaItem, Comment, Document, DocumentStatus, Role, User
from tests import factories


def test_people_of_each_role_get_the_demo_accounts_then_numbered_ones(app):
    with factories.built(app):
        people = factories.everyone()
        second = factories.member(group="Conservative Group")
        assert people[Role.MEMBER].email == "member@example.org"
        assert people[Role.MEMBER].group == "Labour Group" and people[Role.MEMBER].ward
        assert people[Role.OFFICER].job_title and people[Role.STANDARDS].is_independent_person
        assert second.email == "member-2@example.org" and second.group == "Conservative Group"
        assert factories.person(roles=[Role.MEMBER, Role.STANDARDS]).roles == {
            Role.MEMBER,
            Role.STANDARDS,
        }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 7


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
def test_a_document_reaches_each_state_the_way_people_move_it(app, status):
    with factories.built(app):
        document = factories.document(status, title="Member/Officer Protocol", clauses=2)
        assert document.slug == "member-officer-protocol" and document.status == status
        assert [c.number for c in document.clauses] == ["1", "2"]
        assert [r.label for r in document.clauses[0].recommendations] == ["CR g"]
        if status == DocumentStatus.ADOPTED:
            assert document.adopted_version_id is not None


def test_a_referred_back_document_is_open_with_the_reasons(app):
    with factories.built(app):
        document = factories.document(referred_back="Say more about training")
        assert document.status == DocumentStatus.OPEN
        assert document.referral_reasons == "Say more about training"


def test_taking_part_a_discussion_an_amendment_and_voting(app):
    with factories.built(app):
        document = factories.document()
        clause = factories.clause(document, "2")
        discussion = factories.discussion(clause=clause, comments=2)
        assert discussion.document is document
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
        amendment = factories.amendment(clause, body="Better words.")
        assert amendment.clause is clause and amendment.proposer.email == "member@example.org"
        assert factories.voting_opened(document).voting_open
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1


def test_a_joint_session_with_its_agenda(app):
    with factories.built(app):
        session = factories.joint_session(answers=["CR d"])
        assert session.agenda.status == DocumentStatus.OPEN
        assert [c.heading for c in session.agenda.clauses] == ["Welcome", "Workshop", "Decisions"]
        assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 3
        draft = factories.joint_session(title="Later", published=False, items=())
        assert draft.agenda.status == DocumentStatus.DRAFT
