"""Your tasks: each role's jobs from the state, readable documents only, constant statements."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    AccountToken,
    Amendment,
    AttendanceAnswer,
    Choice,
    Comment,
    Discussion,
    Document,
    DocumentStatus,
    JointSession,
    LastView,
    Purpose,
    Role,
    ViewedKind,
    utcnow,
)
from app.services import discussions, joint_sessions, people, voting
from app.services import tasks as service
from tests import factories
from tests.helpers import count_queries


def _task_titles(app, email: str) -> dict[str, list[str]]:
    with app.app_context():
        user = factories.user(email)
        return {s.key: [t.title for t in s.tasks] for s in service.tasks_for(user)}


def _header_tasks(app, email: str) -> int:
    with app.app_context():
        return service.header_counts(factories.user(email))[1]


def _opening_comment(discussion) -> Comment:
    return db.session.scalars(select(Comment).where(Comment.discussion_id == discussion.id)).one()


def test_many_clauses_to_vote_on_in_one_document_are_one_task_linking_to_its_ballot(app, client):
    """A document with more clauses still to vote on than are worth listing one by one
    (``CLAUSES_LISTED_ONE_BY_ONE``) is one task, "Vote on N clauses", linking to its ballot;
    a document with fewer lists each. The header and the page still count every clause."""
    listed = service.CLAUSES_LISTED_ONE_BY_ONE
    with factories.built(app):
        factories.member()
        many = factories.voting_opened(factories.document(clauses=listed + 3))
        few = factories.voting_opened(
            factories.document(title="Member/Officer Protocol", clauses=listed)
        )
        many_slug, few_slug = many.slug, few.slug
    tasks = _task_titles(app, "member@example.org")["clauses_to_vote"]
    assert len(tasks) == listed + 1  # the Protocol's title comes first
    assert all(t.startswith("Vote on clause ") for t in tasks[:listed])
    assert tasks[listed:] == [f"Vote on {listed + 3} clauses"]
    assert _header_tasks(app, "member@example.org") == 2 * listed + 3
    client.sign_in("member@example.org")
    page = client.get("/tasks").get_data(as_text=True)
    assert f'href="/documents/{many_slug}/ballot"' in page
    assert f'href="/documents/{many_slug}/clauses/1#vote-panel"' not in page
    assert f'href="/documents/{few_slug}/clauses/1#vote-panel"' in page
    assert f"{2 * listed + 3} things for you to do" in page


def test_a_member_is_asked_to_vote_read_replies_and_answer_invitations(app, client):
    with factories.built(app):
        member = factories.member()
        document = factories.voting_opened(factories.document(clauses=2))
        amendment = factories.amendment(factories.clause(document, "2"), by=factories.officer())
        started = factories.discussion(document, factories.clause(document, "1"), by=member)
        factories.comment(started, "I disagree", parent=_opening_comment(started))
        session = factories.joint_session(title="Roles workshop")
        factories.joint_session(title="Unpublished", published=False)
        slug, amendment_id, session_id, discussion_id = (
            document.slug,
            amendment.id,
            session.id,
            started.id,
        )
    tasks = _task_titles(app, "member@example.org")
    assert tasks["clauses_to_vote"] == ["Vote on clause 1, Trust", "Vote on clause 2, Roles"]
    assert tasks["amendments_to_vote"] == ["Vote on the amendment to clause 2, Roles"]
    assert tasks["replies"] == ["Read a reply to your comment in “Trust and tone”"]
    assert tasks["sessions"] == ["Say whether you will attend “Roles workshop”"]
    assert _header_tasks(app, "member@example.org") == 5

    client.sign_in("member@example.org")
    page = client.get("/tasks").get_data(as_text=True)
    assert f'href="/documents/{slug}/clauses/1#vote-panel"' in page
    assert f'href="/amendments/{amendment_id}#vote-panel"' in page
    assert f'href="/sessions/{session_id}#attendance"' in page
    assert 'id="task-count"' in page and "5<span" in page

    # Each task leaves the list once it is done.
    with factories.built(app):
        member = factories.user("member@example.org")
        document = factories.find_document(slug)
        voting.cast_vote(member, Choice.SUPPORT, clause=factories.clause(document, "1"))
        voting.cast_vote(member, Choice.OPPOSE, amendment=db.session.get(Amendment, amendment_id))
        joint_sessions.answer_attendance(
            db.session.get(JointSession, session_id), member, AttendanceAnswer.YES
        )
    client.get(f"/discussions/{discussion_id}")  # looking at the discussion reads the reply
    tasks = _task_titles(app, "member@example.org")
    assert tasks == {"clauses_to_vote": ["Vote on clause 2, Roles"]}
    assert _header_tasks(app, "member@example.org") == 1


def test_the_reply_task_leads_to_the_first_unread_reply_wherever_it_is_shown(app, client):
    """The task linked to the discussion's first page, which did not show a reply on a later
    page or past the replies shown under its comment. It now leads to the first reply the
    author has not read, and reading it there (on its page or the page of more replies) does
    the task."""
    app.config.update(COMMENTS_PER_PAGE=2, REPLIES_SHOWN=1, REPLIES_PER_PAGE=2)
    with factories.built(app):
        member = factories.member()
        started = factories.discussion(by=member)
        for n in range(4):  # pages 1 (the opening and one), 2, 3 (the member's last)
            last = factories.comment(started, f"Comment {n}", by=member)
        officer = factories.officer()
        first = factories.comment(started, "First reply", by=officer, parent=last)
        discussion_id, parent_id, first_id = started.id, last.id, first.id
        officer_email = officer.email

    def task_links() -> list[str]:
        page = client.get("/tasks").get_data(as_text=True)
        return re.findall(r'href="([^"]*)"[^>]*>\s*Read (?:a reply|\d+ replies)', page)

    client.sign_in("member@example.org")
    assert task_links() == [f"/comments/{first_id}"]
    shown = client.get(f"/comments/{first_id}")
    assert shown.headers["Location"] == f"/discussions/{discussion_id}?page=3#comment-{first_id}"
    client.get(shown.headers["Location"])
    assert "replies" not in _task_titles(app, "member@example.org")

    # Two more replies: past the one shown under the comment, on the page of more replies.
    with factories.built(app):
        parent = db.session.get(Comment, parent_id)
        discussion = db.session.get(Discussion, discussion_id)
        later = [
            factories.comment(
                discussion, f"Reply {n}", by=factories.user(officer_email), parent=parent
            )
            for n in (2, 3)
        ]
        second_id = later[0].id
    assert _task_titles(app, "member@example.org")["replies"] == [
        "Read 2 replies to your comment in “Trust and tone”"
    ]
    assert task_links() == [f"/comments/{second_id}"]
    more = client.get(f"/comments/{second_id}").headers["Location"]
    assert more == f"/comments/{parent_id}/replies?start=1#comment-{second_id}"
    assert f'id="comment-{second_id}"' in client.get(more).get_data(as_text=True)
    assert "replies" not in _task_titles(app, "member@example.org")


def test_a_vote_set_aside_by_a_new_wording_is_a_task_again(app):
    from app.services import amendments

    with factories.built(app):
        member = factories.member()
        document = factories.voting_opened(factories.document(clauses=1))
        voting.cast_vote(member, Choice.SUPPORT, clause=factories.clause(document))
        slug = document.slug
    assert "clauses_to_vote" not in _task_titles(app, "member@example.org")
    with factories.built(app):
        clause = factories.clause(factories.find_document(slug))
        amendments.edit_clause(
            clause,
            clause.heading,
            "A new wording.",
            "Clearer",
            by=factories.facilitator(),
            seen_revision=clause.revision_number,
        )
    assert _task_titles(app, "member@example.org")["clauses_to_vote"] == ["Vote on clause 1, Trust"]


def test_an_empty_list_says_so(app, client):
    with factories.built(app):
        factories.member()
    client.sign_in("member@example.org")
    page = client.get("/tasks").get_data(as_text=True)
    assert "You have no tasks at the moment" in page
    assert 'id="task-count"></span>' in page


def _propose_briefings(session) -> None:
    """A Member proposes an item to ``session``'s agenda (a proposal for a facilitator)."""
    joint_sessions.propose_item(
        session,
        title="Pre-meeting briefings",
        description="How Members are briefed.",
        purpose=Purpose.DISCUSSION,
        duration_minutes=20,
        by=factories.member(),
    )


def test_a_facilitator_decides_amendments_and_proposals_reads_comments_and_closes_voting(
    app, client
):
    with factories.built(app):
        factories.facilitator()
        document = factories.voting_opened(
            factories.document(clauses=1), closes_at=utcnow() + timedelta(hours=1)
        )
        amendment = factories.amendment(factories.clause(document))
        discussion = factories.discussion(document, comments=2)
        session = factories.joint_session()
        _propose_briefings(session)
        # Voting was to close an hour ago.
        db.session.execute(
            update(Document)
            .where(Document.id == document.id)
            .values(voting_closes_at=utcnow() - timedelta(hours=1))
        )
        title, slug = document.title, document.slug
        amendment_id, session_id, discussion_id = amendment.id, session.id, discussion.id
    tasks = _task_titles(app, "facilitator@example.org")
    assert tasks["amendments_to_decide"] == ["Decide the amendment to clause 1, Trust"]
    assert tasks["proposals"] == ["Accept or decline the proposed item “Pre-meeting briefings”"]
    assert tasks["new_comments"] == ["Read 3 new comments in “Trust and tone”"]
    assert tasks["overdue_voting"] == [f"Close voting on {title}"]
    client.sign_in("facilitator@example.org")
    page = client.get("/tasks").get_data(as_text=True)
    assert f'href="/amendments/{amendment_id}"' in page
    assert f'href="/documents/{slug}/voting/close"' in page
    assert f'href="/sessions/{session_id}#proposals"' in page
    # Reading the discussion clears it; a comment after that brings it back.
    client.get(f"/discussions/{discussion_id}")
    assert "new_comments" not in _task_titles(app, "facilitator@example.org")
    with factories.built(app):
        factories.comment(db.session.get(Discussion, discussion_id), "One more")
    assert _task_titles(app, "facilitator@example.org")["new_comments"] == [
        "Read a new comment in “Trust and tone”"
    ]


def test_new_comments_are_those_after_the_last_look_by_others_live_in_working_documents(app):
    """The facilitator's "new comments" (their tasks, and the header's count of them) follow
    the rule, checked against the comments themselves: someone else's live comment posted
    after their last look at the discussion, in a document still being worked on. A comment
    at the very moment of the last look was seen."""
    with factories.built(app):
        facilitator = factories.facilitator()
        officer = factories.officer()
        now = utcnow()
        working = factories.document(clauses=1, title="Working")
        adopted = factories.document(clauses=1, title="Adopted")
        threads = {
            "never looked": factories.discussion(working, title="Never looked"),
            "looked before": factories.discussion(working, title="Looked before"),
            "looked after": factories.discussion(working, title="Looked after"),
            "only own": factories.discussion(working, title="Only own", by=facilitator),
            "hidden and withdrawn": factories.discussion(working, title="Hidden and withdrawn"),
            "adopted": factories.discussion(adopted, title="In an adopted document"),
        }
        db.session.execute(
            update(Document).where(Document.id == adopted.id).values(status=DocumentStatus.ADOPTED)
        )
        late = factories.comment(threads["looked before"], "After the look", by=officer)
        factories.comment(threads["looked before"], "Mine", by=facilitator)
        hidden = factories.comment(threads["hidden and withdrawn"], "Hidden", by=officer)
        withdrawn = factories.comment(threads["hidden and withdrawn"], "Withdrawn", by=officer)
        discussions.hide_comment(hidden, "Off topic", by=facilitator)
        discussions.withdraw_comment(withdrawn, by=officer)
        db.session.execute(
            update(Comment).where(Comment.id == late.id).values(created_at=now + timedelta(1))
        )
        for name, seen_at in (
            ("looked before", now + timedelta(hours=12)),
            ("looked after", now + timedelta(days=2)),
            # Its opening comment (the discussion's only other) is not the facilitator's.
            ("hidden and withdrawn", None),
        ):
            if seen_at is not None:
                db.session.add(
                    LastView(
                        user_id=facilitator.id,
                        kind=ViewedKind.DISCUSSION,
                        object_id=threads[name].id,
                        document_id=working.id,
                        viewed_at=seen_at,
                    )
                )
        # A comment posted at the very moment of the last look was seen.
        at_the_look = factories.comment(threads["looked after"], "At the look", by=officer)
        db.session.execute(
            update(Comment)
            .where(Comment.id == at_the_look.id)
            .values(created_at=now + timedelta(days=2))
        )
        db.session.execute(
            update(Comment)
            .where(Comment.discussion_id == threads["only own"].id)
            .values(author_id=facilitator.id)
        )
    tasks = _task_titles(app, "facilitator@example.org")["new_comments"]
    assert tasks == [
        "Read a new comment in “Never looked”",
        "Read a new comment in “Looked before”",
        "Read a new comment in “Hidden and withdrawn”",
    ]
    assert _header_tasks(app, "facilitator@example.org") == len(tasks)


def test_the_committee_reviews_and_the_administrator_adopts_and_reinvites(app):
    with factories.built(app):
        factories.standards()
        factories.admin()
        factories.document("submitted", title="Member/Officer Protocol")
        factories.document("recommended", title="Ways of Working Accord")
        waiting = people.invite(
            "late@example.org", "Late Person", {Role.MEMBER}, by=None, group="Labour"
        )
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.user_id == waiting.id)
            .values(
                created_at=utcnow() - timedelta(days=30), expires_at=utcnow() - timedelta(days=1)
            )
        )
    assert _task_titles(app, "standards@example.org") == {
        "submitted": ["Review Member/Officer Protocol"]
    }
    assert _task_titles(app, "admin@example.org") == {
        "recommended": ["Record the adoption of Ways of Working Accord"],
        "invitations": ["Send Late Person a new invitation"],
    }


def test_members_get_no_tasks_from_what_they_cannot_read(app):
    with factories.built(app):
        factories.member()
        factories.joint_session(published=False)  # its agenda is a Draft
        factories.document("draft", title="Not yet shown")
    assert _task_titles(app, "member@example.org") == {}
    assert _header_tasks(app, "member@example.org") == 0


def _build_load(app, start: int, scale: int) -> None:
    with factories.built(app):
        member = factories.user("member@example.org")
        for n in range(start, start + scale):
            document = factories.voting_opened(factories.document(title=f"Accord {n}", clauses=2))
            factories.amendment(factories.clause(document), by=factories.officer())
            started = factories.discussion(document, by=member)
            factories.comment(started, "A reply", parent=_opening_comment(started))
            factories.joint_session(title=f"Session {document.id}")


def test_the_task_page_and_the_header_count_take_constant_statements(app, client):
    with factories.built(app):
        factories.person(Role.MEMBER, roles=[Role.MEMBER, Role.FACILITATOR, Role.STANDARDS])
    _build_load(app, 0, 1)
    client.sign_in("member@example.org")
    client.get("/tasks")
    with count_queries(app) as few:
        small = client.get("/tasks")
    with count_queries(app) as few_home:
        client.get("/")
    _build_load(app, 1, 4)
    with count_queries(app) as many:
        large = client.get("/tasks")
    with count_queries(app) as many_home:
        client.get("/")
    assert small.status_code == large.status_code == 200
    assert large.get_data(as_text=True).count("govuk-task-list__item ") > small.get_data(
        as_text=True
    ).count("govuk-task-list__item ")
    assert many.count == few.count, many
    assert many_home.count == few_home.count, many_home
    header = [s for s in many_home.statements if "notifications" in s and "votes" in s]
    assert len(header) == 1, "the header's counts are one statement"


TASK_BADGE = re.compile(r'<span id="task-count">(?: <strong[^>]*>(\d+))?')


def _badge(client) -> int:
    found = TASK_BADGE.search(client.get("/").get_data(as_text=True))
    return int(found.group(1) or 0)


def test_the_header_count_comes_with_the_session_and_follows_a_change_of_roles(app, client):
    """The header's counts are asked with the session lookup for the roles the person had on
    their last page; when their roles change, the next page asks again for the new ones."""
    with factories.built(app):
        member = factories.member()
        document = factories.voting_opened(factories.document(clauses=2))
        factories.amendment(factories.clause(document, "1"), by=factories.officer())
        email = member.email
    client.sign_in(email)
    assert _badge(client) == _header_tasks(app, email) == 3  # two clauses and an amendment
    with count_queries(app) as settled:
        client.get("/")
    assert not any("notifications" in s for s in settled.statements[1:]), settled
    with factories.built(app):
        factories.user(email).set_roles({Role.MEMBER, Role.FACILITATOR})
    assert _badge(client) == _header_tasks(app, email) == 4  # and the amendment to decide
    with count_queries(app) as again:
        client.get("/")
    assert again.count == settled.count
    with factories.built(app):
        factories.user(email).set_roles({Role.STANDARDS})
    assert _badge(client) == _header_tasks(app, email) == 0


def test_the_header_count_is_asked_as_of_each_page_not_when_its_query_was_built(app, client):
    """The header's query is built once for each set of roles; the time in it is bound on each
    page, so a joint session that ended after the query was built is no longer a task."""
    with factories.built(app):
        email = factories.member().email
        session_id = factories.joint_session().id
    client.sign_in(email)
    assert _badge(client) == 1  # answer the invitation (the query is built by now)
    time.sleep(0.01)
    with factories.built(app):
        db.session.execute(
            update(JointSession)
            .where(JointSession.id == session_id)
            .values(starts_at=utcnow() - timedelta(hours=2), ends_at=utcnow())
        )
    time.sleep(0.01)
    assert _badge(client) == _header_tasks(app, email) == 0


@pytest.mark.parametrize("hint", [[2**63, ["member"]], [2**31, ["member"]], [True, ["member"]]])
def test_a_remembered_person_no_table_could_hold_is_ignored(app, client, hint):
    """The remembered id and roles only ever save a statement: a cookie carrying an id no
    table holds (it would take the signing key to make one) gets the page as usual."""
    with factories.built(app):
        email = factories.member().email
    client.sign_in(email)
    with client.session_transaction() as session:
        session["viewer"] = hint
    assert client.get("/").status_code == 200
    assert _badge(client) == _header_tasks(app, email)


def test_opening_a_discussion_leaves_out_of_the_header_the_tasks_opening_it_completes(app, client):
    """The header on a discussion's page counts the person's tasks as they are once the page
    is read: the replies to read and the new comments in it are done by opening it (found by
    an outside tester: the page still counted them, and the next page did not)."""
    with factories.built(app):
        person = factories.member()
        person.set_roles({Role.MEMBER, Role.FACILITATOR})
        officer = factories.officer()
        document = factories.document(clauses=1)
        answered = factories.discussion(document, title="Answered", by=person)
        factories.comment(answered, "A reply", parent=_opening_comment(answered), by=officer)
        other = factories.discussion(document, title="Other", by=officer)
        quiet = factories.discussion(document, title="Quiet", by=person)
        email, ids = person.email, (answered.id, other.id, quiet.id)
    client.sign_in(email)
    # Read a reply in "Answered", new comments in "Answered" and in "Other".
    assert _badge(client) == _header_tasks(app, email) == 3
    page = client.get(f"/discussions/{ids[0]}").get_data(as_text=True)
    assert int(TASK_BADGE.search(page).group(1)) == _header_tasks(app, email) == 1
    quiet_page = client.get(f"/discussions/{ids[2]}").get_data(as_text=True)
    assert int(TASK_BADGE.search(quiet_page).group(1)) == 1
    last = client.get(f"/discussions/{ids[1]}").get_data(as_text=True)
    assert TASK_BADGE.search(last).group(1) is None and _header_tasks(app, email) == 0
    with count_queries(app) as again:
        client.get(f"/discussions/{ids[1]}")
    # The header's counts come with the session lookup (and the kept page's key), never in a
    # statement of their own.
    assert not any("notifications" in s and "user_sessions" not in s for s in again.statements)


@pytest.mark.parametrize("state", ["submitted", "adopted"])
def test_no_attendance_task_once_the_agenda_is_submitted(app, client, state):
    """From Submitted the attendance answers are part of the agenda's record and the service
    refuses a new one (409): neither the task list nor the header's count offers it. Before,
    both did, and answering gave a 409."""
    with factories.built(app):
        factories.officer()
        session = factories.joint_session(title="Roles workshop")
        factories.move_to(session.agenda, state)
    assert _task_titles(app, "officer@example.org") == {}
    assert _header_tasks(app, "officer@example.org") == 0
    client.sign_in("officer@example.org")
    assert "Roles workshop" not in client.get("/tasks").get_data(as_text=True)


def test_a_facilitator_is_offered_no_proposal_to_decide_once_the_agenda_is_submitted(app):
    """The proposals kind stops at Submitted, as accepting or declining does (409)."""
    with factories.built(app):
        factories.facilitator()
        session = factories.joint_session()
        _propose_briefings(session)
        factories.move_to(session.agenda, "submitted")
    assert "proposals" not in _task_titles(app, "facilitator@example.org")
