"""0: talk to someone now. The volunteers on duty ring at once; each leg is screened so a
volunteer's voicemail never takes the call; nobody -> an urgent follow-up."""

from __future__ import annotations

from db.models import FollowUp
from db.models import User
from tests.web.conftest import VOLUNTEER_PHONE
from tests.web.conftest import load
from tests.web.conftest import reload


def test_zero_rings_every_volunteer_on_duty_with_a_screening_url(veille, twilio, volunteer, organisation):
    with veille.session_factory.begin() as session:
        session.add(User(organisation_id=organisation.id, email="b2@example.org", display_name="Anne",
                         role="volunteer", on_duty=True, on_duty_phone="+33611111111"))
        session.add(User(organisation_id=organisation.id, email="b3@example.org", display_name="Off",
                         role="volunteer", on_duty=False, on_duty_phone="+33622222222"))
    twilio.answer()
    twilio.press("0")
    assert "Vous avez demandé à parler à quelqu'un." in twilio.says()
    dial = twilio.twiml.find("Dial")
    assert dial.get("action").endswith(f"/voice/calls/{twilio.token}/dial") and dial.get("method") == "POST"
    assert dial.get("callerId") == "+33159000000"
    numbers = dial.findall("Number")
    assert [n.text for n in numbers] == [VOLUNTEER_PHONE, "+33611111111"]
    assert {n.get("url") for n in numbers} == {f"https://veille.example.org/voice/calls/{twilio.token}/screen"}


def test_a_volunteer_who_presses_1_is_connected_and_the_call_is_a_live_transfer(veille, twilio, attempt,
                                                                               volunteer):
    twilio.answer()
    twilio.press("0")
    volunteer_leg = twilio.volunteer_leg()
    gather = volunteer_leg.twiml.find("Gather")
    assert "Un locataire demande à parler à un bénévole." in volunteer_leg.says()
    assert "Tapez 1 pour prendre l'appel." in volunteer_leg.says()
    assert gather.get("numDigits") == "1" and volunteer_leg.twiml.find("Hangup") is not None
    volunteer_leg.screen_answer("1")
    assert list(volunteer_leg.twiml) == [], "an empty document connects the volunteer"
    twilio.dial_result("completed")
    twilio.status("completed")
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome) == ("ended", "live_transfer")
    assert load(veille, FollowUp) == []


def test_a_volunteer_who_does_not_press_1_is_hung_up_and_the_transfer_is_missed(veille, twilio, attempt,
                                                                               volunteer):
    twilio.answer()
    twilio.press("0")
    volunteer_leg = twilio.volunteer_leg()
    volunteer_leg.screen_answer("2")
    assert volunteer_leg.twiml.find("Hangup") is not None
    twilio.dial_result("completed")  # the leg was answered (by a voicemail, say), never accepted
    assert "Un bénévole vous rappellera très vite." in twilio.says()
    stored = reload(veille, attempt)
    assert stored.outcome == "live_transfer_missed"
    [follow_up] = load(veille, FollowUp)
    assert (follow_up.reason, follow_up.priority) == ("live_transfer_missed", "urgent")


def test_nobody_picking_up_is_a_missed_transfer_with_an_urgent_follow_up(veille, twilio, attempt, volunteer):
    twilio.answer()
    twilio.press("0")
    twilio.dial_result("no-answer")
    assert twilio.twiml.find("Hangup") is not None
    assert reload(veille, attempt).outcome == "live_transfer_missed"
    assert [f.priority for f in load(veille, FollowUp)] == ["urgent"]


def test_nobody_on_duty_promises_a_call_at_once(veille, twilio, attempt):
    twilio.answer()
    twilio.press("0")
    assert twilio.twiml.find("Dial") is None
    assert "Aucun bénévole n'est disponible pour le moment." in twilio.says()
    assert "Un bénévole vous rappellera très vite." in twilio.says()
    assert reload(veille, attempt).outcome == "live_transfer_missed"
    assert [f.reason for f in load(veille, FollowUp)] == ["live_transfer_missed"]


def test_the_tenant_hanging_up_while_volunteers_ring_is_a_missed_transfer(veille, twilio, attempt, volunteer):
    twilio.answer()
    twilio.press("0")
    twilio.status("completed")
    assert reload(veille, attempt).outcome == "live_transfer_missed"
    assert [f.reason for f in load(veille, FollowUp)] == ["live_transfer_missed"]


def test_a_screening_answer_after_the_tenant_left_hangs_up_the_volunteer(veille, twilio, volunteer):
    twilio.answer()
    twilio.press("0")
    volunteer_leg = twilio.volunteer_leg()
    twilio.status("completed")
    volunteer_leg.screen_answer("1")
    assert volunteer_leg.twiml.find("Hangup") is not None
