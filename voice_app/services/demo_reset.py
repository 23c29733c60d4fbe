"""`veille demo reset`: remove the demo organisation and everything under it, then seed again.

Only the organisation "Habitat Démo" is removed, never another landlord, and only with the
simulator: a database a real provider dials is never emptied by a demo command. A row belongs
to the organisation when its `organisation_id` says so or when a required (NOT NULL) foreign
key points at a row that belongs to it (a call's events, a tenant's numbers...). A row of
another organisation that merely mentions a demo row (an account created by the demo admin)
is kept, the mention set to NULL. Everything happens in one transaction: a failure loses nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement
from sqlalchemy import Table
from sqlalchemy import delete
from sqlalchemy import not_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from db.models import Organisation
from db.models.base import Base
from voice_app.services.demo import DEMO_CALLBACK_NUMBER
from voice_app.services.demo import DEMO_ORGANISATION
from voice_app.services.demo import DemoRefused
from voice_app.services.demo import SeedResult
from voice_app.services.demo import seed_demo
from voice_app.services.organisations import ensure_organisation
from voice_app.services.organisations import slugify
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.demo")


def reset_demo(veille: Runtime, *, tenants: int | None = None) -> SeedResult:
    """Remove "Habitat Démo" with all its data and seed a fresh demo (refused with a real provider)."""
    if veille.settings.TELEPHONY_PROVIDER != "simulator":
        raise DemoRefused(
            "Remise à zéro de la démonstration refusée : un opérateur téléphonique réel est configuré "
            f"(TELEPHONY_PROVIDER={veille.settings.TELEPHONY_PROVIDER}). Rien n'a été supprimé.")
    removed = remove_demo_organisation(veille)
    organisation = ensure_organisation(veille.session_factory, DEMO_ORGANISATION,
                                       service_numbers=[DEMO_CALLBACK_NUMBER])
    extra = {} if tenants is None else {"tenants": tenants}
    result = seed_demo(veille, organisation_id=organisation.id, **extra)
    log.info("demo.reset removed_rows=%d", removed)
    return result


def remove_demo_organisation(veille: Runtime) -> int:
    """Delete the demo organisation and its rows; the number of rows deleted (0 when absent)."""
    with veille.session_factory.begin() as session:
        organisation_id = session.scalar(select(Organisation.id).where(
            Organisation.slug == slugify(DEMO_ORGANISATION)))
        if organisation_id is None:
            return 0
        owned = _Ownership(organisation_id)
        tables = list(reversed(Base.metadata.sorted_tables))  # children first
        for table in tables:
            for statement in owned.detach_mentions(table):
                session.execute(statement)
        removed = 0
        for table in tables:
            condition = owned.condition(table)
            if condition is not None:
                removed += session.execute(delete(table).where(condition)).rowcount or 0
        return removed


class _Ownership:
    """Which rows of each table belong to one organisation (memoised SQL conditions)."""

    def __init__(self, organisation_id: int) -> None:
        self.organisation_id = organisation_id
        self._conditions: dict[str, ColumnElement[bool] | None] = {}

    def condition(self, table: Table) -> ColumnElement[bool] | None:
        if table.name not in self._conditions:
            self._conditions[table.name] = self._build(table)
        return self._conditions[table.name]

    def _build(self, table: Table) -> ColumnElement[bool] | None:
        conditions = []
        if table is Organisation.__table__:
            conditions.append(table.c.id == self.organisation_id)
        if "organisation_id" in table.c:
            conditions.append(table.c.organisation_id == self.organisation_id)
        for key in table.foreign_keys:
            parent = key.column.table
            if parent is table or key.parent.nullable:
                continue
            parent_condition = self.condition(parent)
            if parent_condition is not None:
                conditions.append(key.parent.in_(select(key.column).where(parent_condition)))
        return or_(*conditions) if conditions else None

    def detach_mentions(self, table: Table) -> list:
        """UPDATEs that set to NULL the optional mentions of demo rows in rows that stay."""
        own = self.condition(table)
        statements = []
        for key in table.foreign_keys:
            parent_condition = self.condition(key.column.table)
            if not key.parent.nullable or parent_condition is None:
                continue
            mentions = key.parent.in_(select(key.column).where(parent_condition))
            where = mentions if own is None else mentions & not_(own)
            statements.append(update(table).where(where).values({key.parent.name: None}))
        return statements
