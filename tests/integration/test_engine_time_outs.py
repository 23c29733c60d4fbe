"""Every wait on the database is bounded by the process's budget, and a database that cannot
answer raises one type, DatabaseUnavailable, that callers turn into a clear answer (the CLI:
a French message within 10 s; see db/engine.py for the budgets)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError

from db.engine import BUDGETS
from db.engine import DatabaseUnavailable
from db.engine import Role
from db.engine import make_engine
from tests.faults import SilentListener
from tests.faults import closed_port
from tests.faults import held_lock
from tests.faults import postgres_url_at

CLI_BOUND_SECONDS = 10


def first_query(url: str, role: Role, sql: str = "SELECT 1") -> tuple[float, DatabaseUnavailable]:
    """Seconds until the query raised DatabaseUnavailable (it must), and the error."""
    engine = make_engine(url, role)
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable) as raised, engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()
    return time.monotonic() - started, raised.value


@pytest.mark.parametrize("role", [Role.CLI, Role.WEB, Role.CLOCK])
def test_a_closed_port_is_unavailable_at_once(role):
    seconds, error = first_query(postgres_url_at(closed_port()), role)
    assert seconds < 1 and error.reason == "unreachable"
    assert isinstance(error, OperationalError), "handlers of OperationalError still catch it"


@pytest.mark.slow
@pytest.mark.parametrize("role", [Role.CLI, Role.WEB])
def test_a_silent_listener_is_unavailable_after_the_connect_time_out(role):
    with SilentListener() as listener:
        seconds, error = first_query(postgres_url_at(listener.port), role)
    assert BUDGETS[role].connect_seconds - 0.5 < seconds < CLI_BOUND_SECONDS
    assert error.reason == "unreachable"


@pytest.mark.slow
@pytest.mark.parametrize("role", [Role.CLI, Role.WEB])
def test_a_table_locked_longer_than_the_budget_is_unavailable_in_time(database_url, role):
    with held_lock(database_url):
        seconds, error = first_query(database_url, role, "SELECT count(*) FROM call_attempts")
    assert seconds < CLI_BOUND_SECONDS and error.reason == "locked"


def test_a_wrong_statement_is_not_mistaken_for_an_unavailable_database(database_url):
    engine = make_engine(database_url, Role.WEB)
    try:
        with pytest.raises((ProgrammingError, OperationalError)) as raised, engine.connect() as connection:
            connection.execute(text("SELECT no_such_column FROM call_attempts"))
    finally:
        engine.dispose()
    assert not isinstance(raised.value, DatabaseUnavailable)
