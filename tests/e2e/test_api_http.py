"""The API over real HTTP on 127.0.0.1: the bearer header as clients send it, the scopes, and
the per-token rate limit (429 with Retry-After); every answer checked against openapi.json."""

from __future__ import annotations

import pytest
import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.contrib.requests import RequestsOpenAPIResponse

from tests.e2e.live_server import LiveServer
from tests.web.api_client import openapi
from voice_app.domain.api_tokens import Scope
from voice_app.services.api_tokens import create_token
from voice_app.web import create_app

LIMIT = 5
TENANT = {"reference": "HTTP-1", "last_name": "Martin", "household": "seul", "phone": "0612345678",
          "birth_year": 1940}


@pytest.fixture
def server(veille):
    live = LiveServer()
    live.serve(create_app({"TESTING": True, "API_RATE_LIMIT": f"{LIMIT} per minute"}, veille=veille))
    try:
        yield live.url + "/api/v1"
    finally:
        live.stop()


def call(method: str, url: str, secret: str | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    response = requests.request(method, url, headers=headers, timeout=10, **kwargs)
    openapi().validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
    return response


def test_bearer_tokens_scopes_and_the_rate_limit_over_http(server, veille, organisation):
    _, reader = create_token(veille, organisation.id, Scope.READ, "lecture", actor=None)
    _, writer = create_token(veille, organisation.id, Scope.WRITE, "écriture", actor=None)
    missing = call("GET", f"{server}/enrolments")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert call("POST", f"{server}/tenants", reader, json={"tenants": [TENANT]}).status_code == 403
    pushed = call("POST", f"{server}/tenants", writer, json={"tenants": [TENANT]})
    assert pushed.status_code == 200 and pushed.json()["created"] == 1
    statuses = [call("GET", f"{server}/enrolments", reader).status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]  # the refused POST counted too
    limited = call("GET", f"{server}/figures", reader)
    # The minute's window resets in at most 60 s, told in whole seconds rounded up.
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 61
    assert limited.json()["code"] == "rate_limited"
    assert call("GET", f"{server}/opt-outs", writer).status_code == 200  # its own count
    assert call("GET", f"{server}/openapi.json").status_code == 200
