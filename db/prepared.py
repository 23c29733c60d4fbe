"""Core statements compiled once per dialect and run on the driver's own cursor: the webhooks'
hot path (DESIGN §10: about 500 webhooks a second on a small machine).

Why: running a cached statement through SQLAlchemy's `Connection.execute` costs about 0.2 ms
of CPU with psycopg (an execution context, the result's metadata built from the cursor's
description, 25 column objects for a wide row) where the driver itself costs about 0.07 ms;
a key press runs four statements and a webhook's CPU budget is a few milliseconds.

What is kept of SQLAlchemy: the statement is still a Core construct built from the models,
compiled by the dialect; values go through the column types' own bind and result processors
(UTC datetimes, JSON, booleans, the stored vocabularies' checks), so a value written or read
here is exactly what the ORM writes or reads; a driver error goes through the connection's
error handling (the engine's `handle_error` hook turns "cannot answer now" into
`DatabaseUnavailable`, a connection the server dropped is invalidated with the pool's older
ones, a unique violation is an `IntegrityError`); the engine's `before_cursor_execute`
listeners see every statement (the statement-count tests and benchmarks count them).

What is not: an execution context, events other than `before_cursor_execute`, and the
transaction bookkeeping of a statement run outside `Connection.begin()`. Run writes inside
one, or one statement alone in db.engine.`statements_on_their_own`; otherwise a statement is
the driver's own: autocommit on SQLite (as db.engine configures it), an implicit transaction
on PostgreSQL that the next commit or rollback ends.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from contextlib import closing
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Dialect
from sqlalchemy.sql import ClauseElement


class Prepared:
    """One statement of one dialect: its SQL, how its parameters are bound, how rows are read."""

    def __init__(self, statement: ClauseElement, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._compiled = compiled
        self._order = tuple(compiled.positiontup) if compiled.positional else None
        self._binds = {name: processor for name, bind in compiled.binds.items()
                       if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        columns = list(statement.exported_columns)  # a SELECT's columns, or a write's RETURNING
        self.columns = tuple(column.key for column in columns)
        self._results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                              for column in columns)

    def parameters(self, values: Mapping[str, Any]) -> dict | tuple:
        """The driver's parameters for `values` (named by the statement's bind names and column keys)."""
        bound = self._compiled.construct_params(dict(values))
        for name, processor in self._binds.items():
            if name in bound:
                bound[name] = processor(bound[name])
        return tuple(bound[name] for name in self._order) if self._order is not None else bound

    def run(self, connection: Connection, values: Mapping[str, Any]):
        """Execute on `connection`'s driver connection; the driver's cursor, to be closed by the caller."""
        return on_driver(connection, self.sql, self.parameters(values))

    def first(self, connection: Connection, values: Mapping[str, Any]) -> dict | None:
        """The first row as a dict keyed by the selected (or returned) columns' keys, or None."""
        with closing(self.run(connection, values)) as cursor:
            row = cursor.fetchone()
        if row is None:
            return None
        return {name: processor(value) if processor is not None else value
                for name, processor, value in zip(self.columns, self._results, row, strict=True)}

    def rowcount(self, connection: Connection, values: Mapping[str, Any]) -> int:
        """How many rows the statement changed."""
        with closing(self.run(connection, values)) as cursor:
            return cursor.rowcount


def on_driver(connection: Connection, sql: str, parameters: dict | tuple = (), handled: bool = True):
    """Run `sql` on the driver's cursor of `connection`, as the module docstring says; the
    cursor, to be closed by the caller. `handled=False`: the driver's error is raised as it is
    (the caller tries again)."""
    cursor = connection.connection.driver_connection.cursor()
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, cursor, sql, parameters, None, False)
    try:
        cursor.execute(sql, parameters)
    except connection.dialect.loaded_dbapi.Error as error:
        cursor.close()
        if not handled:
            raise
        # The same handling as a statement run by SQLAlchemy itself (see the module docstring).
        connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
    return cursor


def prepared(build: Callable[..., ClauseElement]) -> Callable[..., Prepared]:
    """Decorate a function that builds a statement from a dialect's name and options (hashable:
    the columns an UPDATE sets...): calling it with a connection and the same options gives
    that statement prepared once for the connection's dialect."""

    @lru_cache(maxsize=128)  # per engine's dialect: a process has one or two engines (tests: many)
    def of(dialect: Dialect, options: tuple) -> Prepared:
        return Prepared(build(dialect.name, *options), dialect)

    def for_connection(connection: Connection, *options) -> Prepared:
        return of(connection.dialect, options)

    return for_connection
