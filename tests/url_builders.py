"""Each test makes its own app, and each app's 150 routes had Werkzeug compile two URL builders
apiece (Python source built as a syntax tree and compiled): 40 ms of the 48 ms an app costs,
about two minutes of every run. The builders are the same for every app the tests make, so the
test processes compile each once (``memoise_url_builders``). The app itself is untouched.

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
