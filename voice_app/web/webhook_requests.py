"""The provider's requests skip what only pages need.

Everything under `/voice/` is for the telephony provider: signed webhooks (blueprints
`voice` and `bridge_hooks`, proved by their signature, 403 otherwise) and the recorded
prompts it fetches. Such a request has no session: no cookie is read, set or varied on,
no user is loaded, no CSRF token checked (the signature stands for it) and no rate limit
of ours is counted (the provider paces its own requests). Pages keep all of it.

The session is decided by path, since Flask opens it before the URL is matched; the
extensions' hooks registered inside `pages_only` are skipped for the same paths.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from flask import Flask
from flask import Request
from flask import request
from flask.sessions import SecureCookieSessionInterface

from voice_app.domain.webhook_urls import VOICE_PREFIX

PROVIDER_PATHS = f"{VOICE_PREFIX}/"


def is_provider_request(path: str) -> bool:
    """Is this path one the telephony provider requests (webhooks, recordings)?"""
    return path.startswith(PROVIDER_PATHS)


class PageSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions for pages; the provider's requests get Flask's null session."""

    def open_session(self, app: Flask, request: Request):
        if is_provider_request(request.path):
            return None  # Flask substitutes its null session, which is never saved
        return super().open_session(app, request)


@contextmanager
def pages_only(app: Flask) -> Iterator[None]:
    """The request hooks registered app-wide inside this block run for pages only."""
    registries = ((app.before_request_funcs, _no_answer), (app.after_request_funcs, _same_response),
                  (app.teardown_request_funcs, _no_answer))
    known = [list(registry.get(None, ())) for registry, _ in registries]
    yield
    for (registry, skipped), before in zip(registries, known, strict=True):
        hooks = registry.get(None, ())
        registry[None] = [hook if hook in before else _for_pages(hook, skipped) for hook in hooks]


def _for_pages(hook: Callable, skipped: Callable) -> Callable:
    @wraps(hook)
    def page_hook(*args):
        return skipped(*args) if is_provider_request(request.path) else hook(*args)

    return page_hook


def _no_answer(*_args) -> None:
    return None


def _same_response(response):
    return response
