"""Notifications: who hears of what, the page and the header, email at once or in a digest,
unsubscribing without signing in; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.mail import sent_mail
from app.models import (
    Audience,
    AuditEvent,
    Clause,
    Decision,
    Document,
    DocumentKind,
    DocumentStatus,
    EmailPreference,
    Notification,
    NotificationKind,
    Role,
    User,
    UserRole,
    Vote,
    utcnow,
)
from app.services import amendments, clauses, discussions, joint_sessions, lifecycle, voting
from app.services import notifications as service
from tests import databases, factories
from tests.helpers import at_once, count_queries, make_user

PROTOCOL = "member-officer-protocol"
MEMBER, OFFICER, FACILITATOR = (
    "member@example.org",
    "officer@example.org",
    "facilitator@example.org",
)
STANDARDS, ADMIN = "standards@example.org", "admin@example.org"


def _user(email: str) -> User:
    return db.session.scalars(select(User).filter_by(email=email)).one()


def _document(slug: str = PROTOCOL) -> Document:
    return db.session.scalars(select(Document).filter_by(slug=slug)).one()


def _clause(number: str = "3", slug: str = PROTOCOL) -> Clause:
    return db.session.scalars(
        select(Clause).filter_by(document_id=_document(slug).id, number=number)
    ).one()


def _recipients(app, kind: NotificationKind) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.email)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == kind)
            )
        )


def _set_preference(app, email: str, preference: EmailPreference) -> None:
    with app.app_context():
        _user(email).email_notifications = preference
        db.session.commit()


def _start(app, by: str = OFFICER, title: str = "Trust and tone") -> tuple[int, int]:
    """A discussion on clause 3 of the Protocol; returns its id and its opening comment's."""
    with app.app_context():
        clause = _clause()
        discussion = discussions.start_discussion(
            clause.document,
            clause,
            title,
            "Opening words",
            list(clause.recommendations),
            by=_user(by),
        )
        db.session.commit()
        opening = db.session.scalars(
            select(discussions.Comment).filter_by(discussion_id=discussion.id)
        ).one()
        return discussion.id, opening.id


def _reply(app, discussion_id: int, parent_id: int, by: str) -> int:
    with app.app_context():
        discussion = db.session.get(discussions.Discussion, discussion_id)
        parent = db.session.get(discussions.Comment, parent_id)
        reply = discussions.add_comment(discussion, "I agree", by=_user(by), parent=parent)
        db.session.commit()
        return reply.id


def _voters(app) -> set[str]:
    """Every active Member and Officer."""
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.email).where(
                    User.active.is_(True),
                    User.id.in_(
                        select(UserRole.user_id).where(
                            UserRole.role.in_([Role.MEMBER, Role.OFFICER])
                        )
                    ),
                )
            )
        )


def _notifications(app, email: str) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification)
            .where(Notification.user_id == _user(email).id)
            .order_by(Notification.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


# Who hears of what --------------------------------------------------------------------------


def test_a_reply_tells_the_comments_author_and_nobody_else(seeded, client):
    discussion_id, opening_id = _start(seeded, by=OFFICER)
    client.sign_in(MEMBER)
    response = client.post_form(
        f"/discussions/{discussion_id}/comments",
        {"body": "A reply", "parent_id": str(opening_id)},
    )
    assert response.status_code == 303
    assert _recipients(seeded, NotificationKind.REPLY) == {OFFICER}
    (note,) = _notifications(seeded, OFFICER)
    assert note.text == "Sarah Whitfield replied to your comment in “Trust and tone”"
    assert note.link.startswith("/comments/")  # where the reply is (below)
    with seeded.app_context():
        assert note.actor_id == _user(MEMBER).id and note.document_id == _document().id
    # Replying to one's own comment tells nobody.
    _reply(seeded, discussion_id, opening_id, by=OFFICER)
    assert len(_notifications(seeded, OFFICER)) == 1


def test_a_reply_notification_leads_to_the_page_that_shows_the_reply(seeded, client):
    """The link named the discussion without its page: a reply to a comment on page 3, or one
    past the first replies shown, was not on the page it opened, and opening that page did the
    "read a reply" task all the same. It now leads to the page (or the replies) showing it."""
    seeded.config.update(COMMENTS_PER_PAGE=2, REPLIES_SHOWN=1, REPLIES_PER_PAGE=2)
    discussion_id, _opening = _start(seeded, by=MEMBER)
    with seeded.app_context():
        discussion = db.session.get(discussions.Discussion, discussion_id)
        for n in range(4):  # pages 1 (the opening and one), 2, 3 (the member's last)
            discussions.add_comment(discussion, f"Comment {n}", by=_user(MEMBER))
        db.session.commit()
        parent = db.session.scalars(
            select(discussions.Comment)
            .filter_by(discussion_id=discussion_id, parent_id=None)
            .order_by(discussions.Comment.id.desc())
        ).first()
        parent_id = parent.id
    replies = [_reply(seeded, discussion_id, parent_id, by=OFFICER) for _ in range(4)]
    links = [n.link for n in _notifications(seeded, MEMBER)]
    assert len(links) == 4
    client.sign_in(MEMBER)
    first = client.get(links[0])
    assert first.status_code == 302
    assert first.headers["Location"] == (
        f"/discussions/{discussion_id}?page=3#comment-{replies[0]}"
    )
    assert f'id="comment-{replies[0]}"' in client.get(first.headers["Location"]).get_data(
        as_text=True
    )
    later = client.get(links[3])  # the fourth reply: past the one shown, on the second more page
    assert later.headers["Location"] == (
        f"/comments/{parent_id}/replies?start=3#comment-{replies[3]}"
    )
    assert f'id="comment-{replies[3]}"' in client.get(later.headers["Location"]).get_data(
        as_text=True
    )
    client.sign_in(FACILITATOR)  # who may read the discussion may follow the link
    assert client.get(links[0]).status_code == 302
    assert client.get("/comments/999999").status_code == 404


def test_a_deactivated_author_is_not_told_of_replies(seeded):
    discussion_id, opening_id = _start(seeded, by=OFFICER)
    with seeded.app_context():
        _user(OFFICER).active = False
        db.session.commit()
    _reply(seeded, discussion_id, opening_id, by=MEMBER)
    assert _recipients(seeded, NotificationKind.REPLY) == set()


def _take_part_in_clause_3(app) -> None:
    """Officer started a discussion, Member replied, Graham voted on the clause, Helen proposed
    an amendment and Imran voted on it; an inactive Member commented too."""
    discussion_id, opening_id = _start(app, by=OFFICER)
    _reply(app, discussion_id, opening_id, by=MEMBER)
    inactive = make_user(app, "gone@example.org", roles=(Role.MEMBER,))
    with app.app_context():
        clause = _clause()
        db.session.add(
            Vote(
                user_id=_user("graham.tyldesley@example.org").id,
                clause_id=clause.id,
                revision_number=clause.revision_number,
                choice="support",
            )
        )
        amendment = amendments.propose_amendment(
            clause, "", "New words", "Better", [], by=_user("helen.marsden@example.org")
        )
        db.session.flush()
        db.session.add(
            Vote(
                user_id=_user("imran.chaudhry@example.org").id,
                amendment_id=amendment.id,
                choice="oppose",
            )
        )
        discussion = db.session.get(discussions.Discussion, discussion_id)
        db.session.add(discussions.Comment(discussion=discussion, author_id=inactive, body="x"))
        db.session.flush()
        db.session.get(User, inactive).active = False
        db.session.commit()


def test_a_new_discussion_tells_who_took_part_in_the_clause(seeded, client):
    _take_part_in_clause_3(seeded)
    client.sign_in(FACILITATOR)
    with seeded.app_context():
        recommendation_id = _clause().recommendations[0].id
    response = client.post_form(
        f"/documents/{PROTOCOL}/discussions/new?clause=3",
        {"title": "A new angle", "body": "Let us look again", "recommendations": recommendation_id},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _recipients(seeded, NotificationKind.NEW_DISCUSSION) == {
        OFFICER,
        MEMBER,
        "graham.tyldesley@example.org",
        "helen.marsden@example.org",
        "imran.chaudhry@example.org",
    }
    (note,) = [
        n for n in _notifications(seeded, MEMBER) if n.kind == NotificationKind.NEW_DISCUSSION
    ]
    assert "started a discussion, “A new angle”, on clause 3" in note.text


def test_a_new_amendment_tells_who_took_part_and_the_facilitators_but_not_the_proposer(
    seeded, client
):
    _take_part_in_clause_3(seeded)
    with seeded.app_context():
        db.session.execute(delete(Notification))
        clause = _clause()
        amendments.propose_amendment(clause, "", "Other words", "Why", [], by=_user(MEMBER))
        db.session.commit()
    assert _recipients(seeded, NotificationKind.NEW_AMENDMENT) == {
        OFFICER,
        "facilitator@example.org",  # who decides it
        "graham.tyldesley@example.org",
        "helen.marsden@example.org",  # told of the Member's amendment (not of her own)
        "imran.chaudhry@example.org",
    }
    helen = list(_notifications(seeded, "helen.marsden@example.org"))
    assert [n.kind for n in helen] == [NotificationKind.NEW_AMENDMENT]


def test_people_who_cannot_read_a_draft_are_not_told(seeded):
    """On a Draft, a Member who voted earlier is not told; a facilitator who commented is."""
    second = make_user(seeded, "second.facilitator@example.org", roles=(Role.FACILITATOR,))
    with seeded.app_context():
        draft = Document(
            kind=DocumentKind.ACCORD, slug="draft", title="Draft", status=DocumentStatus.DRAFT
        )
        db.session.add(draft)
        clause = clauses.add_clause(draft, "H", "B", by=None)
        db.session.flush()
        db.session.add(
            Vote(
                user_id=_user(MEMBER).id,
                clause_id=clause.id,
                revision_number=1,
                choice="support",
            )
        )
        notes = discussions.Discussion(
            document=draft, clause=clause, title="Notes", started_by_id=second
        )
        db.session.add(discussions.Comment(discussion=notes, author_id=second, body="x"))
        discussion = discussions.Discussion(
            document=draft, clause=clause, title="Second", started_by=_user(FACILITATOR)
        )
        db.session.add_all([notes, discussion])
        db.session.flush()
        service.discussion_started(discussion, by=_user(FACILITATOR))
        db.session.commit()
    assert _recipients(seeded, NotificationKind.NEW_DISCUSSION) == {
        "second.facilitator@example.org"
    }


def test_opening_voting_tells_every_member_and_officer_with_the_closing_time(seeded, client):
    client.sign_in(FACILITATOR)
    day = date.today() + timedelta(days=5)
    response = client.post_form(
        f"/documents/{PROTOCOL}/voting",
        {
            "action": "open",
            "closes_on": [str(day.day), str(day.month), str(day.year)],
            "closes_time": "5pm",
        },
    )
    assert response.status_code == 303
    voters = _voters(seeded)
    assert len(voters) >= 15
    assert _recipients(seeded, NotificationKind.VOTING_OPENED) == voters
    assert FACILITATOR not in voters and STANDARDS not in voters and ADMIN not in voters
    with seeded.app_context():
        closes_at = _document().voting_closes_at
        assert closes_at == joint_sessions.london(day, time(17))
    page = client.get(f"/documents/{PROTOCOL}").get_data(as_text=True)
    assert f"Voting closes on {day.day} {day:%B %Y} at 5:00pm." in page
    (note,) = _notifications(seeded, MEMBER)
    assert note.text.startswith("Voting is open on Member/Officer Protocol until ")


def test_the_closing_time_is_optional_and_checked(seeded, client):
    client.sign_in(FACILITATOR)
    day = date.today() + timedelta(days=5)
    no_time = client.post_form(
        f"/documents/{PROTOCOL}/voting",
        {"action": "open", "closes_on": [str(day.day), str(day.month), str(day.year)]},
    )
    html = no_time.get_data(as_text=True)
    assert no_time.status_code == 422
    assert "Enter the time voting closes" in html and "govuk-error-summary" in html
    assert "Voting does not close by itself: a facilitator closes it" in html
    assert f'value="{day.day}"' in html
    past = date.today() - timedelta(days=1)
    in_the_past = client.post_form(
        f"/documents/{PROTOCOL}/voting",
        {
            "action": "open",
            "closes_on": [str(past.day), str(past.month), str(past.year)],
            "closes_time": "10:00",
        },
    )
    assert in_the_past.status_code == 422
    assert "must be in the future" in in_the_past.get_data(as_text=True)
    with seeded.app_context():
        assert _document().voting_open is False
    assert client.post_form(f"/documents/{PROTOCOL}/voting", {"action": "open"}).status_code == 303
    with seeded.app_context():
        assert _document().voting_open is True and _document().voting_closes_at is None


def test_voting_closing_within_24_hours_is_told_once_per_round(seeded):
    runner = seeded.test_cli_runner()
    with seeded.app_context():
        voting.open_voting(
            _document(), by=_user(FACILITATOR), closes_at=utcnow() + timedelta(hours=30)
        )
        db.session.commit()
    first = runner.invoke(args=["notifications", "remind-closing"])
    assert first.exit_code == 0 and "0 notifications" in first.output
    with seeded.app_context():
        _document().voting_closes_at = utcnow() + timedelta(hours=20)
        db.session.commit()
    assert "notifications" in runner.invoke(args=["notifications", "remind-closing"]).output
    runner.invoke(args=["notifications", "remind-closing"])  # again: nobody is told twice
    voters = _voters(seeded)
    assert _recipients(seeded, NotificationKind.VOTING_CLOSING) == voters
    (note,) = [n for n in _notifications(seeded, MEMBER) if n.kind == "voting_closing"]
    assert note.text.startswith("Voting on Member/Officer Protocol closes on ")
    assert note.link == f"/documents/{PROTOCOL}#voting"
    with seeded.app_context():
        count = select(func.count()).where(Notification.kind == NotificationKind.VOTING_CLOSING)
        assert db.session.scalar(count.select_from(Notification)) == len(voters)
        # A new round of voting is a new reminder.
        voting.close_voting(_document(), by=_user(FACILITATOR), reason="A new round.")
        voting.open_voting(
            _document(), by=_user(FACILITATOR), closes_at=utcnow() + timedelta(hours=2)
        )
        db.session.commit()
    runner.invoke(args=["notifications", "run"])
    with seeded.app_context():
        assert db.session.scalar(count.select_from(Notification)) == 2 * len(voters)


@pytest.mark.parametrize(("decision", "word"), [("accept", "accepted"), ("reject", "rejected")])
def test_the_proposer_hears_their_amendment_was_decided(seeded, client, decision, word):
    with seeded.app_context():
        amendment = amendments.propose_amendment(_clause(), "", "New", "Why", [], by=_user(MEMBER))
        db.session.commit()
        amendment_id = amendment.id
    client.sign_in(FACILITATOR)
    data = {"reason": "Not now"} if decision == "reject" else {"acceptance_reason": "Agreed."}
    response = client.post_checked(f"/amendments/{amendment_id}/{decision}", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    kind = NotificationKind(f"amendment_{word}")
    assert _recipients(seeded, kind) == {MEMBER}
    note = next(n for n in _notifications(seeded, MEMBER) if n.kind == kind)
    assert note.text == f"Your amendment to clause 3 of Member/Officer Protocol was {word}"
    assert note.link == f"/amendments/{amendment_id}"


def test_a_committee_decision_tells_participants_and_facilitators(seeded):
    _take_part_in_clause_3(seeded)
    make_user(seeded, "bystander@example.org", roles=(Role.MEMBER,))
    with seeded.app_context():
        facilitator = _user(FACILITATOR)
        version = lifecycle.publish_version(_document(), by=facilitator)
        lifecycle.move(_document(), DocumentStatus.CLOSED, by=facilitator)
        lifecycle.move(_document(), DocumentStatus.SUBMITTED, by=facilitator, version=version)
        lifecycle.decide(
            _document(),
            Decision.REFER_BACK,
            lifecycle.council_today(),
            by=_user(STANDARDS),
            reasons="More",
        )
        db.session.commit()
    told = _recipients(seeded, NotificationKind.REVIEW_DECISION)
    assert told == {
        OFFICER,
        MEMBER,
        FACILITATOR,
        "graham.tyldesley@example.org",
        "helen.marsden@example.org",
        "imran.chaudhry@example.org",
    }
    (note,) = [
        n for n in _notifications(seeded, MEMBER) if n.kind == NotificationKind.REVIEW_DECISION
    ]
    assert (
        note.text == "The Standards Committee referred Member/Officer Protocol back for more work"
    )


def test_publishing_a_session_invites_its_audience_once(seeded):
    with seeded.app_context():
        session = joint_sessions.create_session(
            title="Members only",
            theme="Roles",
            day=date.today() + timedelta(days=30),
            start=time(10),
            end=time(12),
            venue="Town Hall",
            is_off_site=False,
            audience=Audience.MEMBERS,
            facilitator_name="",
            facilitator_is_external=False,
            recommendations=[],
            by=_user(FACILITATOR),
        )
        db.session.commit()
        assert _recipients(seeded, NotificationKind.SESSION_INVITATION) == set()  # still a Draft
        joint_sessions.publish_agenda(session, by=_user(FACILITATOR))
        service.session_published(session, by=_user(FACILITATOR))  # twice: told once
        db.session.commit()
        members = set(
            db.session.scalars(
                select(User.email).where(
                    User.active.is_(True),
                    User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.MEMBER)),
                )
            )
        )
        session_id = session.id
    invited = set(_recipients(seeded, NotificationKind.SESSION_INVITATION))
    assert invited == members and OFFICER not in invited
    (note,) = [
        n for n in _notifications(seeded, MEMBER) if n.kind == NotificationKind.SESSION_INVITATION
    ]
    assert note.text.startswith("You are invited to “Members only” on ")
    assert note.link == f"/sessions/{session_id}"


def test_a_hundred_people_are_told_with_one_insert(seeded):
    with seeded.app_context():
        people = []
        for index in range(120):
            user = User(email=f"voter{index}@example.org", display_name=f"Voter {index}")
            user.set_roles({Role.MEMBER if index % 2 else Role.OFFICER})
            people.append(user)
        db.session.add_all(people)
        db.session.commit()
    with count_queries(seeded) as queries, seeded.app_context():
        service.voting_opened(_document(), by=_user(FACILITATOR))
        db.session.commit()
    inserts = [s for s in queries.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1, queries
    assert queries.count <= 8, queries
    assert len(_recipients(seeded, NotificationKind.VOTING_OPENED)) >= 135


# The page and the header ------------------------------------------------------------------------


def _notes_for(app, email: str, count: int, kind=NotificationKind.VOTING_OPENED) -> list[int]:
    with app.app_context():
        user = _user(email)
        now = utcnow()
        notes = [
            Notification(
                user_id=user.id,
                kind=kind,
                text=f"Something happened {index}",
                link=f"/documents/{PROTOCOL}#voting",
                created_at=now - timedelta(minutes=count - index),
            )
            for index in range(count)
        ]
        db.session.add_all(notes)
        db.session.commit()
        return [n.id for n in notes]


def test_the_header_shows_the_unread_count(seeded, client):
    client.sign_in(MEMBER)
    home = client.get("/").get_data(as_text=True)
    assert ">Notifications<" in home or "Notifications<span" in home
    assert " unread</span>" not in home
    _notes_for(seeded, MEMBER, 3)
    home = client.get("/").get_data(as_text=True)
    assert '3<span class="govuk-visually-hidden"> unread</span>' in home
    # On a small screen the links hide behind the Menu button, so it shows the count too.
    menu = home.split("govuk-service-navigation__toggle")[1].split("</button>")[0]
    assert '3<span class="govuk-visually-hidden"> unread notifications</span>' in menu


def test_the_page_lists_newest_first_and_marks_unread(seeded, client):
    ids = _notes_for(seeded, MEMBER, 3)
    client.sign_in(MEMBER)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Something happened 2") < page.index("Something happened 0")
    assert page.count(">Unread</strong>") == 3
    assert f'id="notification-{ids[0]}"' in page and "Mark all as read" in page


def test_an_empty_page_says_so(seeded, client):
    client.sign_in(OFFICER)
    page = client.get("/notifications").get_data(as_text=True)
    assert "You have no notifications yet." in page and "Mark all as read" not in page


def test_the_page_has_25_to_a_page(seeded, client):
    _notes_for(seeded, MEMBER, 30)
    client.sign_in(MEMBER)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('<li class="app-discussion-summary"') == 25
    assert "Page 1 of 2" in first and "Something happened 29" in first
    assert 'href="/notifications?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count('<li class="app-discussion-summary"') == 5
    assert "Something happened 0" in second


def test_marking_one_read_three_ways(seeded, client):
    ids = _notes_for(seeded, MEMBER, 3)
    client.sign_in(MEMBER)
    plain = client.post_form(f"/notifications/{ids[0]}/read", {"next": "/notifications?page=1"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/notifications?page=1")
    htmx = client.post_form(f"/notifications/{ids[1]}/read", htmx=True)
    html = htmx.get_data(as_text=True)
    assert htmx.status_code == 200 and "<html" not in html
    assert (
        f'id="notification-{ids[1]}"' in html
        and ">Unread<" not in html.split("notification-count")[0]
    )
    assert '<span id="notification-count" hx-swap-oob="true">' in html
    assert '<span id="notification-count-menu" hx-swap-oob="true">' in html
    assert '<div id="notification-summary" hx-swap-oob="true">' in html
    assert "You have 1 unread notification." in html and "data-app-focus" in html
    assert '1<span class="govuk-visually-hidden"> unread</span>' in html
    assert "Marked as read." in html
    boosted = client.post_form(f"/notifications/{ids[2]}/read", boosted=True)
    assert boosted.status_code == 303
    assert all(n.read_at is not None for n in _notifications(seeded, MEMBER))
    assert " unread</span>" not in client.get("/").get_data(as_text=True)


def test_nobody_else_can_mark_or_open_yours(seeded, client):
    (note_id,) = _notes_for(seeded, MEMBER, 1)
    client.sign_in(OFFICER)
    assert client.post_form(f"/notifications/{note_id}/read").status_code == 403
    assert client.post_form(f"/notifications/{note_id}/open").status_code == 403
    assert client.post_form("/notifications/999999/read").status_code == 404
    assert _notifications(seeded, MEMBER)[0].read_at is None


def test_opening_marks_read_and_follows_the_link_but_get_changes_nothing(seeded, client):
    (note_id,) = _notes_for(seeded, MEMBER, 1)
    client.sign_in(MEMBER)
    assert client.get(f"/notifications/{note_id}/open").status_code == 405
    assert _notifications(seeded, MEMBER)[0].read_at is None
    opened = client.post_form(f"/notifications/{note_id}/open")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/documents/{PROTOCOL}#voting")
    assert _notifications(seeded, MEMBER)[0].read_at is not None


def test_mark_all_as_read_only_touches_your_own(seeded, client):
    _notes_for(seeded, MEMBER, 4)
    _notes_for(seeded, OFFICER, 2)
    client.sign_in(MEMBER)
    response = client.post_form("/notifications/read-all")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 notifications are marked as read." in page
    assert "You have read all your notifications." in page
    assert all(n.read_at for n in _notifications(seeded, MEMBER))
    assert not any(n.read_at for n in _notifications(seeded, OFFICER))


def test_the_notifications_page_costs_the_same_with_5_or_60(seeded, client):
    _notes_for(seeded, MEMBER, 5)
    client.sign_in(MEMBER)
    with count_queries(seeded) as few:
        client.get("/notifications")
    _notes_for(seeded, MEMBER, 55)
    with count_queries(seeded) as many:
        client.get("/notifications?page=2")
    # The person with their roles and the header's counts (unread, tasks), then the total and
    # the page of notifications.
    assert few.count == many.count == 3, f"{few}\n---\n{many}"


# Email settings ---------------------------------------------------------------------------------


def test_the_email_setting_defaults_to_a_daily_digest_and_changes(seeded, client):
    client.sign_in(MEMBER)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="daily_digest" checked' in page
    assert "One email in the morning" in page and "<legend" in page
    bad = client.post_form("/notifications/settings", {"email_notifications": "hourly"})
    assert bad.status_code == 422
    assert "govuk-error-summary" in bad.get_data(as_text=True)
    good = client.post_form("/notifications/settings", {"email_notifications": "immediate"})
    assert good.status_code == 303
    with seeded.app_context():
        assert _user(MEMBER).email_notifications == EmailPreference.IMMEDIATE
        event = db.session.scalars(
            select(AuditEvent).filter_by(action="person.email_preference")
        ).one()
        assert event.after == {"email_notifications": "immediate"}
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="immediate" checked' in page


# Email ------------------------------------------------------------------------------------------


def test_immediate_people_get_one_email_each_with_unsubscribe_headers(seeded):
    _set_preference(seeded, OFFICER, EmailPreference.IMMEDIATE)
    discussion_id, opening_id = _start(seeded, by=OFFICER)
    sent_mail(seeded).clear()
    _reply(seeded, discussion_id, opening_id, by=MEMBER)
    (message,) = sent_mail(seeded)
    assert message["To"] == OFFICER
    subject = "Accord: Sarah Whitfield replied to your comment in “Trust and tone”"
    assert message["Subject"] == subject
    body = message.get_content()
    assert "Sarah Whitfield replied to your comment" in body
    assert "http://accord.test/comments/" in body
    assert message["List-Unsubscribe"].startswith("<http://accord.test/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The URL stays as it is on the wire (no encoded words), for mail programs to use.
    assert b"\nList-Unsubscribe: <http://accord.test/notifications/unsubscribe/" in bytes(message)
    (note,) = _notifications(seeded, OFFICER)
    assert note.emailed_at is not None
    # The digest never sends it again.
    seeded.test_cli_runner().invoke(args=["notifications", "send-digest"])
    assert len(sent_mail(seeded)) == 1


def test_a_mail_ends_its_sentence_once(seeded):
    """A notification whose text is already a sentence ("… Vote again on the new wording.") is
    not given a second full stop in its mail (an outside tester saw "wording..")."""
    _set_preference(seeded, MEMBER, EmailPreference.IMMEDIATE)
    with seeded.app_context():
        service.vote_again(_clause(), [_user(MEMBER).id], by=None)
        db.session.commit()
    (message,) = [m for m in sent_mail(seeded) if m["To"] == MEMBER]
    body = message.get_content()
    assert "Vote again on the new wording.\n" in body and ".." not in body


def test_immediate_mail_is_not_sent_when_the_change_rolls_back(seeded):
    _set_preference(seeded, OFFICER, EmailPreference.IMMEDIATE)
    discussion_id, opening_id = _start(seeded, by=OFFICER)
    sent_mail(seeded).clear()
    with seeded.app_context():
        discussion = db.session.get(discussions.Discussion, discussion_id)
        parent = db.session.get(discussions.Comment, opening_id)
        discussions.add_comment(discussion, "x", by=_user(MEMBER), parent=parent)
        db.session.rollback()
    assert sent_mail(seeded) == [] and _notifications(seeded, OFFICER) == []


def test_the_digest_sends_each_notification_once(seeded):
    make_user(seeded, "quiet@example.org", roles=(Role.MEMBER,))
    make_user(seeded, "left@example.org", roles=(Role.MEMBER,))
    _set_preference(seeded, "quiet@example.org", EmailPreference.NONE)
    _notes_for(seeded, MEMBER, 2)
    _notes_for(seeded, "quiet@example.org", 2)
    _notes_for(seeded, "left@example.org", 2)
    read_id = _notes_for(seeded, OFFICER, 1)[0]
    with seeded.app_context():
        db.session.get(Notification, read_id).read_at = utcnow()
        db.session.get(User, _user("left@example.org").id).active = False
        db.session.commit()
    sent_mail(seeded).clear()
    runner = seeded.test_cli_runner()
    first = runner.invoke(args=["notifications", "send-digest"])
    assert first.exit_code == 0
    assert "2 notifications emailed to 1 person" in first.output
    second = runner.invoke(args=["notifications", "send-digest"])
    assert "0 notifications emailed to 0 people" in second.output
    (message,) = sent_mail(seeded)
    assert message["To"] == MEMBER
    assert message["Subject"] == "Accord: your daily digest (2 new)"
    body = message.get_content()
    assert "Something happened 0" in body and "Something happened 1" in body
    assert "http://accord.test/notifications" in body
    assert "/notifications/unsubscribe/" in message["List-Unsubscribe"]
    # Later notifications go in the next digest.
    _notes_for(seeded, MEMBER, 1)
    runner.invoke(args=["notifications", "send-digest"])
    assert len(sent_mail(seeded)) == 2


def _is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def test_two_claims_interleaved_claim_each_notification_once(seeded):
    """The claim is one atomic UPDATE: while one run holds its claim uncommitted, a second
    run's claim waits for it (PostgreSQL row locks) and then finds nothing left."""
    if not _is_postgres(seeded):
        pytest.skip("row locks between two connections: PostgreSQL")
    _notes_for(seeded, MEMBER, 3)
    other = databases.make_app(seeded.config["SQLALCHEMY_DATABASE_URI"])
    with seeded.app_context():
        member_id = _user(MEMBER).id
    now = utcnow()
    second: list = []
    with seeded.app_context():
        first = service.claim_for_digest(member_id, now)  # not committed yet
        assert len(first) == 3

        def claim_again():
            with other.app_context():
                second.extend(service.claim_for_digest(member_id, now))
                db.session.commit()

        thread = threading.Thread(target=claim_again)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second claim should wait for the first"
        db.session.commit()
    thread.join(timeout=10)
    assert not thread.is_alive() and second == []
    with other.app_context():
        db.engine.dispose()


def test_two_digest_runs_at_once_send_each_notification_once(seeded):
    """Two runs (as cron and a person at the command line) on one database: on PostgreSQL
    the second claim waits on the first's row locks, on SQLite on its write lock."""
    emails = [f"digest{index}@example.org" for index in range(12)]
    for email in emails:
        make_user(seeded, email, roles=(Role.OFFICER,))
        _notes_for(seeded, email, 3)
    apps = [databases.make_app(seeded.config["SQLALCHEMY_DATABASE_URI"]) for _ in range(2)]

    def run(app):
        def send() -> None:
            with app.app_context():
                service.send_digests()

        return send

    assert at_once(*(run(app) for app in apps), timeout=30) == [None, None]
    messages = sent_mail(apps[0]) + sent_mail(apps[1])
    assert sorted(m["To"] for m in messages) == sorted(emails)
    lines = [line for m in messages for line in m.get_content().splitlines() if "happened" in line]
    assert len(lines) == 36
    for app in apps:
        with app.app_context():
            db.engine.dispose()


# Unsubscribing ----------------------------------------------------------------------------------


def _token(app, email: str) -> str:
    with app.app_context(), app.test_request_context():
        return service.unsubscribe_token(_user(email))


def test_unsubscribing_without_signing_in(seeded, client):
    token = _token(seeded, MEMBER)
    url = f"/notifications/unsubscribe/{token}"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stop notification emails" in html
    assert MEMBER not in html, "the page never shows whose address it is"
    with seeded.app_context():
        assert _user(MEMBER).email_notifications == EmailPreference.DAILY_DIGEST  # GET: nothing
    confirmed = client.post_form(url)
    assert confirmed.status_code == 200
    assert "Notification emails stopped" in confirmed.get_data(as_text=True)
    with seeded.app_context():
        assert _user(MEMBER).email_notifications == EmailPreference.NONE
        event = db.session.scalars(
            select(AuditEvent).filter_by(action="person.email_preference")
        ).one()
        assert event.actor_id is None and event.actor_label == "unsubscribe link"


def test_one_click_unsubscribe_needs_no_csrf_token(seeded, client):
    token = _token(seeded, OFFICER)
    response = client.post(
        f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    with seeded.app_context():
        assert _user(OFFICER).email_notifications == EmailPreference.NONE


def test_a_bad_unsubscribe_token_is_refused_clearly(seeded, client):
    token = _token(seeded, MEMBER)
    for bad in (token[:-3] + "abc", "nonsense"):
        response = client.post(f"/notifications/unsubscribe/{bad}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in html and "Nothing was changed" in html
    with seeded.app_context():
        assert _user(MEMBER).email_notifications == EmailPreference.DAILY_DIGEST


def test_the_token_in_an_email_unsubscribes(seeded, client):
    _set_preference(seeded, OFFICER, EmailPreference.IMMEDIATE)
    discussion_id, opening_id = _start(seeded, by=OFFICER)
    _reply(seeded, discussion_id, opening_id, by=MEMBER)
    link = sent_mail(seeded)[-1]["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://accord.test")
    assert client.post(path).status_code == 200
    with seeded.app_context():
        assert _user(OFFICER).email_notifications == EmailPreference.NONE


# The migration ----------------------------------------------------------------------------------


def test_people_already_there_get_a_daily_digest(database_url):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate, downgrade, upgrade
    from sqlalchemy import text

    app = databases.make_app(database_url)
    with app.app_context():
        config = Migrate().get_config(directory="migrations")
        before = ScriptDirectory.from_config(config).get_revision("0008_notifications")
        downgrade(revision=before.down_revision)
        db.session.execute(
            text(
                "INSERT INTO users (email, display_name, active, is_independent_person, "
                "created_at) VALUES ('old@example.org', 'Old', true, false, CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        upgrade()
        value = db.session.execute(
            text("SELECT email_notifications FROM users WHERE email = 'old@example.org'")
        ).scalar_one()
        assert value == "daily_digest"
        db.session.execute(text("DELETE FROM users"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_voting_closes_at_is_stored_in_utc(seeded):
    with seeded.app_context():
        closes = datetime(2030, 7, 1, 16, 0, tzinfo=UTC)
        voting.open_voting(_document(), by=_user(FACILITATOR), closes_at=closes)
        db.session.commit()
        assert _document().voting_closes_at == closes
        voting.close_voting(_document(), by=_user(FACILITATOR), reason="Agreed early.")
        assert _document().voting_closes_at is None


def test_past_its_closing_time_voting_says_it_was_due_to_close_and_stays_open(seeded, client):
    runner = seeded.test_cli_runner()
    with seeded.app_context():
        document = _document()
        voting.open_voting(document, by=_user(FACILITATOR), closes_at=utcnow() + timedelta(hours=2))
        document.voting_closes_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    result = runner.invoke(args=["notifications", "run"])
    assert result.exit_code == 0 and "Voting-closing reminders: 0 notifications" in result.output
    client.sign_in(MEMBER)
    page = client.get(f"/documents/{PROTOCOL}").get_data(as_text=True)
    assert "Voting was due to close on " in page
    assert "It stays open until a facilitator closes it." in page
    assert "Voting closes on" not in page and "Voting is open" in page
    client.sign_in(FACILITATOR)
    page = client.get(f"/documents/{PROTOCOL}").get_data(as_text=True)
    assert "close it below to record the results" in page
    with seeded.app_context():
        assert _document().voting_open is True and _document().is_voting_overdue
        voting.close_voting(_document(), by=_user(FACILITATOR))
        assert not _document().is_voting_overdue and _document().voting_closes_at is None


def test_the_menu_count_says_one_unread_notification_in_the_singular(app, client):
    from app.models import Notification, NotificationKind

    with factories.built(app):
        person = factories.member()
        db.session.add(
            Notification(user=person, kind=NotificationKind.REPLY, text="A reply", link="/")
        )
    client.sign_in("member@example.org")
    html = client.get("/").get_data(as_text=True)
    assert '1<span class="govuk-visually-hidden"> unread notification</span>' in html
    assert "1 unread notifications" not in html.replace('<span class="govuk-visually-hidden">', "")
