"""One read-only statement run on the driver's own connection, for the unchanged live poll.

Running a statement through SQLAlchemy's ``Connection`` costs about 160 µs beyond the SQL
(the connection and execution context, events, parameter processing, the result object),
most of what an unchanged poll costs in the process; the statement itself takes about 15 µs.
``DriverStatement`` compiles a statement once for an engine's dialect: its SQL text, the
order of its parameters and every constant parameter already converted as SQLAlchemy would
convert it (an enum to its stored text, say). Each run converts only the parameters given,
takes a pooled connection (with the pool's own checks: ``app.connections.ping_when_idle``),
runs the statement on the driver's connection and returns the first row as the driver gives
it: plain values, so only statements whose columns need no conversion (numbers, text) may
use it; a test compares its rows with SQLAlchemy's on both databases.

On PostgreSQL the statement runs in autocommit, so no BEGIN or ROLLBACK is sent and the
prepared statements psycopg keeps on the connection (each is prepared at its fifth use)
survive. A driver error (the database gone, a prepared statement whose columns changed type
after a migration, a value the driver cannot send, such as a number too large for SQLite)
discards the connection, so the pool replaces it, and is raised as ``DriverStatementFailed``:
the caller leaves the request to the ordinary machinery, which meets the problem again and
answers as pages do.

It writes nothing: SQLAlchemy's notice of writes (``app.connections.end_reads_with_commit``)
never sees these statements, so only a plain SELECT may be given (checked when compiled).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError


class DriverStatementFailed(Exception):
    """The statement could not be run (the connection was discarded)."""


@dataclass(frozen=True)
class DriverStatement:
    """``statement`` compiled for one dialect (see the module's notes)."""

    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, or None: passed by name
    constants: Mapping[str, Any]  # every parameter with a value of its own, converted
    converters: Mapping[str, Callable[[Any], Any]]  # for the parameters given at each run
    autocommit: bool  # PostgreSQL: run outside a transaction

    @classmethod
    def compile(cls, statement: Select, engine: Engine) -> DriverStatement:
        """Raises ``ValueError`` for anything but a plain SELECT with fixed SQL (no list
        expanded into ``IN``, no value rendered into the text)."""
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a statement whose SQL changes with its parameters")
        if compiled.escaped_bind_names:
            raise ValueError("a parameter whose name the driver would need escaped")
        if not str(compiled).lstrip().upper().startswith("SELECT"):
            raise ValueError("only a SELECT runs on the driver's connection")
        converters: dict[str, Callable[[Any], Any]] = {}
        required: dict[str, None] = {}
        for bind, name in compiled.bind_names.items():
            converter = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if converter is not None:
                converters[name] = converter
            if bind.required:
                required[name] = None
        constants = compiled.construct_params(required, escape_names=False)
        for name, convert in converters.items():
            if name not in required:
                constants[name] = convert(constants[name])
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(
            sql=str(compiled),
            positions=positions,
            constants=constants,
            converters={name: converters[name] for name in required if name in converters},
            autocommit=dialect.name == "postgresql",
        )

    def first(self, engine: Engine, parameters: Mapping[str, Any]) -> tuple | None:
        """The first row for ``parameters`` (by name), or None; raises
        ``DriverStatementFailed``."""
        values = dict(self.constants)
        for name, value in parameters.items():
            converter = self.converters.get(name)
            values[name] = converter(value) if converter is not None else value
        arguments = (
            tuple(values[name] for name in self.positions) if self.positions is not None else values
        )
        try:
            pooled = engine.raw_connection()
        except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as error:  # cannot connect
            raise DriverStatementFailed from error
        try:
            driver: Any = pooled.driver_connection
            try:
                if self.autocommit:
                    driver.autocommit = True
                cursor = driver.cursor()
                try:
                    cursor.execute(self.sql, arguments)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                if self.autocommit:
                    driver.autocommit = False
            except Exception as error:  # the driver's errors, and values it cannot send
                pooled.invalidate(error)
                raise DriverStatementFailed from error
            except BaseException as error:  # a worker's time-out: never pool it in autocommit
                pooled.invalidate(error)
                raise
        finally:
            pooled.close()
        return tuple(row) if row is not None else None
