"""The accessibility statement, privacy notice, cookies and help pages, and security.txt: for
everyone, signed in or not, in the council's words where it has written its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.helpers import AccordClient

PAGES = {
    "/accessibility": (
        "Accessibility statement for Accord",
        [
            "axe-core",
            "1,280 pixels",
            "320 pixels",
            "JavaScript switched off",
            "Equality and Human Rights Commission",
            "Equality Commission for Northern Ireland",
            "Reporting accessibility problems",
        ],
    ),
    "/privacy": (
        "Privacy notice",
        [
            "political Group",
            "ward",
            "declare",
            "comments",
            "sign-in records",
            "public task",
            "subject access request",
            "How long we keep it",
            "Information Commissioner",
        ],
    ),
    "/cookies": ("Cookies", ["accord_session", "essential", "does not use analytics"]),
    "/help": ("Help and contact", ["Forgotten your password?", "Reporting a security problem"]),
}


def _signed_in(app) -> AccordClient:
    with factories.built(app):
        email = factories.member().email
    client = app.test_client()
    client.sign_in(email)
    return client


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "signed in"])
def test_every_page_is_there_for_everyone_and_the_footer_links_to_them(app, signed_in):
    client = _signed_in(app) if signed_in else app.test_client()
    for path, (title, phrases) in PAGES.items():
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert f'<h1 class="govuk-heading-l">{title}</h1>' in html
        assert f"<title>{title} – Accord" in html
        for phrase in phrases:
            assert phrase in html, f"{phrase!r} not on {path}"
        assert "{{" not in html, f"a placeholder left unfilled on {path}"
        footer = html[html.index('<footer class="govuk-footer') :]
        for linked in PAGES:
            assert f'class="govuk-footer__link" href="{linked}"' in footer
        assert ("Your account" in html) is signed_in


def test_the_footer_is_on_the_sign_in_page_and_error_pages(client):
    for path in ("/sign-in", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/privacy"' in html and 'href="/accessibility"' in html


def test_the_pages_carry_the_councils_contact_details(app, client):
    app.config.update(
        COUNCIL_NAME="Borsetshire Council",
        CONTACT_EMAIL="help@borsetshire.example",
        CONTACT_PHONE="01632 960000",
        DATA_PROTECTION_EMAIL="dpo@borsetshire.example",
    )
    accessibility = client.get("/accessibility").get_data(as_text=True)
    assert 'href="mailto:help@borsetshire.example"' in accessibility
    assert "01632 960000" in accessibility and "run by Borsetshire Council" in accessibility
    privacy = client.get("/privacy").get_data(as_text=True)
    assert 'href="mailto:dpo@borsetshire.example"' in privacy


def test_a_councils_own_file_replaces_the_shipped_page_and_stays_sanitised(app, client, tmp_path):
    (tmp_path / "privacy.md").write_text(
        "# Our privacy notice\n\nWrite to {{ contact_email }}.\n\n"
        "<script>alert(1)</script>\n\n[bad](javascript:alert(1)) {{ unknown_thing }}\n",
        encoding="utf-8",
    )
    app.config.update(PAGES_DIR=str(tmp_path), CONTACT_EMAIL="dpo@council.example")
    html = client.get("/privacy").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Our privacy notice</h1>' in html
    assert "<title>Our privacy notice – Accord" in html
    assert "Write to dpo@council.example." in html
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert "{{ unknown_thing }}" in html, "an unknown placeholder is left to be noticed"
    # The pages it does not replace are still the shipped ones.
    assert "Accessibility statement for Accord" in client.get("/accessibility").get_data(
        as_text=True
    )


def test_a_page_is_parsed_once_and_an_edited_file_shows_at_once(app, client, tmp_path, monkeypatch):
    """Parsing the Markdown was over half a page's time: the HTML is remembered by the text,
    so a reload parses nothing, while a council's edit (new text) is shown on the next
    request, without a restart."""
    from app import pages

    parsed = []
    parser = pages.commonmark()

    class Counting:
        def render(self, text):
            parsed.append(text)
            return parser.render(text)

    monkeypatch.setattr(pages, "commonmark", Counting)
    pages.to_html.cache_clear()
    own = tmp_path / "help.md"
    own.write_text("# Help\n\nRing the first number.\n", encoding="utf-8")
    app.config.update(PAGES_DIR=str(tmp_path))
    for _ in range(3):
        assert "Ring the first number." in client.get("/help").get_data(as_text=True)
    assert len(parsed) == 1
    own.write_text("# Help\n\nRing the second number.\n", encoding="utf-8")
    html = client.get("/help").get_data(as_text=True)
    assert "Ring the second number." in html and "first number" not in html
    assert len(parsed) == 2, parsed


def _security_txt(client) -> dict[str, str]:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    fields = {}
    for line in response.get_data(as_text=True).splitlines():
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


def test_security_txt_follows_rfc_9116(app, client):
    fields = _security_txt(client)
    assert fields["Contact"] == "mailto:democratic.services@example.org"
    assert fields["Preferred-Languages"] == "en"
    assert fields["Canonical"] == "http://accord.test/.well-known/security.txt"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    now = datetime.now(UTC)
    assert now < expires < now + timedelta(days=365), "RFC 9116: less than a year ahead"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", fields["Expires"])


def test_security_txt_takes_its_contact_and_expiry_from_the_settings(app, client):
    app.config.update(
        SECURITY_CONTACT="https://council.example/report-a-vulnerability",
        SECURITY_TXT_EXPIRES="2027-06-30",
        PUBLIC_URL="https://accord.council.example",
    )
    fields = _security_txt(client)
    assert fields["Contact"] == "https://council.example/report-a-vulnerability"
    assert fields["Expires"] == "2027-06-30T00:00:00Z"
    assert fields["Canonical"] == "https://accord.council.example/.well-known/security.txt"
    signed_in = _signed_in(app)
    assert signed_in.get("/.well-known/security.txt").status_code == 200
