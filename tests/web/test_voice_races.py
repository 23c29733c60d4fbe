"""Webhooks of one call that arrive at the same moment, on SQLite and PostgreSQL.

Every webhook here reads its call before any of them writes (a barrier after the read), which
is the race the write path must settle: a webhook whose call changed since its read starts
over (voice_app.services.call_events); the same webhook delivered twice is stored once, under
its idempotency key, and every delivery hears the same answer.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from db.models import CallEvent
from db.models import KeyPress
from db.repositories import call_events as calls
from tests.web.conftest import Twilio
from tests.web.conftest import load
from tests.web.conftest import reload


@pytest.fixture
def after_every_first_read(monkeypatch):
    """Hold each thread's first read of the call until `parties` threads have read it."""

    def hold(parties: int) -> None:
        barrier, local, read = threading.Barrier(parties, timeout=20), threading.local(), calls.read_call

        def read_then_wait(*args, **kwargs):
            call = read(*args, **kwargs)
            if not getattr(local, "waited", False):
                local.waited = True
                barrier.wait()
            return call

        monkeypatch.setattr(calls, "read_call", read_then_wait)

    return hold


def key(action: str, digits: str):
    """Post the key `digits` to the menu's Gather `action`, as a fresh delivery would."""
    return lambda twilio: twilio.post(action, twilio.params(Digits=digits, CallStatus="in-progress"))


def at_once(app, attempt, *posts):
    """Run each `post(twilio)` in its own thread, with its own client; their responses."""
    def run(post):
        return post(Twilio(app.test_client(), attempt.token, attempt.provider_call_id))

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(run, posts))


@pytest.fixture
def at_the_menu(twilio):
    twilio.answer()
    twilio.amd("human")
    return twilio


def test_the_same_key_press_delivered_four_times_at_once_is_stored_once(app, veille, attempt, at_the_menu,
                                                                       after_every_first_read):
    after_every_first_read(4)
    responses = at_once(app, attempt, *[key(at_the_menu.gather_action(), "1")] * 4)
    assert [response.status_code for response in responses] == [200] * 4
    assert len({response.data for response in responses}) == 1, "every delivery hears the same goodbye"
    assert b"Hangup" in responses[0].data
    stored = reload(veille, attempt)
    assert (stored.outcome, stored.gather_turns) == ("ok", 1)
    answers = load(veille, KeyPress, attempt_id=attempt.id)
    assert [(answer.step, answer.key) for answer in answers] == [("menu", "1")]
    assert sum(event.kind == "gather" for event in load(veille, CallEvent, attempt_id=attempt.id)) == 1


def test_a_status_that_changes_nothing_delivered_three_times_at_once_is_stored_once(app, veille, attempt,
                                                                                    at_the_menu,
                                                                                    after_every_first_read):
    # The call is in progress already: the attempt's decision columns do not change, so every
    # delivery's write finds the attempt as it read it; the idempotency key settles it.
    after_every_first_read(3)
    responses = at_once(app, attempt, *[lambda twilio: twilio.status("in-progress", sequence=2)] * 3)
    assert [response.status_code for response in responses] == [200] * 3
    events = load(veille, CallEvent, attempt_id=attempt.id)
    assert [event.kind for event in events].count("status") == 1
    assert reload(veille, attempt).state == "in_progress"


def test_a_key_press_and_the_final_status_at_once_both_land(app, veille, attempt, at_the_menu,
                                                            after_every_first_read):
    after_every_first_read(2)
    press, status = at_once(app, attempt, key(at_the_menu.gather_action(), "2"),
                            lambda twilio: twilio.status("completed", sequence=3))
    assert press.status_code == status.status_code == 200
    stored = reload(veille, attempt)
    kinds = sorted(event.kind for event in load(veille, CallEvent, attempt_id=attempt.id))
    assert kinds.count("gather") + kinds.count("gather_late") == 1 and kinds.count("status") == 1
    assert stored.state == "ended" and stored.provider_status == "completed"
    if kinds.count("gather"):  # the key came first: it is kept, and the help request escalates
        assert [answer.key for answer in load(veille, KeyPress, attempt_id=attempt.id)] == ["2"]
    else:  # the hang-up came first: the key was too late and the call ended at the menu
        assert load(veille, KeyPress, attempt_id=attempt.id) == []


def test_a_status_read_just_before_the_dispatcher_stores_its_call_id_is_its_own(app, veille, attempt,
                                                                                  monkeypatch):
    # The provider calls back at once: the webhook reads the attempt with no call id yet, then
    # the dispatcher stores it, then the webhook checks that no other attempt holds that id.
    with veille.session_factory.begin() as session:
        session.get(type(attempt), attempt.id).provider_call_id = None
    sid, read = "CA" + "e" * 32, calls.read_call

    def read_then_dispatcher_stores(*args, **kwargs):
        call = read(*args, **kwargs)
        with veille.session_factory.begin() as session:
            session.get(type(attempt), attempt.id).provider_call_id = sid
        return call

    monkeypatch.setattr(calls, "read_call", read_then_dispatcher_stores)
    Twilio(app.test_client(), attempt.token, sid).status("ringing")
    [stored] = load(veille, type(attempt), id=attempt.id)
    assert stored.provider_status == "ringing" and stored.provider_call_id == sid
    assert [event.kind for event in load(veille, CallEvent, attempt_id=attempt.id)] == ["status"]
