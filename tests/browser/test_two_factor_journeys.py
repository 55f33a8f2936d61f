"""A Member sets up two-factor sign-in, signs out, and signs in with a code from their app and
then with a recovery code; then makes new recovery codes with the form sent twice."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
from playwright.sync_api import expect

from app.extensions import db
from app.models import Role
from app.services import people, two_factor
from tests.browser.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    horizontal_overflow,
    sign_in,
)


def _new_member(live_server) -> str:
    """A Member of their own, so that switching two-factor on changes no other journey."""
    email = f"two-factor-{uuid.uuid4().hex[:8]}@example.org"
    with live_server.app.app_context():
        people.create_user(
            email,
            "Robin Two-Factor",
            {Role.MEMBER},
            password=DEMO_PASSWORD,
            group="Labour Group",
            ward="Parr",
        )
        db.session.commit()
    return email


def _password(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _both_widths(page) -> None:
    """axe finds nothing at 1280px, and nothing again at 320px, where nothing scrolls sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 900})
    assert horizontal_overflow(page) <= 0, f"{page.url} scrolls sideways at 320px"
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_member_sets_up_two_factor_and_signs_in_with_a_code_and_a_recovery_code(
    page, live_server, monkeypatch
):
    email = _new_member(live_server)
    sign_in(page, email)

    page.goto("/account/two-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    _both_widths(page)
    page.get_by_role("button", name="Set up two-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    loaded = "image => image.complete && image.naturalWidth > 0"
    for _ in range(100):  # visible comes first; the image may still be on its way
        if qr.evaluate(loaded):
            break
        page.wait_for_timeout(100)
    assert qr.evaluate(loaded), "the QR code shows"
    _both_widths(page)

    # A wrong code first: the error summary takes focus and links to the field.
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Switch on two-factor sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page)

    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    enrolled_step = int(time.time() // 30)
    page.get_by_label("Code from your authenticator app").fill(totp.at(enrolled_step * 30))
    page.get_by_role("button", name="Switch on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is on")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    _both_widths(page)

    page.get_by_role("link", name="I have kept my codes: continue").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/sign-in$"))

    # Signing in: the password, then the app's next code.
    _password(page, email)
    expect(page).to_have_url(re.compile("/sign-in/two-factor$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    _both_widths(page)
    page.get_by_label("Code from your authenticator app").fill(totp.at((enrolled_step + 1) * 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    page.get_by_role("button", name="Sign out").click()

    # Signing in with a recovery code instead.
    _password(page, email)
    page.get_by_role("link", name="Use a recovery code instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a recovery code")
    _both_widths(page)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_text("You have 9 recovery codes left.")).to_be_visible()
    assert_accessible(page)

    # The same recovery code does not work twice.
    page.get_by_role("button", name="Sign out").click()
    _password(page, email)
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter one of your recovery codes that has not been used"
    )
    assert_accessible(page)

    # New recovery codes, the form sent twice (a double click): the browser shows the second
    # answer, which says the codes made by the first cannot be shown again.
    page.get_by_label("Recovery code").fill(codes[1])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    page.goto("/account/two-factor")

    def sent_twice(route):
        route.fetch(max_redirects=0)  # the first answer, lost as the second click goes
        route.fulfill(response=route.fetch(max_redirects=0))

    page.route("**/account/two-factor/recovery-codes", sent_twice)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[2])
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("cannot be shown again")
    assert_accessible(page)
    page.unroute("**/account/two-factor/recovery-codes")
    # The earlier recovery codes were replaced by the unseen ones: the app's code makes new,
    # a minute on (the server's clock moved, rather than waiting for a step not yet used).
    monkeypatch.setattr(two_factor, "_clock", lambda: time.time() + 60)
    later = totp.at(int(time.time() + 60))
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(later)
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.locator("#recovery-codes code")).to_have_count(10)
