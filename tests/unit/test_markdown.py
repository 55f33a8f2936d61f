"""People's Markdown is rendered, and nothing dangerous survives."""

from app.markdown import render_markdown


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
