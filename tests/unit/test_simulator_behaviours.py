"""The simulator's pure parts: behaviours, the seeded distribution, TwiML reading, time."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

import pytest

from voice_app.telephony.simulation.behaviours import HANG_UP
from voice_app.telephony.simulation.behaviours import SILENCE
from voice_app.telephony.simulation.behaviours import TENANT_DISTRIBUTION
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour
from voice_app.telephony.simulation.behaviours import key
from voice_app.telephony.simulation.behaviours import parse_behaviour
from voice_app.telephony.simulation.behaviours import random_behaviour
from voice_app.telephony.simulation.behaviours import word
from voice_app.telephony.simulation.timeline import CallControl
from voice_app.telephony.simulation.timeline import CalleeHungUp
from voice_app.telephony.simulation.timeline import ControlInbox
from voice_app.telephony.simulation.timeline import HangUpRequested
from voice_app.telephony.simulation.timeline import RedirectRequested
from voice_app.telephony.simulation.timeline import SimulationStopped
from voice_app.telephony.simulation.timeline import Timeline
from voice_app.telephony.simulation.twiml_player import TwimlPlayer
from voice_app.telephony.simulation.twiml_reader import InvalidTwiml
from voice_app.telephony.simulation.twiml_reader import Verb
from voice_app.telephony.simulation.twiml_reader import read_twiml


def test_presses_scripts_one_answer_per_prompt_in_order():
    behaviour = Behaviour.presses("2", SILENCE, "1")
    assert behaviour.answers == (key("2"), SILENCE, key("1"))
    assert behaviour.pickup == "answer" and behaviour.label == "presses 2 silence 1"


def test_hanging_up_mid_menu_answers_some_keys_then_hangs_up():
    assert Behaviour.hangs_up("2").answers == (key("2"), HANG_UP)


def test_a_voicemail_is_reported_as_a_machine_and_hangs_up_by_itself():
    machine = Behaviour.voicemail()
    assert machine.pickup == "voicemail" and machine.answered_by.startswith("machine")
    assert machine.hangs_up_after_seconds is not None


def test_callback_quirks_add_to_any_behaviour():
    quirky = Behaviour.presses("1").with_duplicated_callbacks().with_late_callbacks()
    assert quirky.duplicated_callbacks and quirky.late_callbacks and quirky.answers == (key("1"),)


def test_an_unknown_pickup_is_refused():
    with pytest.raises(ValueError):
        Behaviour(pickup="maybe")
    with pytest.raises(ValueError):
        VolunteerBehaviour(fate="maybe")


def test_a_volunteer_accepts_with_1_and_declines_by_hanging_up():
    assert VolunteerBehaviour.accepts().answers == (key("1"),)
    assert VolunteerBehaviour.declines().answers == (HANG_UP,)
    assert VolunteerBehaviour.voicemail().answers == ()


@pytest.mark.parametrize(("spec", "expected"), [
    ("press:2,1", Behaviour.presses("2", "1")),
    ("say:oui", Behaviour.says("oui")),
    ("silent", Behaviour.silent()),
    ("hang-up", Behaviour.hangs_up()),
    ("voicemail", Behaviour.voicemail()),
    ("no-answer", Behaviour.no_answer()),
    ("busy", Behaviour.busy()),
    ("failed", Behaviour.wrong_number()),
])
def test_a_behaviour_can_be_written_on_the_command_line(spec, expected):
    assert parse_behaviour(spec) == expected


@pytest.mark.parametrize("spec", ["", "press:", "dance", "silent:1", "say", "press:abc", "press:1,x"])
def test_a_behaviour_that_means_nothing_is_refused(spec):
    with pytest.raises(ValueError):
        parse_behaviour(spec)


def test_the_default_distribution_is_reproducible_from_its_seed():
    first = [random_behaviour(random.Random(f"7:{n}")) for n in range(50)]
    again = [random_behaviour(random.Random(f"7:{n}")) for n in range(50)]
    other = [random_behaviour(random.Random(f"8:{n}")) for n in range(50)]
    assert first == again and first != other


def test_the_default_distribution_has_realistic_proportions():
    assert sum(weight for weight, _ in TENANT_DISTRIBUTION) == 1000
    rng = random.Random(1)
    drawn = [random_behaviour(rng) for _ in range(20_000)]
    pickups = Counter(b.pickup for b in drawn)
    first_keys = Counter(b.answers[0].value for b in drawn if b.pickup == "answer" and b.answers)
    help_requests = first_keys["2"] + sum(1 for b in drawn if b.answers[:1] == (word("aide"),))
    assert 0.74 < pickups["answer"] / len(drawn) < 0.82
    assert 0.60 < first_keys["1"] / len(drawn) < 0.64
    assert 0.04 < help_requests / len(drawn) < 0.06
    assert all(pickups[p] > 0 for p in ("no-answer", "busy", "voicemail", "failed"))
    assert 0.005 < sum(b.duplicated_callbacks for b in drawn) / len(drawn) < 0.04


def test_twiml_is_read_into_verbs_with_their_nested_nouns():
    verbs = read_twiml(b'<?xml version="1.0"?><Response><Gather numDigits="1"><Say>Bonjour</Say></Gather>'
                       b'<Dial action="/d"><Number url="/s">+33612345678</Number></Dial><Hangup/></Response>')
    assert [v.name for v in verbs] == ["Gather", "Dial", "Hangup"]
    assert verbs[0].children[0] == Verb("Say", {}, "Bonjour")
    assert verbs[1].children[0].attributes == {"url": "/s"} and verbs[1].children[0].text == "+33612345678"


@pytest.mark.parametrize(("body", "code"), [
    (b"not xml", 12100),
    (b"<Html/>", 12100),
    (b"<Response><Record/></Response>", 12200),
    (b"<Response><Gather><Dial/></Gather></Response>", 12200),
    (b"<Response><Say><Pause/></Say></Response>", 12200),
])
def test_twiml_twilio_would_refuse_is_refused_with_its_error_code(body, code):
    with pytest.raises(InvalidTwiml) as raised:
        read_twiml(body)
    assert raised.value.code == code


def test_a_malformed_number_attribute_falls_back_to_twilios_default():
    assert Verb("Gather", {"timeout": "soon"}).number("timeout", 5.0) == 5.0


@pytest.mark.parametrize(("attributes", "keys", "digits", "finished"), [
    ({"numDigits": "1"}, "2", "2", ""),
    ({"numDigits": "1"}, "21", "2", ""),
    ({}, "1234#", "1234", "#"),
    ({"finishOnKey": "*"}, "12*3", "12", "*"),
    ({"finishOnKey": ""}, "12#", "12#", ""),
])
def test_digits_are_cut_like_twilio_does(attributes, keys, digits, finished):
    expected = {"Digits": digits, "FinishedOnKey": finished}
    assert TwimlPlayer._digits(Verb("Gather", attributes), keys) == expected


def make_timeline(scale=1000.0):
    return Timeline(scale, CallControl("CA1"), threading.Event())


def test_simulated_time_passes_faster_by_the_time_scale():
    timeline = make_timeline(scale=10_000)
    timeline.sleep(50)
    assert timeline.now == pytest.approx(50)


def test_side_events_fire_in_order_when_their_time_comes():
    timeline = make_timeline()
    fired = []
    timeline.at(3, lambda: fired.append(("amd", timeline.now)))
    timeline.at(1, lambda: fired.append(("first", timeline.now)))
    timeline.sleep(2)
    assert [name for name, _ in fired] == ["first"]
    timeline.sleep(2)
    assert [name for name, _ in fired] == ["first", "amd"] and fired[1][1] == pytest.approx(3)


def test_cancelled_events_never_fire():
    timeline = make_timeline()
    fired = []
    timeline.at(1, lambda: fired.append(1))
    timeline.cancel_events()
    timeline.sleep(2)
    assert fired == []


@pytest.mark.parametrize(("command", "raised"), [({"action": "hangup"}, HangUpRequested),
                                                 ({"action": "redirect", "url": "/x"}, RedirectRequested)])
def test_an_api_command_interrupts_a_wait(command, raised):
    timeline = make_timeline(scale=1.0)
    threading.Timer(0.02, timeline.control.push, args=(command,)).start()
    with pytest.raises(raised):
        timeline.sleep(30)
    assert timeline.now < 5


def test_the_callee_hangs_up_at_its_time():
    timeline = make_timeline()
    timeline.callee_hangs_up_at = 4
    with pytest.raises(CalleeHungUp):
        timeline.sleep(10)
    assert timeline.now == pytest.approx(4)


def test_stopping_the_simulator_interrupts_every_wait():
    timeline = make_timeline(scale=1.0)
    timeline.stopping.set()
    with pytest.raises(SimulationStopped):
        timeline.sleep(30)


def test_commands_cross_processes_through_the_inbox(tmp_path):
    inbox = ControlInbox(tmp_path / "inbox")
    inbox.post("CA1", {"action": "hangup"})
    inbox.post("CA2", {"action": "redirect", "url": "/x"})
    control = CallControl("CA1", inbox)
    assert control.pop() == {"action": "hangup"}
    assert control.pop() is None
    assert inbox.take("CA2") == [{"action": "redirect", "url": "/x"}] and inbox.take("CA2") == []


def test_time_cannot_stand_still():
    with pytest.raises(ValueError):
        make_timeline(scale=0)


def test_commands_nobody_took_for_an_hour_are_cleaned_up(tmp_path):
    inbox = ControlInbox(tmp_path / "inbox")
    inbox.post("CA-over", {"action": "hangup"})
    stale = next((tmp_path / "inbox").glob("CA-over.*.json"))
    an_hour_and_more_ago = time.time() - 3700
    os.utime(stale, (an_hour_and_more_ago, an_hour_and_more_ago))
    inbox.post("CA-live", {"action": "hangup"})
    assert not stale.exists()
    assert inbox.take("CA-live") == [{"action": "hangup"}]
