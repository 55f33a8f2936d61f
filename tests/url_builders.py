"""Each test makes its own app, and each app's 150 routes had Werkzeug compile two URL builders
apiece (Python source built as a syntax tree and compiled): 40 ms of the 48 ms an app costs,
about two minutes of every run. The builders are the same for every app the tests make, so the
test processes compile each once (``memoise_url_builders``). Parsing each rule's text into its
matching parts was then most of what was left (30 ms of an app's 50 ms, a minute and a half
of a run's worker time); it too is the same for every app, so it is parsed once
(``memoise_rule_parsing``). The app itself is untouched.

A builder is a function of the rule's parsed form alone (``Rule._trace``: its static and
dynamic parts), its defaults (converted to text when it is compiled) and whether unknown
arguments become a query string; it reaches the rule's converters through its ``self``
argument when it is called. Those are the key.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule


def _key(rule: Rule, append_unknown: bool) -> tuple:
    defaults = rule.defaults or {}
    converted = tuple(
        sorted(
            (name, rule._converters[name].to_url(value) if name in rule._converters else value)
            for name, value in defaults.items()
        )
    )
    return (tuple(rule._trace), converted, append_unknown)


def memoise_url_builders() -> None:
    """Keep each URL builder Werkzeug compiles, for every later rule of the same form."""
    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "memoised", False):
        return
    made: dict[tuple, Any] = {}

    def memoised(self: Rule, append_unknown: bool = True) -> Any:
        key = _key(self, append_unknown)
        if key not in made:
            made[key] = compile_builder(self, append_unknown)
        return made[key]

    memoised.memoised = True  # type: ignore[attr-defined]
    Rule._compile_builder = memoised  # type: ignore[method-assign]


def memoise_rule_parsing() -> None:
    """Parse each rule's text once a process (``Rule._parse_rule``), then replay it for every
    later rule of the same text on a map with the same converters: the parts it yields (read
    only, by the matcher) are shared; what it records on the rule (its trace, its arguments
    and a converter object per argument, made by the rule's own map) is made again."""
    parse = Rule._parse_rule
    if getattr(parse, "memoised", False):
        return
    made: dict[tuple, tuple[list, list, list]] = {}

    def memoised(self: Rule, rule: str) -> list:
        assert self.map is not None
        key = (rule, tuple(sorted(self.map.converters.items())))
        if key not in made:
            converters: list[tuple] = []
            get_converter = self.get_converter

            def recording(variable, name, args, kwargs):
                converters.append((variable, name, args, kwargs))
                return get_converter(variable, name, args, kwargs)

            start = len(self._trace)
            self.get_converter = recording  # type: ignore[method-assign]
            try:
                parts = list(parse(self, rule))
            finally:
                del self.get_converter
            made[key] = (parts, self._trace[start:], converters)
            return parts
        parts, trace, converters = made[key]
        self._trace.extend(trace)
        for variable, name, args, kwargs in converters:
            self._converters[variable] = self.get_converter(variable, name, args, kwargs)
            self.arguments.add(variable)
        return parts

    memoised.memoised = True  # type: ignore[attr-defined]
    Rule._parse_rule = memoised  # type: ignore[method-assign]
