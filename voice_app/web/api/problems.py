"""API errors as `application/problem+json` (RFC 9457): a `title` in French, the HTTP
`status`, a `detail`, a stable `code` for programs, and `errors` per item when there are."""

from __future__ import annotations

from flask import Response
from flask import json
from werkzeug.exceptions import HTTPException

from voice_app.web.errors import MESSAGES

MEDIA_TYPE = "application/problem+json"
TITLES = MESSAGES | {
    401: "Authentification requise.",
    403: "Ce jeton ne permet pas cette action.",
    409: "Conflit avec un autre envoi.",
    422: "Données invalides : rien n’a été enregistré.",
}
REFUSALS = {
    "missing": "Jeton absent : envoyez l’en-tête « Authorization: Bearer <jeton> ».",
    "unknown": "Jeton inconnu.",
    "revoked": "Ce jeton a été révoqué : demandez-en un nouveau à un administrateur.",
}


class Problem(HTTPException):
    """An API error raised from a view; rendered by `render`."""

    def __init__(self, status: int, code: str, detail: str, errors: list[dict] | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(detail)
        self.code, self.status, self.problem_code, self.errors = status, status, code, errors
        self.extra_headers = headers or {}

    @classmethod
    def unauthorised(cls, refusal: str | None) -> Problem:
        return cls(401, f"token_{refusal}", REFUSALS.get(refusal, REFUSALS["unknown"]),
                   headers={"WWW-Authenticate": 'Bearer realm="veille"'})

    def get_response(self, environ=None, scope=None) -> Response:
        return render(self.status, self.problem_code, self.description, self.errors, self.extra_headers)


def render(status: int, code: str, detail: str, errors: list[dict] | None = None,
           headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, "Erreur"), "status": status,
            "code": code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
              429: "rate_limited", 500: "server_error"}


def from_http_error(error: HTTPException, retry_after: int | None = None) -> Response:
    """Any HTTP error under /api/ (an unknown path, a rate limit...) as a problem."""
    if isinstance(error, Problem):
        return error.get_response()
    status = error.code or 500
    headers = {"Retry-After": str(retry_after)} if status == 429 and retry_after is not None else {}
    detail = MESSAGES.get(status, error.description or "Erreur")
    return render(status, HTTP_CODES.get(status, "error"), detail, headers=headers)
