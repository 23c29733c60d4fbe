"""Is this webhook really from the provider? `X-Twilio-Signature`, checked with RequestValidator.

The URL that was signed is rebuilt from PUBLIC_BASE_URL, never from the Host header or the
scheme the web process sees: behind a TLS-terminating proxy the app receives plain HTTP on an
internal host, while the provider signed `https://public.host/path?query`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator
from twilio.request_validator import add_port
from twilio.request_validator import compare
from twilio.request_validator import remove_port

SIGNATURE_HEADER = "X-Twilio-Signature"


def signed_url(public_base_url: str, path: str, query_string: bytes | str = b"") -> str:
    """The public URL the provider requested (and signed) for `path` and `query_string`."""
    query = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    url = public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def is_signed(auth_token: str, url: str, params: Mapping, signature: str | None) -> bool:
    """True when `signature` is the provider's signature of `url` and the POSTed `params`."""
    if not signature or not auth_token:
        return False
    # RequestValidator.validate's rule (the URL signed with or without its port), the URL as
    # configured tried first: the other forms are built and signed only when it does not match.
    validator = _validator(auth_token)
    if compare(validator.compute_signature(url, params), signature):
        return True
    parts = urlparse(url)
    others = dict.fromkeys(form for form in (remove_port(parts), add_port(parts)) if form != url)
    return any(compare(validator.compute_signature(form, params), signature) for form in others)


@lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)
