"""A database that cannot answer within the web's budget: every webhook still answers safe
TwiML (never a 500), well before Twilio's 15 s, and changes nothing; once the database is
back, the call's end opens the follow-up the tenant was promised.

Faults: a table locked longer than the budget (both backends), a closed port and a silent
listener (PostgreSQL). Durations are bounds, not benchmarks (figures: bench/db_faults.py).
"""

from __future__ import annotations

import time

import pytest

from db.engine import Role
from db.models import FollowUp
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_AUTH_TOKEN
from tests.faults import SilentListener
from tests.faults import closed_port
from tests.faults import held_lock
from tests.faults import postgres_url_at
from tests.web.conftest import Twilio
from tests.web.conftest import inbound_call
from tests.web.conftest import load
from tests.web.conftest import reload
from tests.web.conftest import snapshot
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.web import create_app

TWILIO_GIVES_UP_SECONDS = 15
CALL_BACK = "Un bénévole vous rappellera."


@pytest.fixture
def web(settings, telephony, now):
    """The web process's Veille: the web's database budget."""
    wired = bootstrap(settings, telephony=telephony, clock=lambda: now, role=Role.WEB)
    yield wired
    wired.close()


def client_of(veille):
    return create_app({"TESTING": True}, veille=veille).test_client()


def timed(action):
    started = time.monotonic()
    response = action()
    return response, time.monotonic() - started


@pytest.mark.slow
def test_a_key_pressed_while_the_calls_table_is_locked_gets_a_call_back_promise_it_keeps(
        veille, web, attempt, database_url):
    tenant_side = Twilio(client_of(web), attempt.token, attempt.provider_call_id)
    tenant_side.answer()
    before = snapshot(veille)
    with held_lock(database_url):
        response, seconds = timed(lambda: tenant_side.press("2"))
    assert response.status_code == 200 and seconds < TWILIO_GIVES_UP_SECONDS / 2
    assert CALL_BACK in tenant_side.says() and tenant_side.twiml.find("Hangup") is not None
    assert snapshot(veille) == before, "nothing recorded, nothing half-recorded"

    tenant_side.status("completed")  # the database is back: the call's end is recorded
    assert reload(veille, attempt).outcome == "no_key"
    assert [(f.reason, f.priority) for f in load(veille, FollowUp)] == [("no_key", "high")]


@pytest.mark.slow
@pytest.mark.parametrize("hook", ["answer", "status", "amd"])
def test_every_webhook_answers_safely_while_the_table_is_locked(veille, web, attempt, database_url, hook):
    tenant_side = Twilio(client_of(web), attempt.token, attempt.provider_call_id)
    before = snapshot(veille)
    with held_lock(database_url):
        response, seconds = timed(lambda: tenant_side.post(f"/voice/calls/{attempt.token}/{hook}",
                                                           tenant_side.params(AnsweredBy="human"),
                                                           document=False))
    assert response.status_code == 200 and seconds < TWILIO_GIVES_UP_SECONDS / 2
    assert response.mimetype == "text/xml"
    assert snapshot(veille) == before


@pytest.mark.slow
def test_an_inbound_call_that_cannot_be_recorded_is_asked_to_call_again(veille, web, tenant, database_url):
    before = snapshot(veille)
    with held_lock(database_url):
        caller = inbound_call(client_of(web), tenant.phone)
    assert caller.response.status_code == 200
    says = caller.says()
    assert "Merci de rappeler dans quelques minutes." in says and CALL_BACK not in says
    assert snapshot(veille) == before


def unreachable_database(kind: str):
    if kind == "closed_port":
        return postgres_url_at(closed_port()), None
    listener = SilentListener()
    return postgres_url_at(listener.port), listener


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["closed_port", "silent_listener"])
def test_a_webhook_answers_safe_twiml_when_the_database_is_unreachable(telephony, kind):
    url, listener = unreachable_database(kind)
    settings = Settings(DATABASE_URL=url, TWILIO_AUTH_TOKEN=TEST_AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC_BASE_URL)
    web = bootstrap(settings, telephony=telephony, role=Role.WEB)
    try:
        tenant_side = Twilio(client_of(web), "a" * 43, "CA" + "1" * 32)
        response, seconds = timed(tenant_side.answer)
    finally:
        web.close()
        if listener:
            listener.close()
    assert response.status_code == 200 and seconds < TWILIO_GIVES_UP_SECONDS / 2
    assert CALL_BACK in tenant_side.says()
