"""Error pages in French; JSON for API-style clients; never a stack trace to the user."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

log = logging.getLogger("veille.web")
API_PREFIX = "/api/"

MESSAGES = {
    400: "La demande est incomplète ou mal formée.",
    403: "Vous n’avez pas accès à cette page.",
    404: "Cette page n’existe pas.",
    405: "Cette action n’est pas permise ici.",
    413: "La demande est trop volumineuse.",
    429: "Trop de demandes en peu de temps : patientez une minute puis recommencez.",
    500: "Une erreur est survenue de notre côté. L’équipe technique est prévenue.",
}


def _render(error: HTTPException):
    if request.path.startswith(API_PREFIX):
        from voice_app.web.api.problems import from_http_error

        return from_http_error(error, _retry_after())
    code = error.code or 500
    message = MESSAGES.get(code, error.description or "Erreur")
    if code == 413 and request.endpoint == "tenants.upload":
        message = "Ce fichier est trop volumineux : un fichier de locataires fait au plus 20 Mo."
    if request.accept_mimetypes.best == "application/json":
        return {"error": code, "message": message}, code
    return render_template("error.html", code=code, message=message), code


def _retry_after() -> int | None:
    """Seconds until the rate limit that refused this request resets."""
    from voice_app.web.extensions import limiter

    current = limiter.current_limit
    return max(1, math.ceil(current.reset_at - time.time())) if current else None


def _unexpected(error: Exception):
    log.exception("web.unhandled_error path=%s", request.path)
    return _render(InternalServerError())


def _csrf_refused(error: CSRFError):
    log.warning("web.csrf_refused path=%s", request.path)
    message = "Le formulaire a expiré ou n’est pas valide : rechargez la page et recommencez."
    return render_template("error.html", code=400, message=message), 400


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(HTTPException, _render)
    app.register_error_handler(Exception, _unexpected)
