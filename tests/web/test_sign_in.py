"""Signing in and out: the happy path, every refusal, throttling and sessions that really end."""

from __future__ import annotations

import re
import time

import pytest

from app.auth.routes import SIGN_IN_FAILED
from app.extensions import db
from app.models import Role, User, UserSession
from app.services import accounts, people
from tests.helpers import PASSWORD, make_user


def _sessions(app) -> list[UserSession]:
    with app.app_context():
        return db.session.query(UserSession).order_by(UserSession.id).all()


def test_sign_in_page_has_the_labelled_form(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert '<label class="govuk-label" for="email">' in html and "Email address" in html
    assert '<label class="govuk-label" for="password">' in html and "Password" in html
    assert re.search(
        r'<button type="submit"[^>]*class="govuk-button"[^>]*>\s*Sign in\s*</button>', html
    )
    assert 'name="csrf_token"' in html


def test_a_member_signs_in_and_is_sent_where_they_were_going(app, client):
    make_user(app, "jo@example.org")
    assert client.get("/recommendations/").status_code == 302
    response = client.post_form(
        "/sign-in?next=/recommendations/", {"email": "Jo@Example.org ", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/recommendations/"
    assert client.get("/recommendations/").status_code == 200
    assert len(_sessions(app)) == 1


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(app, client, target):
    make_user(app, "jo@example.org")
    response = client.post_form(
        f"/sign-in?next={target}", {"email": "jo@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("jo@example.org", "the-wrong-password"),
        ("nobody@example.org", PASSWORD),
        ("gone@example.org", PASSWORD),  # deactivated
    ],
    ids=["wrong password", "unknown email", "deactivated"],
)
def test_a_failed_sign_in_says_the_same_thing_and_changes_nothing(app, client, email, password):
    make_user(app, "jo@example.org")
    make_user(app, "gone@example.org", active=False)
    response = client.post_form("/sign-in", {"email": email, "password": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and SIGN_IN_FAILED in html
    assert f'value="{email}"' in html, "keeps what the person typed"
    assert password not in html, "never echoes the password"
    assert _sessions(app) == []
    assert client.get("/").status_code == 302


def test_empty_fields_are_named_in_the_error_summary(app, client):
    response = client.post_form("/sign-in", {"email": "  ", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#email">Enter your email address</a>' in html
    assert '<a href="#password">Enter your password</a>' in html
    assert "Error: Sign in" in html


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_sign_in_without_a_valid_csrf_token_is_refused(app, client, token):
    make_user(app, "jo@example.org")
    client.get("/sign-in")
    data = {"email": "jo@example.org", "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/sign-in", data=data)
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert _sessions(app) == []


def test_sign_out_needs_a_post_with_a_csrf_token(app, client):
    make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200, "still signed in"


def test_a_copied_cookie_stops_working_after_sign_out(app, client):
    make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    stolen = client.get_cookie("accord_session").value
    response = client.post_form("/sign-out")
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    (session,) = _sessions(app)
    assert session.ended_at is not None and session.ended_reason == "signed out"

    thief = app.test_client()
    thief.set_cookie("accord_session", stolen)
    assert thief.get("/").status_code == 302


def test_the_session_cookie_is_renewed_and_locked_down_at_sign_in(app, client):
    make_user(app, "jo@example.org")
    client.get("/sign-in")
    before = client.get_cookie("accord_session").value
    response = client.sign_in("jo@example.org")
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert client.get_cookie("accord_session").value != before


@pytest.mark.parametrize("change", ["deactivate", "password"])
def test_deactivation_and_a_new_password_end_every_session(app, client, change):
    user_id = make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.get(User, user_id)
        if change == "deactivate":
            people.deactivate(user)
        else:
            accounts.set_password(user, "another-long-password")
        db.session.commit()
    assert client.get("/").status_code == 302


def test_an_idle_session_times_out(app, client):
    make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    response = client.get("/")
    assert response.status_code == 302
    assert "had not used Accord for a while" in client.get("/sign-in").get_data(as_text=True)
    (session,) = _sessions(app)
    assert session.ended_reason == "timed out (idle)"


def test_a_session_ends_after_the_absolute_timeout_even_when_busy(app, client):
    make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 60 * 60 + 1
        session["seen_at"] = int(time.time())
    assert client.get("/").status_code == 302


def test_failed_sign_ins_are_throttled_per_account(app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user(app, "jo@example.org")
    client = app.test_client()
    for _ in range(3):
        assert (
            client.post_form(
                "/sign-in", {"email": "jo@example.org", "password": "wrong-password"}
            ).status_code
            == 422
        )
    refused = client.post_form("/sign-in", {"email": "jo@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    assert "too many failed attempts" in refused.get_data(as_text=True)
    # Another account from the same address is not locked out by Jo's failures.
    make_user(app, "sam@example.org", roles=(Role.OFFICER,))
    assert client.sign_in("sam@example.org").status_code == 303


def test_successful_sign_ins_do_not_use_up_the_allowance(app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    make_user(app, "jo@example.org")
    for _ in range(4):
        client = app.test_client()
        assert client.sign_in("jo@example.org").status_code == 303


def test_failed_sign_ins_are_throttled_per_address(app):
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    make_user(app, "jo@example.org")
    client = app.test_client()
    for index in range(4):
        wrong = {"email": f"guess{index}@example.org", "password": "wrong-password"}
        assert client.post_form("/sign-in", wrong).status_code == 422
    assert client.sign_in("jo@example.org").status_code == 429
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    other = app.test_client()
    token = other.csrf_token()
    response = other.post(
        "/sign-in",
        data={"email": "jo@example.org", "password": PASSWORD, "csrf_token": token},
        environ_base=elsewhere,
    )
    assert response.status_code == 303


def test_every_rate_limit_counts_only_the_methods_the_limiter_is_asked_about(app):
    """Requests with other methods (pages, polls, downloads) skip the limiter
    (``app.extensions.LIMITED_METHODS``): a limit declared on another method would never be
    checked, so none may be."""
    from app.extensions import LIMITED_METHODS, limiter

    manager = limiter.limit_manager
    declared = [limit for limits in manager._decorated_limits.values() for limit in limits]
    declared += [limit for limits in manager._blueprint_limits.values() for limit in limits]
    assert declared, "the sign-in throttles and the password reset are declared"
    assert not manager._default_limits and not manager._application_limits
    limited = {method.lower() for method in LIMITED_METHODS}
    for limit in declared:
        assert limit.methods and set(limit.methods) <= limited, limit


def test_the_sign_in_message_is_said_once_however_many_pages_sent_you(app, client):
    """Someone signed out who opens several pages (tabs restored, links from an email) is
    sent to sign in from each; the sign-in page says "Sign in to use Accord." once, not once
    per page."""
    for path in ("/", "/tasks", "/notifications", "/recommendations/"):
        assert client.get(path).status_code == 302
    page = client.get("/sign-in").get_data(as_text=True)
    assert page.count("Sign in to use Accord.") == 1


def test_a_refused_sign_in_never_shows_the_password_it_carried(app, client):
    """An expired sign-in form (no CSRF token) is refused; the error page keeps what people
    wrote to copy, but never a password or a code, however long or spaced."""
    make_user(app, "passphrase@example.org")
    phrase = "correct horse battery staple and more words"
    refused = client.post(
        "/sign-in", data={"email": "passphrase@example.org", "password": phrase, "code": phrase}
    )
    assert refused.status_code == 400
    assert phrase not in refused.get_data(as_text=True)


def test_a_json_body_is_refused_so_guesses_cannot_escape_the_account_throttle(app):
    """Outside tester: Flask-WTF read a JSON body as the form, while the per-account throttle
    read the (empty) form: five wrong passwords sent as JSON left the account's allowance
    untouched. Accord's forms are web forms; a JSON body is refused (415), counting nothing."""
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user(app, "jo@example.org")
    client = app.test_client()
    token = client.csrf_token()
    for _ in range(5):
        sent = client.post(
            "/sign-in",
            json={"email": "jo@example.org", "password": "wrong-password", "csrf_token": token},
            headers={"X-CSRFToken": token},
        )
        assert sent.status_code == 415
        assert "Send the form from its page" in sent.get_data(as_text=True)
    assert client.sign_in("jo@example.org").status_code == 303
