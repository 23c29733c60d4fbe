"""Migrations upgrade and downgrade cleanly, and the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db import migrate
from db.engine import make_engine
from db.models import Base


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(database_url):
    assert table_names(database_url) == set(Base.metadata.tables)
    migrate.downgrade(database_url, "base")
    assert table_names(database_url) == set()
    migrate.upgrade(database_url)
    assert table_names(database_url) == set(Base.metadata.tables)
    assert migrate.current(database_url) is not None


def test_migrated_schema_has_no_drift_from_the_models(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_the_unique_constraints_later_guarantees_rely_on_exist(database_url):
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        def uniques(table):
            found = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
            found |= {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]}
            return found
        assert ("tenant_id", "round_id", "attempt_number") in uniques("call_attempts")
        assert ("provider_call_id",) in uniques("call_attempts")
        assert ("tenant_id", "organisation_id") in uniques("enrolments")
        assert ("idempotency_key",) in uniques("call_events")
        assert ("organisation_id", "reference") in uniques("tenants")
    finally:
        engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_the_db_commands_downgrade_and_upgrade(app, database_url):
    runner = app.test_cli_runner()
    head = head_revision()
    assert runner.invoke(args=["db", "current"]).output.strip() == f"Base de données à la révision {head}."
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0 and table_names(database_url) == set()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0 and head in up.output
    assert table_names(database_url) == set(Base.metadata.tables)
