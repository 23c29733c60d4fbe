"""`/healthz`: is this web process able to serve (database reachable)?"""

from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from voice_app.web.extensions import get_veille

blueprint = Blueprint("health", __name__)
log = logging.getLogger("veille.health")


@blueprint.get("/healthz")
def healthz():
    try:
        with get_veille().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health.database_unreachable error=%s", type(error).__name__)
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
