"""SQL functions the two databases spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import ReturnTypeFromArgs


class greatest(ReturnTypeFromArgs[Any]):  # a SQL function, named as in SQL
    """The largest of its arguments (``greatest(a, b, ...)``, typed as its first): PostgreSQL's
    ``GREATEST``, SQLite's many-argument ``max()``. Give it no NULL: SQLite's answers NULL
    where PostgreSQL's passes over it."""

    name = "greatest"
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_on_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


class least(ReturnTypeFromArgs[Any]):  # a SQL function, named as in SQL
    """The smallest of its arguments: PostgreSQL's ``LEAST``, SQLite's many-argument
    ``min()``. Give it no NULL (as ``greatest``)."""

    name = "least"
    inherit_cache = True


@compiles(least, "sqlite")
def _least_on_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"
