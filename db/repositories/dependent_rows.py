"""Rows that go together: rows chosen in some tables, and every row that cannot live without them.

The retention purge and a tenant's erasure (and the access export, which reads what an erasure
would remove) name only the rows they start from (`roots`); the rest is read from the schema,
so a table added later is covered without touching this code:

- a row whose required (NOT NULL) foreign key points at a row of the set belongs to the set
  (a call's events and responses, a follow-up's bridged call-backs);
- a row that stays but mentions a row of the set in an optional foreign key keeps living, the
  mention set to NULL (a follow-up opened by a purged call); unless the set says optional keys
  belong too (`optional_keys_belong`: everything about an erased tenant goes, a text message
  about their task as much as their calls).

Everything runs in the caller's transaction: a failure deletes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import Column
from sqlalchemy import ColumnElement
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import not_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session


@dataclass
class Removal:
    """Rows deleted and rows detached (a mention set to NULL), per table name."""

    deleted: dict[str, int] = field(default_factory=dict)
    detached: dict[str, int] = field(default_factory=dict)

    def add(self, other: Removal) -> None:
        for mine, theirs in ((self.deleted, other.deleted), (self.detached, other.detached)):
            for name, count in theirs.items():
                mine[name] = mine.get(name, 0) + count


class RowSet:
    """The rows of `roots` ({table: condition}) and their dependants, as SQL conditions."""

    def __init__(self, metadata: MetaData, roots: Mapping[Table, ColumnElement[bool]], *,
                 optional_keys_belong: bool = False, follow_keys: bool = True) -> None:
        self.metadata = metadata
        self.optional_keys_belong = optional_keys_belong
        self.follow_keys = follow_keys  # False: the roots are the whole set (materialised)
        self.roots = {table.name: condition for table, condition in roots.items()}
        self._conditions: dict[str, ColumnElement[bool] | None] = {}

    def condition(self, table: Table) -> ColumnElement[bool] | None:
        """Which rows of `table` belong to the set (None: none can)."""
        if table.name not in self._conditions:
            self._conditions[table.name] = None  # a cycle of required keys stops here
            self._conditions[table.name] = self._build(table)
        return self._conditions[table.name]

    def _build(self, table: Table) -> ColumnElement[bool] | None:
        conditions = [self.roots[table.name]] if table.name in self.roots else []
        for key in self._keys(table) if self.follow_keys else ():
            parent_condition = self.condition(key.column.table)
            if parent_condition is not None:
                conditions.append(key.parent.in_(select(key.column).where(parent_condition)))
        return or_(*conditions) if conditions else None

    def _keys(self, table: Table):
        """The foreign keys that make a row of `table` belong to the set when its parent does."""
        return [key for key in table.foreign_keys if key.column.table is not table
                and (not key.parent.nullable or self.optional_keys_belong)]

    def materialise(self, session: Session) -> RowSet:
        """The same rows, each table's read once by primary key, parents first, and its children
        found by those ids: a small set (one tenant's) then costs index lookups, never a scan the
        planner might choose for nested subqueries."""
        found: dict[str, list] = {}
        fixed: dict[Table, ColumnElement[bool]] = {}
        for table in self.tables():
            conditions = [self.roots[table.name]] if table.name in self.roots else []
            for key in self._keys(table):
                parent = key.column.table
                if parent.name in found and list(parent.primary_key.columns) == [key.column]:
                    conditions.append(key.parent.in_(found[parent.name]))
                elif self.condition(parent) is not None:
                    conditions.append(key.parent.in_(select(key.column).where(self.condition(parent))))
            condition = or_(*conditions)
            keys = list(table.primary_key.columns)
            if len(keys) == 1:
                found[table.name] = list(session.scalars(select(keys[0]).where(condition)))
                condition = keys[0].in_(found[table.name])
            fixed[table] = condition
        return RowSet(self.metadata, fixed, optional_keys_belong=self.optional_keys_belong, follow_keys=False)

    def tables(self) -> list[Table]:
        """The tables the set has rows in, parents first."""
        return [table for table in self.metadata.sorted_tables if self.condition(table) is not None]

    def mentions(self, table: Table) -> Iterator[tuple[Column, ColumnElement[bool]]]:
        """(optional key, which rows) of `table` that stay but point into the set."""
        own = self.condition(table)
        for key in table.foreign_keys:
            parent_condition = self.condition(key.column.table)
            if not key.parent.nullable or parent_condition is None:
                continue
            where = key.parent.in_(select(key.column).where(parent_condition))
            yield key.parent, (where if own is None else where & not_(own))

    def counts(self, session: Session) -> dict[str, int]:
        """Rows of the set, per table (what a removal would delete)."""
        counts = {}
        for table in self.tables():
            counts[table.name] = session.scalar(select(func.count()).select_from(table)
                                                .where(self.condition(table))) or 0
        return counts

    def rows(self, session: Session, table: Table) -> list[dict]:
        """The set's rows of `table`, oldest first, as {column: value}."""
        condition = self.condition(table)
        if condition is None:
            return []
        order = list(table.primary_key.columns)
        found = session.execute(select(table).where(condition).order_by(*order)).mappings()
        return [dict(row) for row in found]

    def remove(self, session: Session) -> Removal:
        """Detach the mentions that stay, then delete the set, children first."""
        removal = Removal()
        children_first = list(reversed(self.metadata.sorted_tables))
        for table in children_first:
            for column, where in self.mentions(table):
                count = session.execute(update(table).where(where).values({column.name: None})).rowcount or 0
                if count:
                    removal.detached[table.name] = removal.detached.get(table.name, 0) + count
        for table in children_first:
            condition = self.condition(table)
            if condition is None:
                continue
            count = session.execute(delete(table).where(condition)).rowcount or 0
            if count:
                removal.deleted[table.name] = count
        return removal


def tables_referring_to(metadata: MetaData, target: Table) -> Iterator[tuple[Table, Column]]:
    """Every (table, column) whose foreign key points at `target`'s rows."""
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is target and table is not target:
                yield table, key.parent
