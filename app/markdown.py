"""People's text as safe HTML: Markdown, then an allow-list sanitiser.

The parsers (markdown-it) and lxml are imported when text is first rendered or exported, not
when the app starts: people's text is rendered when it is written, so a command or a worker
that only serves stored HTML never needs them (about 30 ms of every start).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup, escape
from sqlalchemy import event

from app.text import without_bidi_controls

if TYPE_CHECKING:
    from lxml.html import HtmlElement  # type: ignore[import-untyped]
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@cache
def commonmark(html: bool = False, any_link: bool = False) -> MarkdownIt:
    """The CommonMark parser, made once per process: raw HTML escaped (people's text and the
    site's pages) or passed through (``html``), linking any scheme too (``any_link``: the two
    show what a lax downstream tool would do with exported text)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": html, "linkify": False, "typographer": False})
    if any_link:
        parser.validateLink = lambda url: True  # type: ignore[method-assign]
        return parser
    parser.validateLink = _links_somewhere  # type: ignore[method-assign]
    parser.add_render_rule("heading_open", _heading_open)
    parser.add_render_rule("heading_close", _heading_close)
    parser.add_render_rule("image", _image_as_its_words)
    return parser


_LINKABLE = re.compile(r"(?:https?:|mailto:)", re.IGNORECASE)


def _links_somewhere(url: str) -> bool:
    """Whether people's text may link to ``url``: an http(s) or mailto address, as the Word
    and PDF exports and the redlines link (``app.diff``). Anything else ("note", from "[^1]:
    note", "www.example.org", "//elsewhere.example") led to a page of the site that is not
    there, or elsewhere unseen; it is left as the words typed."""
    return bool(_LINKABLE.match(url.strip()))


# A heading in people's text is a bold paragraph wherever it is shown (the page, the PDF, the
# Word export and the redlines): a clause's wording sits under the page's own headings.
def _heading_open(self, tokens, index, options, env) -> str:
    return "<p><strong>"


def _heading_close(self, tokens, index, options, env) -> str:
    return "</strong></p>\n"


def _image_as_its_words(self, tokens, index, options, env) -> str:
    """An image as its words (its alt text), as the Word export shows it: people's text
    shows no images."""
    token = tokens[index]
    return str(escape(self.renderInlineAsText(token.children or [], options, env)))


def _fragment(html: str, **options: str) -> HtmlElement:
    from lxml.html import fragment_fromstring

    return fragment_fromstring(html, **options)


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
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """A list's ``start`` only as a number (what the parser writes for "3. ...")."""
    if element == "ol" and attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 9 else None
    return value


# How deep people's elements may nest (a list in a quote in a list, bold in italics in a link):
# far more than any text needs. Deeper tags are dropped and their words kept. WeasyPrint lays
# a PDF out by recursing once an element, and 300 levels of bold ("**" typed 300 times) was a
# RecursionError: a 500 for every export of the text.
MAX_NESTING = 16
_TAG = re.compile(r'<(/?)([a-z]+)\b(?:[^>"]|"[^"]*")*>')  # a quoted ">" does not end a tag
_VOID_TAGS = frozenset({"br", "hr"})


def _flatten_deep(html: str) -> str:
    """``html`` (the sanitiser's well-formed output) with every element nested deeper than
    ``MAX_NESTING`` unwrapped: the tags dropped, the text and shallower tags kept."""
    if html.count("<") <= 2 * MAX_NESTING:
        return html  # too few tags to nest that deep
    parts: list[str] = []
    kept_open: list[bool] = []
    depth = last = 0
    for match in _TAG.finditer(html):
        closing, name = match.groups()
        if name in _VOID_TAGS:
            continue
        if closing:
            keep = kept_open.pop() if kept_open else True
            depth -= keep
        else:
            keep = depth < MAX_NESTING
            kept_open.append(keep)
            depth += keep
        if not keep:
            parts.append(html[last : match.start()])
            last = match.end()
    if not parts:
        return html
    parts.append(html[last:])
    return "".join(parts)


def render_markdown(text: str | None) -> Markup:
    """Markdown (bold, italics, lists, links, quotes) to sanitised HTML; raw HTML is escaped,
    no bidirectional control is left, even one a character reference spelt (``app.text``),
    and nothing nests deeper than ``MAX_NESTING``."""
    html = without_bidi_controls(commonmark().render(text or ""))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(_flatten_deep(clean))


@lru_cache(maxsize=512)
def markdown_filter(text: str | None) -> Markup:
    """``render_markdown`` for templates (the ``markdown`` filter), remembered by the text.

    Pages show the same Markdown on every request (a recommendation's response, a clause's
    wording on the public page or the ballot, a version under review): parsing and sanitising
    it each time was most of such a page's work. The HTML is a pure function of the text and
    of this release's policy, so each process keeps its own copy without any chance of two
    workers disagreeing; new text is simply rendered. At most 512 texts are kept (a 10,000-
    character comment is about 25 KB with its HTML)."""
    return render_markdown(text)


def shown_words(text: str) -> str:
    """The words ``text`` (Markdown) shows on a page, without its markup: a passage quoted
    from a clause's source, shown in a list or a title. Text with no Markdown markers is
    returned as it is."""
    if not _MARKUP.search(text):
        return text
    return "".join(_fragment(str(markdown_filter(text)), create_parent="div").itertext())


_MARKUP = re.compile(r"[*_`\[\]<>&\\#]|^\s*(?:[-+]|\d{1,9}[.)])\s", re.M)


# The sanitiser policy's version: raise it whenever the parser options, ALLOWED_TAGS,
# ALLOWED_ATTRIBUTES, the URL schemes or the link ``rel`` change. HTML stored with an older
# version is not trusted: pages render from the source until ``flask markdown rerender`` (or
# a migration) brings it up to date.
# 2: no bidirectional controls, which character references in stored text had become; no
# element nested deeper than MAX_NESTING.
# 3: an ordered list keeps its first number (``start``); only http(s) and mailto addresses
# link; a heading is a bold paragraph; an image is its words.
POLICY_VERSION = 3


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


# Markdown for export ---------------------------------------------------------------------------
#
# A downstream Markdown tool may pass raw HTML through and link any scheme, so the export must
# not carry what the pages never show. Text that has none of it is exported as typed; other text
# is exported as the Markdown of what survives the sanitiser above (the page's rendering).

_SPECIAL = re.compile(r"([\\`*_\[\]<>&!|~])")
_LINE_START = re.compile(r"^(\s*)([#+=\-]|\d+[.)])", re.M)


def _tokens(parser: MarkdownIt, text: str) -> Iterator[Token]:
    for token in parser.parse(text):
        yield token
        yield from token.children or ()


def is_safe_markdown(text: str) -> bool:
    """Whether ``text`` has no raw HTML, image, or link with a scheme other than http(s) or
    mailto, even for a Markdown tool that passes HTML through and links anything."""
    for token in _tokens(commonmark(html=True, any_link=True), text):
        if token.type in ("html_block", "html_inline", "image", "heading_open"):
            return False  # a heading: the page shows a bold paragraph (policy 3)
        if token.type == "link_open" and not _links_somewhere(str(token.attrGet("href") or "")):
            return False  # "//elsewhere.example", "note": the page shows no link (policy 3)
    return True


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _paragraph(element: HtmlElement) -> str:
    """An element's inline Markdown, with what would start a heading or list escaped."""
    text = _inline(element).strip()
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def _inline(element: HtmlElement) -> str:
    """The Markdown of an element's content (text, emphasis, links, code, breaks)."""
    parts = [_escape(element.text or "")]
    for child in element:
        inner = _inline(child)
        if child.tag == "strong":
            parts.append(f"**{inner}**")
        elif child.tag == "em":
            parts.append(f"*{inner}*")
        elif child.tag == "code":
            code = child.text_content()
            fence = "`" * (max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
            parts.append(f"{fence} {code} {fence}" if "`" in code else f"{fence}{code}{fence}")
        elif child.tag == "a" and child.get("href"):
            href = child.get("href", "")
            parts.append(
                f"[{inner}](<{href}>)" if re.search(r"[\s()]", href) else f"[{inner}]({href})"
            )
        elif child.tag == "br":
            parts.append("\\")
        else:
            parts.append(inner)
        parts.append(_escape(child.tail or ""))
    return "".join(parts)


def _blocks(element: HtmlElement) -> list[str]:
    """The Markdown blocks of an element's block children (paragraphs, lists, quotes, code)."""
    blocks: list[str] = []
    loose_text = (element.text or "").strip()
    if loose_text or any(child.tag in ("strong", "em", "code", "a", "br") for child in element):
        # A tight list item: its text sits in the item itself, not in a paragraph.
        inline_only = element.__copy__()
        for child in list(inline_only):
            if child.tag in ("ul", "ol", "p", "blockquote", "pre", "hr"):
                inline_only.remove(child)
        blocks.append(_paragraph(inline_only))
    for child in element:
        if child.tag == "p":
            blocks.append(_paragraph(child))
        elif child.tag in ("ul", "ol"):
            start = int(child.get("start") or 1)
            items = []
            for number, item in enumerate(child.findall("li"), start):
                marker = f"{number}. " if child.tag == "ol" else "- "
                loose = item.find("p") is not None
                body = ("\n\n" if loose else "\n").join(_blocks(item))
                indent = " " * len(marker)
                lines = (indent + line if line else "" for line in body.split("\n"))
                items.append(marker + "\n".join(lines)[len(indent) :])
            blocks.append(("\n\n" if child.find("li/p") is not None else "\n").join(items))
        elif child.tag == "blockquote":
            quoted = "\n\n".join(_blocks(child))
            blocks.append("\n".join(("> " + line).rstrip() for line in quoted.split("\n")))
        elif child.tag == "pre":
            code = child.text_content().rstrip("\n")
            fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", code)), default=0) + 1)
            blocks.append(f"{fence}\n{code}\n{fence}")
        elif child.tag == "hr":
            blocks.append("---")
        if (child.tail or "").strip():  # the text of a tag the sanitiser took away (a heading)
            blocks.append(_paragraph(_fragment(f"<p>{escape(child.tail)}</p>")))
    return [block for block in blocks if block]


def export_markdown(text: str | None) -> str:
    """People's Markdown for an export: as typed when it is safe (``is_safe_markdown``), else
    the Markdown of what the page shows (``render_markdown``): raw HTML as text, unsafe links
    and images gone."""
    text = text or ""
    if is_safe_markdown(text):
        return text
    wrapper = _fragment(str(render_markdown(text)), create_parent="div")
    return "\n\n".join(_blocks(wrapper))


def export_text(text: object) -> str:
    """Plain text (a heading, a name, a recommendation, a reason) for a Markdown export, after
    a prefix on its line ("### 3. ", "- ", a table cell), written so that a Markdown reader
    shows it as typed: what could open raw HTML, a link, code or emphasis is escaped
    (``escape_markdown``), and so is what would begin a block at the start of a later line;
    ordinary words are unchanged."""
    first, newline, rest = str(text).partition("\n")
    return _escape_inline(first) + newline + escape_markdown(rest)


# Text typed outside Accord (a Word insertion or comment) is not Markdown: escaped, it shows as
# typed. Inline: every character that can open emphasis, code, a link, an image or raw HTML,
# and a backslash; "_" only where it could (not between two letters: "snake_case" is
# unchanged), "&" only before what reads as an entity. At a line's start: what would begin a
# heading, quote, list, setext underline or fence. A line's indentation is dropped: in
# Markdown four spaces or a tab begin code, and in HTML it never shows.
_INDENTATION = re.compile(r"^[ \t]+", re.M)
_LITERAL_INLINE = re.compile(r"[\\`*\[\]<]|&(?=#?\w*(?:;|$))|(?<![^\W_])_|_(?![^\W_])")
_LITERAL_LINE_START = re.compile(r"^([ \t]*)(\d{1,9}[.)]|[#>+=~-])", re.M)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    return f"{indent}{marker[:-1]}\\{marker[-1]}"


def _escape_inline(text: str) -> str:
    return _LITERAL_INLINE.sub(lambda match: "\\" + match.group(0), text)


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders as the same words, nothing formatted: for text a
    person typed where Markdown is not written (Word), stored where Markdown is rendered
    (a comment, a clause's wording). Ordinary words are unchanged; indentation is dropped."""
    return _LITERAL_LINE_START.sub(_escape_line_start, _escape_inline(_INDENTATION.sub("", text)))
