"""Signatures and bad input: a forged request changes nothing; garbage never causes a 500."""

from __future__ import annotations

import logging

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import TEST_AUTH_TOKEN
from tests.web.conftest import Twilio
from tests.web.conftest import inbound_call
from tests.web.conftest import reload
from tests.web.conftest import snapshot

HOOKS = ["answer", "status", "amd", "dial", "voicemail", "fallback", "screen", "screen/answer",
         "gather/menu?turn=1"]


@pytest.mark.parametrize("hook", HOOKS)
def test_a_forged_signature_is_refused_and_changes_nothing(veille, twilio, hook):
    before = snapshot(veille)
    params = twilio.params(Digits="9", CallStatus="busy")
    response = twilio.post(f"/voice/calls/{twilio.token}/{hook}", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert snapshot(veille) == before


def test_an_unsigned_request_is_refused(veille, client, twilio):
    before = snapshot(veille)
    response = client.post(f"/voice/calls/{twilio.token}/status", data=twilio.params(CallStatus="busy"))
    assert response.status_code == 403 and snapshot(veille) == before


def test_an_unsigned_inbound_call_opens_nothing(veille, client, tenant):
    before = snapshot(veille)
    response = client.post("/voice/inbound", data={"CallSid": "CA" + "2" * 32, "From": tenant.phone})
    assert response.status_code == 403 and snapshot(veille) == before


def test_a_request_signed_for_the_internal_host_is_refused(veille, twilio):
    """The public URL is authoritative: the Host header behind the proxy is not what was signed."""
    params = twilio.params(CallStatus="busy")
    internal = f"http://10.0.0.7:8000/voice/calls/{twilio.token}/status"
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(internal, params)
    assert twilio.post(internal, params, signature=signature).status_code == 403


def test_changing_a_parameter_after_signing_is_refused(veille, twilio, attempt):
    path = f"/voice/calls/{twilio.token}/status"
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(
        "https://veille.example.org" + path, twilio.params(CallStatus="ringing"))
    response = twilio.post(path, twilio.params(CallStatus="busy"), signature=signature)
    assert response.status_code == 403 and reload(veille, attempt).state == "queued"


def test_changing_the_query_after_signing_is_refused(veille, twilio):
    twilio.answer()
    url = twilio.gather_action()
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, twilio.params(Digits="1"))
    before = snapshot(veille)
    response = twilio.post(url.replace("turn=1", "turn=2"), twilio.params(Digits="1"), signature=signature)
    assert response.status_code == 403 and snapshot(veille) == before


@pytest.mark.parametrize("hook", ["answer", "status", "amd", "gather/menu?turn=1", "dial", "voicemail"])
def test_an_unknown_token_gets_a_polite_hang_up_and_no_write(veille, client, twilio, hook):
    stranger = Twilio(client, "not-a-token-we-know", "CA" + "9" * 32)
    before = snapshot(veille)
    response = stranger.post(f"/voice/calls/not-a-token-we-know/{hook}", stranger.params(CallStatus="busy"))
    assert response.status_code == 200
    assert stranger.twiml.find("Hangup") is not None
    assert "Nous ne pouvons pas donner suite à cet appel." in stranger.says()
    assert snapshot(veille) == before


def test_an_oversized_body_is_refused_cleanly_and_changes_nothing(veille, twilio):
    before = snapshot(veille)
    response = twilio.post(f"/voice/calls/{twilio.token}/status",
                           twilio.params(CallStatus="busy", Junk="x" * 70_000), signature="irrelevant")
    assert response.status_code == 413
    assert snapshot(veille) == before


def test_missing_digits_are_silence(veille, twilio, attempt):
    twilio.answer()
    twilio.post(twilio.gather_action(), twilio.params(Digits=""))
    assert "Je n'ai pas entendu votre réponse." in twilio.says()
    assert reload(veille, attempt).silences == 1


def test_a_gather_for_an_unknown_step_repeats_what_is_current(veille, twilio, attempt):
    twilio.answer()
    twilio.post(f"/voice/calls/{twilio.token}/gather/launch-missiles?turn=1", twilio.params(Digits="1"))
    assert twilio.response.status_code == 200 and twilio.twiml.find("Gather") is not None
    assert reload(veille, attempt).outcome is None


def test_a_gather_with_a_garbage_turn_changes_nothing(veille, twilio, attempt):
    twilio.answer()
    twilio.post(f"/voice/calls/{twilio.token}/gather/menu?turn=abc", twilio.params(Digits="1"))
    assert twilio.response.status_code == 200 and reload(veille, attempt).outcome is None


def test_a_late_gather_from_an_earlier_turn_changes_nothing(veille, twilio, attempt):
    twilio.answer()
    first = twilio.gather_action()
    twilio.press("9")
    twilio.post(first.replace("turn=1", "turn=1"), twilio.params(Digits="1", Extra="late"))
    stored = reload(veille, attempt)
    assert (stored.menu_step, stored.outcome) == ("stop_confirm", None)


def test_a_huge_speech_is_stored_safely(veille, twilio, attempt):
    twilio.answer()
    response = twilio.post(twilio.gather_action(), twilio.params(SpeechResult="aide " * 2000))
    assert response.status_code == 200 and reload(veille, attempt).menu_step == "help"


def test_the_fallback_apologises_and_gives_the_emergency_numbers(twilio):
    twilio.post(f"/voice/calls/{twilio.token}/fallback", twilio.params(ErrorCode="11200"))
    assert "Nous rencontrons un problème technique." in twilio.says()
    assert "En cas d'urgence, appelez le 15 ou le 112." in twilio.says()
    assert twilio.twiml.find("Hangup") is not None


def test_an_inbound_status_for_an_unknown_call_sid_is_answered_politely_without_a_write(veille, client,
                                                                                        tenant):
    stranger = Twilio(client, "", "CA" + "7" * 32)
    before = snapshot(veille)
    response = stranger.post("/voice/inbound/status", stranger.params(CallStatus="completed"))
    assert response.status_code == 200 and stranger.twiml.find("Hangup") is not None
    assert snapshot(veille) == before


def test_logs_of_a_whole_call_hold_no_phone_number_and_no_name(veille, client, twilio, tenant, caplog):
    logger = logging.getLogger("veille")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG, logger="veille"):
            twilio.answer()
            twilio.press("2")
            twilio.press("1")
            twilio.status("completed")
            inbound_call(client, tenant.phone2).press("9")
    finally:
        logger.removeHandler(caplog.handler)
    text = caplog.text
    assert "call.outcome" in text and "call.inbound" in text
    for secret in (tenant.phone, tenant.phone2, tenant.phone[3:], tenant.last_name, tenant.first_name):
        assert secret not in text


def test_a_real_provider_without_its_token_refuses_the_simulator_signature(veille, attempt):
    """TELEPHONY_PROVIDER=twilio and no TWILIO_AUTH_TOKEN: the simulator's public token must
    not open the webhooks (such settings also refuse to start, see tests/unit/test_config.py)."""
    from dataclasses import replace

    from voice_app.config import DEV_AUTH_TOKEN
    from voice_app.web import create_app

    no_token = replace(veille.settings, TELEPHONY_PROVIDER="twilio", TWILIO_AUTH_TOKEN="")
    unsafe = replace(veille, settings=no_token)
    client = create_app({"TESTING": True}, veille=unsafe).test_client()
    driver = Twilio(client, attempt.token, attempt.provider_call_id)
    url = f"https://veille.example.org/voice/calls/{attempt.token}/answer"
    params = driver.params(CallStatus="in-progress")
    before = snapshot(veille)
    signature = RequestValidator(DEV_AUTH_TOKEN).compute_signature(url, params)
    response = driver.post(url, params, signature=signature)
    assert response.status_code == 403 and snapshot(veille) == before
