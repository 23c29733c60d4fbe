"""A small recording mock of Twilio's REST API (2010-04-01), served over real HTTP on 127.0.0.1.

It answers the four operations Veille uses (create, fetch and update a call; create a message)
with JSON shaped like Twilio's, checks Basic auth like Twilio does, and records every request
exactly as it arrived so tests can inspect (and validate) what the adapter really sent.
Tests can queue scripted answers (a 429, a 500, a slow answer) that are served before the
normal behaviour resumes.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from voice_app.config import Settings

API_VERSION = "2010-04-01"
_ROUTE = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC[0-9a-f]{{32}})/"
                    r"(?P<resource>Calls|Messages)(?:/(?P<sid>[A-Z]{2}[0-9a-f]{32}))?\.json$")


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request exactly as the mock received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> list[tuple[str, str]]:
        """The form body as ordered (key, value) pairs: repeated keys stay repeated."""
        return parse_qsl(self.body.decode(), keep_blank_values=True)

    def values(self, key: str) -> list[str]:
        """Every value of a (possibly repeated) form key, in the order sent."""
        return [value for name, value in self.form if name == key]

    def value(self, key: str) -> str | None:
        """The first value of `key`, None when absent."""
        found = self.values(key)
        return found[0] if found else None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer served instead of the normal behaviour (errors, throttling, slowness)."""

    status: int
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def twilio_error(status: int, code: int, message: str, headers: dict[str, str] | None = None
                 ) -> ScriptedResponse:
    """An error answer in Twilio's JSON error format."""
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}
    return ScriptedResponse(status=status, body=body, headers=headers or {})


ACCOUNT_SID = "AC" + "5eed" * 8
AUTH_TOKEN = "mock-auth-token-f00dfeedc0ffee42"
FROM_NUMBER = "+33159000000"


def twilio_settings(api_base_url: str) -> Settings:
    """Settings of a Twilio deployment whose API is at `api_base_url` (no database needed)."""
    return Settings(DATABASE_URL="sqlite://", TELEPHONY_PROVIDER="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                    TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER=FROM_NUMBER,
                    TWILIO_API_BASE_URL=api_base_url, PUBLIC_BASE_URL="https://veille.example.org")


class TwilioMock:
    """Start with `with TwilioMock() as mock:`; point TWILIO_API_BASE_URL at `mock.url`."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self._expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.requests: list[RecordedRequest] = []
        self.answers: list[ScriptedResponse] = []  # answers[i] is what requests[i] got
        self.calls: dict[str, dict] = {}
        self.messages: dict[str, dict] = {}
        self._script: deque[ScriptedResponse] = deque()
        self._sids = itertools.count(1)
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> TwilioMock:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._released.set()  # wake any handler still sleeping on a scripted delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, *responses: ScriptedResponse) -> None:
        """Serve these answers, in order, to the next requests."""
        with self._lock:
            self._script.extend(responses)

    def set_call_status(self, sid: str, status: str) -> None:
        with self._lock:
            self.calls[sid]["status"] = status

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes
               ) -> ScriptedResponse:
        """Record the request, then answer it (scripted answer first, else Twilio-like behaviour)."""
        split = urlsplit(target)
        request = RecordedRequest(method, split.path, split.query, headers, body)
        with self._lock:
            self.requests.append(request)
            answer = self._script.popleft() if self._script else self._behave(request)
            self.answers.append(answer)
            return answer

    def wait_released(self, seconds: float) -> None:
        self._released.wait(seconds)

    def _behave(self, request: RecordedRequest) -> ScriptedResponse:
        if request.headers.get("authorization") != self._expected_auth:
            return twilio_error(401, 20003, "Authenticate")
        route = _ROUTE.match(request.path)
        if route is None or route["account"] != self.account_sid:
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        resource, sid = route["resource"], route["sid"]
        if resource == "Calls" and sid is None and request.method == "POST":
            return self._create_call(request)
        if resource == "Messages" and sid is None and request.method == "POST":
            return self._create_message(request)
        if resource == "Calls" and sid in self.calls and request.method == "GET":
            return ScriptedResponse(200, self.calls[sid])
        if resource == "Calls" and sid in self.calls and request.method == "POST":
            return self._update_call(sid, request)
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")

    def _create_call(self, request: RecordedRequest) -> ScriptedResponse:
        sid = f"CA{next(self._sids):032x}"
        self.calls[sid] = _call_json(self.account_sid, sid, request.value("To"), request.value("From"))
        return ScriptedResponse(201, self.calls[sid])

    def _update_call(self, sid: str, request: RecordedRequest) -> ScriptedResponse:
        call = self.calls[sid]
        if call["status"] in {"completed", "canceled", "busy", "no-answer", "failed"}:
            return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if request.value("Status") is not None:
            call["status"] = request.value("Status")
        return ScriptedResponse(200, call)

    def _create_message(self, request: RecordedRequest) -> ScriptedResponse:
        sid = f"SM{next(self._sids):032x}"
        self.messages[sid] = _message_json(self.account_sid, sid, request)
        return ScriptedResponse(201, self.messages[sid])


def _now_rfc2822() -> str:
    return format_datetime(datetime.now(UTC).replace(microsecond=0), usegmt=False)


def _call_json(account_sid: str, sid: str, to: str | None, from_: str | None) -> dict:
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json"
    return {
        "account_sid": account_sid, "annotation": None, "answered_by": None, "api_version": API_VERSION,
        "caller_name": None, "date_created": _now_rfc2822(), "date_updated": _now_rfc2822(),
        "direction": "outbound-api", "duration": None, "end_time": None, "forwarded_from": None,
        "from": from_, "from_formatted": from_, "group_sid": None, "parent_call_sid": None,
        "phone_number_sid": "PN" + "0" * 32, "price": None, "price_unit": "EUR", "queue_time": "0",
        "sid": sid, "start_time": None, "status": "queued", "to": to, "to_formatted": to,
        "trunk_sid": None, "uri": uri,
        "subresource_uris": {name: uri.replace(".json", f"/{name.title().replace('_', '')}.json")
                             for name in ("notifications", "recordings", "payments", "events")},
    }


def _message_json(account_sid: str, sid: str, request: RecordedRequest) -> dict:
    return {
        "account_sid": account_sid, "api_version": API_VERSION, "body": request.value("Body"),
        "date_created": _now_rfc2822(), "date_sent": None, "date_updated": _now_rfc2822(),
        "direction": "outbound-api", "error_code": None, "error_message": None,
        "from": request.value("From"), "messaging_service_sid": None, "num_media": "0",
        "num_segments": "1", "price": None, "price_unit": "EUR", "sid": sid, "status": "queued",
        "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": request.value("To"), "uri": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json",
    }


def _handler_for(mock: TwilioMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = mock.answer(self.command, self.path, headers, body)
            if answer.delay:
                mock.wait_released(answer.delay)
            payload = json.dumps(answer.body).encode() if answer.body is not None else b""
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (read timeout): nothing left to answer

        def log_message(self, format: str, *args) -> None:
            pass  # keep test output quiet; requests are inspected through `mock.requests`

    return Handler
