"""Calls that never reach the tenant: machines, no answer, busy, wrong numbers, hang-ups."""

from __future__ import annotations

import pytest

from voice_app.telephony.simulation.behaviours import Behaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def _paths(call) -> list[str]:
    return [exchange.path.rsplit("/", 1)[-1] for exchange in call.exchanges]


def test_a_machine_on_a_middle_attempt_is_hung_up_on_without_a_message(live):
    result = live.call(live.tenant(), Behaviour.voicemail(), attempt_number=1)
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "voicemail")
    assert result.attempt.answered_by == "machine_start"
    assert result.call.hung_up_by == "api" and "voicemail" not in _paths(result.call)
    assert result.responses == [] and result.follow_ups == []


def test_a_machine_on_the_last_attempt_gets_a_short_message_to_call_back(live):
    result = live.call(live.tenant(), Behaviour.voicemail(), attempt_number=3, is_last_attempt=True)
    assert result.attempt.outcome == "voicemail"
    assert "voicemail" in _paths(result.call)
    assert "Vous pouvez nous rappeler au 01 59 00 00 00." in result.call.says  # TWILIO_FROM_NUMBER
    assert result.call.hung_up_by == "twiml" and result.follow_ups == []


@pytest.mark.parametrize("verdict", ["machine_end_beep", "machine_end_silence"])
def test_every_machine_verdict_is_a_voicemail(live, verdict):
    result = live.call(live.tenant(), Behaviour.voicemail(answered_by=verdict))
    assert (result.attempt.outcome, result.attempt.answered_by) == ("voicemail", verdict)


def test_a_fax_is_a_failed_call_never_retried(live):
    result = live.call(live.tenant(), Behaviour.voicemail(answered_by="fax"))
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "failed")
    assert result.follow_ups == []


def test_no_answer_is_retryable_and_needs_no_task(live):
    result = live.call(live.tenant(), Behaviour.no_answer())
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "no_answer")
    assert result.call.statuses == ["initiated", "ringing", "no-answer"]
    assert result.follow_ups == [] and result.attempt.answered_at is None


def test_a_busy_line_ends_as_busy(live):
    result = live.call(live.tenant(), Behaviour.busy())
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "busy")
    assert result.follow_ups == []


def test_a_wrong_number_fails(live):
    result = live.call(live.tenant(), Behaviour.wrong_number())
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "failed")
    assert result.attempt.provider_status == "failed"


def test_hanging_up_at_the_menu_is_no_key(live):
    result = live.call(live.tenant(), Behaviour.hangs_up())
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "no_key")
    assert result.call.hung_up_by == "tenant"
    assert result.follow_ups == [("no_key", "high")]


def test_hanging_up_at_the_help_question_still_escalates_the_help_request(live):
    result = live.call(live.tenant(), Behaviour.hangs_up("2"))
    assert result.attempt.outcome == "help_other"
    assert result.follow_ups == [("help_other", "normal")]
