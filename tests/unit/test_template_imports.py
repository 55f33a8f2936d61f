"""``{% from ... import %}`` through ``app.templating.ImportingTemplate``: the imported
template's module is made once and shared while the importing page brings no globals of its
own, and made afresh (as Jinja does) when it does."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from app.templating import ImportingTemplate

TEMPLATES = {
    "macros.html": "{% macro show() %}{{ colour }}{% endmacro %}",
    "page.html": '{% from "macros.html" import show %}[{{ show() }}]',
}


def _environment() -> Environment:
    environment = Environment(loader=DictLoader(TEMPLATES))
    environment.template_class = ImportingTemplate
    environment.globals["colour"] = "red"
    return environment


def _modules_made(environment: Environment, monkeypatch) -> list[dict | None]:
    made: list[dict | None] = []
    macros = environment.get_template("macros.html")
    make_module = macros.make_module

    def counting(vars=None, shared=False, locals=None):
        made.append(vars)
        return make_module(vars, shared, locals)

    monkeypatch.setattr(macros, "make_module", counting)
    return made


def test_an_imported_template_is_made_once_for_pages_sharing_the_globals(monkeypatch):
    environment = _environment()
    made = _modules_made(environment, monkeypatch)
    page = environment.get_template("page.html")
    assert [page.render(), page.render(), page.render()] == ["[red]"] * 3
    assert made == [None]


def test_a_page_with_globals_of_its_own_gets_a_module_that_sees_them(monkeypatch):
    environment = _environment()
    made = _modules_made(environment, monkeypatch)
    page = environment.get_template("page.html", globals={"colour": "blue", "size": 3})
    assert page.render() == "[red]"  # the imported template's own globals come first
    assert made == [{"size": 3}]
    other = environment.from_string(
        '{% from "macros.html" import show %}{{ show() }}', globals={"size": 1}
    )
    assert other.render() == "red" and made[-1] == {"size": 1}
    assert isinstance(page, ImportingTemplate)


def test_the_app_renders_its_pages_with_the_cheap_imports(app):
    assert app.jinja_env.template_class is ImportingTemplate
    with app.test_request_context():
        assert isinstance(app.jinja_env.get_template("layout.html"), ImportingTemplate)
