"""`/api/v1/`: the JSON API of an organisation's information system (blueprint `api`).

Described by `openapi.json` beside this module, served at `/api/v1/openapi.json`. A call
carries `Authorization: Bearer <token>`; the token (created by an admin, stored hashed) names
the organisation and its scope. Order of a request: the rate limiter asks for the caller's key,
which authenticates the token once (`caller()`); then the blueprint refuses a missing, unknown
or revoked token (401); then the view checks the scope (403). Every call, refused or not, is
audited after its response. No cookie and no form: CSRF protection does not apply here.
"""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import g
from flask import request

from voice_app.services.api_tokens import Authentication
from voice_app.services.api_tokens import authenticate
from voice_app.services.api_tokens import record_call
from voice_app.web.api.problems import Problem
from voice_app.web.extensions import get_veille
from voice_app.web.extensions import limiter

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
DEFAULT_RATE_LIMIT = "120 per minute"
MAX_PUSH_BYTES = 8 * 1024 * 1024  # 10,000 tenants of a few hundred bytes each


def bearer_secret() -> str | None:
    """The token of `Authorization: Bearer ...`, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def caller() -> Authentication:
    """The request's authentication, done once (the limiter's key asks first)."""
    if "api_authentication" not in g:
        g.api_authentication = authenticate(get_veille(), bearer_secret())
    return g.api_authentication


def rate_key() -> str:
    """Limits count per token; requests without a valid token, per client address."""
    holder = caller().holder
    return f"api-token:{holder.token_id}" if holder else f"api-anonymous:{request.remote_addr}"


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


@blueprint.before_request
def require_token():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint == "api.push_tenants":
        request.max_content_length = MAX_PUSH_BYTES
    authentication = caller()
    if authentication.holder is None:
        raise Problem.unauthorised(authentication.refusal)
    return None


@blueprint.after_request
def audit_call(response):
    if request.endpoint not in PUBLIC_ENDPOINTS and "api_authentication" in g:
        record_call(get_veille(), g.api_authentication, request.method, request.path, response.status_code)
    return response


# One count per token for the whole API (a plain blueprint limit would count each route apart).
limiter.shared_limit(rate_limit, scope="api", key_func=rate_key,
                     exempt_when=lambda: request.endpoint in PUBLIC_ENDPOINTS)(blueprint)

from voice_app.web.api import views  # noqa: E402,F401  (registers the routes)
