"""How many SQL statements a webhook costs, counted on the engine: the hot path stays small.

A key press is one read, the event, the attempt and the answer; a status callback one read,
the event and the attempt (DESIGN §10: about 500 webhooks a second at 100 calls a second).
On PostgreSQL the writes are one statement, run without BEGIN or COMMIT: a key press or a
status callback is two statements in all. BEGIN is not a statement of the webhook's work and
is not counted.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from db.engine import is_sqlite
from tests.web.conftest import reload

MAX_PER_KEY_PRESS = 5
MAX_PER_STATUS_CALLBACK = 3


@contextmanager
def listening(engine, name: str, listener):
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(statement)

    with listening(engine, "before_cursor_execute", count):
        yield statements


@contextmanager
def counting_commits(engine):
    commits: list[object] = []
    with listening(engine, "commit", commits.append):
        yield commits


@pytest.fixture
def at_the_menu(twilio):
    twilio.answer()
    twilio.amd("human")
    return twilio


def test_a_key_press_at_the_menu_costs_at_most_five_statements(veille, at_the_menu, attempt):
    with counting(veille.engine) as statements:
        response = at_the_menu.press("1")
    assert response.status_code == 200 and at_the_menu.twiml.find("Hangup") is not None
    assert reload(veille, attempt).outcome == "ok"
    assert 0 < len(statements) <= MAX_PER_KEY_PRESS, statements


def test_a_key_that_moves_to_another_question_costs_at_most_five_statements(veille, at_the_menu):
    with counting(veille.engine) as statements:
        at_the_menu.press("2")
    assert at_the_menu.twiml.find("Gather") is not None
    assert 0 < len(statements) <= MAX_PER_KEY_PRESS, statements


def test_a_status_callback_costs_at_most_three_statements(veille, at_the_menu, attempt):
    at_the_menu.press("1")
    with counting(veille.engine) as statements:
        response = at_the_menu.status("completed")
    assert response.status_code == 200
    assert reload(veille, attempt).state == "ended"
    assert 0 < len(statements) <= MAX_PER_STATUS_CALLBACK, statements


def test_a_ringing_status_costs_at_most_three_statements(veille, twilio, attempt):
    with counting(veille.engine) as statements:
        twilio.status("ringing")
    assert reload(veille, attempt).state == "ringing"
    assert 0 < len(statements) <= MAX_PER_STATUS_CALLBACK, statements


@pytest.mark.parametrize("webhook", ["press", "status"])
def test_a_webhook_that_writes_only_its_own_rows_is_one_write_statement_on_postgresql(veille, at_the_menu,
                                                                                      webhook):
    if webhook == "status":
        at_the_menu.press("1")
    with counting(veille.engine) as statements, counting_commits(veille.engine) as commits:
        at_the_menu.press("1") if webhook == "press" else at_the_menu.status("completed")
    if is_sqlite(veille.engine):  # row by row, in one BEGIN IMMEDIATE transaction
        assert len(statements) == (4 if webhook == "press" else 3) and len(commits) == 1, statements
    else:  # one read, one write, each committing on its own: no BEGIN or COMMIT round trip
        assert len(statements) == 2 and statements[1].lstrip().startswith("WITH"), statements
        assert commits == []


def test_a_retried_key_press_costs_one_read(veille, at_the_menu):
    at_the_menu.press("1")
    action = at_the_menu.response.request.full_path  # the same Gather action, posted again
    with counting(veille.engine) as statements:
        at_the_menu.post(action.rstrip("?"), at_the_menu.params(Digits="1", CallStatus="in-progress"))
    assert len(statements) == 1, statements
