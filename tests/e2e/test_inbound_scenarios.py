"""A person calls the service number."""

from __future__ import annotations

import pytest

from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP

UNKNOWN_CALLER = "+33147000000"


def test_a_known_tenant_calling_in_gets_the_menu(live):
    tenant = live.tenant()
    result = live.call_in(tenant.phone, Behaviour.presses("2", "2"))
    assert result.attempt.direction == "inbound" and result.attempt.tenant_id == tenant.id
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "help_food")
    assert result.follow_ups == [("help_food", "high")]
    assert result.call.statuses == ["completed"]


def test_an_unknown_caller_pressing_0_reaches_the_volunteer_on_duty(live):
    live.tenant()
    live.volunteer(VolunteerBehaviour.accepts())
    result = live.call_in(UNKNOWN_CALLER, Behaviour.presses("0"))
    assert result.attempt.tenant_id is None
    assert result.attempt.outcome == "live_transfer" and result.call.dial_legs[0].bridged
    assert result.follow_ups == []


def test_an_unknown_caller_with_nobody_on_duty_is_promised_a_call_back(live):
    result = live.call_in(UNKNOWN_CALLER, Behaviour.presses("0"))
    assert result.attempt.tenant_id is None and result.attempt.outcome == "live_transfer_missed"
    assert result.follow_ups == [("live_transfer_missed", "urgent")]
    assert result.call.dial_legs == []


def test_a_tenants_number_pressing_9_9_only_asks_and_the_next_call_confirms(live):
    tenant = live.tenant()
    asked = live.call_in(tenant.phone, Behaviour.presses("9", "9"))
    assert asked.attempt.outcome == "opt_out_requested"
    assert asked.follow_ups == [("opt_out_request", "low")]
    confirmed = live.call(tenant, Behaviour.presses("9"))
    assert confirmed.attempt.outcome == "opt_out"
