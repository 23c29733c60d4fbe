"""The Twilio adapter over real HTTP, against a recording mock of Twilio's API on 127.0.0.1.

Retry pauses go to a list instead of the clock, so these tests never sleep.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import time

import pytest

from tests.twilio_mock import ACCOUNT_SID
from tests.twilio_mock import AUTH_TOKEN
from tests.twilio_mock import FROM_NUMBER
from tests.twilio_mock import ScriptedResponse
from tests.twilio_mock import TwilioMock
from tests.twilio_mock import twilio_error
from tests.twilio_mock import twilio_settings
from voice_app.bootstrap import build_telephony
from voice_app.config import ConfigError
from voice_app.domain.webhook_urls import outbound_call
from voice_app.services.ports import AmbiguousProviderError
from voice_app.services.ports import NumberRejected
from voice_app.services.ports import ProviderError
from voice_app.services.ports import ProviderUnavailable
from voice_app.telephony.twilio_provider import RetryPolicy
from voice_app.telephony.twilio_provider import TwilioProvider

TENANT_NUMBER = "+33612345678"
CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
INVALID_TO = "The 'To' number +33612345678 is not a valid phone number."


@pytest.fixture
def mock():
    with TwilioMock() as running:
        yield running


@pytest.fixture
def pauses() -> list[float]:
    return []


def fast_policy(pauses: list[float], **changes) -> RetryPolicy:
    values = dict(attempts=3, first_wait=0.01, max_wait=2.0, connect_timeout=0.5, read_timeout=0.3,
                  sleep=pauses.append)
    return RetryPolicy(**(values | changes))


@pytest.fixture
def provider(mock, pauses):
    adapter = TwilioProvider.from_settings(twilio_settings(mock.url), retry=fast_policy(pauses))
    yield adapter
    adapter.close()


def a_call(fallback: bool = True):
    call = outbound_call("https://veille.example.org", "tok-42", TENANT_NUMBER)
    return call if fallback else dataclasses.replace(call, fallback_url=None)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_placing_a_call_sends_every_parameter_veille_relies_on(provider, mock):
    sid = provider.place_call(a_call())

    [request] = mock.requests
    assert (request.method, request.path) == ("POST", CALLS_PATH)
    assert request.headers["authorization"].startswith("Basic ")
    assert request.value("To") == TENANT_NUMBER
    assert request.value("From") == FROM_NUMBER
    assert request.value("Url") == "https://veille.example.org/voice/calls/tok-42/answer"
    assert request.value("Method") == "POST"
    assert request.value("StatusCallback") == "https://veille.example.org/voice/calls/tok-42/status"
    assert request.values("StatusCallbackEvent") == ["initiated", "ringing", "answered", "completed"]
    assert request.value("StatusCallbackMethod") == "POST"
    assert request.value("Timeout") == "50"
    assert request.value("MachineDetection") == "Enable"
    assert request.value("AsyncAmd") == "true"
    assert request.value("AsyncAmdStatusCallback") == "https://veille.example.org/voice/calls/tok-42/amd"
    assert request.value("AsyncAmdStatusCallbackMethod") == "POST"
    assert request.value("FallbackUrl") == "https://veille.example.org/voice/calls/tok-42/fallback"
    assert sid in mock.calls and sid.startswith("CA")


def test_a_call_without_fallback_url_sends_no_fallback(provider, mock):
    provider.place_call(a_call(fallback=False))

    assert mock.requests[0].value("FallbackUrl") is None
    assert mock.requests[0].value("FallbackMethod") is None


def test_a_throttled_call_is_retried_after_a_backoff(provider, mock, pauses):
    mock.script(twilio_error(429, 20429, "Too Many Requests"))

    sid = provider.place_call(a_call())

    assert len(mock.requests) == 2
    assert sid in mock.calls
    assert pauses == [0.01]


def test_retry_after_is_honoured(provider, mock, pauses):
    mock.script(twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "2"}))

    provider.place_call(a_call())

    assert pauses == [2.0]


def test_a_retry_after_longer_than_we_wait_gives_up_without_a_call(provider, mock, pauses):
    mock.script(twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "120"}))

    with pytest.raises(ProviderError) as refused:
        provider.place_call(a_call())

    assert not isinstance(refused.value, AmbiguousProviderError)
    assert len(mock.requests) == 1
    assert pauses == []


def test_throttling_that_never_ends_is_a_certain_refusal(provider, mock):
    mock.script(*[twilio_error(429, 20429, "Too Many Requests")] * 3)

    with pytest.raises(ProviderError) as refused:
        provider.place_call(a_call())

    assert not isinstance(refused.value, AmbiguousProviderError)
    assert len(mock.requests) == 3
    assert mock.calls == {}


def test_a_503_with_retry_after_is_a_certain_no_and_is_retried(provider, mock, pauses):
    mock.script(twilio_error(503, 20503, "Service Unavailable", headers={"Retry-After": "1"}))

    sid = provider.place_call(a_call())

    assert sid in mock.calls
    assert pauses == [1.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_on_create_is_ambiguous_and_never_resent(provider, mock, status):
    mock.script(twilio_error(status, 20500, "Internal Server Error"))

    with pytest.raises(AmbiguousProviderError):
        provider.place_call(a_call())

    assert len(mock.requests) == 1


def test_a_read_timeout_on_create_is_ambiguous_and_never_resent(provider, mock):
    mock.script(ScriptedResponse(201, {"sid": "CA" + "1" * 32}, delay=3.0))
    started = time.monotonic()

    with pytest.raises(AmbiguousProviderError):
        provider.place_call(a_call())

    assert time.monotonic() - started < 2.0, "a hung provider must not hang the dispatcher"
    assert len(mock.requests) == 1


@pytest.mark.parametrize(("code", "message"), [(21211, INVALID_TO),
                                               (21215, "Account not authorized to call +33612345678.")])
def test_a_refused_number_is_a_provider_error_with_code_and_without_the_number(provider, mock, code, message):
    mock.script(twilio_error(400, code, message))

    with pytest.raises(ProviderError) as refused:
        provider.place_call(a_call())

    assert not isinstance(refused.value, AmbiguousProviderError)
    assert str(code) in str(refused.value)
    assert "12345678" not in str(refused.value)
    assert len(mock.requests) == 1


def test_an_unreachable_provider_is_retried_then_refused(pauses, caplog):
    provider = TwilioProvider.from_settings(twilio_settings(f"http://127.0.0.1:{unused_port()}"),
                                            retry=fast_policy(pauses))
    caplog.set_level(logging.WARNING, logger="veille.twilio")

    with pytest.raises(ProviderError) as refused:
        provider.place_call(a_call())

    assert not isinstance(refused.value, AmbiguousProviderError)
    assert pauses == [0.01, 0.02]
    assert [r.getMessage().split()[0] for r in caplog.records].count("twilio.retrying") == 2
    provider.close()


def test_wrong_credentials_are_refused_without_retry(mock, pauses):
    settings = dataclasses.replace(twilio_settings(mock.url), TWILIO_AUTH_TOKEN="not-the-token")
    provider = TwilioProvider.from_settings(settings, retry=fast_policy(pauses))

    with pytest.raises(ProviderError, match="20003"):
        provider.place_call(a_call())

    assert len(mock.requests) == 1
    provider.close()


@pytest.mark.parametrize("code", [21211, 21214, 21217, 13224])
def test_a_refusal_about_the_destination_number_is_a_rejected_number(provider, mock, code):
    mock.script(twilio_error(400, code, INVALID_TO))

    with pytest.raises(NumberRejected) as refused:
        provider.place_call(a_call())

    assert f"Twilio error {code}" in str(refused.value)
    assert TENANT_NUMBER not in str(refused.value)
    assert len(mock.requests) == 1


@pytest.mark.parametrize("status, code", [
    (400, 21210),  # the caller id is not a number of the account
    (400, 21212),  # invalid caller id
    (400, 21215),  # geographic permission for France not enabled
    (400, 13227),  # no international authorisation
    (401, 20005),  # account not active
    (403, 10001),  # account suspended
    (400, 21401),  # about a number of the account, not clearly about the destination
    (400, 99999),  # a code we do not know
])
def test_a_refusal_every_call_would_meet_is_the_provider_being_unavailable(provider, mock, status, code):
    mock.script(twilio_error(status, code, "The source phone number +33159000000 is not yours"))

    with pytest.raises(ProviderUnavailable) as refused:
        provider.place_call(a_call())

    assert (refused.value.code, refused.value.status) == (code, status)
    assert not isinstance(refused.value, NumberRejected | AmbiguousProviderError)
    assert "+33159000000" not in str(refused.value)
    assert mock.calls == {}


def test_wrong_credentials_are_the_provider_being_unavailable(mock, pauses):
    settings = dataclasses.replace(twilio_settings(mock.url), TWILIO_AUTH_TOKEN="not-the-token")
    provider = TwilioProvider.from_settings(settings, retry=fast_policy(pauses))

    with pytest.raises(ProviderUnavailable) as refused:
        provider.place_call(a_call())

    assert (refused.value.code, refused.value.status) == (20003, 401)
    provider.close()


def test_throttling_that_outlasts_the_retries_is_the_provider_being_unavailable(provider, mock):
    mock.script(*[twilio_error(429, 20429, "Too Many Requests")] * 3)

    with pytest.raises(ProviderUnavailable) as refused:
        provider.place_call(a_call())

    assert refused.value.code == 20429


def test_an_unreachable_provider_is_unavailable_not_a_bad_number(pauses):
    provider = TwilioProvider.from_settings(twilio_settings(f"http://127.0.0.1:{unused_port()}"),
                                            retry=fast_policy(pauses))

    with pytest.raises(ProviderUnavailable) as refused:
        provider.place_call(a_call())

    assert refused.value.code is None
    provider.close()


def test_hanging_up_completes_the_call(provider, mock):
    sid = provider.place_call(a_call())

    provider.hang_up(sid)

    assert mock.requests[-1].path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"
    assert mock.requests[-1].form == [("Status", "completed")]
    assert mock.calls[sid]["status"] == "completed"


def test_hanging_up_a_call_that_already_ended_is_quietly_accepted(provider, mock):
    sid = provider.place_call(a_call())
    mock.set_call_status(sid, "no-answer")

    provider.hang_up(sid)

    assert mock.answers[-1].status == 400


def test_hanging_up_is_retried_through_a_server_error(provider, mock, pauses):
    sid = provider.place_call(a_call())
    mock.script(twilio_error(500, 20500, "Internal Server Error"))

    provider.hang_up(sid)

    assert mock.calls[sid]["status"] == "completed"
    assert pauses == [0.01]


def test_redirecting_sends_the_new_url_by_post(provider, mock):
    sid = provider.place_call(a_call())

    provider.redirect(sid, "https://veille.example.org/voice/calls/tok-42/voicemail")

    assert mock.requests[-1].form == [("Url", "https://veille.example.org/voice/calls/tok-42/voicemail"),
                                      ("Method", "POST")]


def test_redirecting_an_ended_call_is_refused(provider, mock):
    sid = provider.place_call(a_call())
    mock.set_call_status(sid, "completed")

    with pytest.raises(ProviderError, match="21220"):
        provider.redirect(sid, "https://veille.example.org/voice/calls/tok-42/voicemail")


def test_a_text_message_is_sent_from_the_service_number(provider, mock):
    sid = provider.send_sms(TENANT_NUMBER, "Veille a essayé de vous joindre.")

    [request] = mock.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.value("To") == TENANT_NUMBER
    assert request.value("From") == FROM_NUMBER
    assert request.value("Body") == "Veille a essayé de vous joindre."
    assert sid in mock.messages


def test_a_text_that_timed_out_is_ambiguous_and_never_resent(provider, mock):
    mock.script(ScriptedResponse(201, {"sid": "SM" + "1" * 32}, delay=3.0))

    with pytest.raises(AmbiguousProviderError):
        provider.send_sms(TENANT_NUMBER, "Bonjour")

    assert len(mock.requests) == 1


def test_the_status_of_a_call_is_fetched(provider, mock):
    sid = provider.place_call(a_call())
    mock.set_call_status(sid, "in-progress")

    assert provider.fetch_call_status(sid) == "in-progress"
    assert mock.requests[-1].method == "GET"


def test_an_unknown_call_has_no_status(provider):
    assert provider.fetch_call_status("CA" + "f" * 32) is None


def test_fetching_a_status_is_retried_after_a_read_timeout(provider, mock, pauses):
    sid = provider.place_call(a_call())
    mock.script(ScriptedResponse(200, {}, delay=3.0))

    assert provider.fetch_call_status(sid) == "queued"
    assert pauses == [0.01]


def test_logs_never_show_the_phone_number_or_the_auth_token(provider, mock, caplog):
    caplog.set_level(logging.DEBUG)
    provider.place_call(a_call())
    mock.script(twilio_error(400, 21211, INVALID_TO))
    with pytest.raises(ProviderError):
        provider.place_call(a_call())
    provider.send_sms(TENANT_NUMBER, "Bonjour")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "twilio.call_created" in logged
    assert "12345678" not in logged
    assert AUTH_TOKEN not in logged


def test_bootstrap_builds_the_twilio_adapter_when_configured(mock):
    telephony = build_telephony(twilio_settings(mock.url))

    assert isinstance(telephony.provider, TwilioProvider)
    telephony.close()


def test_the_real_provider_never_dials_nor_texts_a_demo_number(mock):
    telephony = build_telephony(twilio_settings(mock.url))
    demo_call = outbound_call("https://veille.example.org", "tok-43", "+33199000007")

    with pytest.raises(NumberRejected, match="numéro fictif de démonstration"):
        telephony.place_call(demo_call)
    with pytest.raises(NumberRejected):
        telephony.send_sms("+33199009901", "Bonjour")
    assert mock.requests == []
    telephony.place_call(a_call())  # any other number goes through
    assert len(mock.requests) == 1
    telephony.close()


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"])
def test_missing_credentials_stop_the_adapter_from_starting(missing):
    broken = dataclasses.replace(twilio_settings("https://api.twilio.com"), **{missing: ""})

    with pytest.raises(ConfigError, match=missing):
        TwilioProvider.from_settings(broken)


def test_a_malformed_api_base_url_stops_the_adapter_from_starting():
    settings = twilio_settings("api.twilio.com")

    with pytest.raises(ConfigError, match="TWILIO_API_BASE_URL"):
        TwilioProvider.from_settings(settings)
