"""The HTTP layer under the Twilio SDK: where requests go and how long a Retry-After asks to wait."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from voice_app.telephony.twilio_http import ApiFailure
from voice_app.telephony.twilio_http import RebasedHttpClient
from voice_app.telephony.twilio_http import certainly_not_processed
from voice_app.telephony.twilio_http import certainly_refused
from voice_app.telephony.twilio_http import parse_retry_after
from voice_app.telephony.twilio_http import transient

CALLS_PATH = "/2010-04-01/Accounts/AC" + "0" * 32 + "/Calls.json"


def test_the_api_base_url_keeps_its_path_prefix():
    client = RebasedHttpClient("https://example.signalwire.com/api/laml/", 1, 1)
    url = f"https://api.twilio.com{CALLS_PATH}?PageSize=20"

    assert client.rebase(url) == f"https://example.signalwire.com/api/laml{CALLS_PATH}?PageSize=20"
    assert RebasedHttpClient("https://api.twilio.com", 1, 1).rebase(url) == url


def test_retry_after_is_read_as_seconds_or_as_a_date():
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Tue, 24 Nov 2026 09:30:05 GMT", now) == 5.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_an_error_answer_keeps_code_and_retry_after_but_not_the_phone_number():
    failure = ApiFailure.from_response(
        429, '{"code": 20429, "message": "Too many calls to +33612345678"}', {"Retry-After": "3"})

    assert (failure.status, failure.code, failure.retry_after) == (429, 20429, 3.0)
    assert "12345678" not in str(failure)


def test_an_error_answer_that_is_not_json_still_gives_its_status():
    failure = ApiFailure.from_response(502, "<html>Bad Gateway</html>", {})

    assert (failure.status, failure.code, failure.retry_after) == (502, None, None)


def test_only_throttling_and_503_with_retry_after_certainly_did_nothing():
    assert certainly_not_processed(ApiFailure(429, 20429, "", None))
    assert certainly_not_processed(ApiFailure(503, None, "", 1.0))
    assert not certainly_not_processed(ApiFailure(503, None, "", None))
    assert not certainly_not_processed(ApiFailure(500, None, "", None))
    assert certainly_refused(ApiFailure(400, 21211, "", None))
    assert not certainly_refused(ApiFailure(504, None, "", None))


def test_server_errors_and_throttling_are_transient_but_refusals_are_not():
    assert transient(ApiFailure(500, None, "", None))
    assert transient(ApiFailure(429, 20429, "", None))
    assert not transient(ApiFailure(400, 21211, "", None))
    assert not transient(ApiFailure(404, 20404, "", None))
