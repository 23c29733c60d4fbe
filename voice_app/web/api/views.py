"""The API's routes: tenants pushed, enrolments, opt-outs, figures and follow-up outcomes read.

Each view reads its parameters, calls one service and turns the result into JSON; the
shapes are those of `openapi.json` (the contract tests check every answer against it).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from importlib import resources

from flask import Response
from flask import request

from voice_app.domain.api_tokens import Scope
from voice_app.domain.api_tokens import allows
from voice_app.domain.figures import PeriodError
from voice_app.domain.figures import current_month
from voice_app.domain.figures import dates_period
from voice_app.domain.figures import month_period
from voice_app.services import api_reads
from voice_app.services.figures import compute
from voice_app.services.tenant_import import ImportConflict
from voice_app.services.tenant_push import PushRefused
from voice_app.services.tenant_push import push_tenants
from voice_app.web.api import blueprint
from voice_app.web.api import caller
from voice_app.web.api.problems import Problem
from voice_app.web.api.shapes import DIMENSIONS
from voice_app.web.api.shapes import counts_json
from voice_app.web.api.shapes import enrolment_json
from voice_app.web.api.shapes import item_errors
from voice_app.web.api.shapes import opt_out_json
from voice_app.web.api.shapes import outcome_json
from voice_app.web.api.shapes import page
from voice_app.web.api.shapes import push_json
from voice_app.web.extensions import get_veille
from voice_app.web.inputs import database_id
from voice_app.web.inputs import json_has_nul
from voice_app.web.inputs import whole_number

TRUE, FALSE = ("true", "1", "yes", "oui"), ("false", "0", "no", "non", "")


def _holder(needed: Scope = Scope.READ):
    holder = caller().holder
    if not allows(holder.scope, needed):
        raise Problem(403, "scope", "Ce jeton est en lecture seule : il faut un jeton « write » pour écrire.")
    return holder


def _flag(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value not in TRUE + FALSE:
        raise Problem(400, "bad_parameter", f"« {name} » vaut true ou false, pas « {value} ».")
    return value in TRUE


def _limit() -> int:
    raw = request.args.get("limit", "100")
    limit = whole_number(raw, 1, api_reads.MAX_PAGE)
    if limit is None:
        raise Problem(400, "bad_parameter", f"« limit » est un entier de 1 à {api_reads.MAX_PAGE}.")
    return limit


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset past year 1 or 9999
        raise Problem(400, "bad_parameter", f"« {name} » est une date et heure ISO 8601, "
                                            "par exemple 2026-11-01T00:00:00Z.") from None


@blueprint.get("/openapi.json")
def openapi():
    document = resources.files("voice_app.web.api").joinpath("openapi.json").read_bytes()
    return Response(document, mimetype="application/json")


@blueprint.post("/tenants", endpoint="push_tenants")
def push_tenants_view():
    holder = _holder(Scope.WRITE)
    if not holder.is_landlord:
        raise Problem(403, "not_landlord", "Seul un bailleur envoie des locataires.")
    partial = _flag("partial")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "bad_json", "Corps attendu : un objet JSON {\"tenants\": [...]} "
                                       "(en-tête Content-Type: application/json).")
    if json_has_nul(body):  # PostgreSQL stores no NUL character in text
        raise Problem(400, "bad_json", "Le corps contient un caractère nul (\\u0000) : retirez-le.")
    try:
        result = push_tenants(get_veille(), holder.organisation_id, body.get("tenants"), partial=partial,
                              actor=holder.as_actor())
    except PushRefused as error:
        raise Problem(422, "invalid_request", str(error)) from error
    except ImportConflict as error:
        raise Problem(409, "conflict", str(error)) from error
    if result.refused or result.saved is None:
        raise Problem(422, "invalid_tenants",
                      f"{len(result.rejected)} locataire(s) sur {result.received} invalide(s) : rien n’a été "
                      "enregistré. Corrigez-les, ou renvoyez avec partial=true pour enregistrer les autres.",
                      item_errors(result.errors))
    return push_json(result)



@blueprint.get("/enrolments")
def enrolments():
    holder, limit = _holder(), _limit()
    status = request.args.get("status") or None
    if status not in (None, "enrolled", "unenrolled"):
        raise Problem(400, "bad_parameter", "« status » vaut enrolled ou unenrolled.")
    items = api_reads.enrolments(get_veille(), holder.viewer, status=status,
                                 after=request.args.get("after") or None, limit=limit)
    return page([enrolment_json(item) for item in items], limit, lambda: items[-1].reference)


@blueprint.get("/opt-outs")
def opt_outs():
    holder, limit = _holder(), _limit()
    items = api_reads.opt_outs(get_veille(), holder.viewer, since=_moment("since"),
                               after=request.args.get("after") or None, limit=limit)
    return page([opt_out_json(item) for item in items], limit, lambda: items[-1].reference)


@blueprint.get("/follow-ups")
def follow_ups():
    holder, limit = _holder(), _limit()
    after = request.args.get("after", "")
    after_id = database_id(after, lowest=0)  # 0: from the first follow-up
    if after and after_id is None:
        raise Problem(400, "bad_parameter", "« after » est le numéro du dernier suivi reçu.")
    items = api_reads.follow_up_outcomes(get_veille(), holder.viewer, since=_moment("since"),
                                         after_id=after_id, limit=limit)
    return page([outcome_json(item) for item in items], limit, lambda: str(items[-1].id))


@blueprint.get("/figures")
def figures():
    holder = _holder()
    by = request.args.get("by", "week")
    if by not in DIMENSIONS:
        raise Problem(400, "bad_parameter", f"« by » vaut {', '.join(DIMENSIONS)}.")
    try:
        if request.args.get("from") or request.args.get("to"):
            period = dates_period(request.args.get("from", ""), request.args.get("to", ""))
        elif request.args.get("month"):
            period = month_period(request.args["month"])
        else:
            period = current_month(get_veille().clock())
    except PeriodError as error:
        raise Problem(400, "bad_period", str(error)) from error
    result = compute(get_veille(), holder.viewer, period, DIMENSIONS[by])
    return {"period": {"first": period.first.isoformat(), "last": period.last.isoformat(),
                       "label": period.label},
            "grouped_by": by, "total": counts_json(result.total),
            "rows": [counts_json(row) for row in result.rows]}
