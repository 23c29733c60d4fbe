"""Error pages in French; JSON for API-style clients; never a stack trace to the user."""

from __future__ import annotations

import logging
import math
import time
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import RequestRedirect

from voice_app.domain.people import safe_next

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


SESSION_ENDED = "Votre session a expiré : reconnectez-vous, puis recommencez."
FORM_TOO_OLD = ("Le formulaire a expiré (il est trop ancien) : rien n’a été enregistré. Rechargez la page "
                "avec le lien ci-dessous, puis recommencez.")


def _csrf_refused(error: CSRFError):
    """Still 400, and nothing done; but the way out is a link (sign in again, or the form's page
    by GET), never the browser's reload, which would post the same stale token again."""
    log.warning("web.csrf_refused path=%s", request.path)
    page = _form_page()
    if current_user.is_authenticated or request.endpoint == "auth.login":
        link = (page or url_for("home.index"), "Recharger la page")
        return render_template("error.html", code=400, message=FORM_TOO_OLD, link=link), 400
    link = (url_for("auth.login", next=page) if page else url_for("auth.login"), "Se reconnecter")
    return render_template("error.html", code=400, message=SESSION_ENDED, link=link), 400


def _form_page() -> str | None:
    """The page the refused form was on (a path of this site that answers GET), or None: the
    Referer when it is this site's, else the form's own address."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    else:
        path = request.full_path.rstrip("?")
    path = safe_next(path)
    return path if path and _answers_get(path) else None


def _answers_get(path: str) -> bool:
    try:
        current_app.url_map.bind(request.host).match(urlsplit(path).path, method="GET")
    except RequestRedirect:
        return True  # the same page, with or without its final slash
    except HTTPException:
        return False  # no such page, or one that only takes a form (POST)
    return True


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(HTTPException, _render)
    app.register_error_handler(Exception, _unexpected)
