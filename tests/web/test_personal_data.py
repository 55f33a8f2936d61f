"""Personal data: "Download your data", an administrator's subject access export, and
anonymising a person who has left (sign-in impossible, email gone everywhere, votes, tallies
and the audit chain intact, the audit trail showing the new name)."""

from __future__ import annotations

import csv
import inspect
import io
import json
import secrets
import tempfile
import zipfile

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.mail import sent_mail
from app.models import (
    AccountToken,
    AttendanceAnswer,
    AuditEvent,
    Choice,
    Comment,
    DecisionDraft,
    Document,
    Notification,
    NotificationKind,
    Outcome,
    RecoveryCode,
    Role,
    TokenPurpose,
    TwoFactorCredential,
    User,
    UserSession,
    Vote,
)
from app.services import (
    account_tokens,
    accounts,
    amendments,
    audit,
    clauses,
    discussions,
    joint_sessions,
    leavers,
    passages,
    personal_data,
    voting,
)
from app.services import people as people_service
from tests import factories

ADMIN = "admin@example.org"
MEMBER = "member@example.org"
OFFICER = "officer@example.org"


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_data()
    response.close()  # what the WSGI server does: the temporary file is closed and deleted
    return zipfile.ZipFile(io.BytesIO(data))


def _json(archive: zipfile.ZipFile, kind: str) -> list[dict]:
    return json.loads(archive.read(f"{kind}.json"))


def _csv(archive: zipfile.ZipFile, kind: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(f"{kind}.csv").decode())))


@pytest.fixture
def world(app):
    """A Member who commented (live, edited, withdrawn, hidden), voted, declared an interest,
    proposed an amendment, answered a session and was notified; an Officer who commented too.
    Returns the ids and texts the tests look for."""
    with factories.built(app):
        people = factories.everyone()
        member, officer = people[Role.MEMBER], people[Role.OFFICER]
        document = factories.document()
        first, second = factories.clause(document, "1"), factories.clause(document, "2")
        started = factories.discussion(document, first, body="Member's opening", by=member)
        edited = factories.comment(started, "Member's first words", by=member)
        discussions.edit_comment(edited, "Member's second words", by=member, seen_edit_count=0)
        withdrawn = factories.comment(started, "Member's withdrawn words", by=member)
        discussions.withdraw_comment(withdrawn, by=member)
        hidden = factories.comment(started, "Member's hidden words", by=member)
        discussions.hide_comment(hidden, "Off topic", by=people[Role.FACILITATOR])
        factories.comment(started, "The Officer's private view", by=officer)
        factories.amendment(first, body="Member's better wording", by=member)
        factories.voting_opened(document)
        voting.cast_vote(member, Choice.SUPPORT, clause=first)
        voting.cast_vote(member, Choice.INTEREST, clause=second, interest_reason="My employer")
        voting.cast_vote(officer, Choice.OPPOSE, clause=first)
        session = factories.joint_session()
        joint_sessions.answer_attendance(session, member, AttendanceAnswer.YES)
        db.session.flush()
        return {"member": member.id, "officer": officer.id, "document": document.id}


# Download your data --------------------------------------------------------------------------


def test_a_person_downloads_their_own_data_as_json_and_csv(world, app, client):
    client.sign_in(MEMBER)
    with factories.built(app):
        factories.two_factor_on(db.session.get(User, world["member"]))
    page = client.get("/account/your-data")
    assert page.status_code == 200
    assert "Download your data" in page.get_data(as_text=True)
    archive = _archive(client.post_form("/account/your-data"))
    names = set(archive.namelist())
    for kind in personal_data.KINDS:
        assert {f"{kind.name}.json", f"{kind.name}.csv"} <= names
        rows = _json(archive, kind.name)
        assert len(_csv(archive, kind.name)) == len(rows), kind.name
        assert all(tuple(row) == kind.columns for row in rows), kind.name
        header = next(csv.reader(io.StringIO(archive.read(f"{kind.name}.csv").decode())))
        assert tuple(header) == kind.columns
    [profile] = _json(archive, "profile")
    assert profile["email"] == MEMBER and profile["group"] and profile["ward"]
    assert [row["role"] for row in _json(archive, "roles")] == ["member"]
    comments = {row["body"]: row for row in _json(archive, "comments")}
    assert comments["Member's second words"]["state"] == "live"
    assert comments["Member's withdrawn words"]["state"] == "withdrawn"
    hidden = comments["Member's hidden words"]
    assert hidden["state"] == "hidden" and hidden["hidden_reason"] == "Off topic"
    bodies = [row["body"] for row in _json(archive, "comment_revisions")]
    assert "Member's first words" in bodies  # the earlier wording, kept
    votes = {row["clause"]: row for row in _json(archive, "votes")}
    assert votes["1"]["choice"] == "support"
    assert votes["2"]["choice"] == "interest" and votes["2"]["interest_reason"] == "My employer"
    assert [row["body"] for row in _json(archive, "amendments")] == ["Member's better wording"]
    assert [row["answer"] for row in _json(archive, "attendance")] == ["yes"]
    assert _json(archive, "notifications")  # the session's invitation, at least
    assert _json(archive, "notification_settings")[0]["email_notifications"]
    assert _json(archive, "sign_ins")
    assert "token_hash" not in _json(archive, "sign_ins")[0]
    [second_factor] = _json(archive, "two_factor")
    assert second_factor["status"] == "on" and second_factor["recovery_codes_left"] == 10
    everything = b"".join(archive.read(name) for name in names)
    # Only their own data: nobody else's words, and no secret of theirs.
    assert b"The Officer's private view" not in everything
    assert OFFICER.encode() not in everything
    with app.app_context():
        member = db.session.get(User, world["member"])
        credential = db.session.get(TwoFactorCredential, member.id)
        secrets_held = [member.password_hash, credential.secret_encrypted]
        secrets_held += list(
            db.session.scalars(select(RecoveryCode.code_hash).filter_by(user_id=member.id))
        )
        secrets_held += list(
            db.session.scalars(select(UserSession.token_hash).filter_by(user_id=member.id))
        )
    for secret in secrets_held:
        assert secret.encode() not in everything


def test_votes_set_aside_are_in_the_download_with_why(world, app, client):
    """A Member deactivated while voting is open: their votes are set aside, and kept."""
    client.sign_in(ADMIN)
    assert client.post_form(f"/people/{world['member']}/deactivate").status_code == 303
    archive = _archive(client.post_form(f"/people/{world['member']}/personal-data"))
    votes = _json(archive, "votes")
    assert len(votes) == 2
    assert {row["set_aside_reason"] for row in votes} == {"not_eligible"}
    assert all(row["set_aside_at"] for row in votes)


def test_downloading_needs_sign_in_and_the_form(world, app, client):
    assert client.post("/account/your-data").status_code in (302, 400)
    assert app.test_client().get("/account/your-data").status_code == 302
    client.sign_in(MEMBER)
    refused = client.post("/account/your-data")  # no CSRF token
    assert refused.status_code in (303, 400)
    assert refused.mimetype != "application/zip"


def test_the_archive_is_streamed_into_a_file_not_built_in_memory(app):
    """Each kind's rows are a generator reading batches, and the ZIP is written to the file it
    is given in many small writes as rows arrive, not in one piece at the end."""
    with factories.built(app):
        member = factories.member()
        db.session.execute(
            insert(Notification),
            [
                {
                    "user_id": member.id,
                    "kind": NotificationKind.REPLY,
                    "text": secrets.token_hex(140),
                    "link": "/",
                }
                for _ in range(1500)
            ],
        )
        member_id = member.id
    with app.app_context():
        member = db.session.get(User, member_id)
        for kind in personal_data.KINDS:
            assert inspect.isgenerator(kind.rows(member.id)), kind.name

        class Recording(io.RawIOBase):
            def __init__(self, file):
                self.file, self.sizes = file, []

            def writable(self):
                return True

            def seekable(self):
                return True

            def write(self, data):
                self.sizes.append(len(data))
                return self.file.write(data)

            def seek(self, *args):
                return self.file.seek(*args)

            def tell(self):
                return self.file.tell()

            def flush(self):
                self.file.flush()

        with tempfile.TemporaryFile() as spool:
            recording = Recording(spool)
            personal_data.write_archive(member, recording)
            total = spool.tell()
            spool.seek(0)
            archive = zipfile.ZipFile(spool)
            assert len(_json(archive, "notifications")) == 1500
            assert len(_csv(archive, "notifications")) == 1500
        assert total > 400_000
        assert len(recording.sizes) > 20
        assert max(recording.sizes) < total / 4


# Subject access ------------------------------------------------------------------------------


def test_an_administrator_produces_a_subject_access_export_and_it_is_audited(world, app, client):
    client.sign_in(ADMIN)
    page = client.get(f"/people/{world['member']}").get_data(as_text=True)
    assert "Download their data" in page
    archive = _archive(client.post_form(f"/people/{world['member']}/personal-data"))
    assert _json(archive, "profile")[0]["email"] == MEMBER
    assert "Member's hidden words" in {row["body"] for row in _json(archive, "comments")}
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="person.data_exported"))
        admin = accounts.find_user_by_email(ADMIN)
        assert (event.actor_id, event.object_type, event.object_id) == (
            admin.id,
            "person",
            world["member"],
        )
        assert event.at is not None
        assert audit.verify().ok


def test_only_administrators_produce_someone_elses_data(world, app, client):
    client.sign_in(OFFICER)
    assert client.post_form(f"/people/{world['member']}/personal-data").status_code == 403
    assert "Download their data" not in client.get("/account/your-data").get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).where(AuditEvent.action == "person.data_exported")
        )


# Anonymising a person who has left -----------------------------------------------------------


def _rows_mentioning(app, needle: str) -> list[str]:
    """Every table (but the audit trail, which is never rewritten) whose rows mention
    ``needle`` anywhere."""
    found = []
    with app.app_context():
        for table in sa_inspect(db.engine).get_table_names():
            if table in {"audit_events", "alembic_version"}:
                continue
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):
                if needle.lower() in " ".join(str(value) for value in row).lower():
                    found.append(table)
    return found


def test_anonymising_a_member_who_left(world, app, client):
    member_id = world["member"]
    elsewhere = app.test_client()
    elsewhere.sign_in(MEMBER)
    with factories.built(app):
        member = db.session.get(User, member_id)
        name = member.display_name
        account_tokens.issue(member, TokenPurpose.PASSWORD_RESET, accounts.invitation_lifetime())
        document = db.session.get(Document, world["document"])
        voting.close_voting(document, by=factories.someone(Role.FACILITATOR))
        # Answers left on a decision page (as if they sat on the committee): their own words.
        db.session.add(
            DecisionDraft(document_id=document.id, user_id=member_id, answers={"reasons": "x"})
        )
    with app.app_context():
        outcomes_before = [(o.id, o.tallies, o.agreed) for o in db.session.scalars(select(Outcome))]
        votes_before = [
            (v.id, v.choice, v.set_aside_at)
            for v in db.session.scalars(select(Vote).filter_by(user_id=member_id))
        ]
    assert _rows_mentioning(app, MEMBER)

    client.sign_in(ADMIN)
    person_page = client.get(f"/people/{member_id}").get_data(as_text=True)
    assert "anonymise their account" in person_page
    confirm = client.get(f"/people/{member_id}/anonymise")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert f"Anonymise {name}?" in page and "This cannot be undone" in page
    assert "Former Member" in page
    assert db_user(app, member_id).anonymised_at is None  # a GET changes nothing
    done = client.post_form(f"/people/{member_id}/anonymise")
    assert done.status_code == 303

    user = db_user(app, member_id)
    assert user.display_name == "Former Member" and user.anonymised_at is not None
    assert user.email == f"former-{member_id}@anonymised.invalid"
    assert user.ward is None and user.password_hash is None and not user.active
    # Sign-in is impossible, and the old session is over.
    assert elsewhere.get("/").status_code == 302
    assert app.test_client().sign_in(MEMBER).status_code == 422
    assert app.test_client().sign_in(user.email).status_code == 422
    # The email is gone from every table but the audit trail.
    assert _rows_mentioning(app, MEMBER) == []
    assert _rows_mentioning(app, name) == []
    with app.app_context():
        for model in (
            UserSession,
            AccountToken,
            TwoFactorCredential,
            RecoveryCode,
            Notification,
            DecisionDraft,
        ):
            assert not db.session.scalar(
                select(func.count()).select_from(model).where(model.user_id == member_id)
            ), model
        # Votes and recorded outcomes are exactly as they were.
        assert [
            (v.id, v.choice, v.set_aside_at)
            for v in db.session.scalars(select(Vote).filter_by(user_id=member_id))
        ] == votes_before
        assert [
            (o.id, o.tallies, o.agreed) for o in db.session.scalars(select(Outcome))
        ] == outcomes_before
        assert audit.verify().ok
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="person.anonymised"))
        assert MEMBER not in json.dumps([event.summary, event.before, event.after])
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    # The audit trail shows the new name, never the old email or name.
    trail = client.get("/audit").get_data(as_text=True)
    history = client.get(f"/audit/person/{member_id}").get_data(as_text=True)
    for shown in (trail, history):
        assert "Former Member" in shown
        assert MEMBER not in shown and name not in shown
    # Comments still show, under the new name.
    assert "Former Member" in client.get(f"/people/{member_id}").get_data(as_text=True)
    listed = client.get("/people?status=anonymised").get_data(as_text=True)
    assert "Former Member" in listed and "Anonymised" in listed


def db_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_an_anonymised_account_cannot_be_reactivated_invited_or_edited(world, app, client):
    with factories.built(app):
        leavers.anonymise(db.session.get(User, world["member"]), by=None)
    client.sign_in(ADMIN)
    sent_mail(app).clear()
    page = client.get(f"/people/{world['member']}").get_data(as_text=True)
    assert "Reactivate" not in page and "Send an invitation" not in page
    assert "anonymise their account" not in page
    client.post_form(f"/people/{world['member']}/reactivate")
    client.post_form(f"/people/{world['member']}/invitation")
    assert (
        client.get(f"/people/{world['member']}/anonymise").status_code == 409
    )  # says so: it is anonymised already
    user = db_user(app, world["member"])
    assert not user.active and user.password_hash is None
    assert sent_mail(app) == []
    with app.app_context(), pytest.raises(Exception, match="anonymised"):
        leavers.anonymise(db.session.get(User, world["member"]), by=None)


@pytest.mark.parametrize(
    "action", ["edit", "deactivate", "reactivate", "two-factor/reset", "invitation", "anonymise"]
)
def test_an_anonymised_accounts_own_pages_say_so_at_once_with_the_way_back(
    world, app, client, action
):
    """Outside tester: /people/<id>/edit of an anonymised account showed the whole form, and
    saving it said "Enter the Member's ward", then a bare 409; /deactivate asked to sign them
    out everywhere and did nothing. Each page and form now says at once that the account is
    anonymised (409), links back to the person's page, and changes nothing."""
    from app.models import AuditEvent

    with factories.built(app):
        leavers.anonymise(db.session.get(User, world["member"]), by=None)
    client.sign_in(ADMIN)
    path = f"/people/{world['member']}/{action}"
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    answers = [client.post_form(path, {"name": "Back again", "ward": "Parr"})]
    if action != "invitation":
        answers.append(client.get(path))
    for answer in answers:
        html = answer.get_data(as_text=True)
        assert answer.status_code == 409, (path, answer.status_code)
        assert "anonymised" in html
        assert f'href="/people/{world["member"]}"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert db_user(app, world["member"]).display_name == "Former Member"


def test_an_administrator_cannot_anonymise_themself(world, app, client):
    client.sign_in(ADMIN)
    with app.app_context():
        admin_id = accounts.find_user_by_email(ADMIN).id
    assert client.get(f"/people/{admin_id}/anonymise").status_code == 403
    assert client.post_form(f"/people/{admin_id}/anonymise").status_code == 403
    assert db_user(app, admin_id).anonymised_at is None


def test_the_command_line_anonymises_an_officer(world, app):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "anonymise", OFFICER], input="n\n")
    assert refused.exit_code != 0 and db_user(app, world["officer"]).anonymised_at is None
    result = runner.invoke(args=["users", "anonymise", OFFICER, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Former Officer" in result.output
    user = db_user(app, world["officer"])
    assert user.display_name == "Former Officer" and user.job_title is None
    assert runner.invoke(args=["users", "anonymise", OFFICER, "--yes"]).exit_code != 0
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="person.anonymised"))
        assert event.actor_id is None and event.actor_label == "command line"
        assert audit.verify().ok


@pytest.mark.parametrize(
    ("roles", "independent", "expected"),
    [
        ([Role.MEMBER, Role.STANDARDS], False, "Former Member"),
        ([Role.OFFICER], False, "Former Officer"),
        ([Role.STANDARDS], True, "Former Independent Person"),
        ([Role.STANDARDS], False, "Former Standards Committee member"),
        ([Role.FACILITATOR], False, "Former facilitator"),
        ([Role.ADMIN], False, "Former administrator"),
        ([], False, "Former participant"),
    ],
)
def test_the_former_name_follows_the_persons_side(roles, independent, expected):
    user = User(email="x@example.org", display_name="X", is_independent_person=independent)
    user.set_roles(set(roles))
    assert leavers.former_name(user) == expected


def test_a_wording_accepted_from_someone_who_left_names_them_as_they_are_now(app, client):
    """A clause's history says whose amendment or suggestion gave each wording. Once that person
    is anonymised, the stored wordings hold no trace of their name, and the history page and
    the export name them as they are now."""
    with factories.built(app):
        people = factories.everyone()
        member, facilitator = people[Role.MEMBER], people[Role.FACILITATOR]
        name = member.display_name
        document = factories.document()
        first, second = factories.clause(document, "1"), factories.clause(document, "2")
        amendment = factories.amendment(first, body="Member's better wording", by=member)
        amendments.accept_amendment(amendment, by=facilitator, reason="The session agreed it.")
        suggestion = factories.suggestion(second, "set direction", "lead", by=member)
        passages.accept_suggestions(
            second, [suggestion], by=facilitator, reason="The session agreed it."
        )
        shown = {"1": f"Amendment {amendment.id} by", "2": f"Suggestion {suggestion.id} by"}
        slug = document.slug
        leavers.anonymise(member, by=None)
    assert "clause_revisions" not in _rows_mentioning(app, name)
    client.sign_in(ADMIN)
    for number, label in shown.items():
        page = client.get(f"/documents/{slug}/clauses/{number}/history").get_data(as_text=True)
        assert f"{label} Former Member accepted" in page
        assert name not in page
    exported = client.get(
        f"/documents/{slug}/export/download",
        query_string={"version": "working", "clauses": "all", "annexes": "yes", "format": "md"},
    ).get_data(as_text=True)
    for label in shown.values():
        assert f"{label} Former Member accepted" in exported
    assert name not in exported


def test_wordings_recorded_with_a_proposers_name_show_the_name_they_have_now(app):
    """Wordings accepted before reasons stopped naming anyone hold "Amendment N by NAME
    accepted"; the history shows the proposer's current name instead. A reason a facilitator
    wrote that reads the same, on a wording no amendment made, is shown as written."""
    with factories.built(app):
        people = factories.everyone()
        member, facilitator = people[Role.MEMBER], people[Role.FACILITATOR]
        name = member.display_name
        clause = factories.clause(factories.document(), "1")
        amendment = factories.amendment(clause, body="Member's better wording", by=member)
        amendments.accept_amendment(amendment, by=facilitator, reason="The session agreed it.")
        db.session.execute(
            text("UPDATE amendments SET accepted_revision_number = 3 WHERE id = :id"),
            {"id": amendment.id},
        )
        old = clauses.revise_clause(
            clause,
            "Trust",
            "Older form.",
            by=facilitator,
            reason=f"Amendment {amendment.id} by {name} accepted",
        )
        typed = clauses.revise_clause(
            clause, "Trust", "Typed.", by=facilitator, reason=f"Amendment {amendment.id} accepted"
        )
        leavers.anonymise(member, by=None)
        shown = clauses.shown_reasons([old, typed])
        assert old.number == 3
        assert shown[old.id] == f"Amendment {amendment.id} by Former Member accepted"
        assert shown[typed.id] == f"Amendment {amendment.id} accepted"


@pytest.mark.parametrize(
    "reason",
    [
        "Amendment 2147483648 accepted",
        "Suggestions 1, 99999999999999999999999 accepted",
        "Amendment 0 accepted",
        "Suggestions " + ", ".join(str(n) for n in range(1, 100)) + " accepted",
    ],
)
def test_a_reason_typed_like_an_accepted_one_with_any_numbers_is_shown_as_typed(
    app, client, reason
):
    """Found by an outside tester: a facilitator's reason "Amendment 2147483648 accepted"
    put a number no id column holds into the proposers' query, and the clause's history and
    every export with annexes failed for good (wordings are never changed). A number that
    can name no amendment names no one."""
    with factories.built(app):
        clause = factories.clause(factories.document(), "1")
        revised = clauses.revise_clause(
            clause, "Trust", "Typed.", by=factories.facilitator(), reason=reason
        )
        slug, number = clause.document.slug, clause.number
        assert clauses.shown_reasons([revised])[revised.id] == reason
    client.sign_in("facilitator@example.org")
    history = client.get(f"/documents/{slug}/clauses/{number}/history")
    assert history.status_code == 200 and reason[:40] in history.get_data(as_text=True)
    export = client.get(
        f"/documents/{slug}/export/download",
        query_string={"version": "working", "clauses": "all", "annexes": "yes", "format": "md"},
    )
    assert export.status_code == 200 and reason[:40] in export.get_data(as_text=True)


def test_an_older_reason_with_a_line_break_in_the_name_shows_the_name_as_it_is_now(app):
    """Wordings from before text was cleaned (migration 0011) may hold a name with a line
    break: the name shown is still the proposer's current one (an outside tester's find)."""
    with factories.built(app):
        people = factories.everyone()
        member, facilitator = people[Role.MEMBER], people[Role.FACILITATOR]
        clause = factories.clause(factories.document(), "1")
        amendment = factories.amendment(clause, body="Member's better wording", by=member)
        amendments.accept_amendment(amendment, by=facilitator, reason="Agreed.")
        db.session.execute(
            text("UPDATE amendments SET accepted_revision_number = 3 WHERE id = :id"),
            {"id": amendment.id},
        )
        revision = clauses.revise_clause(
            clause,
            "Trust",
            "Older form.",
            by=facilitator,
            reason=f"Amendment {amendment.id} by Quentin\nLinebreak accepted",
        )
        assert revision.number == 3
        leavers.anonymise(member, by=None)
        shown = clauses.shown_reasons([revision])[revision.id]
        assert shown == f"Amendment {amendment.id} by Former Member accepted"


def test_a_leavers_old_name_and_email_show_nowhere_in_the_trail_or_in_others_data(app, client):
    """Found by an outside tester: the trail replaced a leaver's old name and email only on
    pages that also showed their own events, so a filtered page ("Clause reworded", "Sign-in
    failed", one clause's history) showed them; the person filter found "Former Member" by
    the old name, and not by the name shown; and others' "Download your data" files held it
    (a wording's reason naming them, their deactivation's summary)."""
    old_name, old_email = "Xavier Oldname", "xavier.oldname@example.org"
    with factories.built(app):
        facilitator = factories.everyone()[Role.FACILITATOR]
        leaver = factories.person(Role.MEMBER, email=old_email, display_name=old_name)
        clause = factories.clause(factories.document(), "1")
        clauses.revise_clause(
            clause, "Trust", "Older form.", by=facilitator, reason=f"Wording from {old_name}"
        )
        clause_id, leaver_id, facilitator_email = clause.id, leaver.id, facilitator.email
    app.test_client().sign_in(old_email, "not the password")
    app.test_client().sign_in("Xavier.Oldname@Example.org.", "not the password")
    with factories.built(app):
        leavers.anonymise(db.session.get(User, leaver_id), by=factories.user(ADMIN))
    client.sign_in(ADMIN)
    pages = {
        url: client.get(url).get_data(as_text=True)
        for url in (
            "/audit",
            "/audit?action=clause.revised",
            "/audit?action=session.sign_in_failed",
            "/audit?action=person.deactivated",
            f"/audit/clause/{clause_id}",
            f"/audit/person/{leaver_id}",
        )
    }
    for url, page in pages.items():
        assert old_name not in page and old_email not in page, url
    assert "Wording from Former Member" in pages["/audit?action=clause.revised"]
    assert "No events match" in client.get("/audit?person=xavier").get_data(as_text=True)
    # A label that holds the old address (a third tester's trailing dot) is not found by it.
    assert "No events match" in client.get("/audit?person=oldname@").get_data(as_text=True)
    found = client.get("/audit?person=Former").get_data(as_text=True)
    assert "No events match" not in found and "Former Member" in found
    for email in (facilitator_email, ADMIN):
        reader = app.test_client()
        reader.sign_in(email)
        archive = _archive(reader.post_form("/account/your-data"))
        for name in archive.namelist():
            data = archive.read(name).decode()
            assert old_name not in data and old_email not in data, (email, name)


def test_notifications_name_a_leaver_anew_only_where_they_begin_with_the_name(app):
    """Notifications begin with who acted ("Ann replied to your comment in ..."): only that
    name is replaced. A plain replace turned "Annual planning" into "Former Memberual
    planning" (an outside tester's find)."""
    with factories.built(app):
        officer = factories.officer()
        ann = factories.person(Role.MEMBER, email="ann@example.org", display_name="Ann")
        started = factories.discussion(factories.document(), title="Annual planning", by=officer)
        opening = db.session.scalars(
            select(Comment).where(Comment.discussion_id == started.id)
        ).one()
        factories.comment(started, "Agreed", by=ann, parent=opening)
        leavers.anonymise(ann, by=None)
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == officer.id)
        ).all()
    assert texts == ["Former Member replied to your comment in “Annual planning”"]


def test_a_leavers_identifiers_are_hidden_only_as_whole_names_and_addresses(app, client):
    """A second outside tester's finds: a leaver "Ann Smith" (smith@example.org) turned the
    active "Mary-Ann Smith" (j.smith@example.org) into "Mary-Former Member" and "j.Former
    Member"; a leaver named "Will" turned every "will" in the trail into "Former Officer".
    Identifiers are whole names and addresses; a one-word name only in its person's events."""
    with factories.built(app):
        admin = factories.everyone()[Role.ADMIN]
        made = {
            email: people_service.create_user(
                email, name, {role}, by=admin, group="Labour Group", ward="Parr"
            )
            for email, name, role in (
                ("smith@example.org", "Ann Smith", Role.MEMBER),
                ("will@example.org", "Will", Role.MEMBER),
                ("j.smith@example.org", "Mary-Ann Smith", Role.MEMBER),
            )
        }
        ann, will, mary = made.values()
        discussion = factories.discussion(factories.document(), by=mary)
        comment_id = factories.comment(
            discussion, "I will agree with Ann Smith and Will.", by=mary
        ).id
        for leaver in (ann, will):
            leavers.anonymise(leaver, by=admin)
        mary_id = mary.id
    client.sign_in(ADMIN)
    trail = client.get("/audit").get_data(as_text=True)
    mine = client.get(f"/audit/person/{mary_id}").get_data(as_text=True)
    comment = client.get(f"/audit/comment/{comment_id}").get_data(as_text=True)
    assert "j.smith@example.org" in trail and "Mary-Ann Smith" in mine
    for page in (trail, mine, comment):
        assert "j.Former" not in page and "Mary-Former" not in page
    # Her comment names both, in an event about neither: the one-word name is as likely the
    # ordinary word "will", and "Ann Smith" is part of her own name, so both stay as typed.
    assert "I will agree with Ann Smith and Will." in comment


def test_notifications_name_a_leaver_anew_whatever_name_they_had_when_written(app):
    """A notification keeps the name of its day: someone renamed before they left is renamed
    in it too (a second outside tester's find)."""
    with factories.built(app):
        people = factories.everyone()
        officer = factories.officer()
        jo = factories.person(Role.MEMBER, email="jo@example.org", display_name="Jo (Bloggs)*")
        started = factories.discussion(factories.document(), title="Roles", by=officer)
        opening = db.session.scalars(
            select(Comment).where(Comment.discussion_id == started.id)
        ).one()
        factories.comment(started, "Agreed", by=jo, parent=opening)
        people_service.update_person(
            jo,
            by=people[Role.ADMIN],
            name="Joseph Bloggs",
            email="jo@example.org",
            roles={Role.MEMBER},
            group=jo.group,
            ward=jo.ward,
        )
        leavers.anonymise(jo, by=None)
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == officer.id)
        ).all()
    assert texts == ["Former Member replied to your comment in “Roles”"]


def test_a_name_someone_here_now_has_is_left_alone_outside_the_leavers_own_events(app, client):
    """A third outside tester's finds: a leaver "John Smith" turned an active John Smith into
    "Former Member", and a leaver "Ann Smith" turned "Mary Ann Smith" into "Mary Former
    Member", in the events about them. Such names are hidden in the leaver's own events only."""
    with factories.built(app):
        admin = factories.everyone()[Role.ADMIN]
        made = [
            people_service.create_user(
                email, name, {Role.MEMBER}, by=admin, group="Labour Group", ward="Parr"
            )
            for email, name in (
                ("john.smith@example.org", "John Smith"),
                ("john.smith2@example.org", "John Smith"),
                ("ann.smith@example.org", "Ann Smith"),
                ("mary@example.org", "Mary Ann Smith"),
            )
        ]
        leavers.anonymise(made[0], by=admin)
        leavers.anonymise(made[2], by=admin)
        staying, mary, leaver = made[1].id, made[3].id, made[0].id
    client.sign_in(ADMIN)
    assert "John Smith" in client.get(f"/audit/person/{staying}").get_data(as_text=True)
    page = client.get(f"/audit/person/{mary}").get_data(as_text=True)
    assert "Mary Ann Smith" in page and "Mary Former" not in page
    gone = client.get(f"/audit/person/{leaver}").get_data(as_text=True)
    assert "John Smith" not in gone and "john.smith@example.org" not in gone
