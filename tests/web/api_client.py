"""`Api`: calls `/api/v1/` through the Flask test client and validates every answer (success
or error) against the OpenAPI description the package serves, with openapi-core.

    api = Api(client); answer = api.post("/tenants", token, json={"tenants": [...]})
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers

PREFIX = "/api/v1"


@cache
def description() -> dict:
    return json.loads(resources.files("voice_app.web.api").joinpath("openapi.json").read_text("utf-8"))


@cache
def openapi() -> OpenAPI:
    # Problems are JSON under their own media type (RFC 9457): read them as JSON.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(description(), config=config)


class Api:
    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str, token: str | None = None, **kwargs):
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs):
        return self.call("POST", path, token, **kwargs)

    def call(self, method: str, path: str, token: str | None, *, headers: dict | None = None,
             check_request: bool = False, **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if "json" in kwargs:  # sent as bytes, so the very body sent can be checked too
            kwargs["data"], kwargs["content_type"] = json.dumps(kwargs.pop("json")), "application/json"
        response = self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)
        request = SentRequest(response.request, kwargs.get("data"))
        if check_request:
            openapi().validate_request(request)
        openapi().validate_response(request, WerkzeugOpenAPIResponse(response))
        return response


class SentRequest:
    """The request the test client sent, as openapi-core's Request protocol reads it (the
    body is the one sent: the app has consumed the request's own stream)."""

    def __init__(self, request, body) -> None:
        self.host_url, self.path, self.method = request.host_url, request.path, request.method.lower()
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = request.content_type or "application/octet-stream"
        self.parameters = RequestParameters(query=request.args, header=Headers(request.headers))
