"""Web-ring fixtures: a tenant with a call in flight, and `twilio`, a helper that posts signed
webhooks exactly as Twilio does behind a TLS proxy (signs the public https URL, posts the path).

    twilio.answer(); twilio.press("2"); twilio.silence(); twilio.status("completed")

`press`, `say` and `silence` follow the action URL of the last Gather the app answered, as
Twilio does; `twilio.twiml` is the last document, parsed with xml.etree.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from datetime import date
from itertools import count
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from db.models import Base
from db.models import CallAttempt
from db.models import Enrolment
from db.models import Tenant
from db.models import User
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_AUTH_TOKEN
from voice_app.domain.webhook_urls import INBOUND_PATH
from voice_app.domain.webhook_urls import call_path

TENANT_PHONE = "+33612345678"
TENANT_PHONE2 = "+33145678901"
VOLUNTEER_PHONE = "+33698765432"


class Twilio:
    """Plays Twilio's side of one call against the Flask test client."""

    def __init__(self, client, token: str, call_sid: str, to_number: str = TENANT_PHONE):
        self.client, self.token, self.call_sid, self.to_number = client, token, call_sid, to_number
        self.twiml: ET.Element | None = None
        self.response = None
        self._sequence = count()

    # --- the webhooks ---
    def answer(self):
        return self.post(call_path(self.token, "answer"), self.params(CallStatus="in-progress"))

    def press(self, digits: str):
        return self.post(self.gather_action(), self.params(Digits=digits, CallStatus="in-progress"))

    def say(self, speech: str, confidence: str = "0.9"):
        return self.post(self.gather_action(), self.params(SpeechResult=speech, Confidence=confidence))

    def silence(self):
        """The Gather timed out: Twilio runs the next verb, our Redirect to the action URL."""
        redirect = self.twiml.find("Redirect")
        assert redirect is not None, "no Redirect after the Gather"
        return self.post(redirect.text, self.params(CallStatus="in-progress"))

    def status(self, call_status: str, sequence: int | None = None, **extra):
        seq = next(self._sequence) if sequence is None else sequence
        params = self.params(CallStatus=call_status, SequenceNumber=str(seq), **extra)
        return self.post(call_path(self.token, "status"), params, document=False)

    def amd(self, answered_by: str):
        return self.post(call_path(self.token, "amd"), self.params(AnsweredBy=answered_by), document=False)

    def dial_result(self, dial_status: str):
        dial = self.twiml.find("Dial")
        action = dial.get("action") if dial is not None else self.twiml.find("Redirect").text
        return self.post(action, self.params(DialCallStatus=dial_status, DialCallSid="CA" + "d" * 32))

    def volunteer_leg(self) -> Twilio:
        """The volunteer's side of the Dial just received: it fetches its screening question."""
        leg = Twilio(self.client, self.token, self.call_sid)
        leg.twiml = self.twiml
        leg.screen()
        return leg

    def screen(self, leg_sid: str = "CA" + "e" * 32):
        number = self.twiml.find("Dial/Number")
        return self.post(number.get("url"), {"CallSid": leg_sid, "ParentCallSid": self.call_sid})

    def screen_answer(self, digits: str, leg_sid: str = "CA" + "e" * 32):
        action = self.twiml.find("Gather").get("action")
        return self.post(action, {"CallSid": leg_sid, "ParentCallSid": self.call_sid, "Digits": digits})

    def fetch(self, url_or_path: str):
        return self.post(url_or_path, self.params())

    # --- plumbing ---
    def params(self, **extra) -> dict[str, str]:
        return {"AccountSid": "AC" + "0" * 32, "CallSid": self.call_sid, "From": "+33159000000",
                "To": self.to_number, "Direction": "outbound-api", "ApiVersion": "2010-04-01", **extra}

    def gather_action(self) -> str:
        gather = self.twiml.find("Gather")
        assert gather is not None, "the last TwiML has no Gather"
        return gather.get("action")

    def post(self, url_or_path: str, params: dict[str, str], signature: str | None = None,
             document: bool = True, keep_open: bool = False, **kwargs):
        """POST like Twilio; a `document` answer becomes the call's current TwiML (status and
        AMD callbacks inform only: Twilio never plays their answer)."""
        url = url_or_path if url_or_path.startswith("http") else PUBLIC_BASE_URL + url_or_path
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if signature is None:
            signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, params)
        # Behind the proxy the app sees plain http on an internal host.
        self.response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature},
                                         base_url="http://10.0.0.7:8000", **kwargs)
        body = self.response.get_data()
        if not keep_open:
            self.response.close()  # Twilio ends the HTTP exchange: after-response work runs now
        if document and self.response.status_code == 200 and body:
            self.twiml = ET.fromstring(body)
        return self.response

    def says(self) -> list[str]:
        """Every sentence of the last document, in order (inside Gathers too)."""
        return ["".join(say.itertext()) for say in self.twiml.iter("Say")]


def inbound_call(client, caller: str, call_sid: str | None = None, called: str = "+33159000000") -> Twilio:
    """Twilio posting an inbound call to the service number `called`; the driver follows the call."""
    sid = "CA" + secrets.token_hex(16) if call_sid is None else call_sid
    driver = Twilio(client, token="", call_sid=sid, to_number=caller)
    params = {"AccountSid": "AC" + "0" * 32, "CallSid": driver.call_sid, "From": caller,
              "To": called, "Direction": "inbound", "CallStatus": "ringing"}
    driver.post(INBOUND_PATH, params)
    return driver


@pytest.fixture
def tenant(veille, organisation, now):
    with veille.session_factory.begin() as session:
        tenant = Tenant(organisation_id=organisation.id, reference="T-001", last_name="Martin",
                        first_name="Jeanne", birth_year=1938, household="alone", phone=TENANT_PHONE,
                        phone2=TENANT_PHONE2, created_at=now, updated_at=now)
        session.add(tenant)
        session.flush()
        session.add(Enrolment(tenant_id=tenant.id, organisation_id=organisation.id, status="enrolled",
                              legal_basis="public_interest", source="manual", enrolled_on=date(2026, 1, 5)))
    return tenant


@pytest.fixture
def make_attempt(veille, organisation, tenant, now):
    """A call placed by the dispatcher (state `queued` by default) for the tenant."""
    numbers = count(1)

    def make(state: str = "queued", is_last_attempt: bool = False, call_sid: str | None = None,
             **values) -> CallAttempt:
        number = next(numbers)
        with veille.session_factory.begin() as session:
            attempt = CallAttempt(token=secrets.token_urlsafe(32), organisation_id=organisation.id,
                                  tenant_id=tenant.id, attempt_number=number, purpose="test",
                                  is_last_attempt=is_last_attempt, state=state, to_number=tenant.phone,
                                  provider_call_id=call_sid if call_sid is not None else f"CA{number:032x}",
                                  created_at=now, **values)
            session.add(attempt)
        return attempt

    return make


@pytest.fixture
def attempt(make_attempt):
    return make_attempt()


@pytest.fixture
def twilio(client, attempt):
    return Twilio(client, attempt.token, attempt.provider_call_id)


@pytest.fixture
def volunteer(veille, organisation):
    with veille.session_factory.begin() as session:
        user = User(organisation_id=organisation.id, email="benevole@example.org", display_name="Paul",
                    role="volunteer", on_duty=True, on_duty_phone=VOLUNTEER_PHONE)
        session.add(user)
    return user


def load(veille, model, **where):
    """Rows of `model` matching `where`, detached for assertions."""
    with veille.session_factory.begin() as session:
        query = select(model).filter_by(**where).order_by(model.id)
        return list(session.scalars(query))


def reload(veille, attempt) -> CallAttempt:
    return load(veille, CallAttempt, id=attempt.id)[0]


def snapshot(veille) -> dict:
    """Row counts and every attempt's state: equal snapshots mean nothing was written."""
    with veille.session_factory.begin() as session:
        counts = {table.name: session.scalar(select(func.count()).select_from(table))
                  for table in Base.metadata.sorted_tables}
        attempts = [(a.id, a.state, a.menu_step, a.outcome, a.silences, a.provider_status, a.answered_by)
                    for a in session.scalars(select(CallAttempt).order_by(CallAttempt.id))]
    return {"counts": counts, "attempts": attempts}


@pytest.fixture
def people(veille):
    from tests.web.people import make_people

    return make_people(veille)


@pytest.fixture
def browser(client):
    from tests.web.people import Browser

    return Browser(client)


@pytest.fixture
def api(client):
    """The JSON API through the test client; every answer checked against openapi.json."""
    from tests.web.api_client import Api

    return Api(client)


@pytest.fixture
def tokens(veille, organisation):
    """Secrets of the test landlord's API tokens: `write`, `read`, and a `revoked` write token."""
    from voice_app.domain.api_tokens import Scope
    from voice_app.services.api_tokens import create_token
    from voice_app.services.api_tokens import revoke_token

    secrets = {name: create_token(veille, organisation.id, Scope(scope), f"SI {name}", actor=None)
               for name, scope in (("write", "write"), ("read", "read"), ("revoked", "write"))}
    revoke_token(veille, secrets["revoked"][0].id, None, actor=None)
    return {name: secret for name, (_, secret) in secrets.items()}
