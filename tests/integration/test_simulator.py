"""The simulator against a tiny Flask app of our own, over real HTTP: Twilio's semantics."""

from __future__ import annotations

import time

import pytest

from tests.e2e.live_server import LiveServer
from tests.integration.simulator_double import MENU
from tests.integration.simulator_double import TENANT
from tests.integration.simulator_double import TOKEN
from tests.integration.simulator_double import IvrDouble
from tests.integration.simulator_double import play
from voice_app.domain.webhook_urls import outbound_call
from voice_app.services.ports import NumberRejected
from voice_app.services.ports import ProviderError
from voice_app.services.ports import ProviderUnavailable
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulator import SimulatorProvider


def test_a_call_id_looks_like_twilios_and_comes_back_at_once(simulator, double):
    sid = simulator.place_call(double.outbound())
    assert sid.startswith("CA") and len(sid) == 34
    int(sid[2:], 16)
    simulator.wait(sid)


def test_an_answered_call_sends_twilios_status_sequence_signed(simulator, double):
    call = play(simulator, double, Behaviour.presses("1"))
    statuses = double.requests_to("/status")
    assert [s["CallStatus"] for s in statuses] == ["initiated", "ringing", "in-progress", "completed"]
    assert [s["SequenceNumber"] for s in statuses] == ["0", "1", "2", "3"]
    assert all(s.signed for s in double.seen)
    first = statuses[0]
    assert first["Direction"] == "outbound-api" and first["ApiVersion"] == "2010-04-01"
    assert first["CallbackSource"] == "call-progress-events"
    assert first["To"] == TENANT and first["CallSid"] == call.sid and first["AccountSid"].startswith("AC")
    assert first["Timestamp"].endswith("+0000")
    assert int(statuses[-1]["CallDuration"]) >= 1
    assert call.status == "completed" and call.statuses == [s["CallStatus"] for s in statuses]


def test_a_key_pressed_in_gather_is_posted_to_its_action_and_the_rest_is_abandoned(simulator, double):
    call = play(simulator, double, Behaviour.presses("1"))
    assert double.requests_to("/menu")[0]["Digits"] == "1"
    assert double.requests_to("/answer")[0]["CallStatus"] == "in-progress"
    assert call.keys == ["1"]
    assert "Au revoir." not in call.says
    assert call.verbs == ["Gather", "Say", "Hangup"]
    assert call.hung_up_by == "twiml"


def test_asynchronous_amd_reports_a_human_shortly_after_the_answer(simulator, double):
    double.replies["/answer"] = '<Response><Pause length="10"/><Hangup/></Response>'
    call = play(simulator, double, Behaviour.silent())
    amd = double.requests_to("/amd")
    assert [a["AnsweredBy"] for a in amd] == ["human"]
    assert int(amd[0]["MachineDetectionDuration"]) > 0 and call.answered_by == "human"


def test_a_word_is_posted_as_speech_result_with_its_confidence(simulator, double):
    play(simulator, double, Behaviour.says("oui"))
    posted = double.requests_to("/menu")[0]
    assert posted["SpeechResult"] == "oui" and float(posted["Confidence"]) > 0.5
    assert "Digits" not in posted


def test_silence_falls_through_to_the_verb_after_gather_then_the_call_ends(simulator, double):
    call = play(simulator, double, Behaviour.silent())
    assert double.requests_to("/menu") == []
    assert call.says == ["Tapez 1 si tout va bien.", "Au revoir."]
    assert call.inputs == ["silence"] and call.status == "completed"


def test_action_on_empty_result_posts_the_action_without_input(simulator, double):
    double.replies["/answer"] = ('<Response><Gather action="/menu" actionOnEmptyResult="true" timeout="5">'
                                 "<Say>Tapez 1.</Say></Gather><Say>Jamais dit.</Say></Response>")
    call = play(simulator, double, Behaviour.silent())
    assert len(double.requests_to("/menu")) == 1 and "Digits" not in double.requests_to("/menu")[0]
    assert "Jamais dit." not in call.says


def test_a_redirect_verb_fetches_the_next_document_relative_to_the_current_one(simulator, double):
    double.replies["/answer"] = "<Response><Redirect>/second</Redirect><Say>Jamais dit.</Say></Response>"
    double.replies["/second"] = "<Response><Say>Deuxième.</Say></Response>"
    call = play(simulator, double, Behaviour.silent())
    assert call.says == ["Deuxième."] and len(double.requests_to("/second")) == 1


def test_a_tenant_hanging_up_mid_menu_ends_the_call_without_posting_the_action(simulator, double):
    call = play(simulator, double, Behaviour.hangs_up())
    assert double.requests_to("/menu") == []
    assert call.status == "completed" and call.hung_up_by == "tenant" and call.inputs == ["hangup"]


@pytest.mark.parametrize(("behaviour", "final", "sequence"), [
    (Behaviour.no_answer(), "no-answer", ["initiated", "ringing", "no-answer"]),
    (Behaviour.busy(), "busy", ["initiated", "busy"]),
    (Behaviour.wrong_number(), "failed", ["initiated", "failed"]),
])
def test_unanswered_calls_end_with_their_final_status_and_never_fetch_twiml(
        simulator, double, behaviour, final, sequence):
    call = play(simulator, double, behaviour)
    assert [s["CallStatus"] for s in double.requests_to("/status")] == sequence
    assert double.requests_to("/answer") == [] and double.requests_to("/amd") == []
    assert call.status == final and double.requests_to("/status")[-1]["CallDuration"] == "0"


def test_an_answering_machine_is_reported_and_can_be_hung_up_from_the_amd_callback(simulator, double):
    def on_amd(form):
        simulator.hang_up(form["CallSid"])
        return "", 204
    double.replies["/amd"] = on_amd
    double.replies["/answer"] = MENU.replace('timeout="8"', 'timeout="60"')
    call = play(simulator, double, Behaviour.voicemail())
    assert double.requests_to("/amd")[0]["AnsweredBy"] == "machine_start"
    assert call.hung_up_by == "api" and call.status == "completed"
    assert double.requests_to("/menu") == []


def test_a_machine_nobody_hangs_up_on_records_until_it_hangs_up_itself(simulator, double):
    double.replies["/answer"] = '<Response><Pause length="600"/></Response>'
    call = play(simulator, double, Behaviour.voicemail())
    assert call.hung_up_by == "machine" and 120 <= call.duration_seconds < 130


def test_an_api_redirect_interrupts_the_current_verb_and_plays_the_new_url(simulator, double):
    def on_amd(form):
        simulator.redirect(form["CallSid"], double.url + "/message")
        return "", 204
    double.replies["/amd"] = on_amd
    double.replies["/answer"] = '<Response><Pause length="60"/><Say>Jamais dit.</Say></Response>'
    double.replies["/message"] = "<Response><Say>Rappelez-nous.</Say><Hangup/></Response>"
    call = play(simulator, double, Behaviour.voicemail())
    assert call.says == ["Rappelez-nous."] and call.status == "completed"


def test_a_failing_webhook_falls_back_with_the_error_code(simulator, double):
    double.replies["/answer"] = ("boom", 500)
    double.replies["/fallback"] = "<Response><Say>Secours.</Say></Response>"
    call = play(simulator, double, Behaviour.silent())
    fallback = double.requests_to("/fallback")[0]
    assert fallback["ErrorCode"] == "11200" and fallback["ErrorUrl"] == double.url + "/answer"
    assert call.says == ["Secours."] and 500 in call.http_statuses


def test_invalid_twiml_without_a_working_fallback_ends_the_call_with_an_application_error(
        simulator, double):
    double.replies["/answer"] = "<Response><Gather>"
    double.replies["/fallback"] = ("", 404)
    call = play(simulator, double, Behaviour.silent())
    assert double.requests_to("/fallback")[0]["ErrorCode"] == "12100"
    assert call.says == ["An application error has occurred."]
    assert call.status == "completed" and call.errors


def test_a_verb_twilio_does_not_know_is_a_schema_error(simulator, double):
    double.replies["/answer"] = "<Response><Dance/></Response>"
    play(simulator, double, Behaviour.silent())
    assert double.requests_to("/fallback")[0]["ErrorCode"] == "12200"


def test_duplicated_callbacks_repeat_each_status_with_the_same_sequence_number(simulator, double):
    play(simulator, double, Behaviour.presses("1").with_duplicated_callbacks())
    sequence = [(s["CallStatus"], s["SequenceNumber"]) for s in double.requests_to("/status")]
    assert sequence == [("initiated", "0"), ("initiated", "0"), ("ringing", "1"), ("ringing", "1"),
                        ("in-progress", "2"), ("in-progress", "2"), ("completed", "3"), ("completed", "3")]


def test_late_callbacks_deliver_the_answer_after_completed(simulator, double):
    call = play(simulator, double, Behaviour.presses("1").with_late_callbacks())
    assert [s["CallStatus"] for s in double.requests_to("/status")] == [
        "initiated", "ringing", "completed", "in-progress"]
    assert call.status == "completed"


def test_an_inbound_call_reaches_the_inbound_url_as_twilio_sends_it(simulator, double):
    double.replies["/voice/inbound"] = MENU
    sid = simulator.call_in(TENANT, Behaviour.presses("1"))
    call = simulator.wait(sid)
    first = double.requests_to("/voice/inbound")[0]
    assert first["Direction"] == "inbound" and first["CallStatus"] == "ringing" and first["From"] == TENANT
    assert first["To"] == "+33180000000"
    assert double.requests_to("/menu")[0]["CallStatus"] == "in-progress"
    assert double.requests_to("/voice/inbound/status")[0]["CallDuration"] != "0"
    assert [s["CallStatus"] for s in double.requests_to("/voice/inbound/status")] == ["completed"]
    assert call.status == "completed" and double.requests_to("/status") == []


def test_an_inbound_call_rejected_before_answer_is_busy(simulator, double):
    double.replies["/voice/inbound"] = '<Response><Reject reason="busy"/></Response>'
    call = simulator.wait(simulator.call_in(TENANT, Behaviour.silent()))
    assert call.status == "busy" and call.verbs == ["Reject"]


def test_urls_outside_public_base_url_are_never_requested(simulator, double):
    elsewhere = LiveServer()
    stranger = IvrDouble(elsewhere)
    elsewhere.serve(stranger.app)
    try:
        double.replies["/answer"] = f"<Response><Redirect>{stranger.url}/steal</Redirect></Response>"
        call = play(simulator, double, Behaviour.silent())
        with pytest.raises(ProviderError):
            simulator.place_call(stranger.outbound())
        with pytest.raises(ProviderError):
            simulator.redirect(call.sid, stranger.url + "/steal")
    finally:
        elsewhere.stop()
    assert stranger.seen == [] and any("outside PUBLIC_BASE_URL" in e for e in call.errors)


def test_an_invalid_number_is_refused_like_twilios_api_does(simulator, double):
    with pytest.raises(NumberRejected):
        simulator.place_call(double.outbound("0612345678"))


def test_webhook_urls_outside_public_base_url_make_the_simulator_unavailable_for_every_call(simulator):
    elsewhere = outbound_call("https://elsewhere.example.org", "tok-1", "+33612345678")
    with pytest.raises(ProviderUnavailable):
        simulator.place_call(elsewhere)


def test_hanging_up_a_call_that_is_over_is_refused(simulator, double):
    call = play(simulator, double, Behaviour.presses("1"))
    assert simulator.fetch_call_status(call.sid) == "completed"
    with pytest.raises(ProviderError):
        simulator.hang_up(call.sid)
    assert simulator.fetch_call_status("CA" + "f" * 32) is None


def test_hanging_up_while_ringing_cancels_the_call(double):
    slow = SimulatorProvider(public_base_url=double.url, auth_token=TOKEN, time_scale=50)
    try:
        slow.script(TENANT, Behaviour.presses("1"))
        sid = slow.place_call(double.outbound())
        slow.hang_up(sid)
        call = slow.wait(sid, timeout=5)
    finally:
        slow.close()
    assert call.status == "canceled" and double.requests_to("/answer") == []


def test_another_process_of_the_deployment_can_hang_up_a_call(double):
    playing = SimulatorProvider(public_base_url=double.url, auth_token=TOKEN, time_scale=20)
    other = SimulatorProvider(public_base_url=double.url, auth_token=TOKEN, time_scale=20)
    double.replies["/answer"] = '<Response><Pause length="600"/></Response>'
    try:
        playing.script(TENANT, Behaviour(ring_seconds=1.0))
        sid = playing.place_call(double.outbound())
        deadline = time.monotonic() + 5
        while not double.requests_to("/answer") and time.monotonic() < deadline:
            time.sleep(0.01)  # ringing: wait until the call is answered and playing
        other.hang_up(sid)
        call = playing.wait(sid, timeout=5)
    finally:
        playing.close()
        other.close()
    assert call.hung_up_by == "api" and call.duration_seconds < 60


def test_wait_gives_up_after_its_timeout(double):
    slow = SimulatorProvider(public_base_url=double.url, auth_token=TOKEN, time_scale=1)
    try:
        sid = slow.place_call(double.outbound())
        with pytest.raises(TimeoutError):
            slow.wait(sid, timeout=0.05)
    finally:
        slow.close()
    assert slow.call(sid).status == "canceled"


def test_sms_are_recorded_not_sent(simulator):
    sid = simulator.send_sms(TENANT, "Bonjour")
    assert sid.startswith("SM") and simulator.messages == [(sid, TENANT, "Bonjour")]


def test_a_long_running_simulator_forgets_its_oldest_finished_calls(simulator, double, monkeypatch):
    monkeypatch.setattr("voice_app.telephony.simulator.MAX_KEPT_RECORDS", 2)
    first = play(simulator, double, Behaviour.busy())
    second = play(simulator, double, Behaviour.busy())
    third = play(simulator, double, Behaviour.busy())
    assert [call.sid for call in simulator.calls] == [second.sid, third.sid]
    assert simulator.fetch_call_status(first.sid) is None


def test_keys_without_num_digits_or_finish_key_are_submitted_after_the_timeout(double):
    double.replies["/answer"] = '<Response><Gather action="/menu" timeout="5" finishOnKey=""/></Response>'
    provider = SimulatorProvider(public_base_url=double.url, auth_token=TOKEN, time_scale=2000)
    try:
        call = play(provider, double, Behaviour.presses("12"))
    finally:
        provider.close()
    assert double.requests_to("/menu")[0]["Digits"] == "12"
    assert call.duration_seconds >= 5 + 2  # the reaction, then the timeout waiting for more keys
