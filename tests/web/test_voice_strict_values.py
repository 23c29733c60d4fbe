"""Strict values: a signed webhook's CallStatus, AnsweredBy, DialCallStatus, SequenceNumber and
caller id outside Twilio's documented values are normalised, never stored verbatim; a token
Veille never issues (a NUL byte...) is a 404 on every database, with nothing read or written."""

from __future__ import annotations

import pytest

from db.models import CallAttempt
from db.models import CallEvent
from tests.web.conftest import inbound_call
from tests.web.conftest import load
from tests.web.conftest import reload
from tests.web.conftest import snapshot


@pytest.mark.parametrize("token", ["%00", "abc%00def", "a%00" * 10, "%C2%B2", "to.ken", "x" * 65])
@pytest.mark.parametrize("hook", ["answer", "status", "gather/menu?turn=1", "screen", "voicemail"])
def test_a_token_veille_never_issues_is_a_404_and_changes_nothing(veille, twilio, token, hook):
    twilio.answer()
    before = snapshot(veille)
    response = twilio.post(f"/voice/calls/{token}/{hook}", twilio.params(CallStatus="completed", Digits="9"),
                           document=False)
    assert response.status_code == 404
    assert snapshot(veille) == before


def test_a_well_formed_unknown_token_still_gets_the_polite_hang_up(veille, twilio):
    response = twilio.post("/voice/calls/" + "u" * 43 + "/answer", twilio.params())
    assert response.status_code == 200 and twilio.twiml.find("Hangup") is not None


@pytest.mark.parametrize("value", ["teleported", "COMPLETED\u00e9", "<script>", "x" * 64])
def test_an_undocumented_call_status_is_stored_as_other_and_changes_nothing(veille, twilio, attempt, value):
    twilio.status("ringing")
    before = reload(veille, attempt)
    assert twilio.status(value).status_code == 200
    stored = reload(veille, attempt)
    assert (stored.state, stored.provider_status) == (before.state, before.provider_status) == ("ringing",
                                                                                               "ringing")
    event = load(veille, CallEvent, attempt_id=attempt.id)[-1]
    assert event.detail["status"] == "other" and event.detail["known"] is False
    assert value not in event.idempotency_key


@pytest.mark.parametrize("value", ["robot", "machine", "HUMAN!", "x" * 24])
def test_an_undocumented_answering_machine_verdict_is_stored_as_other(veille, twilio, attempt, value):
    twilio.answer()
    assert twilio.amd(value).status_code == 200
    stored = reload(veille, attempt)
    assert (stored.menu_step, stored.outcome, stored.answered_by) == ("menu", None, None)
    event = load(veille, CallEvent, attempt_id=attempt.id)[-1]
    assert (event.kind, event.detail["answered_by"], event.detail["known"]) == ("amd", "other", False)


def test_a_documented_verdict_is_still_stored(veille, twilio, attempt):
    twilio.answer()
    twilio.amd("human")
    assert reload(veille, attempt).answered_by == "human"


@pytest.mark.parametrize("value", ["connected", "bridged", "<x/>"])
def test_an_undocumented_dial_status_is_a_missed_transfer_stored_as_other(veille, twilio, attempt, volunteer,
                                                                          value):
    twilio.answer()
    twilio.press("0")
    twilio.volunteer_leg().screen_answer("1")
    twilio.dial_result(value)
    assert "Aucun bénévole n'a pu répondre." in twilio.says()
    assert reload(veille, attempt).outcome == "live_transfer_missed"
    dial = [e for e in load(veille, CallEvent, attempt_id=attempt.id) if e.kind == "dial"]
    assert [e.detail["dial_status"] for e in dial] == ["other"]


@pytest.mark.parametrize("sequence", ["-1", "1e3", "²", "9" * 11, "0x10", " 3 "])
def test_a_sequence_number_that_is_not_digits_is_dropped(veille, twilio, attempt, sequence):
    twilio.status("ringing", sequence=sequence)
    event = load(veille, CallEvent, attempt_id=attempt.id)[-1]
    assert event.detail["sequence"] in ("", "3")
    assert reload(veille, attempt).state == "ringing"


@pytest.mark.parametrize("caller", ["+33<script>", "0612345678", "anonymous", "+33 6 12 34 56 78",
                                    "+0123456789", "+3361234567890123"])
def test_a_caller_id_that_is_not_e164_is_a_withheld_number_never_stored(veille, client, tenant, caller):
    call = inbound_call(client, caller)
    assert call.response.status_code == 200
    [attempt] = load(veille, CallAttempt)
    assert (attempt.tenant_id, attempt.to_number) == (None, None)
