"""Signed webhook requests, exactly as Twilio sends them, and only to PUBLIC_BASE_URL.

Twilio signs the full URL followed by every POST parameter sorted by name
(`X-Twilio-Signature`, HMAC-SHA1 with the account's auth token). A GET carries its
parameters in the query string, which is then part of the signed URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit

import requests
from twilio.request_validator import RequestValidator

log = logging.getLogger("veille.simulator")

TWILIO_REQUEST_TIMEOUT_SECONDS = 15.0  # Twilio gives up on a webhook after 15 s
USER_AGENT = "TwilioProxy/1.1 (Veille simulator)"


class RefusedUrl(ValueError):
    """A URL outside PUBLIC_BASE_URL: the simulator never sends anything elsewhere."""


@dataclass(frozen=True)
class WebhookAnswer:
    status_code: int | None  # None when the web process could not be reached
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class WebhookClient:
    """Sends one call's webhooks (one keep-alive session per call, used by one thread)."""

    def __init__(self, public_base_url: str, auth_token: str) -> None:
        self._public_base_url = public_base_url
        self._validator = RequestValidator(auth_token)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT

    @staticmethod
    def check_origin(public_base_url: str, url: str) -> None:
        """Raise RefusedUrl unless `url` is on the same scheme, host and port as PUBLIC_BASE_URL."""
        if _origin(url) != _origin(public_base_url):
            raise RefusedUrl(f"refused to request a URL outside PUBLIC_BASE_URL: {urlsplit(url).netloc}")

    def resolve(self, url: str, base: str | None = None) -> str:
        """`url` made absolute against the current document, refused outside the origin."""
        absolute = urljoin(base, url) if base else url
        self.check_origin(self._public_base_url, absolute)
        return absolute

    def signature(self, url: str, params: dict[str, str]) -> str:
        return self._validator.compute_signature(url, params)

    def send(self, url: str, params: dict[str, str], method: str = "POST") -> WebhookAnswer:
        """Send a signed request; connection errors and timeouts give `status_code=None`."""
        url = self.resolve(url)
        try:
            if method.upper() == "GET":
                separator = "&" if "?" in url else "?"
                signed_url = url + separator + urlencode(params) if params else url
                response = self._session.get(
                    signed_url, headers={"X-Twilio-Signature": self.signature(signed_url, {})},
                    timeout=TWILIO_REQUEST_TIMEOUT_SECONDS)
            else:
                response = self._session.post(
                    url, data=params, headers={"X-Twilio-Signature": self.signature(url, params)},
                    timeout=TWILIO_REQUEST_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            log.warning("simulator.webhook_unreachable path=%s error=%s", urlsplit(url).path,
                        type(error).__name__)
            return WebhookAnswer(None)
        return WebhookAnswer(response.status_code, response.content)

    def fetch_media(self, url: str) -> WebhookAnswer:
        """GET the audio file of a `<Play>` (Twilio fetches it unsigned, like any media URL)."""
        url = self.resolve(url)
        try:
            response = self._session.get(url, timeout=TWILIO_REQUEST_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            log.warning("simulator.media_unreachable path=%s error=%s", urlsplit(url).path,
                        type(error).__name__)
            return WebhookAnswer(None)
        return WebhookAnswer(response.status_code, response.content)

    def close(self) -> None:
        self._session.close()
