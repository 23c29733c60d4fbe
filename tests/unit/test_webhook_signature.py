"""The signature check says what twilio's RequestValidator.validate says, for every URL form."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from voice_app.telephony.signature import is_signed

TOKEN = "a-secret-auth-token"
PARAMS = {"CallSid": "CA" + "1" * 32, "Digits": "1", "To": "+33612345678"}
URLS = ("https://veille.example/voice/calls/t0k/gather/menu?turn=1", "https://veille.example:443/voice/calls/t0k/status",
        "http://127.0.0.1:8000/voice/calls/t0k/status", "http://veille.example/voice/inbound")


@pytest.mark.parametrize("signed_url", URLS)
@pytest.mark.parametrize("checked_url", URLS)
@pytest.mark.parametrize("token", [TOKEN, "another-token"])
def test_the_check_agrees_with_the_request_validator(signed_url, checked_url, token):
    signature = RequestValidator(token).compute_signature(signed_url, PARAMS)
    expected = RequestValidator(TOKEN).validate(checked_url, PARAMS, signature)
    assert is_signed(TOKEN, checked_url, PARAMS, signature) is expected


def test_the_url_with_or_without_its_default_port_is_accepted_and_a_forged_signature_is_not():
    url = "https://veille.example/voice/calls/t0k/status"
    with_port = RequestValidator(TOKEN).compute_signature(url.replace(".example/", ".example:443/"), PARAMS)
    assert is_signed(TOKEN, url, PARAMS, RequestValidator(TOKEN).compute_signature(url, PARAMS))
    assert is_signed(TOKEN, url, PARAMS, with_port)
    assert not is_signed(TOKEN, url, {**PARAMS, "Digits": "2"}, with_port)
    assert not is_signed(TOKEN, url, PARAMS, "")
    assert not is_signed("", url, PARAMS, with_port)
