"""People: invitations, password resets, the admin pages, the last-admin rule and CSV import."""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.mail import sent_mail, wait_for_deliveries
from app.models import (
    AccountToken,
    AuditEvent,
    Comment,
    ListEntry,
    ListKind,
    Role,
    TokenPurpose,
    User,
    UserSession,
    utcnow,
)
from app.services import account_tokens, accounts, audit, leavers, people
from app.transactions import writing_job
from tests import databases, factories
from tests.helpers import (
    PASSWORD,
    AccordClient,
    assert_tables_scroll,
    at_once,
    count_queries,
    error_summary_targets,
    make_user,
    shown_digest,
)
from tests.snapshots import snapshot

ADMIN = "admin@example.org"
MEMBER = "member@example.org"
OFFICER = "officer@example.org"
NEW_PASSWORD = "a-brand-new-password"
LINK = re.compile(r"https?://[^/\s]+(/(?:invitation|reset-password)/[\w-]+)")
JO = {
    "name": "Jo Bloggs",
    "email": "Jo.Bloggs@Example.org",
    "roles": ["member", "standards"],
    "group": "Labour Group",
    "ward": "Parr",
}


@pytest.fixture
@snapshot
def staff(app):
    """The five role accounts; no documents."""
    with factories.built(app):
        factories.everyone()
    return app


def link_in_mail(app, to: str) -> str:
    """The path of the link in the latest email to ``to``."""
    message = [m for m in sent_mail(app) if m["To"] == to][-1]
    return LINK.search(message.get_content()).group(1)


def user_by_email(app, email: str) -> User:
    with app.app_context():
        user = accounts.find_user_by_email(email)
        db.session.expunge(user)
        return user


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).filter_by(action=action)).all()
        db.session.expunge_all()
        return found


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def invite_jo(app, client) -> str:
    """An admin invites Jo; returns the path of the invitation link."""
    client.sign_in(ADMIN)
    response = client.post_form("/people/invite", JO)
    assert response.status_code == 303, response.get_data(as_text=True)
    return link_in_mail(app, "jo.bloggs@example.org")


VERSION = re.compile(r'name="version" value="([0-9a-f]{16})"')


def edit_person(client, user_id: int, data: dict, **kwargs):
    """Save a person's details form as its page draws it: with the version of the details
    it was drawn from."""
    url = f"/people/{user_id}/edit"
    version = VERSION.search(client.get(url).get_data(as_text=True)).group(1)
    return client.post_form(url, {**data, "version": version}, **kwargs)


def expire_tokens(app, email: str) -> None:
    with app.app_context():
        user = accounts.find_user_by_email(email)
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.user_id == user.id)
            .values(
                created_at=utcnow() - timedelta(days=9), expires_at=utcnow() - timedelta(days=2)
            )
        )
        db.session.commit()


# Invitations ---------------------------------------------------------------------------------


def test_an_invitation_creates_the_person_without_a_password_and_emails_a_link(staff, client):
    path = invite_jo(staff, client)
    jo = user_by_email(staff, "jo.bloggs@example.org")
    assert jo.password_hash is None and jo.roles == {Role.MEMBER, Role.STANDARDS}
    assert (jo.group, jo.ward, jo.job_title) == ("Labour Group", "Parr", None)
    [message] = sent_mail(staff)
    assert (
        "invited" in message["Subject"]
        and "Lucy Parkinson has invited you" in message.get_content()
    )
    with staff.app_context():
        [token] = db.session.scalars(select(AccountToken)).all()
        assert token.purpose == TokenPurpose.INVITATION
        assert token.token_hash != path.rsplit("/", 1)[1]  # only the hash is stored
        assert (
            timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)
        )
    page = client.get(f"/people/{jo.id}").get_data(as_text=True)
    assert "Invited" in page and "expires" in page
    assert {
        e.action for e in events(staff, "person.created") + events(staff, "person.invited")
    } == {
        "person.created",
        "person.invited",
    }
    # Until they accept, they cannot sign in.
    assert staff.test_client().sign_in("jo.bloggs@example.org", "").status_code == 422


def test_accepting_the_invitation_sets_the_password_and_signs_in(staff, client):
    path = invite_jo(staff, client)
    invited = staff.test_client()
    page = invited.get(path)
    assert page.status_code == 200 and "Set your password" in page.get_data(as_text=True)
    common = invited.post_form(path, {"password": "password1234", "confirm": "password1234"})
    assert common.status_code == 422
    assert "most common passwords" in common.get_data(as_text=True)
    mismatch = invited.post_form(path, {"password": NEW_PASSWORD, "confirm": "something-else-12"})
    assert mismatch.status_code == 422 and "do not match" in mismatch.get_data(as_text=True)
    accepted = invited.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert accepted.status_code == 303 and accepted.location == "/"
    home = invited.get("/").get_data(as_text=True)
    assert "Jo Bloggs" in home and "Your password is set" in home
    assert len(events(staff, "person.invitation_accepted")) == 1
    # Single use: the link now says so, whoever follows it.
    again = staff.test_client().get(path)
    assert again.status_code == 410 and "This link cannot be used" in again.get_data(as_text=True)
    assert staff.test_client().sign_in("jo.bloggs@example.org", NEW_PASSWORD).status_code == 303
    assert "Active" in client.get("/people?q=jo.bloggs").get_data(as_text=True)


def test_a_person_signed_in_elsewhere_is_signed_out_when_the_link_is_used(staff, client):
    path = invite_jo(staff, client)
    client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    with staff.app_context():
        admin = accounts.find_user_by_email(ADMIN)
        open_sessions = db.session.scalars(
            select(UserSession).where(
                UserSession.user_id == admin.id, UserSession.ended_at.is_(None)
            )
        ).all()
        assert open_sessions == []
    assert "Jo Bloggs" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "", "email": "", "roles": []}, "Choose at least one role"),
        ({"email": "not-an-address"}, "in the correct format"),
        ({"ward": ""}, "Enter the Member&#39;s ward"),
        ({"roles": ["officer"], "group": "", "ward": ""}, "Enter the Officer&#39;s job title"),
        ({"is_independent_person": "y"}, "neither a Member nor an Officer"),
        ({"email": "MEMBER@example.org"}, "There is already an account for member@example.org"),
    ],
)
def test_an_invitation_with_mistakes_changes_nothing(staff, client, change, message):
    client.sign_in(ADMIN)
    before = count(staff, User)
    response = client.post_form("/people/invite", {**JO, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert ("There is a problem" in html and 'value="Jo Bloggs"' in html) or not change.get(
        "name", 1
    )
    assert count(staff, User) == before and sent_mail(staff) == []


def test_too_long_details_get_the_house_message_once_each_linked_from_the_summary(staff, client):
    client.sign_in(ADMIN)
    member = user_by_email(staff, MEMBER)
    events_before = count(staff, AuditEvent)
    response = client.post_form(
        f"/people/{member.id}/edit",
        {
            **JO,
            "name": "Sarah Whitfield",
            "email": "sarah@",
            "roles": ["member", "officer"],
            "job_title": "J" * 161,
            "service": "Legal and Governance",
            "group": "Labour",  # not on the managed list of Groups
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_summary_targets(html) == ["email", "group", "job_title"]
    messages = re.findall(r"</span> ([^<]+?)\s*</p>", html)
    assert messages == [
        "Enter an email address in the correct format, like name@example.org",
        "Choose a Group from the list (an administrator adds new ones under Political Groups)",
        "Job title must be 160 characters or fewer",
    ]
    assert 'value="sarah@"' in html and 'value="' + "J" * 161 + '"' in html
    assert user_by_email(staff, MEMBER).email == MEMBER
    assert count(staff, AuditEvent) == events_before


def test_an_expired_invitation_says_whom_to_ask_and_shows_as_expired(staff, client):
    path = invite_jo(staff, client)
    expire_tokens(staff, "jo.bloggs@example.org")
    page = staff.test_client().get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "Lucy Parkinson (admin@example.org), who invited you" in html
    refused = staff.test_client().post_form(
        path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 410
    assert user_by_email(staff, "jo.bloggs@example.org").password_hash is None
    jo = user_by_email(staff, "jo.bloggs@example.org")
    assert "Invitation expired" in client.get(f"/people/{jo.id}").get_data(as_text=True)
    assert "Invitation expired" in client.get("/people?status=expired").get_data(as_text=True)
    assert staff.test_client().get("/invitation/not-a-real-token").status_code == 404


def test_correcting_a_mistyped_address_withdraws_the_link_sent_to_it(staff, client):
    path = invite_jo(staff, client)
    jo = user_by_email(staff, "jo.bloggs@example.org")
    corrected = edit_person(
        client, jo.id, {**JO, "email": "jo.bloggs@example.com"}, follow_redirects=True
    )
    page = corrected.get_data(as_text=True)
    assert "The invitation sent to the old address no longer works" in page
    assert "Invitation withdrawn" in page and "Send a new invitation" in page
    assert staff.test_client().get(path).status_code == 410
    [event] = events(staff, "person.updated")
    assert event.before == {"email": "jo.bloggs@example.org"}


def test_a_password_set_from_the_command_line_withdraws_the_invitation(staff, client):
    path = invite_jo(staff, client)
    result = staff.test_cli_runner().invoke(
        args=["users", "set-password", "jo.bloggs@example.org"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert staff.test_client().get(path).status_code == 410


def test_resending_an_invitation_supersedes_the_old_link(staff, client):
    old = invite_jo(staff, client)
    jo = user_by_email(staff, "jo.bloggs@example.org")
    assert client.post_form(f"/people/{jo.id}/invitation").status_code == 303
    new = link_in_mail(staff, "jo.bloggs@example.org")
    assert new != old and len(sent_mail(staff)) == 2
    assert staff.test_client().get(old).status_code == 410
    assert staff.test_client().get(new).status_code == 200
    assert len(events(staff, "person.invited")) == 2
    # Someone who has set a password is not re-invited.
    member = user_by_email(staff, MEMBER)
    client.post_form(f"/people/{member.id}/invitation")
    assert len(sent_mail(staff)) == 2


def test_a_link_works_once_even_when_two_requests_race_for_it(staff, client):
    path = invite_jo(staff, client)
    token = path.rsplit("/", 1)[1]
    results, barrier = [], threading.Barrier(2)

    def use():
        with staff.test_request_context(method="POST"):
            barrier.wait()
            user = account_tokens.use(token, TokenPurpose.INVITATION)
            results.append(user is not None)
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]


# Password reset ------------------------------------------------------------------------------


def test_a_reset_request_answers_the_same_whether_or_not_the_address_exists(staff, client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgotten-password"' in page and "Forgotten your password?" in page
    unknown = client.post_form("/forgotten-password", {"email": "nobody@example.org"})
    known = client.post_form("/forgotten-password", {"email": "Member@Example.org"})
    assert unknown.status_code == known.status_code == 303
    assert unknown.location == known.location == "/forgotten-password/sent"
    assert "Check your email" in client.get(known.location).get_data(as_text=True)
    [message] = sent_mail(staff)
    assert message["To"] == MEMBER and message["Subject"] == "Reset your Accord password"
    assert len(events(staff, "person.password_reset_requested")) == 2
    wrong = client.post_form("/forgotten-password", {"email": "not an email"})
    assert wrong.status_code == 422 and "correct format" in wrong.get_data(as_text=True)


def test_a_forged_host_header_never_reaches_the_reset_link(database_url):
    """Reset-link poisoning: behind a proxy that passes on the asker's X-Forwarded-Host, the
    emailed link is still on PUBLIC_URL."""
    cleanup = databases.empty_all_tables if database_url.startswith("postgresql") else None
    with databases.app_for(database_url, cleanup=cleanup, TRUSTED_PROXIES=1) as app:
        app.test_client_class = AccordClient
        make_user(app, "jo@example.org")
        app.test_client().post_form(
            "/forgotten-password",
            {"email": "jo@example.org"},
            headers={"X-Forwarded-Host": "attacker.example"},
        )
        [message] = sent_mail(app)
        body = message.get_content()
        assert "attacker.example" not in body
        assert "http://accord.test/reset-password/" in body


def test_a_reset_link_works_once_and_signs_the_person_out_everywhere(staff, client):
    elsewhere = staff.test_client()
    elsewhere.sign_in(MEMBER)
    assert elsewhere.get("/").status_code == 200
    client.post_form("/forgotten-password", {"email": MEMBER})
    path = link_in_mail(staff, MEMBER)
    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    short = client.post_form(path, {"password": "too-short", "confirm": "too-short"})
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    done = client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.location == "/sign-in"
    assert elsewhere.get("/").status_code == 302  # signed out everywhere
    assert staff.test_client().sign_in(MEMBER, PASSWORD).status_code == 422
    assert staff.test_client().sign_in(MEMBER, NEW_PASSWORD).status_code == 303
    assert client.get(path).status_code == 410
    [event] = events(staff, "person.password_reset")
    assert event.actor_label == MEMBER


def age_tokens(app, email: str, minutes: int) -> None:
    """Make the person's links ``minutes`` older (asked for, and expiring, that much earlier)."""
    with app.app_context():
        user = accounts.find_user_by_email(email)
        for token in db.session.scalars(select(AccountToken).filter_by(user_id=user.id)):
            token.created_at -= timedelta(minutes=minutes)
            token.expires_at -= timedelta(minutes=minutes)
        db.session.commit()


def test_a_reset_asked_for_twice_at_once_sends_two_links_that_both_work(staff, client):
    """A double click on "Send link" (or asking again because the first email was slow) must
    not leave the person holding a dead link: whichever email they open works, once, and
    setting the password withdraws the other."""
    client.post_form("/forgotten-password", {"email": MEMBER})
    first = link_in_mail(staff, MEMBER)
    age_tokens(staff, MEMBER, 9)
    client.post_form("/forgotten-password", {"email": MEMBER})
    second = link_in_mail(staff, MEMBER)
    assert first != second
    assert client.get(first).status_code == client.get(second).status_code == 200
    done = client.post_form(first, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.location == "/sign-in"
    assert client.get(first).status_code == client.get(second).status_code == 410


def test_a_reset_asked_for_twice_at_the_same_moment_sends_two_working_links(postgres_url):
    """Two connections ask for the same person's link at once (a double click): neither
    request's link is withdrawn by the other's."""
    with databases.app_for(postgres_url, cleanup=databases.empty_all_tables) as app:
        app.test_client_class = AccordClient
        make_user(app, "jo@example.org")
        tabs = [app.test_client(), app.test_client()]
        forms = [{"csrf_token": tab.csrf_token("/forgotten-password")} for tab in tabs]
        answers = at_once(
            *(
                lambda tab=tab, form=form: tab.post(
                    "/forgotten-password", data={**form, "email": "jo@example.org"}
                )
                for tab, form in zip(tabs, forms, strict=True)
            )
        )
        assert [getattr(a, "status_code", a) for a in answers] == [303, 303]
        wait_for_deliveries(app)
        links = [LINK.search(m.get_content()).group(1) for m in sent_mail(app)]
        assert len(set(links)) == 2
        assert [app.test_client().get(link).status_code for link in links] == [200, 200]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_reset_sent_while_another_writes_still_sends_its_link(staff, client, monkeypatch):
    """The link is issued after the answer has gone (``app.deferred``), outside any request.
    On SQLite that work's transaction began as a reading one, so a write committed by another
    request after it first read (a second "Send link" a moment later, as the outside tester
    found) made its own write fail at once, "database is locked": no link was sent. Deferred
    work takes the write lock at its first statement, as a writing request does."""
    revoke = account_tokens.revoke

    def meanwhile() -> None:  # as another writing request would: BEGIN IMMEDIATE
        with staff.app_context(), writing_job():
            user = accounts.find_user_by_email("officer@example.org")
            user.display_name = "Written meanwhile"
            db.session.commit()

    others: list[threading.Thread] = []

    def revoke_after_a_write(*args, **kwargs):
        others.append(threading.Thread(target=meanwhile))
        others[-1].start()
        others[-1].join(0.5)  # done at once unless this transaction holds the write lock
        return revoke(*args, **kwargs)

    monkeypatch.setattr(account_tokens, "revoke", revoke_after_a_write)
    assert client.post_form("/forgotten-password", {"email": MEMBER}).status_code == 303
    assert len([m for m in sent_mail(staff) if m["To"] == MEMBER]) == 1
    others[0].join(10)  # it waited for the link's transaction, then wrote
    assert user_by_email(staff, "officer@example.org").display_name == "Written meanwhile"


def test_a_reset_link_expires_and_a_newer_one_supersedes_it(staff, client):
    client.post_form("/forgotten-password", {"email": MEMBER})
    first = link_in_mail(staff, MEMBER)
    age_tokens(staff, MEMBER, 11)  # past the ten minutes in which links are kept together
    client.post_form("/forgotten-password", {"email": MEMBER})
    second = link_in_mail(staff, MEMBER)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    expire_tokens(staff, MEMBER)
    expired = client.get(second)
    assert expired.status_code == 410 and "Ask for a new link" in expired.get_data(as_text=True)


def test_no_reset_link_goes_to_deactivated_or_invited_people(staff, client):
    make_user(staff, "gone@example.org", active=False)
    invite_jo(staff, client)
    sent_mail(staff).clear()
    anonymous = staff.test_client()
    for email in ("gone@example.org", "jo.bloggs@example.org"):
        assert anonymous.post_form("/forgotten-password", {"email": email}).status_code == 303
    assert sent_mail(staff) == []


def test_reset_requests_are_throttled(staff):
    staff.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"] = "2 per hour"
    client = staff.test_client()
    for _ in range(2):
        assert client.post_form("/forgotten-password", {"email": MEMBER}).status_code == 303
    refused = client.post_form("/forgotten-password", {"email": MEMBER})
    assert refused.status_code == 429
    assert "too many requests for a password reset" in refused.get_data(as_text=True)
    assert len(sent_mail(staff)) == 2


# The people pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "member@example.org",
        "officer@example.org",
        "facilitator@example.org",
        "standards@example.org",
    ],
)
def test_only_administrators_manage_people(staff, client, email):
    client.sign_in(email)
    assert 'href="/people"' not in client.get("/").get_data(as_text=True)
    admin = user_by_email(staff, ADMIN)
    for path in ("/people", "/people/invite", f"/people/{admin.id}", "/people/import"):
        assert client.get(path).status_code == 403, path
    for path in (
        "/people/invite",
        f"/people/{admin.id}/edit",
        f"/people/{admin.id}/deactivate",
        f"/people/{admin.id}/invitation",
        "/people/import",
        "/people/import/confirm",
    ):
        assert client.post_form(path, {"name": "x"}).status_code == 403, path
    assert user_by_email(staff, ADMIN).active


def test_every_post_needs_the_csrf_token(staff, client):
    path = invite_jo(staff, client)
    member = user_by_email(staff, MEMBER)
    before = count(staff, AuditEvent)
    for target in (
        "/people/invite",
        f"/people/{member.id}/edit",
        f"/people/{member.id}/invitation",
        f"/people/{member.id}/deactivate",
        f"/people/{member.id}/reactivate",
        "/people/import",
        "/people/import/confirm",
    ):
        assert client.post(target, data={**JO, "text": HEADER}).status_code == 400, target
    client.post_form("/sign-out")
    for target in (path, "/forgotten-password"):
        data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "email": MEMBER}
        assert client.post(target, data=data).status_code == 400, target
    assert count(staff, AuditEvent) == before + 1  # signing out, nothing else


def test_the_people_list_filters_searches_and_pages(staff, client):
    with staff.app_context():
        rows = [f"Person {n:02},p{n:02}@example.org,officer,,,Officer,Service" for n in range(60)]
        from app.services import people_import

        admin = accounts.find_user_by_email(ADMIN)
        people_import.apply(
            "name,email,roles,title,service\n" + "\n".join(r.replace(",,,", ",") for r in rows),
            by=admin,
            send_invitations=False,
        )
        db.session.commit()
    client.sign_in(ADMIN)
    with count_queries(staff) as queries:
        page = client.get("/people").get_data(as_text=True)
    assert queries.count <= 7, str(queries)  # the same for 5 people or 5,000
    assert 'aria-current="page"' in page and ">People<" in page
    assert "Page 1 of 2" in page and page.count('class="govuk-table__row"') == 51
    assert "Lucy Parkinson" in page
    second = client.get("/people?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    stale = client.get("/people?page=9&role=officer&q=").get_data(as_text=True)
    assert "Page 2 of 2" in stale  # a page past the end shows the last one
    assert 'href="/people?page=1&amp;role=officer" rel="prev"' in stale  # filters kept
    found = client.get("/people?q=P07%40EXAMPLE").get_data(as_text=True)
    assert "p07@example.org" in found and "p08@example.org" not in found
    not_invited = client.get("/people?status=not_invited&role=officer").get_data(as_text=True)
    assert "60 people match" in not_invited and "Not invited" in not_invited
    assert "Nobody matches" in client.get("/people?q=zzzz").get_data(as_text=True)
    members = client.get("/people?role=member&status=active").get_data(as_text=True)
    assert "Sarah Whitfield" in members and "Person 01" not in members


def test_the_status_filter_agrees_with_the_status_shown(staff):
    with staff.app_context():
        admin = accounts.find_user_by_email(ADMIN)
        waiting = {}
        for name in ("invited", "expired", "withdrawn", "not_invited"):
            waiting[name] = people.create_user(f"{name}@example.org", name, {Role.FACILITATOR})
        for name in ("invited", "expired", "withdrawn"):
            accounts.send_invitation(waiting[name], by=admin)
        people.deactivate(waiting["withdrawn"], by=admin)
        people.reactivate(waiting["withdrawn"], by=admin)
        people.deactivate(accounts.find_user_by_email(MEMBER), by=admin)
        leavers.anonymise(accounts.find_user_by_email(OFFICER), by=admin)
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.user_id == waiting["expired"].id)
            .values(
                created_at=utcnow() - timedelta(days=9), expires_at=utcnow() - timedelta(days=2)
            )
        )
        db.session.commit()
        everyone = db.session.scalars(select(User)).all()
        invitations = account_tokens.latest_invitations([user.id for user in everyone])
        shown = {user.id: people.status_of(user, invitations.get(user.id)) for user in everyone}
        for key in people.STATUSES:
            found = db.session.scalars(select(User.id).where(people.status_condition(key))).all()
            assert found, key
            assert sorted(found) == sorted(i for i, status in shown.items() if status.key == key)
        assert shown[waiting["withdrawn"].id].label == "Invitation withdrawn"


def test_editing_roles_is_audited_with_before_and_after(staff, client):
    client.sign_in(ADMIN)
    member = user_by_email(staff, MEMBER)
    form = client.get(f"/people/{member.id}/edit").get_data(as_text=True)
    assert 'value="Sarah Whitfield"' in form and 'value="member" checked' in form
    changed = edit_person(
        client,
        member.id,
        {
            "name": "Sarah Whitfield",
            "email": MEMBER,
            "roles": ["member", "standards"],
            "group": "Labour Group",
            "ward": "Parr",
            "job_title": "ignored: not an Officer",
        },
    )
    assert changed.status_code == 303
    member = user_by_email(staff, MEMBER)
    assert member.roles == {Role.MEMBER, Role.STANDARDS} and member.job_title is None
    [event] = events(staff, "person.roles_changed")
    assert event.before == {"roles": ["member"]}
    assert event.after == {"roles": ["member", "standards"]}
    assert event.actor_label == ADMIN
    nothing = client.post_form(
        f"/people/{member.id}/edit", {"email": MEMBER, "name": "X", "roles": []}
    )
    assert nothing.status_code == 422 and "Choose at least one role" in nothing.get_data(
        as_text=True
    )
    taken = edit_person(
        client, member.id, {"name": "S", "email": "OFFICER@example.org", "roles": ["facilitator"]}
    )
    assert taken.status_code == 422 and "already an account" in taken.get_data(as_text=True)
    assert user_by_email(staff, MEMBER).display_name == "Sarah Whitfield"


def _typed(**changes) -> dict:
    """The Member's edit form as an administrator fills it in, with ``changes``."""
    return {
        "name": "Sarah Whitfield",
        "email": MEMBER,
        "roles": ["member"],
        "group": "Labour Group",
        "ward": "Parr",
        **changes,
    }


@pytest.mark.parametrize("meanwhile", ["renamed by an import", "given a role"])
def test_an_edit_drawn_before_another_change_saves_nothing_and_shows_both(staff, client, meanwhile):
    """A form drawn before someone else changed the person (a CSV import's bulk rename, a role
    given by another administrator) would put the old details back: it saves nothing and
    answers 409 with the details as they are now, keeping what was typed. Saved again from
    there, it saves."""
    client.sign_in(ADMIN)
    member_id = user_by_email(staff, MEMBER).id
    url = f"/people/{member_id}/edit"
    version = VERSION.search(client.get(url).get_data(as_text=True)).group(1)
    with staff.app_context():
        if meanwhile == "renamed by an import":
            db.session.execute(
                update(User).where(User.id == member_id).values(display_name="Sarah Whitfield-Ray")
            )
        else:
            person = db.session.get(User, member_id)
            person.set_roles(person.roles | {Role.STANDARDS})
        db.session.commit()
        now = people.details_version(db.session.get(User, member_id))
    typed = _typed(name="Cllr Sarah Whitfield")
    refused = client.post_form(url, {**typed, "version": version})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Someone else changed" in page and "Nothing was saved" in page
    current = page[page.index('id="current-details"') :]
    expected = "Sarah Whitfield-Ray" if meanwhile == "renamed by an import" else "Standards"
    assert expected in current[: current.index("</dl>")]
    assert 'value="Cllr Sarah Whitfield"' in page, "what was typed is kept"
    assert VERSION.search(page).group(1) == now
    assert user_by_email(staff, MEMBER).display_name != "Cllr Sarah Whitfield"
    assert events(staff, "person.updated") == []
    saved = client.post_form(url, {**typed, "version": now})
    assert saved.status_code == 303
    assert user_by_email(staff, MEMBER).display_name == "Cllr Sarah Whitfield"


def test_an_administrator_changes_their_own_details(staff, client):
    """An administrator saves their own details form (a new name, a role added): saved, on
    both databases; a second save from the same form is told the details changed (409). On
    PostgreSQL the save was a 500: the signed-in person is loaded with their roles joined,
    and re-reading them under a row lock carried that outer join into the locking statement,
    which PostgreSQL refuses (FOR NO KEY UPDATE on the nullable side of an outer join)."""
    client.sign_in(ADMIN)
    admin_id = user_by_email(staff, ADMIN).id
    url = f"/people/{admin_id}/edit"
    version = VERSION.search(client.get(url).get_data(as_text=True)).group(1)
    typed = {"name": "Lucy Parkinson-Hale", "email": ADMIN, "roles": ["admin", "facilitator"]}
    saved = client.post_form(url, {**typed, "version": version})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    admin = user_by_email(staff, ADMIN)
    assert admin.display_name == "Lucy Parkinson-Hale"
    assert admin.roles == {Role.ADMIN, Role.FACILITATOR}
    again = client.post_form(url, {**typed, "name": "Lucy Hale", "version": version})
    assert again.status_code == 409 and "Lucy Parkinson-Hale" in again.get_data(as_text=True)
    assert user_by_email(staff, ADMIN).display_name == "Lucy Parkinson-Hale"


def test_deactivating_and_reactivating_need_confirming(staff, client):
    elsewhere = staff.test_client()
    elsewhere.sign_in(MEMBER)
    client.sign_in(ADMIN)
    member = user_by_email(staff, MEMBER)
    with staff.app_context():
        comments = db.session.scalar(select(func.count()).where(Comment.author_id == member.id))
    confirm = client.get(f"/people/{member.id}/deactivate")
    assert confirm.status_code == 200 and "Deactivate Sarah Whitfield?" in confirm.get_data(
        as_text=True
    )
    assert user_by_email(staff, MEMBER).active  # a GET changes nothing
    done = client.post_form(f"/people/{member.id}/deactivate")
    assert done.status_code == 303
    assert not user_by_email(staff, MEMBER).active
    assert elsewhere.get("/").status_code == 302
    assert staff.test_client().sign_in(MEMBER).status_code == 422
    assert "Deactivated" in client.get(f"/people/{member.id}").get_data(as_text=True)
    with staff.app_context():
        assert (
            db.session.scalar(select(func.count()).where(Comment.author_id == member.id))
            == comments
        )
    assert client.get(f"/people/{member.id}/reactivate").status_code == 200
    assert client.post_form(f"/people/{member.id}/reactivate").status_code == 303
    assert staff.test_client().sign_in(MEMBER).status_code == 303
    assert [e.action for e in events(staff, "person.deactivated")] == ["person.deactivated"]
    assert len(events(staff, "person.reactivated")) == 1


def test_deactivating_an_invited_person_stops_their_link(staff, client):
    path = invite_jo(staff, client)
    jo = user_by_email(staff, "jo.bloggs@example.org")
    assert client.post_form(f"/people/{jo.id}/deactivate").status_code == 303
    assert staff.test_client().get(path).status_code == 410
    assert client.post_form(f"/people/{jo.id}/reactivate").status_code == 303
    assert "Invitation withdrawn" in client.get(f"/people/{jo.id}").get_data(as_text=True)
    client.post_form(f"/people/{jo.id}/invitation")
    assert staff.test_client().get(link_in_mail(staff, "jo.bloggs@example.org")).status_code == 200


def test_the_last_active_administrator_keeps_the_role_and_stays_active(staff, client):
    client.sign_in(ADMIN)
    admin = user_by_email(staff, ADMIN)
    page = client.get(f"/people/{admin.id}").get_data(as_text=True)
    assert "the only active administrator" in page and "Deactivate<" not in page
    demote = {"name": admin.display_name, "email": ADMIN, "roles": ["facilitator"]}
    refused = edit_person(client, admin.id, demote)
    assert refused.status_code == 422
    assert "the only active administrator" in refused.get_data(as_text=True)
    gone = client.post_form(f"/people/{admin.id}/deactivate")
    assert gone.status_code == 409 and "cannot be deactivated" in gone.get_data(as_text=True)
    cli = staff.test_cli_runner().invoke(args=["users", "deactivate", ADMIN])
    assert cli.exit_code != 0 and "only active administrator" in cli.output
    assert user_by_email(staff, ADMIN).is_admin and user_by_email(staff, ADMIN).active
    # An invited administrator who has no password yet does not count...
    client.post_form("/people/invite", {**JO, "roles": ["admin"]})
    assert edit_person(client, admin.id, demote).status_code == 422
    # ...one who can sign in does.
    make_user(staff, "second@example.org", roles=(Role.ADMIN,))
    assert edit_person(client, admin.id, demote).status_code == 303
    assert not user_by_email(staff, ADMIN).is_admin


def test_an_administrator_who_gives_up_the_role_lands_on_a_page_they_can_see(staff, client):
    make_user(staff, "second.admin@example.org", (Role.ADMIN,), display_name="Second Admin")
    client.sign_in(ADMIN)
    admin = user_by_email(staff, ADMIN)
    response = edit_person(
        client, admin.id, {"name": admin.display_name, "email": ADMIN, "roles": ["facilitator"]}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert user_by_email(staff, ADMIN).roles == {Role.FACILITATOR}


def test_two_administrators_removing_each_other_at_once_leave_one(staff):
    make_user(staff, "second@example.org", roles=(Role.ADMIN,))
    outcomes, barrier = [], threading.Barrier(2)

    def demote(email: str) -> None:
        with staff.test_request_context(method="POST"):
            barrier.wait()
            try:
                user = accounts.find_user_by_email(email)
                people.deactivate(user, by=None)
                db.session.commit()
                outcomes.append("done")
            except people.LastAdmin:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(e,)) for e in (ADMIN, "second@example.org")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    with staff.app_context():
        assert people.active_admin_count() == 1


def test_plain_forms_answer_htmx_and_boosted_requests_the_same_way(staff, client):
    client.sign_in(ADMIN)
    boosted = client.post_form("/people/invite", JO, boosted=True)
    assert boosted.status_code == 303
    wrong = client.post_form("/people/invite", {**JO, "email": "x"}, htmx=True)
    assert wrong.status_code == 422 and "<html" in wrong.get_data(as_text=True)
    page = client.get("/people", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in page.get_data(as_text=True)


# CSV import ----------------------------------------------------------------------------------

HEADER = "name,email,roles,group,ward,title,service\n"


def upload(
    client,
    text: str | bytes,
    *,
    invitations: bool = True,
    as_file: bool = True,
    add_new_groups: bool = False,
):
    data = {"csrf_token": client.csrf_token(), "text": ""}
    if add_new_groups:
        data["add_new_groups"] = "y"
    if as_file:
        raw = text.encode() if isinstance(text, str) else text
        data["file"] = (io.BytesIO(raw), "people.csv")
    else:
        data["text"] = text
    if invitations:
        data["send_invitations"] = "y"
    return client.post("/people/import", data=data, content_type="multipart/form-data")


def confirm(
    client,
    text: str,
    invitations: bool = True,
    add_new_groups: bool = False,
    *,
    shown: str | None = None,
):
    """Press the preview's import button: the file, its options and, when given, the digest
    of the plan the preview showed (``shown_digest`` of the preview page)."""
    return client.post_form(
        "/people/import/confirm",
        {
            "text": text,
            "send_invitations": "yes" if invitations else "",
            "add_new_groups": "yes" if add_new_groups else "",
            **({"shown": shown} if shown is not None else {}),
        },
    )


def test_an_import_confirmed_twice_imports_once_and_the_second_says_so(staff, client):
    """The import button pressed twice (a double click without JavaScript, back and send
    again): the second press goes where the first went and says it was already sent, rather
    than a 409 saying the people changed since the preview (they changed: it imported them)."""
    client.sign_in(ADMIN)
    text = HEADER + "Jo Bloggs,jo@example.org,member,Labour Group,Parr,,\n"
    preview = upload(client, text, invitations=False).get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', preview)
    assert key, "the preview's import button carries a one-time key"
    sent = {
        "text": text,
        "send_invitations": "",
        "add_new_groups": "",
        "shown": shown_digest(preview),
        "submission_key": key.group(1),
    }
    before = count(staff, User)
    first = client.post_form("/people/import/confirm", sent)
    assert first.status_code == 303 and first.location.endswith("/people")
    again = client.post_form("/people/import/confirm", sent)
    assert again.status_code == 303 and again.location == first.location
    assert "already sent" in client.get(again.location).get_data(as_text=True)
    assert count(staff, User) == before + 1


def test_a_valid_file_is_previewed_then_imported_with_invitations(staff, client):
    client.sign_in(ADMIN)
    text = (
        "\ufeff"
        + HEADER
        + "Jo Bloggs,jo@example.org,member;standards,Labour Group,Parr,,\n"
        + "Sam Patel,sam@example.org,officer,,,Assistant Director,Legal and Governance\n"
        + "Sarah Whitfield,MEMBER@example.org,member standards,Labour Group,Sutton,,\n"
    )
    before = count(staff, User)
    preview = upload(client, text)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Check the import" in html
    assert "2 to add" in html and "1 to change" in html and "Ward: Parr → Sutton" in html
    assert "Roles: Member → Member, Standards Committee" in html
    assert "Import 3 people" in html
    assert count(staff, User) == before and sent_mail(staff) == []  # nothing yet
    done = confirm(client, text.lstrip("\ufeff"), shown=shown_digest(html))
    assert done.status_code == 303
    assert count(staff, User) == before + 2
    assert user_by_email(staff, MEMBER).ward == "Sutton"
    assert sorted(m["To"] for m in sent_mail(staff)) == ["jo@example.org", "sam@example.org"]
    invited = staff.test_client()
    path = link_in_mail(staff, "sam@example.org")
    assert (
        invited.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 303
    )
    assert len(events(staff, "person.created")) >= 2
    [changed] = events(staff, "person.roles_changed")
    assert changed.before == {"roles": ["member"], "ward": "Parr"}
    assert changed.after == {"roles": ["member", "standards"], "ward": "Sutton"}
    assert changed.summary == "member@example.org: roles, ward changed (CSV import)"
    with staff.app_context():
        assert audit.verify().ok


def test_pasted_csv_without_invitations(staff, client):
    client.sign_in(ADMIN)
    text = HEADER + "Jo Bloggs,jo@example.org,facilitator,,,,\n"
    preview = upload(client, text, invitations=False, as_file=False).get_data(as_text=True)
    assert "Nobody will be emailed" in preview
    assert confirm(client, text, invitations=False, shown=shown_digest(preview)).status_code == 303
    assert sent_mail(staff) == []
    assert "Not invited" in client.get("/people?q=jo%40").get_data(as_text=True)


def test_a_mixed_file_is_all_or_nothing(staff, client):
    client.sign_in(ADMIN)
    text = (
        HEADER
        + "Jo Bloggs,jo@example.org,member,Labour Group,Parr,,\n"
        + "No Roles,noroles@example.org,,,,,\n"
        + "Bad Email,not-an-email,officer,,,Director,Legal\n"
        + "Jo Again,JO@example.org,facilitator,,,,\n"
        + "Sarah Whitfield,member@example.org,member,Labour Group,Sutton,,\n"
    )
    before = count(staff, User)
    preview = upload(client, text)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422 and "Some rows are rejected" in html
    assert "1 to add" in html and "1 to change" in html and "3 rejected" in html
    assert_tables_scroll(html)  # rejected, to add, to change: none widens a phone's page
    assert (
        "Row 3: No roles" in html and "Row 4: Enter an email address in the correct format" in html
    )
    assert "Row 5: The same email address as row 2" in html
    assert "Import " not in html  # no confirm button while any row is rejected
    refused = confirm(client, text)  # sent all the same: no preview offered it
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "so nothing was imported" in html
    assert "Row 3: No roles" in html and "Import " not in html
    assert count(staff, User) == before and sent_mail(staff) == []
    assert user_by_email(staff, MEMBER).ward == "Parr"


def test_a_file_may_demote_one_of_two_administrators(staff, client):
    """The other administrator, not in the file, still counts: before, only the people in the
    file were counted, and the row was refused as leaving no administrator (outside tester,
    finding 4)."""
    with staff.app_context():
        officer = accounts.find_user_by_email("officer@example.org")
        officer.set_roles(officer.roles | {Role.ADMIN})
        db.session.commit()
    client.sign_in(ADMIN)
    text = (
        HEADER
        + 'Rachel Hartley,officer@example.org,officer,,,"Assistant Director, Legal and Governance",'
        + "Legal and Governance\n"
    )
    preview = upload(client, text)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 to change" in html, html[:3000]
    assert confirm(client, text, shown=shown_digest(html)).status_code == 303
    assert Role.ADMIN not in user_by_email(staff, "officer@example.org").roles


def test_a_file_changed_between_preview_and_confirm_is_checked_again(staff, client):
    client.sign_in(ADMIN)
    good = HEADER + "Jo Bloggs,jo@example.org,member,Labour Group,Parr,,\n"
    preview = upload(client, good)
    assert preview.status_code == 200
    tampered = good + "Lucy Parkinson,admin@example.org,facilitator,,,,\n"  # the last admin
    refused = confirm(client, tampered, shown=shown_digest(preview.get_data(as_text=True)))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "no active administrator" in html
    assert count(staff, User, User.email == "jo@example.org") == 0


@pytest.mark.parametrize("meanwhile", ["added", "renamed", "deactivated", "Group renamed"])
def test_a_confirm_after_the_people_changed_imports_nothing_and_shows_the_import_now(
    staff, client, meanwhile
):
    """The import button confirms the preview: when another administrator added someone the
    file would add, renamed or deactivated someone it would change, or renamed a Group it
    names, after the preview was drawn, confirming imports nothing (409) and shows what the
    import would do now, saying why; its button imports that. A confirm without the
    preview's digest imports nothing either."""
    client.sign_in(ADMIN)
    text = (
        HEADER
        + "Jo Bloggs,jo@example.org,member,Labour Group,Parr,,\n"
        + "Sarah Whitfield,member@example.org,member,Labour Group,Sutton,,\n"
    )
    preview = upload(client, text, invitations=False).get_data(as_text=True)
    assert "1 to add" in preview and "Ward: Parr → Sutton" in preview
    shown = shown_digest(preview)
    with staff.app_context():
        admin, member = accounts.find_user_by_email(ADMIN), accounts.find_user_by_email(MEMBER)
        if meanwhile == "added":
            people.create_user(
                "jo@example.org",
                "Jo Smith",
                {Role.MEMBER},
                by=admin,
                group="Labour Group",
                ward="Eccleston",
            )
        elif meanwhile == "renamed":
            people.update_person(
                member,
                by=admin,
                name="Cllr Sarah Whitfield",
                email=MEMBER,
                roles={Role.MEMBER},
                group="Labour Group",
                ward="Parr",
            )
        elif meanwhile == "deactivated":
            people.deactivate(member, by=admin)
        else:
            [entry] = [e for e in people.list_entries(ListKind.GROUP) if e.name == "Labour Group"]
            people.rename_list_entry(entry, "Labour", by=admin)
        db.session.commit()
    users, audited = count(staff, User), count(staff, AuditEvent)
    assert confirm(client, text, invitations=False).status_code == 409  # no digest: nothing
    refused = confirm(client, text, invitations=False, shown=shown)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409, html[:2000]
    assert "Error: Check the import" in html
    changed = html[html.index('id="shown-changed"') :].split("</div>")[0]
    assert "changed after you checked the import" in changed
    assert "so nothing was imported" in changed
    assert count(staff, User) == users and count(staff, AuditEvent) == audited
    assert user_by_email(staff, MEMBER).ward == "Parr"  # the import's change is not made
    now = {
        "added": "0 to add",
        "renamed": "Name: Cllr Sarah Whitfield → Sarah Whitfield",
        "deactivated": "Deactivated</strong>",
        "Group renamed": "Unknown Group “Labour Group”",
    }[meanwhile]
    assert now in html, "the page shows the import as it would now be"
    if meanwhile == "added":
        assert "2 to change" in html and "Name: Jo Smith → Jo Bloggs" in html
        assert user_by_email(staff, "jo@example.org").display_name == "Jo Smith"
    if meanwhile == "Group renamed":
        assert "Import " not in html  # rejected now: nothing to confirm
        return
    again = confirm(client, text, invitations=False, shown=shown_digest(html))
    assert again.status_code == 303, again.get_data(as_text=True)[:2000]
    assert user_by_email(staff, MEMBER).ward == "Sutton"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not UTF-8"),
        ("name,email\nJo,jo@example.org\n", "including “roles”"),
        ("", "Choose a CSV file to upload, or paste the CSV"),
        ("name;email;roles\nJo;jo@example.org;member\n", "separated by semicolons"),
    ],
)
def test_malformed_files_are_refused_with_a_message(staff, client, content, message):
    client.sign_in(ADMIN)
    response = upload(client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "There is a problem" in html
    assert error_summary_targets(html) == ["file"]
    assert count(staff, User) == 5  # the five role accounts: nobody added


def test_existing_people_are_matched_whatever_the_case_of_their_email(staff, client):
    client.sign_in(ADMIN)
    text = (
        HEADER
        + 'Rachel Hartley,OFFICER@EXAMPLE.ORG,officer,,,"Assistant Director, Legal and Governance",'
        + "Legal and Governance\n"
    )
    html = upload(client, text).get_data(as_text=True)
    assert "0 to add" in html and "1 already up to date" in html
    assert "nothing to import" in html


def test_an_import_naming_a_retired_group_or_ward_in_another_case_keeps_one_spelling(staff, client):
    """A file naming a retired Group and ward in lower case: the people get the lists'
    spellings and the names are offered again (the preview says so). Before, the preview said
    the lower-case names would be added, nothing was added (they were there, retired), and
    the person kept the lower-case Group beside "Green Group": one Group under two spellings,
    which a rename then split (the outside tester's finding 2). Without the tick, a retired
    Group is refused like an unknown one."""
    with staff.app_context():
        for kind, name in ((ListKind.GROUP, "Green Group"), (ListKind.WARD, "Eccleston")):
            entry = people.find_list_entry(kind, name) or people.add_list_entry(kind, name, by=None)
            entry.retired_at = utcnow()
        db.session.commit()
    client.sign_in(ADMIN)
    text = HEADER + "Pat Green,pat.green@example.org,member,green group,eccleston,,\n"
    refused = upload(client, text).get_data(as_text=True)
    assert "Green Group" in refused and "1 to add" not in refused
    preview = upload(client, text, add_new_groups=True)
    html = preview.get_data(as_text=True)
    assert "Political Groups: Green Group; Wards: Eccleston." in html
    shown = shown_digest(html)
    assert confirm(client, text, add_new_groups=True, shown=shown).status_code == 303
    pat = user_by_email(staff, "pat.green@example.org")
    assert (pat.group, pat.ward) == ("Green Group", "Eccleston")
    with staff.app_context():
        names = {
            (e.kind, e.name): e.retired_at is None for e in db.session.scalars(select(ListEntry))
        }
    assert names[(ListKind.GROUP, "Green Group")] and names[(ListKind.WARD, "Eccleston")]
    assert (ListKind.GROUP, "green group") not in names


def test_a_500_row_file_imports_in_a_bounded_number_of_queries(staff, client):
    client.sign_in(ADMIN)
    rows = [
        f"Member {n},m{n}@example.org,member,Group {n % 5},Ward {n % 18},,"
        if n % 2
        else f"Officer {n},o{n}@example.org,officer,,,Title {n},Service {n % 7}"
        for n in range(500)
    ]
    text = HEADER + "\n".join(rows) + "\n"
    before = count(staff, User)
    with count_queries(staff) as preview_queries:
        preview = upload(client, text, add_new_groups=True)
    assert preview.status_code == 200 and "500 to add" in preview.get_data(as_text=True)
    assert preview_queries.count < 20, str(preview_queries)
    shown = shown_digest(preview.get_data(as_text=True))
    with count_queries(staff) as import_queries:
        assert confirm(client, text, add_new_groups=True, shown=shown).status_code == 303
    assert import_queries.count < 40, str(import_queries)
    assert count(staff, User) == before + 500
    assert count(staff, AccountToken) == 500 and len(sent_mail(staff)) == 500
    with staff.app_context():
        assert audit.verify().ok
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "person.invited"))
            == 500
        )


def test_an_invitation_goes_out_through_a_real_smtp_server(smtp_app):
    app, recorder = smtp_app
    with app.app_context():
        people.invite("sam@example.org", "Sam Patel", {Role.FACILITATOR}, by=None)
        db.session.commit()
    wait_for_deliveries()
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["sam@example.org"]
    assert b"/invitation/" in envelope.content


def test_users_invite_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "invite",
            "Sam@Example.org",
            "--name",
            "Sam Patel",
            "--role",
            "officer",
            "--job-title",
            "Director",
            "--service",
            "Legal",
        ]
    )
    assert result.exit_code == 0, result.output
    [message] = sent_mail(app)
    assert "http://accord.test/invitation/" in message.get_content()
    incomplete = runner.invoke(
        args=["users", "invite", "x@example.org", "--name", "X", "--role", "member"]
    )
    assert incomplete.exit_code != 0 and "ward" in incomplete.output
    sam = user_by_email(app, "sam@example.org")
    assert (sam.job_title, sam.service, sam.password_hash) == ("Director", "Legal", None)
    # ``users create`` takes the same person options (one definition serves both commands).
    created = runner.invoke(
        args=[
            *("users", "create", "ip@example.org", "--name", "Indy Person"),
            *("--role", "standards", "--independent-person", "--no-password"),
        ]
    )
    assert created.exit_code == 0, created.output
    assert user_by_email(app, "ip@example.org").is_independent_person


def test_common_passwords_are_refused_everywhere_a_password_is_set(app):
    runner = app.test_cli_runner()
    create = runner.invoke(
        args=[
            *("users", "create", "sam@example.org", "--name", "Sam", "--role", "officer"),
            *("--job-title", "Solicitor", "--service", "Legal and Governance"),
        ],
        input="Password1234\n",
    )
    assert create.exit_code != 0 and "most common passwords" in create.output
    make_user(app, "jo@example.org")
    reset = runner.invoke(args=["users", "set-password", "jo@example.org"], input="qwertyuiop123\n")
    assert reset.exit_code != 0 and "most common passwords" in reset.output


def test_the_people_search_matches_any_letter_in_any_case_and_only_what_was_typed(staff, client):
    """Outside tester: on SQLite "Ülker" found nobody (its lower() knows only ASCII), and "%"
    or "_" found everyone (they went into LIKE as wildcards)."""
    with factories.built(staff):
        factories.person(Role.OFFICER, email="ulker@example.org", display_name="Ülker Şahin")
        factories.person(Role.OFFICER, email="jo_b@example.org", display_name="Jo Bloggs")
        factories.person(Role.OFFICER, email="joxb@example.org", display_name="Jo Bowes")
    client.sign_in(ADMIN)

    def found(q: str) -> str:
        page = client.get("/people", query_string={"q": q}).get_data(as_text=True)
        return re.search(r'id="people-count">(\d+) (?:person|people)', page).group(1)

    for q in ("Ülker", "ülker", "ÜLKER", "Şahin", "şahin"):
        assert found(q) == "1", q
    for q in ("%", "\\", "%@%"):
        assert found(q) == "0", q
    for q in ("_", "jo_b"):  # the underscore is a character, not any character
        assert found(q) == "1", q


PERSON_ADDRESSES = [
    ("get", "/people/{id}"),
    ("get", "/people/{id}/edit"),
    ("post", "/people/{id}/edit"),
    ("post", "/people/{id}/invitation"),
    ("get", "/people/{id}/deactivate"),
    ("post", "/people/{id}/deactivate"),
    ("get", "/people/{id}/reactivate"),
    ("post", "/people/{id}/reactivate"),
    ("get", "/people/{id}/two-factor/reset"),
    ("post", "/people/{id}/two-factor/reset"),
    ("post", "/people/{id}/personal-data"),
    ("get", "/people/{id}/anonymise"),
    ("post", "/people/{id}/anonymise"),
]


@pytest.mark.parametrize(("method", "address"), PERSON_ADDRESSES)
def test_who_may_not_manage_people_cannot_tell_which_people_exist(staff, client, method, address):
    """Outside tester: /people/2 answered a Member 403 and /people/9999 404, so anyone could
    count the accounts. Every person's address now answers 403 to them, person or not."""
    with staff.app_context():
        existing = factories.user("officer@example.org").id
    client.sign_in("member@example.org")
    for person_id in (existing, 999_999):
        path = address.format(id=person_id)
        response = client.get(path) if method == "get" else client.post_form(path, {})
        assert response.status_code == 403, (path, response.status_code)


def test_an_email_address_is_one_account_however_its_domain_is_written_and_can_be_mailed(
    staff, client
):
    """Outside tester: "Ａdmin@example.org" (a full-width A) made a second, look-alike
    administrator account, "x@exämple.org" and "x@xn--exmple-cua.org" (one domain written two
    ways) two accounts, and their invitations carried address headers no mail server takes.
    An address's domain is kept in its ASCII form, and letters other than a to z before the @
    are refused by the field (SMTP without SMTPUTF8 cannot carry them)."""
    client.sign_in(ADMIN)
    for email in ("Ａdmin@example.org", "ülker@example.org"):
        refused = client.post_form("/people/invite", {**JO, "email": email})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422, email
        assert "Before the @" in html and 'href="#email"' in html
    assert client.post_form("/people/invite", {**JO, "email": "x@exämple.org"}).status_code == 303
    assert user_by_email(staff, "x@xn--exmple-cua.org") is not None
    taken = client.post_form("/people/invite", {**JO, "email": "X@XN--EXMPLE-CUA.ORG"})
    assert taken.status_code == 422 and "There is already an account" in taken.get_data(
        as_text=True
    )
    (message,) = [m for m in sent_mail(staff) if "xn--" in m["To"]]
    assert message["To"].isascii() and "x@xn--exmple-cua.org" in message["To"]
    # Signing in with the domain as typed finds the account.
    with staff.app_context():
        assert accounts.find_user_by_email(" x@EXÄMPLE.org ") is not None


def test_a_list_name_in_other_forms_of_the_same_letters_is_already_on_the_list(staff, client):
    client.sign_in(ADMIN)
    assert client.post_form("/people/lists/group", {"name": "Test Group A"}).status_code == 303
    same = client.post_form("/people/lists/group", {"name": "Ｔest Group A"})
    assert same.status_code == 422 and "already on the list" in same.get_data(as_text=True)
