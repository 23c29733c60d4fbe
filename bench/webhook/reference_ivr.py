"""The reference the webhook benchmark compares Veille with: a minimal Flask IVR.

What a careful Twilio sample does and nothing more: it checks `X-Twilio-Signature` with the
SDK's RequestValidator, answers a key press at the menu with twilio's `VoiceResponse`
(two sentences, then hang up) and a status callback with an empty document. It stores
nothing: the distance between it and Veille is what remembering the call costs.

Served like Veille: `gunicorn 'bench.webhook.reference_ivr:create_app()'` with TWILIO_AUTH_TOKEN and
PUBLIC_BASE_URL in the environment (bench/webhooks.py starts it).
"""

from __future__ import annotations

import os

from flask import Flask
from flask import Response
from flask import abort
from flask import request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse


def create_app() -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    public_base_url = os.environ["PUBLIC_BASE_URL"].rstrip("/")

    @app.before_request
    def require_signature():
        if request.path == "/healthz":
            return None
        url = public_base_url + request.full_path.rstrip("?")
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)

    @app.post("/voice/calls/<token>/gather/<step>")
    def gather(token: str, step: str):
        answer = VoiceResponse()
        if request.form.get("Digits") == "1":
            answer.say("Vous avez répondu que tout va bien.", language="fr-FR")
            answer.say("Merci, au revoir.", language="fr-FR")
            answer.hangup()
        else:
            gather = answer.gather(num_digits=1, action=request.path, timeout=6)
            gather.say("Tapez 1 si tout va bien.", language="fr-FR")
        return Response(str(answer), mimetype="text/xml")

    @app.post("/voice/calls/<token>/status")
    def status(token: str):
        return Response(str(VoiceResponse()), mimetype="text/xml")

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app
