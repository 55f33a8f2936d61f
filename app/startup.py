"""What starting Accord costs, and the two things that keep it small.

Every start (the command line, each gunicorn worker, each test process) imports Flask,
SQLAlchemy and the app, maps the models and registers some 150 routes. Two costs there are
not the work itself:

- **Python's cyclic garbage collector.** Starting makes about 125,000 objects that live as long
  as the process (modules, classes, the models' mappings, compiled templates). The collector is
  triggered by how many objects are made, so it walks them all again and again while they are
  made, and finds almost nothing to free (a few hundred objects): about a third of the start-up
  time. ``wsgi.py`` pauses it while the app is imported and made (it must, before ``app`` is
  imported), then freezes what was made out of later collections (``gc.freeze``, as the Python
  documentation advises for a process that forks workers), so requests do not walk them
  either. Reference counting still frees what is no longer used meanwhile; only cycles wait.
- **URL builders.** Werkzeug compiles two builder functions for each route when it is added
  (Python source built as a syntax tree, then compiled): about 40 ms for 150 routes, most of
  which a command or a worker never builds a URL for. ``LazyBuilderRule`` compiles a route's
  builder the first time a URL is built for it, with Werkzeug's own code.

``bench/startup.py`` measures the command line's start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A Werkzeug ``Rule`` whose URL builders are compiled when first used, not when the rule
    is added (``Flask.url_rule_class``). Once compiled, the builder replaces the stand-in on
    the rule, so later URLs cost what they cost before."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_builder = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            built = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, attribute, built)
            return built(**values)

        return build
