"""A signed webhook with a foreign CallSid or garbage fields: never a 500, and a foreign call
changes nothing (the token alone does not make a webhook ours)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from db.models import CallAttempt
from tests.web.conftest import Twilio
from tests.web.conftest import inbound_call
from tests.web.conftest import reload
from tests.web.conftest import snapshot

FOREIGN_SID = "CA" + "b" * 32


@pytest.mark.parametrize("hook", ["answer", "status", "amd", "gather/menu?turn=1", "dial"])
def test_a_foreign_call_sid_with_a_known_token_gets_a_polite_hang_up_and_no_write(veille, client, twilio,
                                                                                 hook):
    if hook != "answer":
        twilio.answer()
    before = snapshot(veille)
    stranger = Twilio(client, twilio.token, FOREIGN_SID)
    params = stranger.params(CallStatus="completed", AnsweredBy="machine_start", Digits="9",
                             DialCallStatus="completed", SequenceNumber="7")
    response = stranger.post(f"/voice/calls/{twilio.token}/{hook}", params)
    assert response.status_code == 200
    assert stranger.twiml.find("Hangup") is not None
    assert "Nous ne pouvons pas donner suite à cet appel." in stranger.says()
    assert snapshot(veille) == before


def test_a_foreign_call_sid_is_logged_by_attempt_without_numbers(veille, client, twilio, attempt, caplog):
    caplog.set_level("INFO", logger="veille")
    Twilio(client, twilio.token, FOREIGN_SID).answer()
    lines = [record.getMessage() for record in caplog.records]
    assert f"call.foreign_call_sid attempt_id={attempt.id} kind=answer" in lines
    assert not any("+33" in line or FOREIGN_SID in line for line in lines)


def test_a_call_without_a_stored_call_id_adopts_the_first_call_sid_and_refuses_another(veille, client,
                                                                                        make_attempt):
    fast = make_attempt(state="claimed")
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).where(CallAttempt.id == fast.id).values(provider_call_id=None))
    Twilio(client, fast.token, "CA" + "f" * 32).status("ringing", sequence=0)
    adopted = snapshot(veille)
    stranger = Twilio(client, fast.token, FOREIGN_SID)
    stranger.answer()
    assert stranger.twiml.find("Hangup") is not None and snapshot(veille) == adopted
    stored = reload(veille, fast)
    assert (stored.state, stored.provider_call_id) == ("ringing", "CA" + "f" * 32)


def test_a_call_sid_already_owned_by_another_attempt_is_not_adopted(veille, client, twilio, make_attempt):
    fast = make_attempt(state="claimed", call_sid="")
    before = snapshot(veille)
    Twilio(client, fast.token, twilio.call_sid).answer()
    assert snapshot(veille) == before and reload(veille, fast).provider_call_id == ""


def test_a_huge_call_sid_is_a_foreign_call_and_changes_nothing(veille, twilio):
    twilio.answer()
    before = snapshot(veille)
    response = twilio.post(twilio.gather_action(), twilio.params(CallSid="CA" + "z" * 5000, Digits="2"))
    assert response.status_code == 200 and snapshot(veille) == before


@pytest.mark.parametrize("turn", ["%C2%B2", "%D9%A3", "%EF%BC%91", "1%C2%B2", "99999999999999999999", "-1",
                                  "%00", "1.0", "%20"])
def test_a_gather_whose_turn_is_not_ascii_digits_is_answered_and_changes_nothing(veille, twilio, turn):
    twilio.answer()
    before = snapshot(veille)
    response = twilio.post(f"/voice/calls/{twilio.token}/gather/menu?turn={turn}", twilio.params(Digits="1"))
    assert response.status_code == 200 and twilio.twiml.find("Gather") is not None
    assert "Si tout va bien, tapez 1, ou dites oui." in twilio.says()
    assert snapshot(veille)["attempts"] == before["attempts"]


@pytest.mark.parametrize("digits", ["²", "١", "１", "12345", "\x00", "é", "1" * 5000])
def test_garbage_digits_are_a_key_not_on_the_menu(veille, twilio, attempt, digits):
    twilio.answer()
    response = twilio.press(digits)
    assert response.status_code == 200 and twilio.twiml.find("Gather") is not None
    stored = reload(veille, attempt)
    assert (stored.menu_step, stored.outcome, stored.silences) == ("menu", None, 1)


GARBAGE = [
    ("answer", {"CallSid": ""}),
    ("answer", {"CallSid": "ＣＡ１"}),
    ("status", {"CallStatus": "complétéd", "SequenceNumber": "1"}),
    ("status", {"CallStatus": "ＣＯＭＰＬＥＴＥＤ", "SequenceNumber": "2"}),
    ("status", {"CallStatus": "completed", "SequenceNumber": "9" * 5000}),
    ("status", {"CallStatus": "ringing", "SequenceNumber": "²"}),
    ("status", {"CallStatus": "completed", "CallDuration": "²", "SequenceNumber": "-1"}),
    ("status", {"CallStatus": "\x00"}),
    ("status", {"CallStatus": "ringing\x00", "SequenceNumber": "\x00\x01"}),
    ("status", {"CallStatus": "busy", "CallSid": ""}),
    ("amd", {"AnsweredBy": "🤖"}),
    ("amd", {"AnsweredBy": "machine_start" * 100}),
    ("amd", {"AnsweredBy": "\x00", "MachineDetectionDuration": "²"}),
    ("dial", {"DialCallStatus": "😀", "DialCallSid": "x" * 5000, "DialCallDuration": "²"}),
    ("dial", {"DialCallStatus": "", "DialCallSid": ""}),
    ("gather/menu?turn=1", {"SpeechResult": "ǅ\u0301\u200b" * 300, "Confidence": "NaN"}),
    ("gather/help?turn=%C2%B2", {"Digits": "²"}),
    ("gather/%C2%B2?turn=1", {"Digits": "1"}),
    ("voicemail", {"CallSid": ""}),
    ("fallback", {"ErrorCode": "²" * 50}),
    ("screen", {"CallSid": "", "ParentCallSid": "😀"}),
    ("screen/answer", {"Digits": "²", "CallSid": "😀" * 100}),
    ("screen/answer", {"Digits": "1"}),
    ("screen/answer", {"Digits": "1", "CallSid": "CA\x00"}),
    ("gather/menu?turn=1", {"Digits": "\x00", "SpeechResult": "oui\x00"}),
    ("gather/menu%00?turn=1", {"Digits": "1"}),
]


@pytest.mark.parametrize(("hook", "garbage"), GARBAGE)
def test_a_signed_webhook_with_garbage_never_gets_a_500(veille, twilio, hook, garbage):
    twilio.answer()
    response = twilio.post(f"/voice/calls/{twilio.token}/{hook}", twilio.params(**garbage), document=False)
    assert response.status_code < 500  # a path Twilio never requests may fail its signature: 403
    assert response.mimetype == "text/xml" or response.status_code != 200


@pytest.mark.parametrize("caller", ["😀" * 100, "", "+33" + "9" * 5000, "+33\x00612345678", "²"])
def test_an_inbound_call_with_a_garbage_caller_never_gets_a_500(veille, client, caller):
    call = inbound_call(client, caller)
    assert call.response.status_code == 200 and call.says()
    response = call.post("/voice/inbound/status", call.params(CallStatus="²"), document=False)
    assert response.status_code == 200


@pytest.mark.parametrize("call_sid", ["CA\x00" + "1" * 32, "²" * 40, "CA" + "1" * 100])
def test_an_inbound_call_with_a_garbage_call_sid_never_gets_a_500(veille, client, tenant, call_sid):
    call = inbound_call(client, tenant.phone, call_sid=call_sid)
    assert call.response.status_code == 200 and call.says()


def test_a_screening_leg_of_another_call_cannot_connect_a_volunteer(veille, twilio, attempt, volunteer):
    """A volunteer leg has its own CallSid; its ParentCallSid must be the tenant's call."""
    twilio.answer()
    twilio.press("0")
    leg = Twilio(twilio.client, twilio.token, FOREIGN_SID)  # its parent: another call
    leg.twiml = twilio.twiml
    leg.screen()
    before = snapshot(veille)
    leg.screen_answer("1")
    assert leg.twiml.find("Hangup") is not None and snapshot(veille) == before
    twilio.dial_result("completed")
    assert reload(veille, attempt).outcome == "live_transfer_missed"
