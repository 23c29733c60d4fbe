"""The simulator's <Dial>: simultaneous ringing, screening on the volunteer's side, DialCallStatus."""

from __future__ import annotations

import pytest

from tests.integration.simulator_double import OTHER_VOLUNTEER
from tests.integration.simulator_double import VOLUNTEER
from tests.integration.simulator_double import play
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour

SCREENED_DIAL = (f'<Response><Dial action="/dialled" timeout="20"><Number url="/screen">{VOLUNTEER}</Number>'
                 "</Dial></Response>")
SCREEN = ('<Response><Gather action="/screened" numDigits="1" timeout="5"><Say>Tapez 1.</Say></Gather>'
          "<Hangup/></Response>")


def _screened(form):
    return "<Response/>" if form.get("Digits") == "1" else "<Response><Hangup/></Response>"


def dial_scenario(simulator, double, volunteer):
    double.replies.update({"/menu": SCREENED_DIAL, "/screen": SCREEN, "/screened": _screened,
                           "/dialled": "<Response><Hangup/></Response>"})
    simulator.script_volunteer(VOLUNTEER, volunteer)
    return play(simulator, double, Behaviour.presses("0"))


def test_a_volunteer_who_presses_1_at_screening_is_bridged(simulator, double):
    call = dial_scenario(simulator, double, VolunteerBehaviour.accepts())
    dialled = double.requests_to("/dialled")[0]
    assert dialled["DialCallStatus"] == "completed" and dialled["DialBridged"] == "true"
    assert int(dialled["DialCallDuration"]) > 0
    screen = double.requests_to("/screen")[0]
    assert screen["Direction"] == "outbound-dial" and screen["ParentCallSid"] == call.sid
    assert screen["To"] == VOLUNTEER and screen["CallSid"] == dialled["DialCallSid"]
    assert call.dial_legs[0].bridged and call.dial_legs[0].inputs == ["1"]


def test_a_volunteer_who_hangs_up_at_screening_is_not_bridged(simulator, double):
    call = dial_scenario(simulator, double, VolunteerBehaviour.declines())
    assert double.requests_to("/dialled")[0]["DialCallStatus"] == "no-answer"
    assert double.requests_to("/screened") == [] and not call.dial_legs[0].bridged


def test_a_volunteers_voicemail_is_kept_out_by_the_screening(simulator, double):
    call = dial_scenario(simulator, double, VolunteerBehaviour.voicemail())
    assert double.requests_to("/dialled")[0]["DialCallStatus"] == "no-answer"
    assert call.dial_legs[0].inputs == ["silence"]


@pytest.mark.parametrize(("volunteer", "status"), [(VolunteerBehaviour.no_answer(), "no-answer"),
                                                    (VolunteerBehaviour.busy(), "busy")])
def test_a_volunteer_who_does_not_pick_up_gives_the_dial_status(simulator, double, volunteer, status):
    dial_scenario(simulator, double, volunteer)
    assert double.requests_to("/dialled")[0]["DialCallStatus"] == status
    assert double.requests_to("/screen") == []


def test_simultaneous_ringing_bridges_the_first_volunteer_who_accepts(simulator, double):
    double.replies["/menu"] = SCREENED_DIAL.replace(
        "</Dial>", f'<Number url="/screen">{OTHER_VOLUNTEER}</Number></Dial>')
    double.replies.update({"/screen": SCREEN, "/screened": _screened, "/dialled": "<Response/>"})
    simulator.script_volunteer(VOLUNTEER, VolunteerBehaviour.declines())
    simulator.script_volunteer(OTHER_VOLUNTEER, VolunteerBehaviour.accepts())
    call = play(simulator, double, Behaviour.presses("0"))
    assert [leg.bridged for leg in call.dial_legs] == [False, True]
    assert double.requests_to("/dialled")[0]["DialCallStatus"] == "completed"
