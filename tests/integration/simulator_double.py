"""A tiny Flask app that answers webhooks from a table and records them, for simulator tests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask import request
from twilio.request_validator import RequestValidator

from tests.e2e.live_server import LiveServer
from voice_app.services.ports import OutboundCall

TOKEN = "simulator-test-token"
TENANT = "+33612345678"
VOLUNTEER = "+33698765432"
OTHER_VOLUNTEER = "+33698765400"
MENU = ('<Response><Gather action="/menu" numDigits="1" input="dtmf speech" timeout="8">'
        "<Say>Tapez 1 si tout va bien.</Say></Gather><Say>Au revoir.</Say></Response>")


@dataclass
class Seen:
    path: str
    form: dict
    signed: bool


class IvrDouble:
    """Answers webhooks from a table path -> TwiML (or a function), records every request."""

    def __init__(self, server: LiveServer) -> None:
        self.seen: list[Seen] = []
        self.replies: dict = {"/answer": MENU, "/menu": "<Response><Say>Merci.</Say><Hangup/></Response>"}
        self.app = Flask("ivr_double")
        self.app.add_url_rule("/<path:path>", view_func=self._handle, methods=["GET", "POST"])
        self.validator = RequestValidator(TOKEN)
        self.url = server.url

    def _handle(self, path: str):
        params = request.form.to_dict() if request.method == "POST" else {}
        signed = self.validator.validate(request.url, params, request.headers.get("X-Twilio-Signature", ""))
        self.seen.append(Seen("/" + path, request.values.to_dict(), signed))
        reply = self.replies.get("/" + path, "")
        if callable(reply):
            reply = reply(request.values.to_dict())
        if isinstance(reply, tuple):
            return reply
        return reply, 200, {"Content-Type": "text/xml"}

    def requests_to(self, path: str) -> list[dict]:
        return [s.form for s in self.seen if s.path == path]

    def outbound(self, to_number: str = TENANT) -> OutboundCall:
        return OutboundCall("token", to_number, self.url + "/answer", self.url + "/status",
                            self.url + "/amd", self.url + "/fallback")


def play(simulator, double, behaviour, to_number=TENANT):
    """Script `to_number`, place a call to it, and return its record once it is over."""
    simulator.script(to_number, behaviour)
    sid = simulator.place_call(double.outbound(to_number))
    return simulator.wait(sid, timeout=10)
