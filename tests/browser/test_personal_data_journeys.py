"""Personal data in the browser: a Member downloads their data; an administrator anonymises a
Member who has left, after a warning and a confirmation."""

from __future__ import annotations

import json
import uuid
import zipfile

from playwright.sync_api import expect

from app.extensions import db
from app.models import Role
from app.services import people
from tests.browser.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    horizontal_overflow,
    sign_in,
)

ADMIN = "admin@example.org"


def _new_member(live_server, name: str) -> str:
    """A Member of their own, so that anonymising them changes no other journey."""
    email = f"leaver-{uuid.uuid4().hex[:8]}@example.org"
    with live_server.app.app_context():
        people.create_user(
            email, name, {Role.MEMBER}, password=DEMO_PASSWORD, group="Labour Group", ward="Parr"
        )
        db.session.commit()
    return email


def _both_widths(page) -> None:
    """axe finds nothing at 1280px, and nothing again at 320px, where nothing scrolls sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 900})
    assert horizontal_overflow(page) <= 0, f"{page.url} scrolls sideways at 320px"
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def _every_action_in_the_trail(live_server) -> None:
    from app.audit_words import ACTIONS
    from app.extensions import db
    from app.services import audit

    with live_server.app.app_context():
        for code in ACTIONS:
            audit.record(code, actor=None, object_type="document", summary="For the filter")
        db.session.commit()


def test_a_member_downloads_their_data(page, live_server, tmp_path):
    email = _new_member(live_server, "Robin Download")
    sign_in(page, email)
    page.goto("/account/your-data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    _both_widths(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download your data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "profile.csv" in archive.namelist()
        [profile] = json.loads(archive.read("profile.json"))
    assert profile["email"] == email and profile["name"] == "Robin Download"


def test_an_administrator_anonymises_a_member_who_left(page, live_server):
    email = _new_member(live_server, "Alex Leaver")
    sign_in(page, ADMIN)
    page.goto("/people?q=Alex+Leaver")
    page.get_by_role("link", name="Alex Leaver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Leaver")
    page.get_by_role("link", name="anonymise their account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymise Alex Leaver?")
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    _both_widths(page)
    page.get_by_role("button", name="Yes, anonymise Alex Leaver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Former Member")
    expect(page.get_by_text("The account is anonymised")).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Anonymised")).to_be_visible()
    assert email not in page.content()
    _both_widths(page)
    page.goto("/audit")
    expect(page.get_by_role("cell", name="Former Member").first).to_be_visible()
    assert email not in page.content()
    # Its "Action" filter lists each action in the trail; with them all, the longest made
    # the page 327px wide (outside accessibility tester).
    _every_action_in_the_trail(live_server)
    page.reload()
    _both_widths(page)
