"""Twilio adapter: places calls, ends or redirects them and sends texts through the `twilio` package.

Theory of operation. The SDK builds every request (parameter names, repeated keys, URL) and parses
every success; `twilio_http.RebasedHttpClient` sends them to `TWILIO_API_BASE_URL` with explicit
timeouts and turns HTTP errors into `ApiFailure`. Each operation runs under tenacity with a retry
rule chosen by whether it is safe to repeat:

- Creating a call (or a text) is not: it is re-sent only when the provider certainly did not act
  (429; 503 with Retry-After; a connection that could not even be opened). A 5xx or a timeout after
  the request left may have placed the call: `AmbiguousProviderError`, never a second call.
- Fetching a call, and updating it to the same values, are: 429, 5xx and timeouts are retried.

A refused create raises `NumberRejected` when Twilio's error code is about the destination
number (twilio_http.NUMBER_REJECTED_CODES), else `ProviderUnavailable` (credentials, caller id,
account, permissions, throttling that outlasts the retries, provider unreachable): such a
refusal would meet every call, so the dispatcher gives the attempt back and pauses. Other
refusals raise `ProviderError`. Messages carry Twilio's error code and never a phone number.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState
from tenacity import Retrying
from tenacity import retry_if_exception
from tenacity import stop_after_attempt
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from voice_app.config import ConfigError
from voice_app.config import Settings
from voice_app.domain.phones import mask_phone
from voice_app.domain.provider import AmbiguousProviderError
from voice_app.domain.provider import NumberRejected
from voice_app.domain.provider import OutboundCall
from voice_app.domain.provider import ProviderError
from voice_app.domain.provider import ProviderUnavailable
from voice_app.telephony.twilio_http import TWILIO_API_BASE_URL
from voice_app.telephony.twilio_http import ApiFailure
from voice_app.telephony.twilio_http import RebasedHttpClient
from voice_app.telephony.twilio_http import about_the_number
from voice_app.telephony.twilio_http import certainly_not_processed
from voice_app.telephony.twilio_http import certainly_refused
from voice_app.telephony.twilio_http import describe
from voice_app.telephony.twilio_http import transient

log = logging.getLogger("veille.twilio")

RING_TIMEOUT_SECONDS = 50  # Twilio's default is 60; 50 s still lets an elderly tenant reach the phone
STATUS_CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")
CALL_NOT_IN_PROGRESS = 21220  # Twilio's error code for updating a call that has already ended

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up; tests shrink every figure."""

    attempts: int = 3
    first_wait: float = 0.5  # seconds, doubled after each failure
    max_wait: float = 4.0  # longest pause; a longer Retry-After is not waited for
    connect_timeout: float = 3.05
    read_timeout: float = 10.0  # a hung provider costs the dispatcher at most this per attempt
    sleep: Callable[[float], None] = time.sleep


class TwilioProvider:
    """The TelephonyProvider port over Twilio's REST API (or any API that speaks it)."""

    def __init__(self, account_sid: str, auth_token: str, from_number: str,
                 api_base_url: str = TWILIO_API_BASE_URL, retry: RetryPolicy | None = None) -> None:
        self._retry = retry or RetryPolicy()
        self._from_number = from_number
        self._http = RebasedHttpClient(api_base_url, self._retry.connect_timeout, self._retry.read_timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http,
                              user_agent_extensions=["veille"])

    @classmethod
    def from_settings(cls, settings: Settings, retry: RetryPolicy | None = None) -> TwilioProvider:
        """The adapter the settings describe; ConfigError when they cannot work."""
        missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
                   if not getattr(settings, name)]
        if missing:
            raise ConfigError("TELEPHONY_PROVIDER=twilio needs " + ", ".join(missing) + " to be set.")
        base = urlsplit(settings.TWILIO_API_BASE_URL)
        if base.scheme not in ("http", "https") or not base.netloc or base.query:
            raise ConfigError("TWILIO_API_BASE_URL must look like https://api.twilio.com, "
                              f"not {settings.TWILIO_API_BASE_URL!r}.")
        return cls(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER,
                   api_base_url=settings.TWILIO_API_BASE_URL, retry=retry)

    def place_call(self, call: OutboundCall) -> str:
        """Create the call; AmbiguousProviderError when it may exist although no CallSid came back."""
        created = self._once("create_call", lambda: self._client.calls.create(**self._call_parameters(call)))
        if not getattr(created, "sid", None):
            raise AmbiguousProviderError("Twilio create_call: success answer without a CallSid")
        log.info("twilio.call_created attempt=%s sid=%s to=%s", call.attempt_token, created.sid,
                 mask_phone(call.to_number))
        return created.sid

    def hang_up(self, provider_call_id: str) -> None:
        """End the call; a call that has already ended is left as it is."""
        updated = self._repeatable(
            "hang_up", lambda: self._client.calls(provider_call_id).update(status="completed"),
            tolerate=lambda failure: failure.code == CALL_NOT_IN_PROGRESS)
        ended_before = " already_ended=true" if updated is None else ""
        log.info("twilio.hung_up sid=%s%s", provider_call_id, ended_before)

    def redirect(self, provider_call_id: str, url: str) -> None:
        """Make the call in progress fetch its TwiML from `url` (POST); an ended call is refused."""
        self._repeatable("redirect",
                         lambda: self._client.calls(provider_call_id).update(url=url, method="POST"))
        log.info("twilio.redirected sid=%s", provider_call_id)

    def send_sms(self, to_number: str, body: str) -> str:
        """Text `to_number` from the service number; AmbiguousProviderError means maybe sent."""
        message = self._once("send_sms", lambda: self._client.messages.create(
            to=to_number, from_=self._from_number, body=body))
        if not getattr(message, "sid", None):
            raise AmbiguousProviderError("Twilio send_sms: success answer without a message sid")
        log.info("twilio.sms_sent sid=%s to=%s", message.sid, mask_phone(to_number))
        return message.sid

    def fetch_call_status(self, provider_call_id: str) -> str | None:
        """Twilio's status of the call; None when Twilio does not know it."""
        call = self._repeatable("fetch_call", lambda: self._client.calls(provider_call_id).fetch(),
                                tolerate=lambda failure: failure.status == 404)
        if call is None or call.status is None:
            return None
        return str(call.status)

    def close(self) -> None:
        """Release pooled connections (the process is shutting down)."""
        self._http.close()

    def _call_parameters(self, call: OutboundCall) -> dict:
        parameters = dict(
            to=call.to_number, from_=self._from_number, url=call.answer_url, method="POST",
            status_callback=call.status_callback_url, status_callback_method="POST",
            status_callback_event=list(STATUS_CALLBACK_EVENTS), timeout=RING_TIMEOUT_SECONDS,
        )
        if call.detect_machine:
            parameters.update(machine_detection="Enable", async_amd="true",
                              async_amd_status_callback=call.amd_callback_url,
                              async_amd_status_callback_method="POST")
        if call.fallback_url:
            parameters.update(fallback_url=call.fallback_url, fallback_method="POST")
        return parameters

    def _once(self, operation: str, send: Callable[[], T]) -> T:
        """Run a create: re-sent only when the provider certainly did not act on it."""
        try:
            return self._with_retries(operation, send, certainly_not_processed)
        except (ApiFailure, requests.RequestException) as error:
            if certainly_refused(error):
                raise _create_refused(operation, error) from error
            reason = describe(error)
            log.warning("twilio.outcome_unknown operation=%s reason=%s", operation, reason)
            raise AmbiguousProviderError(f"Twilio {operation}: outcome unknown ({reason})") from error
        except (TwilioException, ValueError) as error:  # a 2xx the SDK could not read: it did act
            raise AmbiguousProviderError(f"Twilio {operation}: unreadable answer") from error

    def _repeatable(self, operation: str, send: Callable[[], T],
                    tolerate: Callable[[ApiFailure], bool] = lambda failure: False) -> T | None:
        """Run a request that is safe to repeat: every transient failure is retried.

        A final failure that `tolerate` accepts (e.g. hanging up an ended call) returns None.
        """
        try:
            return self._with_retries(operation, send, transient)
        except ApiFailure as failure:
            if tolerate(failure):
                return None
            raise _refused(operation, failure) from failure
        except requests.RequestException as error:
            raise _refused(operation, error) from error
        except (TwilioException, ValueError) as error:
            raise ProviderError(f"Twilio {operation}: unreadable answer") from error

    def _with_retries(self, operation: str, send: Callable[[], T],
                      retryable: Callable[[BaseException], bool]) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            retry=retry_if_exception(lambda error: retryable(error) and self._worth_waiting(error)),
            wait=self._pause,
            sleep=self._retry.sleep,
            before_sleep=lambda state: log.warning(
                "twilio.retrying operation=%s attempt=%s reason=%s wait=%.2f", operation,
                state.attempt_number, describe(state.outcome.exception()), state.next_action.sleep),
            reraise=True,
        )
        return retrying(send)

    def _worth_waiting(self, error: BaseException) -> bool:
        retry_after = getattr(error, "retry_after", None)
        return retry_after is None or retry_after <= self._retry.max_wait

    def _pause(self, state: RetryCallState) -> float:
        """Retry-After when the provider gave one, else exponential backoff."""
        retry_after = getattr(state.outcome.exception(), "retry_after", None)
        if retry_after is not None:
            return retry_after
        return min(self._retry.first_wait * 2 ** (state.attempt_number - 1), self._retry.max_wait)


def _create_refused(operation: str, error: BaseException) -> ProviderError:
    """Nothing was created: because of the number, or for a reason every call would meet."""
    refusal = _refused(operation, error)
    if about_the_number(error):
        return NumberRejected(str(refusal))
    return ProviderUnavailable(str(refusal), code=getattr(error, "code", None),
                               status=getattr(error, "status", None))


def _refused(operation: str, error: BaseException) -> ProviderError:
    if isinstance(error, ApiFailure):
        log.warning("twilio.refused operation=%s status=%s code=%s", operation, error.status, error.code)
        return ProviderError(f"Twilio {operation} refused: {error}")
    log.warning("twilio.unreachable operation=%s reason=%s", operation, describe(error))
    return ProviderError(f"Twilio {operation} failed: provider unreachable ({describe(error)})")
