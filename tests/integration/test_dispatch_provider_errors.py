"""What a provider's refusal does to a round: a bad number fails one attempt, a refusal every
call would meet (credentials, caller id, account) fails none and pauses dialling."""

from __future__ import annotations

import dataclasses
import logging
import secrets

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from tests.fakes import FakeTelephony
from tests.integration.test_dispatch import ManualTime
from tests.multiprocess_helpers import UNPACED
from tests.multiprocess_helpers import seed_due_attempts
from tests.twilio_mock import TwilioMock
from tests.twilio_mock import twilio_error
from tests.twilio_mock import twilio_settings
from voice_app.services.dialling import place_claimed_attempt
from voice_app.services.dispatch import DispatcherState
from voice_app.services.dispatch import dispatch_due_calls
from voice_app.services.ports import ProviderError
from voice_app.services.ports import ProviderUnavailable
from voice_app.telephony.twilio_provider import RetryPolicy
from voice_app.telephony.twilio_provider import TwilioProvider

WORKER = "test-host:1"
INVALID_TO = "The 'To' number +33600000000 is not a valid phone number."
NOT_OWNED = "The source phone number provided, +33159000000, is not yet verified for your account."


class RefusingTelephony(FakeTelephony):
    """Refuses every call with `error` until `working` is set."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.working = False
        self.attempts = 0

    def place_call(self, call):
        self.attempts += 1
        if not self.working:
            raise self.error
        return super().place_call(call)


@pytest.fixture
def twilio():
    with TwilioMock() as running:
        yield running


def twilio_adapter(mock, **changes):
    settings = dataclasses.replace(twilio_settings(mock.url), **changes)
    retry = RetryPolicy(attempts=3, first_wait=0.01, connect_timeout=0.5, read_timeout=0.5,
                        sleep=lambda seconds: None)
    return TwilioProvider.from_settings(settings, retry=retry)


def states(veille, ids):
    with veille.session_factory.begin() as session:
        rows = session.execute(select(CallAttempt.id, CallAttempt.state, CallAttempt.outcome,
                                      CallAttempt.claimed_by, CallAttempt.error)
                               .where(CallAttempt.id.in_(ids)).order_by(CallAttempt.id))
        return [tuple(row[1:]) for row in rows]


def test_bad_credentials_leave_every_attempt_due_and_pause_the_dialling(veille_with, now, caplog):
    telephony = RefusingTelephony(ProviderUnavailable("HTTP 401, Twilio error 20003: Authenticate",
                                                      code=20003, status=401))
    veille = veille_with(telephony)
    seeded = seed_due_attempts(veille.session_factory, 5, now=now)
    caplog.set_level(logging.INFO)
    time, state = ManualTime(), DispatcherState()

    def run():
        return dispatch_due_calls(veille, now, worker_id=WORKER, state=state, sleep=time.sleep,
                                  monotonic=time.monotonic)

    refused = run()
    assert (refused.claimed, refused.placed, refused.provider_paused, telephony.attempts) == (5, 0, True, 1)
    assert states(veille, seeded.attempt_ids) == [("due", None, None, None)] * 5
    [alarm] = [r for r in caplog.records if "dispatch.provider_unavailable" in r.getMessage()]
    assert alarm.levelno == logging.ERROR
    assert "code=20003" in alarm.getMessage() and "status=401" in alarm.getMessage()
    assert "+336" not in caplog.text

    time.now += 59
    paused = run()
    assert (paused.claimed, paused.provider_paused, telephony.attempts) == (0, True, 1)

    telephony.working = True
    time.now += 2
    resumed = run()
    assert (resumed.placed, len(telephony.placed)) == (5, 5)
    assert {state for state, *_ in states(veille, seeded.attempt_ids)} == {"queued"}


def test_a_refusal_that_does_not_say_it_is_about_the_number_fails_nobody(veille_with, now):
    veille = veille_with(RefusingTelephony(ProviderError("something went wrong")))
    seeded = seed_due_attempts(veille.session_factory, 3, now=now)
    summary = dispatch_due_calls(veille, now, worker_id=WORKER, sleep=ManualTime().sleep)
    assert summary.provider_paused
    assert {state for state, *_ in states(veille, seeded.attempt_ids)} == {"due"}


def test_a_pause_that_repeats_grows_longer(veille_with, now):
    telephony = RefusingTelephony(ProviderUnavailable("suspended", code=20005, status=401))
    veille = veille_with(telephony)
    seed_due_attempts(veille.session_factory, 2, now=now)
    time, state = ManualTime(), DispatcherState()
    dispatch_due_calls(veille, now, worker_id=WORKER, state=state, monotonic=time.monotonic)
    time.now += 61
    dispatch_due_calls(veille, now, worker_id=WORKER, state=state, monotonic=time.monotonic)
    assert telephony.attempts == 2
    assert state.pause.until - time.now == pytest.approx(120)


def test_through_twilio_bad_credentials_leave_the_round_due(veille_with, twilio, now):
    veille = veille_with(twilio_adapter(twilio, TWILIO_AUTH_TOKEN="not-the-token"))
    seeded = seed_due_attempts(veille.session_factory, 4, now=now)
    summary = dispatch_due_calls(veille, now, worker_id=WORKER, sleep=ManualTime().sleep)
    assert (summary.placed, summary.provider_paused) == (0, True)
    assert len(twilio.requests) == 1  # the first refusal stops the batch: no flood of 401s
    assert states(veille, seeded.attempt_ids) == [("due", None, None, None)] * 4
    veille.telephony.close()


def test_through_twilio_a_caller_id_not_owned_by_the_account_leaves_the_round_due(veille_with, twilio, now):
    veille = veille_with(twilio_adapter(twilio))
    seeded = seed_due_attempts(veille.session_factory, 4, now=now)
    twilio.script(twilio_error(400, 21210, NOT_OWNED))
    summary = dispatch_due_calls(veille, now, worker_id=WORKER, sleep=ManualTime().sleep)
    assert (summary.placed, summary.provider_paused, twilio.calls) == (0, True, {})
    assert {state for state, *_ in states(veille, seeded.attempt_ids)} == {"due"}
    veille.telephony.close()


def test_through_twilio_an_invalid_number_fails_that_attempt_alone(veille_with, twilio, now):
    veille = veille_with(twilio_adapter(twilio))
    seeded = seed_due_attempts(veille.session_factory, 3, now=now, policy=UNPACED)
    twilio.script(twilio_error(400, 21211, INVALID_TO))
    summary = dispatch_due_calls(veille, now, worker_id=WORKER)
    assert (summary.placed, summary.not_placed, summary.provider_paused) == (2, 1, False)
    rows = states(veille, seeded.attempt_ids)
    assert [row[:2] for row in rows] == [("ended", "failed"), ("queued", None), ("queued", None)]
    assert "Twilio error 21211" in rows[0][3] and "+336" not in rows[0][3]
    veille.telephony.close()


def test_a_test_call_the_provider_cannot_take_ends_cancelled_with_the_providers_error(veille_with, now):
    veille = veille_with(RefusingTelephony(ProviderUnavailable("HTTP 401, Twilio error 20003: Authenticate",
                                                        code=20003, status=401)))
    seeded = seed_due_attempts(veille.session_factory, 1, now=now)
    with veille.session_factory.begin() as session:
        session.add(CallAttempt(token=secrets.token_urlsafe(32), organisation_id=seeded.organisation_id,
                                tenant_id=seeded.tenant_ids[0], purpose="test", state="claimed", due_at=now,
                                claimed_at=now, claimed_by="calls-test", to_number="+33600000000"))
        session.flush()
        test_call = session.scalar(select(CallAttempt).where(CallAttempt.purpose == "test"))
        attempt_id, token = test_call.id, test_call.token
    assert place_claimed_attempt(veille, attempt_id, token, "+33600000000") is None
    [(state, outcome, _claimed_by, error)] = states(veille, [attempt_id])
    assert (state, outcome) == ("cancelled", None)
    assert "20003" in error
