"""The IVR menu, one real call per scenario, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import PhoneSuppression
from db.models import Tenant
from voice_app.services.suppression import phone_hash
from voice_app.telephony.simulation.behaviours import SILENCE
from voice_app.telephony.simulation.behaviours import Behaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def test_pressing_1_ends_the_call_as_all_well_with_no_follow_up(live):
    result = live.call(live.tenant(), Behaviour.presses("1"))
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "ok")
    assert result.responses == [("menu", "1", "all_well")]
    assert result.follow_ups == []
    assert result.call.status == "completed" and result.call.keys == ["1"]
    assert result.attempt.answered_by == "human" and result.attempt.provider_call_id == result.call.sid


def test_saying_oui_is_all_well_too(live):
    result = live.call(live.tenant(), Behaviour.says("oui"))
    assert result.attempt.outcome == "ok"
    assert [(step, meaning) for step, _, meaning in result.responses] == [("menu", "all_well")]
    assert result.follow_ups == []


def test_pressing_2_then_1_is_an_urgent_health_follow_up(live):
    result = live.call(live.tenant(), Behaviour.presses("2", "1"))
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "help_health")
    assert result.responses == [("menu", "2", "need_help"), ("help", "1", "health")]
    assert result.follow_ups == [("help_health", "urgent")]


def test_pressing_2_then_saying_nothing_is_still_a_help_request(live):
    result = live.call(live.tenant(), Behaviour.presses("2"))
    assert result.attempt.outcome == "help_other"
    assert result.responses == [("menu", "2", "need_help")]
    assert result.follow_ups == [("help_other", "normal")]
    assert result.call.inputs == ["2", "silence", "silence"]  # the question is asked twice


def test_pressing_9_twice_stops_the_calls_and_keeps_the_number_only_as_a_hash(live):
    tenant = live.tenant()
    result = live.call(tenant, Behaviour.presses("9", "9"))
    assert result.attempt.outcome == "opt_out"
    assert result.responses == [("menu", "9", "stop"), ("stop_confirm", "9", "stop_confirmed")]
    assert result.follow_ups == [("opt_out", "low")]
    assert result.call.status == "completed" and result.attempt.state == "ended"
    assert result.attempt.to_number is None
    with live.veille.session_factory.begin() as session:
        stored = session.get(Tenant, tenant.id)
        assert stored.opted_out_at is not None and (stored.phone, stored.phone2) == (None, None)
        key = live.veille.settings.SUPPRESSION_KEY
        hashes = [s.phone_hash for s in session.scalars(select(PhoneSuppression))]
        assert hashes == [phone_hash(tenant.phone, key)]


def test_pressing_9_then_nothing_keeps_the_calls_and_asks_a_volunteer_to_call_back(live):
    tenant = live.tenant()
    result = live.call(tenant, Behaviour.presses("9"))
    assert result.attempt.outcome == "opt_out_unconfirmed"
    assert result.follow_ups == [("call_me_back", "normal")]
    with live.veille.session_factory.begin() as session:
        assert session.get(Tenant, tenant.id).opted_out_at is None
        assert session.scalars(select(PhoneSuppression)).all() == []


def test_three_silences_end_as_no_key_which_escalates(live):
    result = live.call(live.tenant(), Behaviour.silent())
    assert (result.attempt.state, result.attempt.outcome) == ("ended", "no_key")
    assert result.call.inputs == ["silence", "silence", "silence"]
    assert result.responses == []
    assert result.follow_ups == [("no_key", "high")]


def test_a_key_after_two_silences_is_still_heard(live):
    result = live.call(live.tenant(), Behaviour.presses(SILENCE, SILENCE, "1"))
    assert result.attempt.outcome == "ok" and result.follow_ups == []
