"""What the provider may do to us: repeat callbacks, deliver them late, or be impersonated."""

from __future__ import annotations

import pytest
import requests
from twilio.request_validator import RequestValidator

from db.models import CallEvent
from db.models import FollowUp
from db.models import KeyPress
from voice_app.domain.webhook_urls import call_path
from voice_app.telephony.simulation.behaviours import Behaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def _status_events(result) -> list[str]:
    return [key for kind, key in result.events if kind == "status"]


def test_duplicated_status_callbacks_are_stored_once(live):
    result = live.call(live.tenant(), Behaviour.presses("2", "1").with_duplicated_callbacks())
    assert result.call.statuses.count("completed") == 2
    assert len(_status_events(result)) == len(set(_status_events(result))) == 4
    assert result.attempt.outcome == "help_health"
    assert result.follow_ups == [("help_health", "urgent")]


def test_an_answer_callback_delivered_after_completed_changes_nothing(live):
    result = live.call(live.tenant(), Behaviour.presses("1").with_late_callbacks())
    assert result.call.statuses[-2:] == ["completed", "in-progress"]
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "ok")
    assert result.attempt.ended_at is not None


def test_a_forged_signature_is_refused_and_changes_nothing(live):
    tenant = live.tenant()
    result = live.call(tenant, Behaviour.presses("1"))
    url = live.url + call_path(result.attempt.token, "gather/menu") + "?turn=1"
    form = {"CallSid": result.call.sid, "Digits": "2"}
    before = (live.count(CallEvent), live.count(KeyPress), live.count(FollowUp))
    forged = RequestValidator("not-the-auth-token").compute_signature(url, form)
    responses = [
        requests.post(url, data=form, headers={"X-Twilio-Signature": forged}, timeout=5),
        requests.post(url, data=form, timeout=5),
        requests.post(live.url + call_path(result.attempt.token, "status"),
                      data={"CallSid": result.call.sid, "CallStatus": "in-progress"},
                      headers={"X-Twilio-Signature": forged}, timeout=5),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert (live.count(CallEvent), live.count(KeyPress), live.count(FollowUp)) == before
    assert live.outcome(result.attempt.id, result.call).attempt.outcome == "ok"


def test_a_correctly_signed_request_for_an_unknown_call_gets_a_polite_hang_up(live):
    url = live.url + call_path("no-such-token", "answer")
    form = {"CallSid": "CA" + "0" * 32, "CallStatus": "in-progress"}
    signature = RequestValidator(live.veille.settings.auth_token).compute_signature(url, form)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=5)
    assert response.status_code == 200 and "<Hangup" in response.text
    assert live.count(CallEvent) == 0
