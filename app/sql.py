"""SQL the two databases spell differently, and SQL settled when a statement is compiled."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.functions import ReturnTypeFromArgs
from sqlalchemy.sql.visitors import InternalTraversal


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


class lowered(ReturnTypeFromArgs[Any]):  # a SQL function, named for what it gives
    """Its text argument in lower case, every letter of it: PostgreSQL's ``lower`` (Unicode
    in a UTF-8 database), and on SQLite Python's ``str.lower`` registered as
    ``unicode_lower`` (``register_sqlite_functions``): SQLite's own ``lower`` changes only
    A to Z, so "Ülker" never matched "ülker" there."""

    name = "lowered"
    inherit_cache = True


@compiles(lowered)
def _lowered(element: lowered, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "sqlite")
def _lowered_on_sqlite(element: lowered, compiler: Any, **kw: Any) -> str:
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    """The functions ``lowered`` needs on a new SQLite connection."""
    connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


def text_containing(column: Any, typed: str) -> ColumnElement[bool]:
    """Whether ``column`` contains the ``typed`` text, in any case of any letter, with
    ``%``, ``_`` and ``\\`` matching only themselves (they went into LIKE as wildcards: "%"
    found everyone)."""
    return lowered(column).contains(typed.lower(), autoescape=True)


def one_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN (...)`` for a set of values fixed when the statement is built (statuses,
    roles, audiences), written into the statement's SQL as literals when it is compiled
    (``Constant``), so nothing is left to do at each execution. A list given to ``in_``
    becomes one "expanding" parameter instead, which SQLAlchemy writes out into the SQL afresh
    at every execution: for the session lookup with the header's counts, five lists, about a
    third of its time in Python (and bound values cost their conversion each time too). No
    values: false. Lists of ids that vary from one execution to the next belong in ``in_``."""
    chosen = sorted(set(values), key=repr)  # one order, so one SQL, for any mix of types
    if not chosen:
        return false()
    return column.in_([Constant(value, column.type) for value in chosen])


class Constant(ColumnElement[Any]):
    """A value fixed when the statement is built, written into its SQL as a literal of
    ``type_`` (as ``literal_binds`` would write it: quotes doubled, and on PostgreSQL percent
    signs too) rather than bound and converted at each execution."""

    __visit_name__ = "accord_constant"
    inherit_cache = True
    _traverse_internals = [
        ("value", InternalTraversal.dp_plain_obj),
        ("type", InternalTraversal.dp_type),
    ]

    def __init__(self, value: Any, type_: Any) -> None:
        self.value = value
        self.type = type_


@compiles(Constant)
def _constant(element: Constant, compiler: Any, **kw: Any) -> str:
    return compiler.render_literal_value(element.value, element.type)


class comma_joined(ReturnTypeFromArgs[Any]):  # a SQL aggregate, named for what it gives
    """A group's strings joined with commas, in no set order: PostgreSQL's ``string_agg(x,
    ',')``, SQLite's ``group_concat(x, ',')``. The comma is written into the SQL: SQLAlchemy's
    ``aggregate_strings`` binds its separator as a value written out again at every execution.
    Give it text (cast an enum first)."""

    name = "comma_joined"
    inherit_cache = True


@compiles(comma_joined)
def _comma_joined(element: comma_joined, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


@compiles(comma_joined, "sqlite")
def _comma_joined_on_sqlite(element: comma_joined, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def at_or_before(column: Any, moment: Any) -> ColumnElement[bool]:
    """``column <= moment``, or always true when ``moment`` is None (no cut-off: a record as
    it is now, as ``lifecycle.record_as_of`` gives for a version not referred back)."""
    return true() if moment is None else column <= moment
