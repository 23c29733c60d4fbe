"""Status callbacks: Twilio's progress, final statuses, duplicates and late arrivals."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from db.models import CallEvent
from db.models import FollowUp
from tests.web.conftest import Twilio
from tests.web.conftest import load
from tests.web.conftest import reload
from tests.web.conftest import snapshot


def test_a_normal_call_goes_through_initiated_ringing_answered_completed(veille, twilio, attempt):
    twilio.status("initiated")
    assert reload(veille, attempt).state == "ringing"
    twilio.status("ringing")
    twilio.status("in-progress")
    twilio.answer()
    twilio.press("1")
    response = twilio.status("completed")
    assert response.status_code == 200
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome, stored.provider_status) == ("ended", "ok", "completed")
    assert stored.answered_at == veille.clock() and stored.ended_at == veille.clock()


def test_the_in_progress_status_before_the_answer_webhook_still_gets_the_intro(twilio):
    twilio.status("in-progress")
    twilio.answer()
    assert twilio.says()[0].startswith("Bonjour, ici Veille")


@pytest.mark.parametrize(("status", "outcome"), [
    ("busy", "busy"), ("no-answer", "no_answer"), ("failed", "failed"), ("canceled", "no_answer"),
])
def test_a_call_never_answered_ends_with_the_status_outcome_and_no_follow_up(veille, twilio, attempt, status,
                                                                            outcome):
    twilio.status("initiated")
    twilio.status("ringing")
    twilio.status(status)
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome) == ("ended", outcome)
    assert load(veille, FollowUp) == []


def test_callbacks_are_accepted_before_the_dispatcher_stored_the_call_id(veille, client, make_attempt):
    fast = make_attempt(state="claimed", call_sid="")
    twilio = Twilio(client, fast.token, "CA" + "f" * 32)
    twilio.status("initiated")
    twilio.status("ringing")
    twilio.answer()
    stored = reload(veille, fast)
    assert (stored.state, stored.provider_call_id) == ("in_progress", "CA" + "f" * 32)


def test_a_duplicated_status_callback_is_stored_once(veille, twilio, attempt):
    twilio.status("ringing", sequence=1)
    before = snapshot(veille)
    assert twilio.status("ringing", sequence=1).status_code == 200
    assert snapshot(veille) == before
    assert len(load(veille, CallEvent, attempt_id=attempt.id)) == 1


def test_a_late_ringing_after_completed_changes_nothing(veille, twilio, attempt):
    twilio.answer()
    twilio.press("1")
    twilio.status("completed", sequence=3)
    twilio.status("ringing", sequence=1)
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome) == ("ended", "ok")


def test_a_no_answer_after_a_key_keeps_the_keys_outcome(veille, twilio, attempt):
    twilio.answer()
    twilio.press("2")
    twilio.press("2")
    twilio.status("no-answer")
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome) == ("ended", "help_food")
    assert [f.reason for f in load(veille, FollowUp)] == ["help_food"]


def test_a_status_the_code_does_not_know_is_recorded_and_changes_nothing(veille, twilio, attempt):
    twilio.status("ringing")
    response = twilio.status("teleported")
    assert response.status_code == 200
    stored = reload(veille, attempt)
    assert stored.state == "ringing"
    events = load(veille, CallEvent, attempt_id=attempt.id)
    assert events[-1].detail["status"] == "other" and events[-1].detail["known"] is False  # never verbatim


def test_status_callbacks_answer_an_empty_document(twilio):
    document = ET.fromstring(twilio.status("ringing").data)
    assert document.tag == "Response" and list(document) == []


def test_a_follow_up_is_opened_once_even_if_the_end_is_reported_twice(veille, twilio):
    twilio.answer()
    twilio.status("completed", sequence=4)
    twilio.status("completed", sequence=5)
    assert [f.reason for f in load(veille, FollowUp)] == ["no_key"]
