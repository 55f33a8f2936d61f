"""Your account: details, changing the password, and seeing and ending signed-in sessions."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.account.devices import describe_device
from app.extensions import db
from app.models import AuditEvent, UserSession
from app.services import accounts
from tests import factories
from tests.helpers import PASSWORD, AccordClient, error_summary_targets

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
NEW_PASSWORD = "correct horse battery staple"


def _browser(app, email: str, user_agent: str, address: str = "127.0.0.1") -> AccordClient:
    """A client signed in as ``email`` that says it is ``user_agent`` from ``address``."""
    browser = app.test_client()
    browser.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = browser.sign_in(email)
    assert response.status_code == 303
    return browser


def _open_sessions(app, email: str) -> list[UserSession]:
    with app.app_context():
        return accounts.open_sessions(factories.user(email))


def _member(app) -> str:
    with factories.built(app):
        return factories.member().email


def test_the_header_links_to_your_account_which_shows_your_details(app):
    with factories.built(app):
        member = factories.member()
        email, name = member.email, member.display_name
    browser = _browser(app, email, FIREFOX)
    home = browser.get("/").get_data(as_text=True)
    assert 'href="/account"' in home and "Your account" in home
    page = browser.get("/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in (name, email, "Member", "Labour Group", "Parr"):
        assert text in html
    assert (
        'href="/account/two-factor"' in html
        and 'href="/account/your-data"' in html
        and "Two-factor sign-in" in html
    )
    assert 'href="/notifications/settings"' in html and "A daily digest" in html
    assert 'href="/account/password"' in html
    assert "Firefox 121 on Ubuntu" in html and "This session" in html


def test_your_account_needs_signing_in(client):
    assert client.get("/account").status_code == 302
    assert client.get("/account/password").status_code == 302


def test_sessions_record_device_address_and_last_activity(app):
    email = _member(app)
    _browser(app, email, FIREFOX, "192.0.2.10")
    phone = _browser(app, email, IPHONE, "198.51.100.7")
    firefox_row, phone_row = _open_sessions(app, email)[::-1]
    assert firefox_row.ip_address == "192.0.2.10" and firefox_row.user_agent == FIREFOX
    assert describe_device(phone_row.user_agent) == "Mobile Safari 17 on iOS 17 (iPhone)"
    html = phone.get("/account").get_data(as_text=True)
    assert "192.0.2.10" in html and "198.51.100.7" in html
    assert html.index("Mobile Safari 17") < html.index("Firefox 121"), "this session first"
    assert html.count("Sign out of this session") == 1, "not for this session"


def test_activity_is_recorded_at_most_once_a_minute(app):
    email = _member(app)
    browser = _browser(app, email, FIREFOX)
    with browser.session_transaction() as cookie:
        cookie["seen_at"] -= 120
    browser.get("/account")
    (row,) = _open_sessions(app, email)
    assert row.last_seen_at is not None and row.last_seen_at >= row.created_at


def test_ending_one_session_really_ends_it(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    phone = _browser(app, email, IPHONE)
    phone_session = next(s for s in _open_sessions(app, email) if s.user_agent == IPHONE)
    response = laptop.post_form(f"/account/sessions/{phone_session.id}/sign-out")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#sessions"
    assert "signed out of the session on Mobile Safari 17" in laptop.get("/account").get_data(
        as_text=True
    )
    assert phone.get("/").status_code == 302, "the phone's cookie signs no one in"
    assert laptop.get("/").status_code == 200, "the laptop stays signed in"
    (left,) = _open_sessions(app, email)
    assert left.user_agent == FIREFOX
    with app.app_context():
        ended = db.session.get(UserSession, phone_session.id)
        assert ended.ended_reason == "signed out from another session"
        assert db.session.scalars(
            select(AuditEvent).filter_by(action="session.ended_elsewhere")
        ).one()
    # Ending it again: it has gone.
    again = laptop.post_form(f"/account/sessions/{phone_session.id}/sign-out")
    assert again.status_code == 410
    assert "That session has already ended" in again.get_data(as_text=True)


def test_no_one_ends_someone_elses_session_or_their_own_current_one(app):
    with factories.built(app):
        jo, sam = factories.member().email, factories.officer().email
    jo_browser = _browser(app, jo, FIREFOX)
    _browser(app, sam, IPHONE)
    (sam_session,) = _open_sessions(app, sam)
    (jo_session,) = _open_sessions(app, jo)
    assert jo_browser.post_form(f"/account/sessions/{sam_session.id}/sign-out").status_code == 403
    assert jo_browser.post_form("/account/sessions/999999/sign-out").status_code == 404
    own = jo_browser.post_form(f"/account/sessions/{jo_session.id}/sign-out")
    assert own.status_code == 409
    assert "That is the session you are using" in own.get_data(as_text=True)
    assert len(_open_sessions(app, sam)) == 1 and len(_open_sessions(app, jo)) == 1
    assert jo_browser.get("/").status_code == 200


def test_signing_out_everywhere_else_keeps_the_current_session(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    others = [_browser(app, email, IPHONE) for _ in range(2)]
    confirm = laptop.get("/account/sessions/sign-out-others")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and html.count("Mobile Safari 17") == 2
    assert len(_open_sessions(app, email)) == 3, "asking changes nothing"
    response = laptop.post_form("/account/sessions/sign-out-others")
    assert response.status_code == 303
    assert "signed out of 2 other sessions" in laptop.get("/account").get_data(as_text=True)
    assert laptop.get("/").status_code == 200
    assert all(other.get("/").status_code == 302 for other in others)
    (left,) = _open_sessions(app, email)
    assert left.user_agent == FIREFOX


def test_changing_the_password_signs_out_other_sessions(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    phone = _browser(app, email, IPHONE)
    form = laptop.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in form and 'autocomplete="new-password"' in form
    response = laptop.post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert "Your password is changed" in laptop.get("/account").get_data(as_text=True)
    assert laptop.get("/").status_code == 200, "this browser stays signed in"
    assert phone.get("/").status_code == 302, "the other one is signed out"
    (left,) = _open_sessions(app, email)
    assert left.user_agent == FIREFOX
    with app.app_context():
        assert accounts.authenticate(email, NEW_PASSWORD) is not None
        assert accounts.authenticate(email, PASSWORD) is None
        assert db.session.scalars(
            select(AuditEvent).filter_by(action="person.password_changed")
        ).one()


def test_a_wrong_current_password_is_a_field_error_and_changes_nothing(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    phone = _browser(app, email, IPHONE)
    response = laptop.post_form(
        "/account/password",
        {"current_password": "not-my-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_summary_targets(html) == ["current_password"]
    field_error = re.search(r'id="current_password-error"[^>]*>(.*?)</p>', html, re.S)
    assert field_error and "Your current password is not right" in field_error.group(1)
    assert NEW_PASSWORD not in html and "not-my-password" not in html
    assert phone.get("/").status_code == 200 and laptop.get("/").status_code == 200
    with app.app_context():
        assert accounts.authenticate(email, PASSWORD) is not None


def test_a_weak_or_mismatched_new_password_is_refused_by_its_field(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    weak = laptop.post_form(
        "/account/password", {"current_password": PASSWORD, "password": "short", "confirm": "short"}
    )
    assert weak.status_code == 422
    assert "password" in error_summary_targets(weak.get_data(as_text=True))
    mismatch = laptop.post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
    )
    assert mismatch.status_code == 422
    assert "confirm" in error_summary_targets(mismatch.get_data(as_text=True))
    with app.app_context():
        assert accounts.authenticate(email, PASSWORD) is not None


def test_a_wrong_current_password_shows_with_the_other_errors(app):
    """All errors at once: a wrong current password was not mentioned until the new
    passwords matched."""
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    response = laptop.post_form(
        "/account/password",
        {
            "current_password": "not-my-password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD + "x",
        },
    )
    assert response.status_code == 422
    assert error_summary_targets(response.get_data(as_text=True)) == ["current_password", "confirm"]


def test_the_new_password_must_differ_from_the_current_one(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    same = laptop.post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert same.status_code == 422
    html = same.get_data(as_text=True)
    assert "different from your current one" in html
    assert error_summary_targets(html) == ["password"]


# A wrong current password counts as a failed sign-in --------------------------------------------


def _change(browser: AccordClient, current: str, **extra):
    return browser.post_form(
        "/account/password",
        {"current_password": current, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | extra,
    )


def test_wrong_current_passwords_are_throttled_with_failed_sign_ins(app):
    """Someone holding a stolen session cannot guess the password without limit: wrong current
    passwords count towards the account's sign-in limit, and past it even the right one is
    refused, by the field."""
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    # Another address each time: the limit is the account's, and an "email" field posted
    # with the form does not move the count to another account.
    for index in range(2):
        laptop.environ_base["REMOTE_ADDR"] = f"10.0.0.{index + 1}"
        assert _change(laptop, "not-my-password", email=f"x{index}@example.org").status_code == 422
    # A failed sign-in to the same account counts too.
    stranger = app.test_client()
    wrong = {"email": email, "password": "wrong-password"}
    assert stranger.post_form("/sign-in", wrong).status_code == 422
    refused = _change(laptop, PASSWORD)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert error_summary_targets(html) == ["current_password"]
    field_error = re.search(r'id="current_password-error"[^>]*>(.*?)</p>', html, re.S)
    assert field_error and "too many failed attempts" in field_error.group(1)
    assert PASSWORD not in html
    with app.app_context():
        assert accounts.authenticate(email, PASSWORD) is not None  # not changed
    assert stranger.post_form("/sign-in", wrong | {"password": PASSWORD}).status_code == 429


def test_only_a_wrong_current_password_counts_towards_the_limit(app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    for _ in range(3):  # the right current password with a new one that does not match
        assert _change(laptop, PASSWORD, confirm=NEW_PASSWORD + "x").status_code == 422
        assert _change(laptop, "").status_code == 422
    assert _change(laptop, PASSWORD).status_code == 303


def test_a_wrong_current_password_is_recorded_in_the_audit_trail(app):
    email = _member(app)
    laptop = _browser(app, email, FIREFOX)
    _change(laptop, "not-my-password")  # with everything else right
    _change(laptop, "not-my-password", confirm="other")  # and with another error
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).filter_by(action="session.current_password_failed")
        ).all()
        assert [event.actor_label for event in events] == [email, email]
        assert all(event.object_id == factories.user(email).id for event in events)
        assert "not-my-password" not in " ".join(event.summary for event in events)
