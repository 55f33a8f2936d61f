"""People's Markdown is rendered, and nothing dangerous survives."""

import re

import pytest
from lxml.html import fragment_fromstring

from app.markdown import (
    MAX_NESTING,
    escape_markdown,
    export_markdown,
    export_text,
    is_safe_markdown,
    render_markdown,
)


def test_markdown_formatting_survives():
    html = render_markdown("**bold** and *italics*\n\n- one\n- two\n\n> quoted")
    assert "<strong>bold</strong>" in html and "<em>italics</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html


def test_links_get_rel_nofollow_noopener():
    html = render_markdown("[the plan](https://example.org/plan)")
    assert 'href="https://example.org/plan"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_raw_html_and_script_urls_are_neutralised():
    html = render_markdown(
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>"
    )
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html, "shown as text, not run"


HOSTILE = [
    "<script>alert(1)</script>\n\nHi [x](javascript:alert(1)) and <b onclick=y>b</b> & *e*",
    "1. a\n2. b\n   - nested <i>x</i>\n\n> quote <span>s</span>\n\n```\ncode <x>\n```",
    "[r]: javascript:alert(1)\n\n[click][r] <javascript:alert(2)> <http://ok.example>  \nbreak",
    "- a\n\n  para <b>\n- b\n\n# H <img src=x onerror=y>\n\n---\n\n![i](http://x/y.png) 1. x\n2. y",
    "[tel](tel:123) [ok](https://e.org/a_(b)) `co<de>` a\\*b [vb](VBScript:x)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_markdown_export_carries_only_what_the_page_shows(text):
    """Raw HTML, images and unsafe links never reach an export, even for a Markdown tool that
    passes HTML through and links anything; what remains shows the words and links the page
    showed."""
    exported = export_markdown(text)
    assert not is_safe_markdown(text) and is_safe_markdown(exported)
    assert _shown(exported) == _shown(text)


def _shown(text: str) -> str:
    """The words a page shows for ``text``, and the addresses it links to."""
    page = fragment_fromstring(str(render_markdown(text)), create_parent="div")
    links = [a.get("href") for a in page.iter("a") if a.get("href")]
    return " ".join(page.text_content().split()) + f" {links}"


def test_safe_markdown_is_exported_as_typed():
    for text in ["Plain **bold**\n\n- one\n- two", "[plan](https://e.org) and 5 < 6", ""]:
        assert export_markdown(text) == text


def test_plain_text_cannot_open_html_or_a_link_in_an_export():
    assert export_text("<script> [x](javascript:y)") == "\\<script> \\[x\\](javascript:y)"
    # Emphasis is escaped too: a Markdown reader shows the words as typed, not italic.
    assert (
        export_text("Respect & courtesy: 1. *as typed*") == "Respect & courtesy: 1. \\*as typed\\*"
    )
    assert export_text("1. First\n- not a list") == "1. First\n\\- not a list"


def test_the_template_filter_renders_as_written_text_does_and_parses_each_text_once(
    app, monkeypatch
):
    """Pages show the same text on every request (a recommendation's response, the public
    page's wording): the filter parses each text once per process, gives exactly what
    ``render_markdown`` gives, hostile text included, and renders new text afresh."""
    from app import markdown

    assert app.jinja_env.filters["markdown"] is markdown.markdown_filter

    parsed = []
    real = markdown.render_markdown
    monkeypatch.setattr(markdown, "render_markdown", lambda text: parsed.append(text) or real(text))
    markdown.markdown_filter.cache_clear()
    for text in HOSTILE:
        for _ in range(3):
            assert markdown.markdown_filter(text) == real(text)
    assert parsed == HOSTILE
    assert markdown.markdown_filter(None) == real(None) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "**bold** and 2*3*4",
        "_italics_ but snake_case stays",
        "a [link](https://example.org) and <https://example.org> and <b>tag</b>",
        "`code` and a back\\slash\\",
        "# not a heading",
        "> not a quote",
        "- not a list\n+ nor this\n1. nor this\n2) nor this",
        "Title\n===\nand\n---",
        "~~~\nnot a fence\n~~~",
        "&amp; stays &amp; and &#42; and & alone",
        "![no image](https://example.org/x.png)",
        "    indented by four spaces\n\n\tand by a tab",
        "First line\n\n        - indented list marker",
    ],
)
def test_escaped_text_shows_as_typed(typed):
    """Text a person typed outside Accord (in Word) is not Markdown: escaped, it renders as
    its own words, and as a paragraph of plain text."""
    html = str(render_markdown(escape_markdown(typed)))
    shown = fragment_fromstring(html, create_parent="div").text_content()
    assert " ".join(shown.split()) == " ".join(typed.split())
    assert not any(tag in html for tag in ("<strong", "<em", "<a ", "<code", "<ul", "<ol", "<h"))
    assert "<blockquote" not in html and "<pre" not in html and "<hr" not in html


def test_escaping_adds_nothing_to_ordinary_words():
    text = "Members and Officers respond within two working days (e.g. 5 & 6 May)."
    assert escape_markdown(text) == text
    assert escape_markdown("snake_case") == "snake_case"


def _depth(html: str) -> int:
    """How deep the elements of ``html`` nest (void elements add nothing)."""
    depth = deepest = 0
    for closing, name in re.findall(r"<(/?)([a-z]+)\b[^>]*>", html):
        if name in ("br", "hr"):
            continue
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize(
    "text",
    [
        "**" * 300 + "x" + "**" * 300,
        "*" * 301 + "x" + "*" * 301,
        "".join(f"{'**' if n % 2 else '*'}" for n in range(200)) + "x",
        "[" * 100 + "a" + "](https://example.org)" * 100,
    ],
    ids=["bold", "italics", "mixed", "links"],
)
def test_deeply_nested_text_is_flattened_below_a_limit(text):
    """A PDF is laid out by WeasyPrint, which recurses once an element: 300 levels of bold (a
    Member's comment or amendment) was a RecursionError, a 500 for every export of it. Below
    ``MAX_NESTING`` levels the tags go and their words stay."""
    html = str(render_markdown(text))
    assert _depth(html) <= MAX_NESTING
    assert "x" in html or "a" in html


def test_ordinary_nesting_is_kept():
    text = "> - **Bold *and italic [link](https://example.org)***\n>   - `code`"
    html = str(render_markdown(text))
    assert "<em>and italic <a " in html and "<code>code</code>" in html
    assert html.count("<ul>") == 2 and html.count("<blockquote>") == 1


def test_what_the_page_shows_is_what_the_exports_show():
    """Outside tester: a list typed from 3 showed 1 and 2 on the pages (the Word export kept
    3 and 4); "[^1]: note" made a link to "note" (a page of the site that is not there); a
    heading was bare text on the pages but Heading 3 in Word; an image vanished on the pages
    but showed its words in Word. Sanitiser policy 3: the list keeps its number; only http(s)
    and mailto addresses link, as in the exports; a heading is a bold paragraph; an image is
    its words."""
    assert '<ol start="3">' in render_markdown("3. starts at three\n4. four")
    assert "<ol>" in render_markdown("1. one\n2. two")
    footnote = render_markdown("Footnote[^1]\n\n[^1]: note")
    assert "<a" not in footnote and "[^1]" in footnote
    assert "<a" not in render_markdown("[x](note) [y](www.example.org)")
    for elsewhere in ("/documents/accord", "//evil.example", "/\\evil.example"):
        assert "<a" not in render_markdown(f"[the Accord]({elsewhere})"), elsewhere
    assert render_markdown("# Heading\n\ntext") == "<p><strong>Heading</strong></p>\n<p>text</p>\n"
    image = render_markdown("See ![the map of wards](https://example.org/map.png) here")
    assert "the map of wards" in image and "<img" not in image
    hostile = render_markdown('![a <b onclick="x">b</b> "q"](https://example.org/i.png)')
    assert "<b" not in hostile and "<img" not in hostile and "&lt;b" in hostile


def test_the_word_export_and_redlines_show_a_heading_as_the_page_does():
    from app.diff import markdown_blocks

    [heading, text] = markdown_blocks("# Heading\n\ntext")
    assert heading.kind == "p" and all("strong" in word.marks for word in heading.words)
    assert text.kind == "p"


def test_a_quoted_passage_is_shown_in_the_words_the_page_shows():
    """Outside tester: the clause page's list of passages showed "**Bold start** of a list
    item" and "*emphasis end* - Second item": the Markdown source of the quote."""
    from app.templating import passage_words

    assert passage_words("**Bold start** of a list item") == "Bold start of a list item"
    assert passage_words("*emphasis end*\n- Second item") == "emphasis end Second item"
    assert passage_words("[the guide](https://e.org) and `code`") == "the guide and code"
    assert passage_words("5 < 6 & 7") == "5 < 6 & 7"
    assert passage_words("word " * 100, 20) == "word word word word…"


def test_a_list_from_0_starts_at_0_in_the_redlines_and_word_too():
    """Outside tester: the page showed 0, the redline and Word 1 (a start of 0 read as none)."""
    from app.diff import markdown_blocks, redline

    assert '<ol start="0">' in render_markdown("0. zero\n1. one")
    assert markdown_blocks("0. zero\n1. one")[0].frames[0].start == 0
    assert '<ol start="0">' in str(redline("0. zero\n1. one", "0. zero\n1. one, two"))


@pytest.mark.parametrize(
    "text",
    [
        "See [the guide](//evil.example) and [ref][r].\n\n[r]: //evil2.example",
        "[y](<//evil3.example>) [w]( //evil5.example) [n](note)",
        "# Only a heading\n\ntext",
    ],
)
def test_the_markdown_export_of_links_and_headings_the_page_does_not_show(text):
    """Outside tester: links the page shows as words ("//evil.example") stayed live links in
    the Markdown export, and a heading stayed a heading there."""
    exported = export_markdown(text)
    assert not is_safe_markdown(text) and is_safe_markdown(exported)  # no link, no heading
    assert not exported.lstrip().startswith("#")
    assert _shown(exported) == _shown(text)
