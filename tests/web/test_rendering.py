"""One template serves the page and its fragment: the helper chooses by the request."""

from __future__ import annotations

import pytest
from flask import render_template_string

from app.rendering import render, safe_next


@pytest.fixture
def fragment_app(app, tmp_path):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "demo.html": "<html><body>{% block panel %}<p>{{ word }}</p>"
                    "{% endblock %}</body></html>"
                }
            ),
            app.jinja_loader,
        ]
    )
    return app


@pytest.mark.parametrize(
    ("headers", "whole_page"),
    [
        ({}, True),
        ({"HX-Request": "true"}, False),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True),
    ],
    ids=["plain", "htmx", "boosted", "history restore"],
)
def test_render_picks_the_page_or_the_block(fragment_app, headers, whole_page):
    with fragment_app.test_request_context(headers=headers):
        response = render("demo.html", block="panel", word="hello")
    html = response.get_data(as_text=True)
    assert ("<html>" in html) is whole_page and "<p>hello</p>" in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/documents/x", "/documents/x"),
        ("https://evil.example", "/"),
        ("//evil", "/"),
        ("/\\evil", "/"),
        (None, "/"),
        ("relative", "/"),
    ],
)
def test_safe_next_only_allows_paths_on_this_site(target, expected):
    assert safe_next(target, "/") == expected


def test_templates_can_ask_the_permission_predicates(app):
    with app.test_request_context():
        assert render_template_string("{{ can_read_recommendations(None) }}") == "False"


def test_a_blank_widget_is_kept_and_a_filled_one_rendered_afresh(app):
    """``blank_widget`` gives what the field renders itself; only blank fields are kept."""
    from werkzeug.datastructures import MultiDict

    from app.discussions.forms import CommentForm
    from app.templating import blank_widget

    params = {"label": {"text": "Your comment"}, "maxlength": 10000, "rows": 5}
    with app.test_request_context():
        blank = CommentForm(formdata=None)
        first = blank_widget(blank.body, params)
        assert first == blank.body(params=params)
        assert blank_widget(CommentForm(formdata=None).body, params) is first
        filled = CommentForm(formdata=MultiDict({"body": "Typed <words>"}))
        filled.validate()
        shown = blank_widget(filled.body, params)
        assert "Typed &lt;words&gt;" in shown and shown != first
        assert blank_widget(blank.submit, {"text": "Post reply"}) == blank.submit(
            params={"text": "Post reply"}
        )


@pytest.mark.parametrize("slug", ["ways-of-working-accord", "number-protocol", "a-number-2"])
def test_a_clause_address_is_url_fors(app, slug):
    """``clause_url`` (the document page's sixty links) builds what ``url_for`` builds, for
    every kind of clause number, and for one that would need quoting."""
    from types import SimpleNamespace

    from flask import url_for

    from app.templating import clause_url

    document = SimpleNamespace(slug=slug)
    with app.test_request_context():
        for number in ["1", "12", "4A", "4.1", "retired-12", "NUMBER", "a b", "x/y", "ü", "1?x"]:
            clause = SimpleNamespace(number=number)
            expected = url_for("documents.clause", slug=slug, number=number)
            assert clause_url(document, clause) == expected, number
