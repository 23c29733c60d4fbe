"""Twilio voice webhooks (blueprint `voice`): the call's URLs, see docs/ivr.md.

Every request must carry a valid `X-Twilio-Signature` for the public URL (PUBLIC_BASE_URL +
path + query), or it gets 403 and changes nothing. When the database cannot answer within
the web's budget (db.engine.DatabaseUnavailable, or no free pooled connection), the caller
gets safe TwiML instead of a 500, well before Twilio gives up (15 s): the tenant hears that
a volunteer will call back, which the call's end makes true (the status callback, or the
sweep asking Twilio later, ends the call with an outcome that opens a follow-up: silence,
an unfinished help request or a missed transfer all escalate). A handler turns the form into an event
(telephony.callbacks), applies it in one transaction (services.call_events), then performs
the provider effects the call flow asked for, and answers TwiML (telephony.twiml). It does no
network I/O of its own: the provider hang-up or redirect the call flow asks for
(services.call_effects) runs after the commit, once the answer has been sent (`call_on_close`).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint
from flask import Response
from flask import abort
from flask import request
from sqlalchemy.exc import TimeoutError as PoolTimeout

from db.engine import DatabaseUnavailable
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.phones import mask_phone
from voice_app.services import call_effects
from voice_app.services import call_events
from voice_app.services.call_events import Handled
from voice_app.services.organisations import inbound_organisation
from voice_app.telephony import callbacks
from voice_app.telephony import twiml
from voice_app.telephony.signature import SIGNATURE_HEADER
from voice_app.telephony.signature import is_signed
from voice_app.telephony.signature import signed_url
from voice_app.web.extensions import get_veille

log = logging.getLogger("veille.voice")

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what secrets.token_urlsafe (and planning) issue

blueprint = Blueprint("voice", __name__, url_prefix="/voice")
SERVICE_NAME = "Veille"  # said when the call's organisation is not known


@blueprint.before_request
def require_well_formed_and_signed():
    token = (request.view_args or {}).get("token")
    if token is not None and not TOKEN_SHAPE.match(token):
        # Not a token Veille ever issues (a NUL byte...): no such URL, and no database asked.
        log.warning("voice.malformed_token endpoint=%s", request.endpoint)
        abort(404)
    settings = get_veille().settings
    url = signed_url(settings.PUBLIC_BASE_URL, request.path, request.query_string)
    if not is_signed(settings.auth_token, url, request.form, request.headers.get(SIGNATURE_HEADER)):
        log.warning("voice.signature_rejected endpoint=%s", request.endpoint)
        abort(403)


@blueprint.errorhandler(DatabaseUnavailable)
@blueprint.errorhandler(PoolTimeout)
def database_unavailable(error: Exception):
    reason = getattr(error, "reason", "busy")
    log.warning("voice.db_unavailable endpoint=%s reason=%s", request.endpoint, reason)
    return _xml(safe_twiml(request.endpoint))


def safe_twiml(endpoint: str | None) -> str:
    """What a webhook answers when the database cannot: nothing is recorded, so nothing is
    promised that only a record would keep."""
    kind = (endpoint or "").removeprefix("voice.")
    if kind in ("status", "amd", "inbound_status"):
        return twiml.connect()  # informative callbacks: the sweep asks Twilio later
    if kind in ("screening", "screening_answer", "voicemail_message"):
        return twiml.hang_up()  # a volunteer's leg is never connected blind
    if kind == "inbound":
        return twiml.say_and_hang_up(Prompt.CALL_AGAIN_LATER, "")
    return twiml.say_and_hang_up(Prompt.TECHNICAL_PROBLEM, "")


@blueprint.post("/calls/<token>/answer")
def answer(token: str):
    return _apply(token, callbacks.answer(request.form))


@blueprint.post("/calls/<token>/gather/<step>")
def gather(token: str, step: str):
    return _apply(token, callbacks.gather(request.form, step, request.args.get("turn")))


@blueprint.post("/calls/<token>/status")
def status(token: str):
    return _apply(token, callbacks.status(request.form))


@blueprint.post("/calls/<token>/amd")
def amd(token: str):
    return _apply(token, callbacks.amd(request.form))


@blueprint.post("/calls/<token>/dial")
def dial_action(token: str):
    return _apply(token, callbacks.dial(request.form))


@blueprint.post("/calls/<token>/voicemail")
def voicemail_message(token: str):
    return _answer(call_events.current_reply(get_veille(), token))


@blueprint.post("/calls/<token>/fallback")
def fallback(token: str):
    # The answer URL failed: apologise; the call then ends without a key and escalates.
    code = callbacks.form_field(request.form, "ErrorCode", 10)
    log.warning("call.fallback error_code=%s", code if code.isascii() and code.isdigit() else "-")
    return _xml(twiml.say_and_hang_up(Prompt.TECHNICAL_PROBLEM, SERVICE_NAME))


@blueprint.post("/calls/<token>/screen")
def screening(token: str):
    handled = call_events.current_reply(get_veille(), token)
    if not handled.known:
        return _xml(twiml.hang_up())
    return _xml(twiml.screening(_rendering(handled)))


@blueprint.post("/calls/<token>/screen/answer")
def screening_answer(token: str):
    form = request.form
    leg_sid, digits = callbacks.form_field(form, "CallSid"), callbacks.form_field(form, "Digits")
    parent_sid = callbacks.form_field(form, "ParentCallSid")
    accepted = call_events.record_screening(get_veille(), token, leg_sid, digits, parent_sid)
    return _xml(twiml.connect() if accepted else twiml.hang_up())


@blueprint.post("/inbound")
def inbound():
    veille = get_veille()
    call_sid = callbacks.form_field(request.form, "CallSid", 65)
    caller = callbacks.caller_number(request.form)
    if not call_sid or len(call_sid) > 64:
        log.warning("voice.inbound_without_call_sid from=%s", mask_phone(caller))
        return _polite_hang_up()
    organisation = inbound_organisation(veille, callbacks.form_field(request.form, "To"))
    if organisation is None:
        log.warning("voice.inbound_unknown_service_number")
        return _polite_hang_up()
    handled = call_events.start_inbound_call(veille, organisation.id, call_sid, caller)
    return _answer(handled)


@blueprint.post("/inbound/status")
def inbound_status():
    form = request.form
    token = call_events.token_of_call(get_veille(), callbacks.form_field(form, "CallSid"))
    return _apply(token or "", callbacks.status(form))


def _apply(token: str, callback: callbacks.Callback):
    veille = get_veille()
    handled = call_events.apply_callback(veille, token, callback)
    response = _answer(handled)
    effects = call_effects.after_commit(veille, handled)
    if effects is not None:
        # After the commit, and after the answer is sent: a slow provider never delays a webhook.
        response.call_on_close(effects)
    return response


def _answer(handled: Handled):
    if not handled.known:
        log.info("voice.unknown_call endpoint=%s", request.endpoint)
        return _polite_hang_up()
    if handled.reply is None:
        return _xml(twiml.connect())  # an empty document
    return _xml(twiml.render(handled.reply, _rendering(handled)))


def _rendering(handled: Handled) -> twiml.Rendering:
    settings = get_veille().settings
    return twiml.Rendering(
        public_base_url=settings.PUBLIC_BASE_URL, token=handled.token,
        organisation_name=handled.organisation_name, turn=handled.turn,
        callback_number=handled.callback_number, volunteer_numbers=handled.volunteer_numbers,
        caller_id=settings.TWILIO_FROM_NUMBER or None, language=handled.language, voicing=handled.voicing,
    )


def _polite_hang_up():
    return _xml(twiml.say_and_hang_up(Prompt.UNKNOWN_CALL, SERVICE_NAME))


def _xml(body: str) -> Response:
    return Response(body, status=200, mimetype="text/xml")
