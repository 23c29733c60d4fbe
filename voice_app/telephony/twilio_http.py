"""The HTTP layer under the Twilio SDK: where requests go, how long we wait, what a failure means.

`RebasedHttpClient` is the SDK's own `TwilioHttpClient` (passed to `Client(http_client=...)`, the
SDK's supported extension point) with three changes: it sends to `TWILIO_API_BASE_URL` instead of
api.twilio.com (Twilio-compatible providers, a local mock), it always uses explicit connect and
read timeouts, and it raises `ApiFailure` for every HTTP error so the caller sees the status,
Twilio's error code and the Retry-After header together (the SDK's own exception drops headers).

The predicates at the bottom classify a failure for the retry policy of `twilio_provider`, and
tell a refusal about the destination number (that number cannot be called) from every other
refusal (credentials, caller id, account, permissions, throttling: no call would go through).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
from requests.exceptions import ChunkedEncodingError
from twilio.http.http_client import TwilioHttpClient
from urllib3.exceptions import NewConnectionError

from voice_app.domain.phones import mask_phones_in_text

TWILIO_API_BASE_URL = "https://api.twilio.com"

# Twilio error codes that are about the destination number itself, and only those: anything
# else (20003 credentials, 20005 account not active, 21210/21212 caller id, 21215/13227
# geographic permissions, 21219 trial account, 20429 throttling...) would refuse every call.
NUMBER_REJECTED_CODES = frozenset({
    21211,  # invalid 'To' phone number
    21214,  # 'To' phone number cannot be reached
    21217,  # phone number does not appear to be valid
    13223,  # invalid phone number format
    13224,  # Twilio does not support calling this number, or the number is invalid
    13226,  # invalid country code
    21610,  # the recipient unsubscribed (texts)
    21614,  # 'To' is not a valid mobile number (texts)
})

log = logging.getLogger("veille.twilio.http")


class ApiFailure(Exception):
    """The API answered with an HTTP error or a redirect.

    The message is masked: Twilio's messages may quote the phone number.
    """

    def __init__(self, status: int, code: int | None, message: str, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}, Twilio error {code}: {message}")
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @classmethod
    def from_response(cls, status: int, text: str, headers) -> ApiFailure:
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            payload = {}
        message = mask_phones_in_text(str(payload.get("message") or "no error message"))[:200]
        code = payload.get("code") if isinstance(payload.get("code"), int) else None
        return cls(status, code, message, parse_retry_after(headers.get("Retry-After")))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000" means UTC without saying so
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class RebasedHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, sending to another API base URL, with timeouts, raising ApiFailure."""

    def __init__(self, api_base_url: str, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(logger=log)
        # requests takes a (connect, read) pair; the base class only validates a single number.
        self.timeout = (connect_timeout, read_timeout)
        base_url = api_base_url.rstrip("/")
        self._base = None if base_url == TWILIO_API_BASE_URL else urlsplit(base_url)

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        response = super().request(method, self.rebase(url), params=params, data=data, headers=headers,
                                   auth=auth, timeout=timeout, allow_redirects=allow_redirects)
        if response.status_code >= 300:  # redirects are not followed: a moved API is a refusal
            raise ApiFailure.from_response(response.status_code, response.text, response.headers)
        return response

    def rebase(self, url: str) -> str:
        """`https://api.twilio.com/2010-04-01/...` -> `<base URL, path prefix kept>/2010-04-01/...`."""
        if self._base is None:
            return url
        parts = urlsplit(url)
        return urlunsplit((self._base.scheme, self._base.netloc, self._base.path + parts.path,
                           parts.query, ""))

    def log_request(self, kwargs) -> None:
        # One line, no headers, no body, no query: bodies and queries can hold phone numbers.
        log.debug("twilio.http_request method=%s path=%s", kwargs["method"], urlsplit(kwargs["url"]).path)

    def log_response(self, status_code, response) -> None:
        log.debug("twilio.http_response status=%s", status_code)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def failed_before_sending(error: BaseException) -> bool:
    """The connection was never opened (refused, unresolvable, connect timeout): nothing was sent."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError) and error.args:
        return isinstance(getattr(error.args[0], "reason", None), NewConnectionError)
    return False


def certainly_not_processed(error: BaseException) -> bool:
    """The provider certainly did nothing with the request, so even a create may be re-sent."""
    if isinstance(error, ApiFailure):
        return error.status == 429 or (error.status == 503 and error.retry_after is not None)
    return failed_before_sending(error)


def certainly_refused(error: BaseException) -> bool:
    """The provider certainly did not act: it said no (4xx) or never got the request."""
    if isinstance(error, ApiFailure) and error.status < 500:
        return True
    return certainly_not_processed(error)


def about_the_number(error: BaseException) -> bool:
    """A client error saying the destination number cannot be called (see NUMBER_REJECTED_CODES)."""
    return isinstance(error, ApiFailure) and 400 <= error.status < 500 and error.code in NUMBER_REJECTED_CODES


def transient(error: BaseException) -> bool:
    """A failure that may pass on its own: worth repeating a request that is safe to repeat."""
    if isinstance(error, ApiFailure):
        return error.status == 429 or error.status >= 500
    return isinstance(error, requests.ConnectionError | requests.Timeout | ChunkedEncodingError)


def describe(error: BaseException | None) -> str:
    """A short, number-free reason for logs and error messages: `http_503`, `ReadTimeout`..."""
    if isinstance(error, ApiFailure):
        return f"http_{error.status}"
    return type(error).__name__
