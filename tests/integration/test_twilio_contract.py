"""Contract test: what the Twilio adapter really sends is what Twilio's own OpenAPI description accepts.

The adapter runs for real (SDK, HTTP client, retries) with TWILIO_API_BASE_URL pointed at the
recording mock on 127.0.0.1; every captured request is then validated with openapi-core against
Twilio's published description of API v2010. Twilio's schemas leave some things open, so three
stricter checks are added: every key sent is one the operation declares (a typo is not silently
ignored), a key that is not an array is sent once, and a value whose allowed choices are only
written in the description ("Can be: `Enable` or `DetectMessageEnd`") is one of them.

The description is vendored as a test fixture (tests/fixtures/twilio-oai/, origin and licence in
its NOTE.md); VEILLE_TWILIO_OAI points at another copy. Without it this test fails: it never skips.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl
from urllib.parse import urlencode

import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableMultiDict

from tests.twilio_mock import ACCOUNT_SID
from tests.twilio_mock import RecordedRequest
from tests.twilio_mock import ScriptedResponse
from tests.twilio_mock import TwilioMock
from tests.twilio_mock import twilio_settings
from voice_app.domain.webhook_urls import outbound_call
from voice_app.telephony.twilio_provider import RetryPolicy
from voice_app.telephony.twilio_provider import TwilioProvider

SPEC_ENV = "VEILLE_TWILIO_OAI"
DEFAULT_SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "twilio-oai" / "twilio_api_v2010.json"
# The spec's only server. The adapter was pointed at the mock on purpose, so requests are
# validated as if sent to Twilio itself: path, method, headers and body are what matter.
TWILIO_SERVER = "https://api.twilio.com"
FORM = "application/x-www-form-urlencoded"


class ContractViolation(Exception):
    """A request Twilio's description does not accept."""


@dataclasses.dataclass(frozen=True)
class TwilioContract:
    openapi: OpenAPI
    document: dict

    def check(self, recorded: RecordedRequest) -> None:
        """Raise ContractViolation unless Twilio's description accepts this request."""
        try:
            self.openapi.validate_request(SpecRequest(recorded))
        except OpenAPIError as error:
            raise ContractViolation(f"{recorded.method} {recorded.path}: {error}") from error
        if recorded.body:
            self._check_form(recorded)

    def check_answer(self, recorded: RecordedRequest, answer: ScriptedResponse) -> None:
        self.openapi.validate_response(SpecRequest(recorded), SpecResponse(answer))

    def _check_form(self, recorded: RecordedRequest) -> None:
        properties = self._form_schema(recorded)["properties"]
        keys = [key for key, _ in recorded.form]
        for key, value in recorded.form:
            schema = properties.get(key)
            if schema is None:
                raise ContractViolation(f"{key} is not a parameter of {recorded.method} {recorded.path}")
            if schema.get("type") != "array" and keys.count(key) > 1:
                raise ContractViolation(f"{key} is not an array but was sent {keys.count(key)} times")
            choices = documented_choices(schema)
            if choices and value not in choices:
                raise ContractViolation(f"{key}={value!r} is not one of the documented {choices}")

    def _form_schema(self, recorded: RecordedRequest) -> dict:
        for template, operations in self.document["paths"].items():
            if re.fullmatch(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)), recorded.path):
                operation = operations[recorded.method.lower()]
                return operation["requestBody"]["content"][FORM]["schema"]
        raise ContractViolation(f"no operation in the description for {recorded.path}")


def documented_choices(schema: dict) -> list[str]:
    """Values listed in prose ("Can be: `a` or `b`.") when the schema itself has no enum."""
    if "enum" in schema or "enum" in schema.get("items", {}):
        return []
    sentence = re.search(r"Can be: (.*?)(?:\.\s|\.$|$)", schema.get("description", ""))
    return re.findall(r"`([^`]+)`", sentence.group(1)) if sentence else []


class SpecRequest:
    """A recorded request, as openapi-core's Request protocol reads it."""

    def __init__(self, recorded: RecordedRequest) -> None:
        self.host_url = TWILIO_SERVER
        self.path = recorded.path
        self.method = recorded.method.lower()
        self.body = recorded.body or None
        self.content_type = recorded.content_type.lower()
        self.parameters = RequestParameters(query=ImmutableMultiDict(parse_qsl(recorded.query)),
                                            header=Headers(recorded.headers))


class SpecResponse:
    """A mock answer, as openapi-core's Response protocol reads it."""

    def __init__(self, answer: ScriptedResponse) -> None:
        self.status_code = answer.status
        self.data = json.dumps(answer.body).encode()
        self.content_type = "application/json"
        self.headers = Headers(answer.headers)


@pytest.fixture(scope="session")
def contract() -> TwilioContract:
    """Twilio's description, loaded once per test session (it is large)."""
    path = Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC)
    if not path.is_file():
        pytest.fail(f"Twilio's OpenAPI description is missing: expected {path} (see "
                    f"tests/fixtures/twilio-oai/NOTE.md), or point {SPEC_ENV} at twilio_api_v2010.json.",
                    pytrace=False)
    # Loaded as JSON: the YAML reader openapi-core would use rejects the file's escaped emoji.
    document = json.loads(path.read_text(encoding="utf-8"))
    return TwilioContract(OpenAPI.from_dict(document, base_uri=path.as_uri()), document)


@pytest.fixture(scope="module")
def recorded_traffic():
    """Every request the adapter sends for one call's life and a text, with the mock's answers."""
    with TwilioMock() as mock:
        provider = TwilioProvider.from_settings(twilio_settings(mock.url), retry=RetryPolicy(attempts=1))
        sid = provider.place_call(outbound_call("https://veille.example.org", "tok-42", "+33612345678"))
        provider.fetch_call_status(sid)
        provider.redirect(sid, "https://veille.example.org/voice/calls/tok-42/voicemail")
        provider.hang_up(sid)
        provider.send_sms("+33612345678", "Veille a essayé de vous joindre. Rappelez le 01 59 00 00 00.")
        provider.close()
    return list(zip(mock.requests, mock.answers, strict=True))


CREATE_CALL = r"/Calls\.json$"
ONE_CALL = r"/Calls/CA\w{32}\.json$"
CREATE_MESSAGE = r"/Messages\.json$"


def the(traffic, method: str, path: str, form_key: str | None = None) -> RecordedRequest:
    """The one recorded request with this method, path pattern and (optionally) form key."""
    matching = [request for request, _ in traffic if request.method == method
                and re.search(path, request.path) and (form_key is None or request.value(form_key))]
    assert len(matching) == 1, f"expected one {method} {path} ({form_key}), got {len(matching)}"
    return matching[0]


def with_form(recorded: RecordedRequest, pairs: list[tuple[str, str]]) -> RecordedRequest:
    return dataclasses.replace(recorded, body=urlencode(pairs).encode())


def test_every_request_the_adapter_sends_is_accepted_by_twilios_description(contract, recorded_traffic):
    assert len(recorded_traffic) == 5
    for request, _ in recorded_traffic:
        contract.check(request)


def test_creating_a_call_carries_our_parameters_as_twilio_reads_them(contract, recorded_traffic):
    create = the(recorded_traffic, "POST", CREATE_CALL)
    contract.check(create)

    body = contract.openapi.unmarshal_request(SpecRequest(create)).body
    assert body["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert create.values("StatusCallbackEvent") == body["StatusCallbackEvent"]  # repeated keys
    assert body["Timeout"] == 50
    assert body["MachineDetection"] == "Enable"
    assert body["AsyncAmd"] == "true"
    assert body["AsyncAmdStatusCallback"] == "https://veille.example.org/voice/calls/tok-42/amd"
    assert body["AsyncAmdStatusCallbackMethod"] == "POST"


def test_redirect_and_hang_up_are_documented_call_updates(contract, recorded_traffic):
    redirect = the(recorded_traffic, "POST", ONE_CALL, form_key="Url")
    hang_up = the(recorded_traffic, "POST", ONE_CALL, form_key="Status")

    assert contract.openapi.unmarshal_request(SpecRequest(redirect)).body == {
        "Url": "https://veille.example.org/voice/calls/tok-42/voicemail", "Method": "POST"}
    assert contract.openapi.unmarshal_request(SpecRequest(hang_up)).body == {"Status": "completed"}


def test_texts_and_status_fetches_are_documented_operations(contract, recorded_traffic):
    contract.check(the(recorded_traffic, "POST", CREATE_MESSAGE))
    contract.check(the(recorded_traffic, "GET", ONE_CALL))


def test_the_mock_answers_the_way_twilio_documents(contract, recorded_traffic):
    for request, answer in recorded_traffic:
        contract.check_answer(request, answer)


def replaced(key: str, bad: str):
    return lambda pairs: [(k, bad if k == key else v) for k, v in pairs]


# breakage -> (how to break the real request, what the violation must say)
BREAKAGES = {
    "no To": (lambda pairs: [(k, v) for k, v in pairs if k != "To"], "'To' is a required property"),
    "Timeout=abc": (replaced("Timeout", "abc"), "Failed to cast value to integer type: abc"),
    "Method=PUT": (replaced("Method", "PUT"), "'PUT' is not one of"),
    "MachineDetection=Sometimes": (replaced("MachineDetection", "Sometimes"), "MachineDetection='Sometimes'"),
    "AsyncAmd=yes": (replaced("AsyncAmd", "yes"), "AsyncAmd='yes'"),
    "StatusCallbackEvent=hangup": (lambda pairs: pairs + [("StatusCallbackEvent", "hangup")],
                                   "StatusCallbackEvent='hangup'"),
    "a misspelt key": (lambda pairs: pairs + [("StatusCallbackEvents", "completed")],
                       "StatusCallbackEvents is not a parameter"),
    "Timeout sent twice": (lambda pairs: pairs + [("Timeout", "60")], "Timeout is not an array"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_malformed_call_creation_is_rejected(contract, recorded_traffic, breakage):
    create = the(recorded_traffic, "POST", CREATE_CALL)
    break_form, expected = BREAKAGES[breakage]

    with pytest.raises(ContractViolation, match=re.escape(expected)):
        contract.check(with_form(create, break_form(create.form)))


def test_a_hang_up_with_an_undocumented_status_is_rejected(contract, recorded_traffic):
    hang_up = the(recorded_traffic, "POST", ONE_CALL, form_key="Status")

    with pytest.raises(ContractViolation, match="'hangup' is not one of"):
        contract.check(with_form(hang_up, [("Status", "hangup")]))


def test_a_request_without_credentials_is_rejected(contract, recorded_traffic):
    create = the(recorded_traffic, "POST", CREATE_CALL)
    headers = {name: value for name, value in create.headers.items() if name != "authorization"}

    with pytest.raises(ContractViolation, match="Security"):
        contract.check(dataclasses.replace(create, headers=headers))


def test_a_malformed_account_sid_is_rejected(contract, recorded_traffic):
    create = the(recorded_traffic, "POST", CREATE_CALL)

    with pytest.raises(ContractViolation, match="AccountSid"):
        contract.check(dataclasses.replace(create, path=create.path.replace(ACCOUNT_SID, "AC123")))


def test_a_volunteers_bridged_call_is_a_documented_call_without_machine_detection(contract):
    from voice_app.services.ports import OutboundCall

    with TwilioMock() as mock:
        provider = TwilioProvider.from_settings(twilio_settings(mock.url), retry=RetryPolicy(attempts=1))
        provider.place_call(OutboundCall(
            attempt_token="bridge-1", to_number="+33698765432", detect_machine=False, amd_callback_url=None,
            answer_url="https://veille.example.org/voice/bridge/bridge-1/answer",
            status_callback_url="https://veille.example.org/voice/bridge/bridge-1/status"))
        provider.close()
    [(create, _)] = list(zip(mock.requests, mock.answers, strict=True))
    contract.check(create)
    body = contract.openapi.unmarshal_request(SpecRequest(create)).body
    assert body["Url"] == "https://veille.example.org/voice/bridge/bridge-1/answer"
    assert "MachineDetection" not in body and "AsyncAmd" not in body
