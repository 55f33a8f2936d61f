"""Two-factor sign-in: enrolment, codes (window, replay), recovery codes, the throttle, the
roles that must use it, an administrator's and the command line's reset, and the secrets'
encryption at rest and its key rotation."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from app.extensions import db
from app.mail import sent_mail
from app.models import AuditEvent, Role, TwoFactorCredential, UserSession
from app.services import two_factor
from tests import databases, factories
from tests.helpers import PASSWORD, AccordClient, at_once

NOW = 1_900_000_000.0  # a fixed clock, on a step boundary plus a little


@pytest.fixture
def clock(monkeypatch):
    """The service's clock, fixed at NOW; set ``clock.now`` to move it."""

    class Clock:
        now = NOW + 5

    monkeypatch.setattr(two_factor, "_clock", lambda: Clock.now)
    return Clock


def _enrolled(app, role=Role.MEMBER, **overrides) -> factories.SecondFactor:
    with factories.built(app):
        return factories.two_factor_on(factories.person(role, **overrides))


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at((two_factor.current_step() + offset) * 30)


def _password_step(client, email="member@example.org", next_path=""):
    response = client.post_form(f"/sign-in{next_path}", {"email": email, "password": PASSWORD})
    assert response.status_code == 303
    return response


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _credential(app, email="member@example.org") -> TwoFactorCredential | None:
    with app.app_context():
        found = db.session.get(TwoFactorCredential, factories.user(email).id)
        if found is not None:
            db.session.expunge(found)
        return found


# Enrolment ---------------------------------------------------------------------------------


def test_a_member_sets_up_two_factor_sign_in(app, client, clock):
    with factories.built(app):
        factories.member()
    client.sign_in("member@example.org")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page and "optional for you" in page

    response = client.post_form("/account/two-factor/enrol")
    assert response.status_code == 303 and response.headers["Location"] == (
        "/account/two-factor/confirm"
    )
    page = client.get("/account/two-factor/confirm").get_data(as_text=True)
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert 'src="/account/two-factor/qr-code.svg"' in page and 'alt="QR code' in page

    qr = client.get("/account/two-factor/qr-code.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store"
    svg = qr.get_data(as_text=True)
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg

    wrong = client.post_form("/account/two-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 422 and "There is a problem" in wrong.get_data(as_text=True)
    assert not _credential(app).is_enabled

    done = client.post_form("/account/two-factor/confirm", {"code": _code(secret)})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Two-factor sign-in is on" in html
    codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", html)
    assert len(set(codes)) == 10
    assert _credential(app).is_enabled
    assert "person.two_factor_enabled" in _actions(app)
    # The secret is no longer shown once it is in use.
    assert client.get("/account/two-factor/qr-code.svg").status_code == 404
    assert "Recovery codes left" in client.get("/account/two-factor").get_data(as_text=True)


def test_reloading_the_set_up_page_keeps_the_same_secret(app, client, clock):
    with factories.built(app):
        factories.member()
    client.sign_in("member@example.org")
    client.post_form("/account/two-factor/enrol")
    first = client.get("/account/two-factor/confirm").get_data(as_text=True)
    client.post_form("/account/two-factor/enrol")
    second = client.get("/account/two-factor/confirm").get_data(as_text=True)
    secret = re.compile(r'id="two-factor-secret">([^<]+)<')
    assert secret.search(first).group(1) == secret.search(second).group(1)


# Signing in with a code --------------------------------------------------------------------


def test_sign_in_asks_for_a_code_after_the_password(app, client, clock):
    factor = _enrolled(app)
    response = _password_step(client, next_path="?next=/recommendations/")
    assert response.headers["Location"] == "/sign-in/two-factor"
    assert client.get("/").status_code == 302, "not signed in by the password alone"
    page = client.get("/sign-in/two-factor").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and "Use a recovery code instead" in page

    signed_in = client.post_form("/sign-in/two-factor", {"code": factor.code()})
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == "/recommendations/"
    assert client.get("/").status_code == 200
    assert "session.signed_in" in _actions(app)


def test_a_wrong_code_is_refused_and_recorded(app, client, clock):
    _enrolled(app)
    _password_step(client)
    response = client.post_form("/sign-in/two-factor", {"code": "123456"})
    assert response.status_code == 422
    assert "Enter the 6-digit code" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert "session.two_factor_failed" in _actions(app)


@pytest.mark.parametrize("typed", ["٨٢٤٣٢٥", "１２３４5٥", "12345６७", "\u00b2\u00b3\u00b9456"])
def test_digits_of_other_scripts_are_refused_by_the_field_not_a_500(app, client, clock, typed):
    """Python's ``\\d`` matches any script's digits, which hmac.compare_digest then refuses
    with a TypeError: a code is the ASCII digits (full-width ones are made ASCII)."""
    _enrolled(app)
    _password_step(client)
    response = client.post_form("/sign-in/two-factor", {"code": typed})
    assert response.status_code == 422
    assert "Enter the 6-digit code" in response.get_data(as_text=True)


def test_a_code_typed_in_full_width_digits_is_accepted(app, client, clock):
    factor = _enrolled(app)
    _password_step(client)
    wide = "".join(chr(ord(digit) + 0xFEE0) for digit in factor.code())
    assert client.post_form("/sign-in/two-factor", {"code": wide}).status_code == 303


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_codes_are_accepted_one_step_either_side(app, client, clock, offset, accepted):
    clock.now = NOW - 600  # enrolled ten minutes ago: its code's step is long past
    factor = _enrolled(app)
    clock.now = NOW + 5
    _password_step(client)
    response = client.post_form("/sign-in/two-factor", {"code": factor.code(offset)})
    assert response.status_code == (303 if accepted else 422)


def test_a_code_is_refused_a_second_time(app, client, clock):
    factor = _enrolled(app)
    code = factor.code()
    _password_step(client)
    assert client.post_form("/sign-in/two-factor", {"code": code}).status_code == 303
    client.post_form("/sign-out")
    _password_step(client)
    assert client.post_form("/sign-in/two-factor", {"code": code}).status_code == 422
    # An earlier step's code (still inside the window) is a replay too.
    assert client.post_form("/sign-in/two-factor", {"code": factor.code(-1)}).status_code == 422
    clock.now += 30
    assert client.post_form("/sign-in/two-factor", {"code": factor.code()}).status_code == 303


def test_the_code_step_expires_five_minutes_after_the_password(app, client, clock):
    factor = _enrolled(app)
    _password_step(client)
    with client.session_transaction() as session:
        session["two_factor_pending"] = session["two_factor_pending"] | {
            "at": int(time.time()) - 301
        }
    response = client.post_form("/sign-in/two-factor", {"code": factor.code()})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302


def test_the_second_step_needs_the_password_first(app, client):
    response = client.get("/sign-in/two-factor")
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"


# Recovery codes ----------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(app, client, clock):
    factor = _enrolled(app)
    first, second = factor.recovery_codes[:2]
    _password_step(client)
    response = client.post_form("/sign-in/recovery-code", {"code": first.upper()})
    assert response.status_code == 303
    assert "9 recovery codes left" in client.get("/").get_data(as_text=True)
    assert "session.recovery_code_used" in _actions(app)
    client.post_form("/sign-out")

    _password_step(client)
    again = client.post_form("/sign-in/recovery-code", {"code": first})
    assert again.status_code == 422
    assert "has not been used" in again.get_data(as_text=True)
    assert (
        client.post_form("/sign-in/recovery-code", {"code": second.replace("-", " ")}).status_code
        == 303
    )


def test_recovery_codes_are_stored_hashed(app, clock):
    factor = _enrolled(app)
    with app.app_context():
        stored = " ".join(
            db.session.execute(text("SELECT code_hash FROM two_factor_recovery_codes")).scalars()
        )
    assert stored and not any(code.replace("-", "") in stored for code in factor.recovery_codes)


def test_new_recovery_codes_replace_the_old_ones(app, client, clock):
    factor = _enrolled(app)
    _password_step(client)
    client.post_form("/sign-in/two-factor", {"code": factor.code()})
    refused = client.post_form("/account/two-factor/recovery-codes", {"code": "999999"})
    assert refused.status_code == 422
    clock.now += 30
    made = client.post_form("/account/two-factor/recovery-codes", {"code": factor.code()})
    assert made.status_code == 200
    new_codes = re.findall(r"<code>([a-z2-9-]{19})</code>", made.get_data(as_text=True))
    assert len(new_codes) == 10
    client.post_form("/sign-out")
    _password_step(client)
    old = factor.recovery_codes[0]
    assert client.post_form("/sign-in/recovery-code", {"code": old}).status_code == 422
    assert client.post_form("/sign-in/recovery-code", {"code": new_codes[0]}).status_code == 303


def _one_time_key(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'<input[^>]*name="submission_key"[^>]*value="([^"]+)"', page)
    assert found, f"no one-time key on {path}"
    return found.group(1)


def test_new_recovery_codes_sent_twice_say_the_first_codes_cannot_be_shown_again(
    app, client, clock
):
    """A double click on "Continue": the first answer (the codes) is lost in the browser, which
    shows the second. That answer must not be a wrong-code error over live, unseen codes: it
    says codes were made and cannot be shown again, and offers to make new ones."""
    factor = _enrolled(app)
    _password_step(client)
    client.post_form("/sign-in/two-factor", {"code": factor.code()})
    clock.now += 30
    form = {"code": factor.code(), "submission_key": _one_time_key(client, "/account/two-factor")}
    first = client.post_form("/account/two-factor/recovery-codes", form)
    assert first.status_code == 200
    again = client.post_form("/account/two-factor/recovery-codes", form)
    assert again.status_code == 303 and again.headers["Location"] == "/account/two-factor"
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "cannot be shown again" in page and "make new ones" in page
    assert _actions(app).count("person.two_factor_recovery_codes") == 1
    # A wrong code is refused with the same key kept, and the corrected form still works.
    clock.now += 30
    form = {"code": "999999", "submission_key": _one_time_key(client, "/account/two-factor")}
    wrong = client.post_form("/account/two-factor/recovery-codes", form)
    assert wrong.status_code == 422 and form["submission_key"] in wrong.get_data(as_text=True)
    made = client.post_form("/account/two-factor/recovery-codes", {**form, "code": factor.code()})
    assert made.status_code == 200 and len(re.findall(r"<code>", made.get_data(as_text=True))) == 10


def test_new_codes_sent_again_after_switching_off_say_none_are_in_use(app, client, clock):
    factor = _enrolled(app)
    _password_step(client)
    client.post_form("/sign-in/two-factor", {"code": factor.code()})
    clock.now += 30
    form = {"code": factor.code(), "submission_key": _one_time_key(client, "/account/two-factor")}
    assert client.post_form("/account/two-factor/recovery-codes", form).status_code == 200
    clock.now += 30
    off = client.post_form("/account/two-factor/switch-off", {"code": factor.code()})
    assert off.status_code == 303
    again = client.post_form("/account/two-factor/recovery-codes", form)
    assert again.status_code == 303
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "no recovery codes are in use now" in page and "make new ones below" not in page


def test_a_one_time_key_from_another_persons_form_is_refused_in_plain_words(app, clock):
    """Someone else's key (or another form's) is no second sending of this form: it is
    refused (409) saying to reload the page, not "this form was already sent, and the
    recovery codes it sent then is kept... copy them from below" (outside tester)."""
    member, officer = _enrolled(app), _enrolled(app, Role.OFFICER)
    tabs = {"member@example.org": (member, None), "officer@example.org": (officer, None)}
    clients = {}
    for email, (factor, _) in tabs.items():
        clock.now += 30
        clients[email] = app.test_client()
        _password_step(clients[email], email)
        clients[email].post_form("/sign-in/two-factor", {"code": factor.code()})
    clock.now += 30
    key = _one_time_key(clients["member@example.org"], "/account/two-factor")
    made = clients["member@example.org"].post_form(
        "/account/two-factor/recovery-codes", {"code": member.code(), "submission_key": key}
    )
    assert made.status_code == 200
    borrowed = clients["officer@example.org"].post_form(
        "/account/two-factor/recovery-codes", {"code": officer.code(), "submission_key": key}
    )
    html = borrowed.get_data(as_text=True)
    assert borrowed.status_code == 409
    assert "Reload the page" in html and "copy them from below" not in html
    assert _actions(app).count("person.two_factor_recovery_codes") == 1


def test_new_recovery_codes_sent_twice_at_once_are_made_once(postgres_url, clock):
    """Two connections send the same form at the same moment (PostgreSQL): the second waits
    for the first's key, then says the codes cannot be shown again; one set is made."""
    with databases.app_for(postgres_url, cleanup=databases.empty_all_tables) as app:
        app.test_client_class = AccordClient
        factor = _enrolled(app)
        tabs = [app.test_client(), app.test_client()]
        for tab in tabs:
            clock.now += 30
            _password_step(tab)
            assert tab.post_form("/sign-in/two-factor", {"code": factor.code()}).status_code == 303
        clock.now += 30
        form = {
            "code": factor.code(),
            "submission_key": _one_time_key(tabs[0], "/account/two-factor"),
        }
        forms = [{"csrf_token": tab.csrf_token(), **form} for tab in tabs]
        answers = at_once(
            *(
                lambda tab=tab, data=data: tab.post("/account/two-factor/recovery-codes", data=data)
                for tab, data in zip(tabs, forms, strict=True)
            )
        )
        assert sorted(getattr(a, "status_code", a) for a in answers) == [200, 303]
        assert _actions(app).count("person.two_factor_recovery_codes") == 1


def test_switching_on_sent_twice_says_the_codes_were_shown_once(app, client, clock):
    with factories.built(app):
        factories.member()
    client.sign_in("member@example.org")
    client.post_form("/account/two-factor/enrol")
    page = client.get("/account/two-factor/confirm").get_data(as_text=True)
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    form = {
        "code": _code(secret),
        "submission_key": _one_time_key(client, "/account/two-factor/confirm"),
    }
    first = client.post_form("/account/two-factor/confirm", form)
    assert first.status_code == 200 and "Two-factor sign-in is on" in first.get_data(as_text=True)
    again = client.post_form("/account/two-factor/confirm", form)
    assert again.status_code == 303 and again.headers["Location"] == "/account/two-factor"
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "cannot be shown again" in page and "Recovery codes left" in page
    assert _actions(app).count("person.two_factor_enabled") == 1


def test_a_member_switches_it_off_with_a_code(app, client, clock):
    factor = _enrolled(app)
    _password_step(client)
    client.post_form("/sign-in/two-factor", {"code": factor.code()})
    assert client.post_form("/account/two-factor/switch-off", {"code": "1"}).status_code == 422
    response = client.post_form(
        "/account/two-factor/switch-off", {"code": factor.recovery_codes[0]}
    )
    assert response.status_code == 303
    assert _credential(app) is None
    client.post_form("/sign-out")
    assert client.sign_in("member@example.org").headers["Location"] == "/"
    assert client.get("/").status_code == 200


# The throttle ----------------------------------------------------------------------------------


def test_wrong_codes_are_throttled_with_the_sign_in_throttle(app, client, clock):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    factor = _enrolled(app)
    wrong = {"email": "member@example.org", "password": "wrong-password"}
    assert client.post_form("/sign-in", wrong).status_code == 422  # a wrong password counts
    _password_step(client)
    for _ in range(2):
        assert client.post_form("/sign-in/two-factor", {"code": "000000"}).status_code == 422
    refused = client.post_form("/sign-in/two-factor", {"code": factor.code()})
    assert refused.status_code == 429
    # In words, with the wait: not the limiter's own "3 per 15 minute" (outside tester).
    html = refused.get_data(as_text=True)
    assert "per 15 minute" not in html
    assert "too many failed attempts" in html and "Wait 15 minutes" in html
    recovery = client.post_form("/sign-in/recovery-code", {"code": "x"})
    assert recovery.status_code == 429 and "per 15 minute" not in recovery.get_data(as_text=True)
    assert client.post_form("/sign-in", wrong | {"password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("path", ["/sign-in/two-factor", "/sign-in/recovery-code"])
def test_an_email_sent_with_a_code_does_not_move_its_count_to_another_account(
    app, client, clock, path
):
    """The second step's count was keyed by an ``email`` field when the form carried one:
    someone with the password sent each wrong code with a made-up address, and the account
    was never paused (outside tester). The count is the account that passed the password."""
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    factor = _enrolled(app)
    _password_step(client)
    for n in range(3):
        wrong = {"code": "000000", "email": f"x{n}@nowhere.example"}
        assert client.post_form(path, wrong).status_code == 422
    right = {"code": factor.code(), "email": "someone.else@example.org"}
    assert client.post_form("/sign-in/two-factor", right).status_code == 429
    # Another browser signing in to another account is not paused by those guesses.
    with factories.built(app):
        factories.officer()
    other = app.test_client()
    assert other.sign_in("officer@example.org").status_code == 303


def test_a_code_refused_before_it_is_checked_uses_no_attempt(app, client, clock):
    """A blank code, or one longer than any code, checks no secret: it is refused next to
    its field (422) but is no guess, so it does not bring the pause nearer. Before, three blank
    submissions paused sign-in for 15 minutes. The same for the password step and the
    account pages that ask for a code."""
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    factor = _enrolled(app)
    for blank in ({"email": "member@example.org", "password": ""}, {"email": "", "password": ""}):
        assert client.post_form("/sign-in", blank).status_code == 422
    _password_step(client)
    for code in ("", "   ", "1" * 200):
        assert client.post_form("/sign-in/two-factor", {"code": code}).status_code == 422
        assert client.post_form("/sign-in/recovery-code", {"code": code}).status_code == 422
    assert client.post_form("/sign-in/two-factor", {"code": factor.code()}).status_code == 303
    for path in ("/account/two-factor/switch-off", "/account/two-factor/recovery-codes"):
        for code in ("", "   "):
            assert client.post_form(path, {"code": code}).status_code == 422, path
    # Guesses still count: the third wrong one is the last.
    for _ in range(3):
        assert (
            client.post_form("/account/two-factor/switch-off", {"code": "000000"}).status_code
            == 422
        )
    assert (
        client.post_form("/account/two-factor/switch-off", {"code": factor.code()}).status_code
        == 429
    )


# Roles that must use it --------------------------------------------------------------------------


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ["admin", "facilitator", "standards"]
    return app


def test_a_facilitator_must_set_it_up_before_anything_else(required, client, clock):
    app = required
    with factories.built(app):
        factories.facilitator()
        factories.member()
    response = client.sign_in("facilitator@example.org")
    assert response.status_code == 303
    for path in ("/", "/recommendations/", "/notifications", "/people"):
        blocked = client.get(path)
        assert blocked.status_code == 303, path
        assert blocked.headers["Location"] == "/account/two-factor"
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 403 and htmx.headers["HX-Redirect"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your roles require two-factor sign-in" in page

    client.post_form("/account/two-factor/enrol")
    page = client.get("/account/two-factor/confirm").get_data(as_text=True)
    secret = re.search(r'id="two-factor-secret">([^<]+)<', page).group(1).replace(" ", "")
    assert (
        client.post_form("/account/two-factor/confirm", {"code": _code(secret)}).status_code == 200
    )
    assert client.get("/").status_code == 200
    # It cannot be switched off, and the page says so.
    assert client.get("/account/two-factor/switch-off").status_code == 403
    assert "cannot be switched off" in client.get("/account/two-factor").get_data(as_text=True)

    # A Member, for whom it is optional, is not stopped.
    client.post_form("/sign-out")
    client.sign_in("member@example.org")
    assert client.get("/").status_code == 200


def test_signing_out_is_allowed_before_setting_it_up(required, client):
    with factories.built(required):
        factories.admin()
    client.sign_in("admin@example.org")
    response = client.post_form("/sign-out")
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"


# Resetting someone's second factor -------------------------------------------------------------


def test_an_administrator_resets_a_persons_second_factor(app, client, clock):
    factor = _enrolled(app)
    with factories.built(app):
        factories.admin()
    member_browser = app.test_client()
    _password_step(member_browser)
    member_browser.post_form("/sign-in/two-factor", {"code": factor.code()})
    assert member_browser.get("/").status_code == 200

    client.sign_in("admin@example.org")
    with app.app_context():
        member_id = factories.user("member@example.org").id
    show = client.get(f"/people/{member_id}").get_data(as_text=True)
    assert "Reset two-factor sign-in" in show and "On since" in show
    confirm = client.get(f"/people/{member_id}/two-factor/reset")
    assert confirm.status_code == 200 and "lost the phone" in confirm.get_data(as_text=True)
    response = client.post_form(f"/people/{member_id}/two-factor/reset")
    assert response.status_code == 303

    assert _credential(app) is None
    assert member_browser.get("/").status_code == 302, "signed out everywhere"
    assert "person.two_factor_reset" in _actions(app)
    (mail,) = [m for m in sent_mail(app) if m["To"] == "member@example.org"]
    assert "two-factor sign-in was reset" in mail["Subject"]
    assert "signed out everywhere" in mail.get_content()
    # Now the password alone signs them in again (it is optional for a Member).
    assert member_browser.sign_in("member@example.org").headers["Location"] == "/"


def test_only_administrators_reset_a_second_factor(app, client, clock):
    _enrolled(app)
    with factories.built(app):
        factories.facilitator()
        member_id = factories.user("member@example.org").id
    client.sign_in("facilitator@example.org")
    assert client.get(f"/people/{member_id}/two-factor/reset").status_code == 403
    assert client.post_form(f"/people/{member_id}/two-factor/reset").status_code == 403
    assert _credential(app) is not None


def test_the_command_line_resets_a_second_factor(app, clock):
    _enrolled(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-two-factor", "Member@Example.org"])
    assert result.exit_code == 0, result.output
    assert "reset for member@example.org" in result.output
    assert _credential(app) is None
    assert "person.two_factor_reset" in _actions(app)
    assert [m["To"] for m in sent_mail(app)] == ["member@example.org"]
    again = runner.invoke(args=["users", "reset-two-factor", "member@example.org"])
    assert again.exit_code != 0 and "no two-factor sign-in to reset" in again.output


# Encryption at rest ---------------------------------------------------------------------------


def _stored_secret(app) -> str:
    with app.app_context():
        return db.session.execute(
            text("SELECT secret_encrypted FROM two_factor_credentials")
        ).scalar_one()


def test_the_secret_is_encrypted_at_rest(app, clock):
    key = Fernet.generate_key().decode()
    app.config["TWO_FACTOR_KEY"] = key
    factor = _enrolled(app)
    stored = _stored_secret(app)
    assert factor.secret not in stored and factor.secret.lower() not in stored.lower()
    assert Fernet(key).decrypt(stored.encode()).decode() == factor.secret


def test_rotating_the_key_re_encrypts_every_secret(app, client, clock):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["TWO_FACTOR_KEY"] = old
    factor = _enrolled(app)
    before = _stored_secret(app)

    app.config.update(TWO_FACTOR_KEY=new, TWO_FACTOR_KEYS_RETIRED=[old])
    _password_step(client)  # the retired key still opens the secret
    assert client.post_form("/sign-in/two-factor", {"code": factor.code()}).status_code == 303
    client.post_form("/sign-out")

    result = app.test_cli_runner().invoke(args=["two-factor", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 two-factor secret." in result.output
    after = _stored_secret(app)
    assert after != before and Fernet(new).decrypt(after.encode()).decode() == factor.secret
    assert "two_factor.key_rotated" in _actions(app)

    app.config["TWO_FACTOR_KEYS_RETIRED"] = []  # the old key can now go
    clock.now += 30
    _password_step(client)
    assert client.post_form("/sign-in/two-factor", {"code": factor.code()}).status_code == 303


def test_rotation_refuses_a_secret_no_key_opens(app, clock):
    app.config["TWO_FACTOR_KEY"] = Fernet.generate_key().decode()
    _enrolled(app)
    before = _stored_secret(app)
    app.config["TWO_FACTOR_KEY"] = Fernet.generate_key().decode()
    result = app.test_cli_runner().invoke(args=["two-factor", "rotate-key"])
    assert result.exit_code != 0 and "TWO_FACTOR_KEYS_RETIRED" in result.output
    assert _stored_secret(app) == before


def test_sessions_of_a_reset_person_are_recorded_as_ended(app, clock):
    _enrolled(app)
    with app.app_context():
        user = factories.user("member@example.org")
        from app.services import accounts

        accounts.start_session(user)
        two_factor.reset(user, by=None)
        db.session.commit()
        reasons = list(db.session.scalars(select(UserSession.ended_reason)))
    assert reasons == ["two-factor reset"]


def test_wrong_codes_on_account_pages_count_for_the_signed_in_account(app, client, clock):
    """A code guessed on the account pages counts against the signed-in person's limit, whatever
    "email" the form carries (it once moved the count to that address)."""
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    factor = _enrolled(app)
    _password_step(client)
    client.post_form("/sign-in/two-factor", {"code": factor.code()})
    for index in range(3):
        guess = {"code": "999999", "email": f"x{index}@example.org"}
        assert client.post_form("/account/two-factor/switch-off", guess).status_code == 422
    refused = client.post_form("/account/two-factor/recovery-codes", {"code": factor.code()})
    assert refused.status_code == 429
    assert "session.two_factor_failed" in _actions(app)
