"""The bridged call-back: the volunteer's button (`POST /suivis/<id>/appeler`, blueprint
`bridge`) and the provider's signed webhooks (`/voice/bridge/<token>/...`, blueprint
`bridge_hooks`, 403 without a valid signature)."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm

from voice_app.domain.webhook_urls import absolute
from voice_app.services import bridged_calls
from voice_app.services.bridged_calls import BridgeRefused
from voice_app.services.bridged_calls import BridgeStep
from voice_app.services.bridged_calls import bridge_path
from voice_app.telephony import bridge_twiml
from voice_app.telephony.signature import SIGNATURE_HEADER
from voice_app.telephony.signature import is_signed
from voice_app.telephony.signature import signed_url
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille

log = logging.getLogger("veille.web.bridge")

blueprint = Blueprint("bridge", __name__)
hooks = Blueprint("bridge_hooks", __name__, url_prefix=bridged_calls.BRIDGE_PREFIX)


@blueprint.get("/suivis/<int:task_id>/appels-veille")
@for_area("home")
def recent(task_id: int):
    """The card's list of bridged calls, polled while one is under way."""
    calls = bridged_calls.recent_calls(get_veille(), me().viewer, task_id)
    if calls is None:
        refuse("follow_up", task_id)
    return render_template("volunteer/_bridged.html", calls=calls, task_id=task_id)


@blueprint.post("/suivis/<int:task_id>/appeler")
@for_area("home")
def call(task_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        bridged_calls.start_bridged_call(get_veille(), me().viewer, task_id)
    except BridgeRefused as error:
        flash(str(error), "error")
        return redirect(url_for("volunteer.task", task_id=task_id))
    flash("Votre téléphone va sonner : décrochez puis tapez 1 pour appeler le locataire.", "info")
    return redirect(url_for("volunteer.task", task_id=task_id))


@hooks.before_request
def require_provider_signature():
    settings = get_veille().settings
    url = signed_url(settings.PUBLIC_BASE_URL, request.path, request.query_string)
    if not is_signed(settings.auth_token, url, request.form, request.headers.get(SIGNATURE_HEADER)):
        log.warning("bridge.signature_rejected endpoint=%s", request.endpoint)
        abort(403)


def _call_sid() -> str | None:
    sid = request.form.get("CallSid", "")
    return sid if 0 < len(sid) <= 64 else None


def _xml(body: str) -> Response:
    return Response(body, status=200, mimetype="text/xml")


def _render(step: BridgeStep, token: str) -> Response:
    base = get_veille().settings.PUBLIC_BASE_URL
    if step.kind == "announce":
        return _xml(bridge_twiml.announce(step.tenant_label, absolute(base, bridge_path(token, "pressed"))))
    if step.kind == "dial":
        action = absolute(base, bridge_path(token, "dial"))
        return _xml(bridge_twiml.dial_tenant(step.number, step.caller_id, action))
    if step.kind == "after_dial":
        return _xml(bridge_twiml.after_dial(step.connected))
    return _xml(bridge_twiml.cancelled())


@hooks.post("/<token>/answer")
def answered(token: str):
    return _render(bridged_calls.volunteer_answered(get_veille(), token, _call_sid()), token)


@hooks.post("/<token>/pressed")
def pressed(token: str):
    digits = request.form.get("Digits", "")[:4]
    return _render(bridged_calls.volunteer_pressed(get_veille(), token, _call_sid(), digits), token)


@hooks.post("/<token>/dial")
def dialled(token: str):
    status = request.form.get("DialCallStatus", "")[:20]
    return _render(bridged_calls.tenant_dial_ended(get_veille(), token, _call_sid(), status), token)


@hooks.post("/<token>/status")
def status(token: str):
    bridged_calls.call_status(get_veille(), token, _call_sid(), request.form.get("CallStatus", "")[:20])
    return _xml(str(bridge_twiml.VoiceResponse()))
