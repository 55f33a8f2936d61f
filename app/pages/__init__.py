"""The statutory and expected pages: accessibility statement, privacy notice, cookies, help and
contact; and ``/.well-known/security.txt``.

Each page is a Markdown file. Accord ships one under ``app/pages/content/``; a council puts
its own words in a file of the same name under ``PAGES_DIR`` (``instance/pages/`` by default),
which is read instead. The first line, a level-1 heading (``# Privacy notice``), is the page's
title. ``{{ name }}`` placeholders are filled from the settings (``PLACEHOLDERS``); they are
plain substitutions, not templates, so an edited file cannot run code. The text is rendered
with Markdown and sanitised like people's text (raw HTML is escaped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from markupsafe import Markup

from app.markdown import commonmark

SHIPPED = Path(__file__).parent / "content"
# The pages, in the order the footer lists them: slug (file name and address) and link text.
PAGES = {
    "accessibility": "Accessibility statement",
    "privacy": "Privacy notice",
    "cookies": "Cookies",
    "help": "Help and contact",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_TAGS = {"h1", "h2", "h3", "h4", "p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "hr"}
# GOV.UK Frontend classes for each tag the Markdown makes (it makes them without attributes).
_CLASSES = {
    "h1": "govuk-heading-l",
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "hr": "govuk-section-break govuk-section-break--l govuk-section-break--visible",
}


@dataclass(frozen=True)
class Page:
    title: str
    body: Markup


def placeholders(config) -> dict[str, str]:
    """What ``{{ name }}`` becomes in a page, from the settings."""
    contact_email = config["CONTACT_EMAIL"]
    idle = config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60
    absolute = config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() // 3600
    return {
        "council_name": config["COUNCIL_NAME"],
        "contact_email": contact_email,
        "contact_phone": config["CONTACT_PHONE"],
        "contact_address": config["CONTACT_ADDRESS"],
        "data_protection_email": config["DATA_PROTECTION_EMAIL"] or contact_email,
        "public_url": config["PUBLIC_URL"],
        "accessibility_tested_on": config["ACCESSIBILITY_TESTED_ON"],
        "session_cookie_name": config["SESSION_COOKIE_NAME"],
        "session_idle_minutes": f"{idle:.0f}",
        "session_absolute_hours": f"{absolute:.0f}",
    }


def source(slug: str, pages_dir: str) -> str:
    """The Markdown for ``slug``: the council's file if it has one, else the shipped one."""
    own = Path(pages_dir) / f"{slug}.md"
    return (own if own.is_file() else SHIPPED / f"{slug}.md").read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each known ``{{ name }}``; an unknown one is left as written, to be noticed."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


@lru_cache(maxsize=64)
def to_html(markdown: str) -> Markup:
    """Markdown to sanitised HTML with GOV.UK classes; links get ``govuk-link``.

    Remembered by the text itself (a pure function), so a page is parsed once per process and
    not on every request (parsing was over half a page's time), while an edited file, or
    changed settings, is simply new text and is rendered afresh."""
    html = nh3.clean(
        commonmark().render(markdown),
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
    )
    for tag, classes in _CLASSES.items():
        html = re.sub(rf"<{tag}>", f'<{tag} class="{classes}">', html)
    html = html.replace("<a ", '<a class="govuk-link" ')
    return Markup(html)


def load(slug: str, config) -> Page:
    """The page ``slug`` (one of ``PAGES``) as a title and body, settings filled in."""
    text = fill(source(slug, config["PAGES_DIR"]), placeholders(config))
    first, _, rest = text.lstrip().partition("\n")
    if first.startswith("# "):
        return Page(title=first[2:].strip(), body=to_html(rest))
    return Page(title=PAGES[slug], body=to_html(text))
