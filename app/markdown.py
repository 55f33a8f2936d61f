"""People's text as safe HTML: Markdown, then an allow-list sanitiser."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import event

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "code",
    "pre",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str | None) -> Markup:
    """Markdown (bold, italics, lists, links, quotes) to sanitised HTML; raw HTML is escaped."""
    html = _parser.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)


# The sanitiser policy's version: raise it whenever the parser options, ALLOWED_TAGS,
# ALLOWED_ATTRIBUTES, the URL schemes or the link ``rel`` change. HTML stored with an older
# version is not trusted: pages render from the source until ``flask markdown rerender`` (or
# a migration) brings it up to date.
POLICY_VERSION = 1


def stored_markup(html: str | None, version: int | None, source: str | None) -> Markup:
    """The HTML stored beside ``source`` when it was made under this POLICY_VERSION, else
    ``source`` rendered now (never an HTML string made under an older policy)."""
    if html is not None and version == POLICY_VERSION:
        return Markup(html)
    return render_markdown(source)


def keep_rendered(source, html_name: str, version_name: str = "html_version") -> None:
    """Render ``source`` (a model's Markdown column attribute) into the column ``html_name``
    whenever it is set (on construction too), stamping ``version_name`` with POLICY_VERSION:
    people's text is parsed and sanitised once, when it is written."""

    @event.listens_for(source, "set", propagate=True)
    def _render(target, value, oldvalue, initiator) -> None:
        setattr(target, html_name, str(render_markdown(value)))
        setattr(target, version_name, POLICY_VERSION)
