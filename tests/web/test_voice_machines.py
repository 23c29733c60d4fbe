"""Answering machines (async AMD): voicemail is never "reached"; the call is ended or, on
the last attempt of a round, redirected to a short message with the number to call back."""

from __future__ import annotations

import pytest

from db.models import FollowUp
from db.models import Organisation
from tests.web.conftest import Twilio
from tests.web.conftest import load
from tests.web.conftest import reload
from voice_app.domain.outcomes import is_reached
from voice_app.services.ports import ProviderError


@pytest.mark.parametrize("verdict", ["machine_start", "machine_end_beep", "machine_end_silence",
                                     "machine_end_other"])
def test_a_machine_on_a_middle_attempt_is_hung_up_as_voicemail(veille, twilio, attempt, telephony, verdict):
    twilio.answer()
    response = twilio.amd(verdict)
    assert response.status_code == 200
    stored = reload(veille, attempt)
    assert (stored.outcome, stored.answered_by) == ("voicemail", verdict)
    assert not is_reached(stored.outcome)
    assert telephony.hung_up == [attempt.provider_call_id] and telephony.redirected == []
    twilio.status("completed")
    assert reload(veille, attempt).outcome == "voicemail"
    assert load(veille, FollowUp) == []


def test_the_next_twiml_fetch_after_a_machine_hangs_up(twilio):
    twilio.answer()
    redirect = twilio.twiml.find("Redirect").text
    twilio.amd("machine_end_beep")
    twilio.post(redirect, twilio.params())
    assert twilio.twiml.find("Hangup") is not None and twilio.twiml.find("Gather") is None


def test_a_machine_on_the_last_attempt_hears_the_number_to_call_back(veille, client, make_attempt, telephony):
    last = make_attempt(is_last_attempt=True)
    twilio = Twilio(client, last.token, last.provider_call_id)
    twilio.answer()
    twilio.amd("machine_end_beep")
    [(sid, url)] = telephony.redirected
    assert sid == last.provider_call_id and url.endswith(f"/voice/calls/{last.token}/voicemail")
    twilio.fetch(url)
    text = " ".join(twilio.says())
    assert "Habitat Test" in text and text.count("01 59 00 00 00") == 2
    assert twilio.twiml.find("Hangup") is not None
    assert reload(veille, last).outcome == "voicemail"


def test_the_voicemail_message_gives_the_organisations_own_callback_number(veille, client, make_attempt,
                                                                           organisation):
    with veille.session_factory.begin() as session:
        session.get(Organisation, organisation.id).callback_number = "+33140000000"
    last = make_attempt(is_last_attempt=True)
    twilio = Twilio(client, last.token, last.provider_call_id)
    twilio.answer()
    twilio.amd("machine_start")
    twilio.fetch(f"/voice/calls/{last.token}/voicemail")
    assert "Vous pouvez nous rappeler au 01 40 00 00 00." in twilio.says()


def test_a_human_verdict_lets_the_menu_go_on(veille, twilio, attempt, telephony):
    twilio.answer()
    twilio.amd("human")
    twilio.press("1")
    stored = reload(veille, attempt)
    assert (stored.outcome, stored.answered_by) == ("ok", "human") and telephony.hung_up == []


def test_a_machine_verdict_after_a_key_changes_nothing(veille, twilio, attempt, telephony):
    twilio.answer()
    twilio.press("2")
    twilio.amd("machine_end_other")
    assert reload(veille, attempt).menu_step == "help" and telephony.hung_up == []


def test_a_fax_is_a_failed_call(veille, twilio, attempt, telephony):
    twilio.answer()
    twilio.amd("fax")
    assert reload(veille, attempt).outcome == "failed" and telephony.hung_up == [attempt.provider_call_id]


def test_an_unknown_verdict_is_recorded_and_changes_nothing(veille, twilio, attempt, telephony):
    twilio.answer()
    assert twilio.amd("robot").status_code == 200
    stored = reload(veille, attempt)
    # Stored as `other` on the event only: an undocumented value never reaches the attempt.
    assert (stored.menu_step, stored.outcome, stored.answered_by) == ("menu", None, None)


def test_the_provider_is_asked_to_hang_up_only_once_the_answer_is_sent(twilio, attempt, telephony):
    twilio.answer()
    params = twilio.params(AnsweredBy="machine_end_beep")
    response = twilio.post(f"/voice/calls/{twilio.token}/amd", params, document=False, keep_open=True)
    assert response.status_code == 200 and telephony.hung_up == []
    response.close()
    assert telephony.hung_up == [attempt.provider_call_id]


class BrokenTelephony:
    """A provider that refuses every request."""

    def hang_up(self, provider_call_id):
        raise ProviderError("503 from the provider")

    def redirect(self, provider_call_id, url):
        raise ProviderError("503 from the provider")


def test_a_provider_error_after_the_commit_is_not_an_error_for_the_webhook(veille, twilio, attempt):
    veille._telephony = BrokenTelephony()
    twilio.answer()
    assert twilio.amd("machine_end_beep").status_code == 200
    assert reload(veille, attempt).outcome == "voicemail"


def test_a_duplicated_machine_verdict_hangs_up_once(twilio, telephony):
    twilio.answer()
    twilio.amd("machine_end_beep")
    twilio.amd("machine_end_beep")
    assert len(telephony.hung_up) == 1
