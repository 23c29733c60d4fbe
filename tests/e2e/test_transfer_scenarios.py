"""0: talk to someone now. The on-duty volunteers are rung, each leg screened with "tapez 1"."""

from __future__ import annotations

import pytest

from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def test_a_volunteer_who_presses_1_takes_the_call_and_no_task_is_needed(live):
    live.volunteer(VolunteerBehaviour.accepts())
    result = live.call(live.tenant(), Behaviour.presses("0"))
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "live_transfer")
    assert result.responses == [("menu", "0", "talk_now")]
    assert result.follow_ups == []
    leg = result.call.dial_legs[0]
    assert leg.bridged and leg.inputs == ["1"] and "Dial" in result.call.verbs


def test_a_volunteer_who_declines_leaves_an_urgent_task(live):
    live.volunteer(VolunteerBehaviour.declines())
    result = live.call(live.tenant(), Behaviour.presses("0"))
    assert result.attempt.outcome == "live_transfer_missed"
    assert result.follow_ups == [("live_transfer_missed", "urgent")]
    assert not result.call.dial_legs[0].bridged


def test_a_volunteers_voicemail_never_takes_the_call(live):
    live.volunteer(VolunteerBehaviour.voicemail())
    result = live.call(live.tenant(), Behaviour.presses("0"))
    assert result.attempt.outcome == "live_transfer_missed"
    assert result.follow_ups == [("live_transfer_missed", "urgent")]


def test_the_first_of_two_volunteers_who_accepts_takes_the_call(live):
    live.volunteer(VolunteerBehaviour.no_answer())
    live.volunteer(VolunteerBehaviour.accepts())
    result = live.call(live.tenant(), Behaviour.presses("0"))
    assert result.attempt.outcome == "live_transfer"
    assert [leg.bridged for leg in result.call.dial_legs] == [False, True]


def test_with_nobody_on_duty_the_tenant_is_told_and_an_urgent_task_is_opened(live):
    live.volunteer(VolunteerBehaviour.accepts(), on_duty=False)
    result = live.call(live.tenant(), Behaviour.presses("0"))
    assert result.attempt.outcome == "live_transfer_missed"
    assert result.follow_ups == [("live_transfer_missed", "urgent")]
    assert result.call.dial_legs == []
