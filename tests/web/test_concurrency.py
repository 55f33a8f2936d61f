"""Requests at the same moment on PostgreSQL: nothing acknowledged is lost, nothing is doubled.

Each request runs in its own thread with its own test client (its own connection), and the
threads are released together by a barrier, a bounded number of times. PostgreSQL only (SQLite
writes one request at a time), but for the last test, a form sent again later, on both
databases; under CI a missing server fails these tests (``postgres_url``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import (
    AccountToken,
    Amendment,
    AuditEvent,
    Choice,
    Clause,
    Comment,
    Discussion,
    Document,
    Outcome,
    Recommendation,
    Role,
    User,
    Vote,
)
from app.services import discussions, lifecycle, people, people_import, seeding, voting
from app.services.markers import people_mark
from app.services.shown import digest as digest_of
from tests import databases
from tests.helpers import PASSWORD, AccordClient, at_once, shown_digest

PROTOCOL = "member-officer-protocol"
CLAUSE = f"/documents/{PROTOCOL}/clauses/3"
MEMBERS = (
    "graham.tyldesley@example.org",
    "helen.marsden@example.org",
    "imran.chaudhry@example.org",
)
FACILITATOR = "facilitator@example.org"


@pytest.fixture
def pg(postgres_url):
    """The demo world on PostgreSQL."""
    with databases.app_for(postgres_url, cleanup=databases.empty_all_tables) as app:
        app.test_client_class = AccordClient
        with app.app_context():
            seeding.load_demo(password=PASSWORD)
            db.session.commit()
        yield app


def _client(app, email: str) -> AccordClient:
    client = app.test_client()
    client.sign_in(email)
    return client


def _together(*calls: Callable):
    """Run the calls in threads released at the same moment; their responses (or errors)."""
    results = at_once(*calls)
    for result in results:
        assert not isinstance(result, BaseException), repr(result)
        assert result.status_code < 500, result.get_data(as_text=True)[:2000]
    return results


def _post(client: AccordClient, path: str, data: dict, **kwargs) -> Callable:
    """A POST ready to send (its CSRF token fetched now, not in the race)."""
    form = {"csrf_token": client.csrf_token(), **data}
    headers = {"HX-Request": "true"} if kwargs.pop("htmx", False) else {}
    return lambda: client.post(path, data=form, headers=headers)


def _user_id(email: str) -> int:
    return db.session.scalars(select(User.id).filter_by(email=email)).one()


def _clause(number: str = "3") -> Clause:
    document = db.session.scalars(select(Document).filter_by(slug=PROTOCOL)).one()
    return db.session.scalars(
        select(Clause).filter_by(document_id=document.id, number=number)
    ).one()


def _open_voting_afresh(app) -> None:
    with app.app_context():
        db.session.execute(delete(Vote))
        document = db.session.scalars(select(Document).filter_by(slug=PROTOCOL)).one()
        if not document.voting_open:
            facilitator = db.session.get(User, _user_id(FACILITATOR))
            voting.open_voting(document, by=facilitator)
        db.session.commit()


def _discussion_on_clause(app, number: str = "3") -> int:
    with app.app_context():
        clause = _clause(number)
        discussion = discussions.start_discussion(
            clause.document,
            clause,
            "Timing of briefings",
            "When should briefings happen?",
            [db.session.scalars(select(Recommendation)).first()],
            by=db.session.get(User, _user_id(MEMBERS[0])),
        )
        db.session.commit()
        return discussion.id


def test_every_acknowledged_vote_is_in_the_outcome_when_voting_closes_at_the_same_moment(pg):
    """Votes race the confirmation of the close check page (its digest taken before them):
    whichever takes the document first, nothing acknowledged is lost. The close wins and the
    outcome holds every vote recorded (the rest are refused, "Voting is closed"), or a vote
    wins and nothing is closed (the page no longer shows what would be recorded)."""
    voters = [_client(pg, email) for email in MEMBERS]
    facilitator = _client(pg, FACILITATOR)
    close_page = f"/documents/{PROTOCOL}/voting/close"
    for _ in range(5):
        _open_voting_afresh(pg)
        with pg.app_context():
            outcomes_before = db.session.scalar(select(func.count()).select_from(Outcome))
        shown = shown_digest(facilitator.get(close_page).get_data(as_text=True))
        calls = [_post(c, f"{CLAUSE}/vote", {"choice": "support"}, htmx=True) for c in voters]
        close = _post(facilitator, close_page, {"shown": shown})
        *votes, closed = _together(*calls, close)
        recorded = [v for v in votes if v.status_code == 200]
        for refused in (v for v in votes if v.status_code != 200):
            assert closed.status_code == 303
            assert refused.status_code == 409
            assert "Voting is closed" in refused.get_data(as_text=True)
        with pg.app_context():
            counted = db.session.scalar(select(func.count()).select_from(Vote))
            assert counted == len(recorded)
            outcomes = db.session.scalar(select(func.count()).select_from(Outcome))
            if closed.status_code == 409:
                assert "The votes changed since you checked" in closed.get_data(as_text=True)
                assert outcomes == outcomes_before and len(recorded) == len(voters)
                continue
            assert closed.status_code == 303
            outcome = db.session.scalars(
                select(Outcome)
                .where(Outcome.clause_id == _clause().id)
                .order_by(Outcome.id.desc())
                .limit(1)
            ).one()
            assert outcome.tallies["members"]["support"] == len(recorded)


def test_a_comment_and_a_vote_on_one_clause_at_once_both_succeed(pg):
    _open_voting_afresh(pg)
    discussion_id = _discussion_on_clause(pg)
    commenter, voter = _client(pg, MEMBERS[0]), _client(pg, MEMBERS[1])
    for trial in range(8):
        comment = _post(
            commenter,
            f"/discussions/{discussion_id}/comments",
            {"body": f"Comment {trial}", "submission_key": secrets.token_urlsafe(24)},
        )
        choice = ("support", "oppose")[trial % 2]
        vote = _post(voter, f"{CLAUSE}/vote", {"choice": choice}, htmx=True)
        commented, voted = _together(comment, vote)
        assert commented.status_code == 303 and voted.status_code == 200
        with pg.app_context():
            assert db.session.scalar(select(Vote.choice)) == Choice(choice)
            bodies = db.session.scalars(
                select(Comment.body).where(Comment.discussion_id == discussion_id)
            ).all()
            assert f"Comment {trial}" in bodies


def test_an_interest_and_a_vote_at_once_leave_the_interest(pg):
    _open_voting_afresh(pg)
    one, other = _client(pg, MEMBERS[0]), _client(pg, MEMBERS[0])
    for _ in range(8):
        with pg.app_context():
            db.session.execute(delete(Vote))
            db.session.commit()
        interest = _post(one, f"{CLAUSE}/interest", {"reason": "My employer is named in it"})
        vote = _post(other, f"{CLAUSE}/vote", {"choice": "support"}, htmx=True)
        declared, voted = _together(interest, vote)
        assert declared.status_code == 303
        # Served first, the vote is replaced by the declaration; served second, it is refused.
        assert voted.status_code in (200, 409)
        with pg.app_context():
            assert db.session.scalars(select(Vote.choice)).all() == [Choice.INTEREST]
            newest = db.session.scalars(
                select(AuditEvent.after)
                .where(AuditEvent.action == "vote.cast")
                .order_by(AuditEvent.id.desc())
                .limit(2)
            ).all()
        if voted.status_code == 200:
            assert [after["choice"] for after in newest] == ["interest", "support"]
        else:
            assert "declared an interest" in voted.get_data(as_text=True)
            assert newest[0]["choice"] == "interest"


def test_comments_while_clauses_move_all_succeed(pg):
    _open_voting_afresh(pg)
    discussion_id = _discussion_on_clause(pg)
    commenters = [_client(pg, MEMBERS[0]), _client(pg, MEMBERS[1])]
    facilitator = _client(pg, FACILITATOR)
    with pg.app_context():
        document_id = _clause().document_id
        moving = [
            c.id for c in db.session.scalars(select(Clause).filter_by(document_id=document_id))
        ][:2]
    posted = []
    for trial in range(5):
        calls = []
        for index, client in enumerate(commenters):
            body = f"During move {trial}.{index}"
            posted.append(body)
            calls.append(
                _post(
                    client,
                    f"/discussions/{discussion_id}/comments",
                    {"body": body, "submission_key": secrets.token_urlsafe(24)},
                )
            )
        for clause_id in moving:
            calls.append(
                _post(
                    facilitator,
                    f"/documents/{PROTOCOL}/manage/{clause_id}/move",
                    {"direction": ("down", "up")[trial % 2]},
                )
            )
        for response in _together(*calls):
            assert response.status_code == 303
    with pg.app_context():
        bodies = db.session.scalars(
            select(Comment.body).where(Comment.discussion_id == discussion_id)
        ).all()
        assert set(posted) <= set(bodies)


def test_an_amendment_form_sent_twice_at_once_makes_one_amendment(pg):
    first, second = _client(pg, MEMBERS[0]), _client(pg, MEMBERS[0])
    with pg.app_context():
        recommendation = db.session.scalars(select(Recommendation.id)).first()
    for trial in range(5):
        form = {
            "heading": f"Briefings {trial}",
            "body": f"Officers brief all Groups equally ({trial}).",
            "rationale": "Fairness",
            "recommendations": str(recommendation),
            "submission_key": secrets.token_urlsafe(24),
        }
        path = f"{CLAUSE}/amendments/new"
        responses = _together(_post(first, path, form), _post(second, path, form))
        assert [r.status_code for r in responses] == [303, 303]
        assert responses[0].headers["Location"] == responses[1].headers["Location"]
        with pg.app_context():
            made = db.session.scalar(
                select(func.count())
                .select_from(Amendment)
                .where(Amendment.heading == f"Briefings {trial}")
            )
            assert made == 1


def test_an_invitation_sent_twice_at_once_invites_once(pg):
    admins = [_client(pg, "admin@example.org"), _client(pg, "admin@example.org")]
    for trial in range(5):
        email = f"jo.{trial}@example.org"
        form = {"name": "Jo Bloggs", "email": email, "roles": ["member"], "ward": "Parr"}
        form["group"] = "Labour Group"
        responses = _together(*(_post(admin, "/people/invite", form) for admin in admins))
        errors = [re.findall(r"Error:</span>([^<]*)", r.get_data(as_text=True)) for r in responses]
        assert sorted(r.status_code for r in responses) == [303, 422], errors
        refused = next(r for r in responses if r.status_code == 422)
        assert f"There is already an account for {email}" in refused.get_data(as_text=True)
        with pg.app_context():
            users = db.session.scalars(select(User.id).filter_by(email=email)).all()
            assert len(users) == 1
            tokens = db.session.scalar(
                select(func.count()).select_from(AccountToken).filter_by(user_id=users[0])
            )
            assert tokens == 1


def test_two_votes_by_one_person_at_once_keep_the_audit_before_chain(pg):
    _open_voting_afresh(pg)
    tabs = [_client(pg, MEMBERS[0]), _client(pg, MEMBERS[0])]
    for trial in range(8):
        choices = ("support", "oppose") if trial % 2 else ("oppose", "abstain")
        _together(
            *(
                _post(tab, f"{CLAUSE}/vote", {"choice": choice}, htmx=True)
                for tab, choice in zip(tabs, choices, strict=True)
            )
        )
    with pg.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "vote.cast", AuditEvent.actor_id == _user_id(MEMBERS[0]))
            .order_by(AuditEvent.id)
        ).all()
        assert len(events) == 16
        previous = None
        for event in events:
            assert event.before == {"choice": previous}
            previous = event.after["choice"]
        assert db.session.scalar(select(Vote.choice)) == Choice(previous)


def test_a_retried_request_flashes_and_mails_once(pg):
    """A deadlock the locks did not prevent: the view runs again after a rollback, and what the
    failed attempt flashed or queued to mail is gone with it."""
    import psycopg
    from flask import flash, get_flashed_messages
    from sqlalchemy.exc import OperationalError

    from app.mail import send_mail, sent_mail
    from app.retries import retrying

    attempts = []

    def view():
        attempts.append(1)
        flash("Done.")
        send_mail("someone@example.org", "Subject", "Body")
        if len(attempts) == 1:
            raise OperationalError("SELECT 1", {}, psycopg.errors.DeadlockDetected("deadlock"))
        db.session.commit()
        return "ok"

    with pg.test_request_context(method="POST"):
        assert retrying(view)() == "ok"
        assert get_flashed_messages() == ["Done."]
    assert len(attempts) == 2
    assert [m["To"] for m in sent_mail(pg)] == ["someone@example.org"]


def test_an_amendment_form_sent_again_later_makes_one_amendment_on_both_databases(seeded, client):
    """The same proposal form sent twice (a second click after a slow answer), on either
    database: the second answer goes to the amendment the first made."""
    client.sign_in(MEMBERS[0])
    with seeded.app_context():
        recommendation = db.session.scalars(select(Recommendation.id)).first()
    form = {
        "heading": "Briefings",
        "body": "Officers brief all Groups equally.",
        "rationale": "Fairness",
        "recommendations": str(recommendation),
        "submission_key": secrets.token_urlsafe(24),
    }
    first = client.post_form(f"{CLAUSE}/amendments/new", form)
    again = client.post_form(f"{CLAUSE}/amendments/new", form)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with seeded.app_context():
        made = db.session.scalar(
            select(func.count()).select_from(Amendment).where(Amendment.heading == "Briefings")
        )
        assert made == 1
    # Back, edit, send again: the first amendment stands and the new words are refused (409)
    # and shown to copy, never answered as if they had been proposed.
    changed = client.post_form(f"{CLAUSE}/amendments/new", {**form, "rationale": "It is fairer so"})
    assert changed.status_code == 409
    assert "already sent" in changed.get_data(as_text=True)
    assert ">It is fairer so</textarea>" in changed.get_data(as_text=True)


def test_two_people_renamed_at_once_each_move_the_people_marker(pg):
    """Administrators' changes to three people commit at the same moment: all are kept, and
    the ``people`` marker (read by every open page's poll) rises once for each, each upsert
    waiting on the one before's row lock."""
    with pg.app_context():
        before = db.session.scalar(select(people_mark()))

    def rename(email: str) -> Callable[[], None]:
        def run() -> None:
            with pg.app_context():
                person = db.session.scalars(select(User).filter_by(email=email)).one()
                person.display_name = f"Renamed {email}"
                db.session.commit()

        return run

    assert at_once(*(rename(email) for email in MEMBERS)) == [None] * len(MEMBERS)
    with pg.app_context():
        names = db.session.scalars(select(User.display_name).where(User.email.in_(MEMBERS)))
        assert sorted(names) == sorted(f"Renamed {email}" for email in MEMBERS)
        assert db.session.scalar(select(people_mark())) == before + len(MEMBERS)


def _edit_person(client: AccordClient, app, email: str, **changes) -> Callable:
    """An administrator's edit of the person ``email`` as the form posts it (every field, and
    the version of the details drawn now), ready to send."""
    with app.app_context():
        person = db.session.scalars(select(User).filter_by(email=email)).one()
        form = {
            "name": person.display_name,
            "email": person.email,
            "roles": sorted(role.value for role in person.roles),
            "group": person.group or "",
            "ward": person.ward or "",
            "job_title": person.job_title or "",
            "service": person.service or "",
            "version": people.details_version(person),  # as its page would carry it
            **changes,
        }
        person_id = person.id
    return _post(client, f"/people/{person_id}/edit", form)


def test_two_administrators_saving_one_person_at_once_never_undo_each_other(pg):
    """Two administrators save the same person's form, drawn from the same details, at the
    same moment: one is saved, and the other is told (409, with the details as they now are)
    rather than quietly putting back the name the first has just changed."""
    first, second = _client(pg, "admin@example.org"), _client(pg, "admin@example.org")
    with pg.app_context():
        person = db.session.scalars(select(User).filter_by(email=MEMBERS[0])).one()
        version = people.details_version(person)
    results = _together(
        _edit_person(first, pg, MEMBERS[0], name="Named by the first", version=version),
        _edit_person(second, pg, MEMBERS[0], name="Named by the second", version=version),
    )
    assert sorted(result.status_code for result in results) == [303, 409]
    saved, told = results if results[0].status_code == 303 else results[::-1]
    winner = "first" if saved is results[0] else "second"
    with pg.app_context():
        name = db.session.scalars(select(User.display_name).filter_by(email=MEMBERS[0])).one()
    assert name == f"Named by the {winner}"
    assert f"Named by the {winner}" in told.get_data(as_text=True)


def test_an_administrator_and_another_saving_the_first_ones_details_at_once(pg):
    """An administrator saves their own details while another administrator saves theirs
    from the same details, at the same moment: one is saved and the other told (409), never
    a 500. The signed-in person is loaded with their roles joined, and locking their row while
    re-reading it carried that outer join into the lock, which PostgreSQL refuses."""
    with pg.app_context():
        facilitator = db.session.get(User, _user_id(FACILITATOR))
        facilitator.set_roles(facilitator.roles | {Role.ADMIN})
        db.session.commit()
        version = people.details_version(db.session.get(User, _user_id("admin@example.org")))
    themself, other = _client(pg, "admin@example.org"), _client(pg, FACILITATOR)
    for _ in range(3):
        results = _together(
            _edit_person(themself, pg, "admin@example.org", name="By themself", version=version),
            _edit_person(other, pg, "admin@example.org", name="By the other", version=version),
        )
        assert sorted(result.status_code for result in results) == [303, 409]
        winner = "themself" if results[0].status_code == 303 else "the other"
        with pg.app_context():
            admin = db.session.get(User, _user_id("admin@example.org"))
            assert admin.display_name == f"By {winner}"
            admin.display_name = "Lucy Parkinson"  # as before, for the next round
            db.session.commit()
            version = people.details_version(admin)


@pytest.fixture
def retried(monkeypatch):
    """The SQLSTATEs of the errors the request retry saw (a deadlock is 40P01)."""
    from app import retries

    seen: list[str | None] = []
    is_retryable = retries.is_retryable

    def spy(error):
        seen.append(getattr(error.orig, "sqlstate", None))
        return is_retryable(error)

    monkeypatch.setattr(retries, "is_retryable", spy)
    return seen


def test_changes_to_people_at_once_never_deadlock(pg, retried):
    """An invitation, a CSV import and the command line's invite, each at the same moment as
    another administrator's edit: all succeed, nothing is retried. The outside tester found
    deadlocks: the people marker's lock taken at a savepoint, before the audit trail's lock
    (the command line's invite failed outright), and the import's lock on the administrators'
    rows blocking the edit's audit event's foreign-key check."""
    admin, other = _client(pg, "admin@example.org"), _client(pg, FACILITATOR)
    with pg.app_context():
        people = sorted(db.session.scalars(select(User.email).filter(User.email.in_(MEMBERS))))
        facilitator = db.session.get(User, _user_id(FACILITATOR))
        facilitator.set_roles(facilitator.roles | {Role.ADMIN})
        db.session.commit()
    runner = pg.test_cli_runner()
    for round_, email in enumerate(people):
        invite = _post(
            admin,
            "/people/invite",
            {
                "name": f"Invitee {round_}",
                "email": f"invitee{round_}@example.org",
                "roles": ["officer"],
                "job_title": "Clerk",
                "service": "Legal and Governance",
            },
        )
        _together(invite, _edit_person(other, pg, email, name=f"Renamed {round_}"))
        csv = (
            "name,email,roles,group,ward,title,service\n"
            f"Imported {round_},imported{round_}@example.org,member,Labour Group,Parr,,\n"
        )
        with pg.app_context():  # what its preview would show: nobody in it changes meanwhile
            shown = digest_of(people_import.plan_shown(people_import.preview(csv)))
        importing = _post(
            admin, "/people/import/confirm", {"text": csv, "send_invitations": "", "shown": shown}
        )
        imported, _ = _together(importing, _edit_person(other, pg, email, name=f"Edited {round_}"))
        assert imported.status_code == 303, imported.get_data(as_text=True)

        def cli(round_=round_):
            invite = ["users", "invite", f"cli{round_}@example.org", "--name", f"Cli {round_}"]
            return runner.invoke(
                args=[*invite, "--role", "officer", "--job-title", "Clerk", "--service", "Legal"]
            )

        result, edited = at_once(cli, _edit_person(other, pg, email, name=f"Again {round_}"))
        assert result.exit_code == 0, result.output
        assert edited.status_code == 303
    assert retried == []
    with pg.app_context():
        emails = set(db.session.scalars(select(User.email)))
        for round_ in range(len(people)):
            assert {f"invitee{round_}@example.org", f"cli{round_}@example.org"} <= emails
            assert f"imported{round_}@example.org" in emails


def test_an_administrator_demoted_while_an_import_runs_is_no_deadlock(pg, monkeypatch):
    """An edit taking the admin role from someone, and a CSV import, at the same moment: both
    lock the administrators' rows. The edit locked its person's row first and the
    administrators' after; the import the administrators' first (in id order). So the edit
    could hold the person while the import held an administrator with a lower id and waited
    for the person, and the edit waited for that administrator: a deadlock, which PostgreSQL
    ends by failing one. The interleaving is forced: the edit pauses once it holds its
    person's row until the import waits for it. Both must finish."""
    import threading

    from app.models import Role

    with pg.app_context():
        admin_id = _user_id("admin@example.org")
        promoted = db.session.scalars(
            select(User).where(User.id > admin_id, User.active).order_by(User.id)
        ).first()
        promoted.set_roles(promoted.roles | {Role.ADMIN})
        db.session.commit()
        promoted_id = promoted.id  # after the other administrator, whom the import locks first
        seen = people.details_version(promoted)
        roles = promoted.roles - {Role.ADMIN}
    csv = (
        "name,email,roles,group,ward,title,service\n"
        "Pat Imported,pat.imported@example.org,member,Labour Group,Parr,,\n"
    )
    locked, finished = threading.Event(), []
    details_version = people.details_version

    def pausing(user):  # called by the edit just after it has locked its person's row
        if threading.current_thread().name == "edit" and not locked.is_set():
            locked.set()
            threading.Event().wait(0.5)  # the import takes its first lock and waits for ours
        return details_version(user)

    monkeypatch.setattr(people, "details_version", pausing)

    def edit() -> None:
        with pg.app_context():
            person = db.session.get(User, promoted_id)
            people.update_person(
                person,
                by=db.session.get(User, admin_id),
                name=person.display_name,
                email=person.email,
                roles=roles,
                seen_version=seen,
                job_title=person.job_title,
                service=person.service,
            )
            db.session.commit()
            finished.append("edit")

    def import_people() -> None:
        locked.wait(10)
        with pg.app_context():
            people_import.apply(csv, by=db.session.get(User, admin_id), send_invitations=False)
            db.session.commit()
            finished.append("import")

    errors: list[BaseException] = []

    def run(call) -> None:
        try:
            call()
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(edit,), name="edit"),
        threading.Thread(target=run, args=(import_people,), name="import"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [], errors
    assert sorted(finished) == ["edit", "import"]
    with pg.app_context():
        assert Role.ADMIN not in db.session.get(User, promoted_id).roles
        assert db.session.scalar(select(User.id).filter_by(email="pat.imported@example.org"))


def test_two_facilitators_hiding_one_comment_at_once_hide_it_once(pg):
    """The second hide waits for the first (the discussion's write locks), reads the comment
    afresh and is told it is already hidden (409, saying so): one audit event, the first
    reason kept. Before, both were taken, the second reason replacing the first."""
    from app.services import Conflict
    from tests.helpers import while_uncommitted

    discussion_id = _discussion_on_clause(pg)
    with pg.app_context():
        comment_id = db.session.scalars(
            select(Comment.id).where(Comment.discussion_id == discussion_id)
        ).first()
        second_id = _user_id(FACILITATOR)

    def first() -> None:
        discussions.hide_comment(
            db.session.get(Comment, comment_id), "Off topic", by=db.session.get(User, second_id)
        )

    def again() -> str:
        discussions.hide_comment(
            db.session.get(Comment, comment_id), "Personal", by=db.session.get(User, second_id)
        )
        db.session.commit()
        return "hidden again"

    outcome = while_uncommitted(pg, first, again)
    assert isinstance(outcome, Conflict) and "already hidden" in str(outcome), outcome
    with pg.app_context():
        assert db.session.get(Comment, comment_id).hidden_reason == "Off topic"
        hides = select(func.count()).where(AuditEvent.action == "comment.hide")
        assert db.session.scalar(hides) == 1
    client = _client(pg, FACILITATOR)
    token = client.csrf_token()
    shown = client.post(f"/comments/{comment_id}/hide", data={"csrf_token": token, "reason": "x"})
    assert shown.status_code == 409 and "already hidden" in shown.get_data(as_text=True)


def test_two_rules_saved_at_once_from_one_page_keep_the_first(pg):
    """Two facilitators save the agreement rule at the same moment from pages showing the
    same rule: the second waits for the first (the document's lock), sees the rule changed
    and is refused; the first's percentages are kept and one change is recorded."""
    from app.models import VotingAction, VotingEvent
    from app.services.shown import ShownChanged
    from app.services.shown import digest as digest_of
    from tests import factories
    from tests.helpers import while_uncommitted

    with factories.built(pg):
        document = factories.document(title="Rule in a race", clauses=1)
        document_id, facilitator_id = document.id, _user_id(FACILITATOR)
        drawn = digest_of(voting.rule_shown(document))

    def save(member: int, officer: int) -> None:
        voting.set_rule(
            db.session.get(Document, document_id),
            member,
            officer,
            by=db.session.get(User, facilitator_id),
            seen=drawn,
        )

    def save_meanwhile() -> str:
        save(60, 60)
        db.session.commit()
        return "saved"

    outcome = while_uncommitted(pg, lambda: save(40, 30), save_meanwhile)
    assert isinstance(outcome, ShownChanged), outcome
    with pg.app_context():
        document = db.session.get(Document, document_id)
        assert (document.member_turnout_percent, document.officer_turnout_percent) == (40, 30)
        changes = select(func.count()).where(
            VotingEvent.document_id == document_id, VotingEvent.action == VotingAction.RULE_CHANGED
        )
        assert db.session.scalar(changes) == 1


def test_two_relinks_at_once_from_one_page_keep_the_first(pg):
    """Two facilitators change which recommendations a discussion answers at the same moment
    from pages showing the same links: the second waits for the first (the write locks), reads
    the links afresh (its page had loaded them before), sees them changed and is refused; the
    first's links are kept and one relink is recorded."""
    from app.models import Moderation, ModerationAction
    from app.services.shown import ShownChanged
    from app.services.shown import digest as digest_of
    from tests.helpers import while_uncommitted

    discussion_id = _discussion_on_clause(pg)
    with pg.app_context():
        drawn = digest_of(discussions.relink_shown(db.session.get(Discussion, discussion_id)))
        first_id, second_id = db.session.scalars(
            select(Recommendation.id).order_by(Recommendation.id).offset(5).limit(2)
        ).all()
        facilitator_id = _user_id(FACILITATOR)

    def save(recommendation_id: int) -> None:
        discussion = db.session.get(Discussion, discussion_id)
        assert discussion.recommendations  # loaded before the lock, as the page does
        discussions.relink(
            discussion,
            [db.session.get(Recommendation, recommendation_id)],
            by=db.session.get(User, facilitator_id),
            seen=drawn,
        )

    def save_meanwhile() -> str:
        save(second_id)
        db.session.commit()
        return "saved"

    outcome = while_uncommitted(pg, lambda: save(first_id), save_meanwhile)
    assert isinstance(outcome, ShownChanged), outcome
    with pg.app_context():
        linked = [r.id for r in db.session.get(Discussion, discussion_id).recommendations]
        assert linked == [first_id]
        relinks = select(func.count()).where(
            Moderation.discussion_id == discussion_id,
            Moderation.action == ModerationAction.RELINK,
        )
        assert db.session.scalar(relinks) == 1


def test_an_import_confirmed_while_someone_in_it_is_edited_imports_nothing(pg):
    """An administrator confirms an import whose preview showed a change to a Member while
    another administrator's edit of that Member is in progress (held uncommitted): the import
    waits for the Member's row, reads the edit, and imports nothing, its plan no longer the
    one the preview showed; the edit stands and nobody in the file is added."""
    from tests.helpers import while_uncommitted

    email = MEMBERS[0]
    with pg.app_context():
        person = db.session.scalars(select(User).filter_by(email=email)).one()
        row = f"Imported Name,{email},member,{person.group},{person.ward},,\n"
        csv = (
            "name,email,roles,group,ward,title,service\n"
            + row
            + "New Person,new.person@example.org,officer,,,Clerk,Legal and Governance\n"
        )
        drawn = digest_of(people_import.plan_shown(people_import.preview(csv)))
        person_id, admin_id = person.id, _user_id("admin@example.org")
        version = people.details_version(person)
        details = {"group": person.group, "ward": person.ward}

    def edit() -> None:
        people.update_person(
            db.session.get(User, person_id),
            by=db.session.get(User, admin_id),
            name="Named by the other administrator",
            email=email,
            roles={Role.MEMBER},
            seen_version=version,
            **details,
        )

    def confirm_meanwhile() -> str:
        people_import.apply(
            csv, by=db.session.get(User, admin_id), send_invitations=False, seen=drawn
        )
        db.session.commit()
        return "imported"

    outcome = while_uncommitted(pg, edit, confirm_meanwhile)
    assert isinstance(outcome, people_import.PlanChanged), outcome
    [changed] = outcome.plan.changed  # the import as it would now be, for the page
    assert changed.changes["name"] == ("Named by the other administrator", "Imported Name")
    with pg.app_context():
        name = db.session.scalars(select(User.display_name).filter_by(email=email)).one()
        assert name == "Named by the other administrator"
        added = select(User.id).filter_by(email="new.person@example.org")
        assert db.session.scalars(added).all() == []


def test_decision_answers_sent_twice_at_once_keep_one_set(pg):
    """The committee's answers wait in ``decision_drafts``, one set a person and document
    (an upsert on the unique pair). The same member sending the form from two tabs at once
    gets both acknowledged and one set kept, the one sent last; nothing fails on the
    duplicate key."""
    from app.models import DecisionDraft
    from tests import factories

    with pg.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=PROTOCOL)).one()
        factories.move_to(document, "submitted", by=db.session.get(User, _user_id(FACILITATOR)))
        db.session.commit()
    today = lifecycle.council_today()
    day = [str(today.day), str(today.month), str(today.year)]
    tabs = [_client(pg, "standards@example.org") for _ in range(2)]
    posts = [
        _post(
            tab,
            f"/documents/{PROTOCOL}/review/decision",
            {
                "decision": "refer_back",
                "reasons": f"Reasons from tab {n}",
                "meeting_date": day,
                "minute_reference": "SC 12/19",
            },
        )
        for n, tab in enumerate(tabs)
    ]
    for _round in range(3):
        answers = _together(*posts)
        assert [answer.status_code for answer in answers] == [303, 303]
        with pg.app_context():
            kept = db.session.scalars(select(DecisionDraft.answers)).all()
            assert len(kept) == 1 and kept[0]["reasons"] in {
                "Reasons from tab 0",
                "Reasons from tab 1",
            }
        check = tabs[0].get(f"/documents/{PROTOCOL}/review/decision/check")
        assert check.status_code == 200 and kept[0]["reasons"] in check.get_data(as_text=True)
