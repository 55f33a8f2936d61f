"""What keeps starting cheap (``app.startup``): URL builders compiled when first used, the
collector paused while ``wsgi`` makes the app, and libraries only some requests need imported
when they are used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flask import url_for
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import AnyConverter, BaseConverter, NumberConverter

from app.startup import LazyBuilderRule

ROOT = Path(__file__).resolve().parents[2]


def _sample_value(converter: BaseConverter | None) -> object:
    if isinstance(converter, NumberConverter):
        return 7
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "a-b"


def _sample_values(rule: Rule) -> dict[str, object]:
    return {name: _sample_value(rule._converters.get(name)) for name in rule.arguments}


def test_every_route_builds_its_url_lazily(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 100
    assert all(isinstance(rule, LazyBuilderRule) for rule in rules)
    rule = next(rule for rule in rules if rule.endpoint == "main.home")
    stand_ins = rule._build, rule._build_unknown
    with app.test_request_context():
        first = url_for("main.home")  # unknown arguments allowed: _build_unknown
        assert rule._build_unknown is not stand_ins[1]  # compiled, and kept on the rule
        assert rule._build is stand_ins[0]  # not needed yet
        assert url_for("main.home") == first == "/"


def test_lazy_builders_build_what_werkzeug_builds(app):
    """Every route of the app, through a map of Werkzeug's own rules and one of lazy ones,
    with and without unknown arguments (which become a query string)."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]

    def adapter(rule_class: type[Rule]):
        built = Map(
            [rule_class(r.rule, endpoint=r.endpoint, methods=r.methods) for r in rules],
            converters=app.url_map.converters,
        )
        return built.bind("accord.example")

    eager, lazy = adapter(Rule), adapter(LazyBuilderRule)
    for rule in rules:
        values = _sample_values(rule)
        method = "POST" if "GET" not in (rule.methods or ()) else "GET"
        for extra in ({}, {"next": "/x y"}):
            arguments = {**values, **extra}
            assert lazy.build(rule.endpoint, arguments, method=method) == eager.build(
                rule.endpoint, arguments, method=method
            ), rule.rule


def test_starting_imports_no_library_only_some_requests_need():
    """A worker starting (``import wsgi``) leaves the collector on with what it made frozen,
    and has not imported the Markdown parser, lxml or cryptography: they are imported when
    text is rendered, a Word file read or a two-factor secret opened; nor the export model and
    builder or the Word file reader, imported when an export is made or a file sent."""
    probe = (
        "import gc, json, sys, wsgi;"
        "print(json.dumps([gc.isenabled(), gc.get_freeze_count(), sorted(sys.modules)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"ACCORD_ENV": "development", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    enabled, frozen, modules = json.loads(result.stdout)
    assert enabled and frozen > 10_000
    assert not {"markdown_it", "lxml.etree", "cryptography.fernet", "docx"} & set(modules)
    assert not {"app.exports.model", "app.exports.build", "app.word.preview"} & set(modules)
    assert "sqlalchemy.dialects.postgresql" not in modules  # on SQLite
