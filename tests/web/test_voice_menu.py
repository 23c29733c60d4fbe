"""The IVR menu through signed webhooks: what the tenant hears and what is recorded."""

from __future__ import annotations

from urllib.parse import urlsplit

from db.models import CallEvent
from db.models import Enrolment
from db.models import FollowUp
from db.models import KeyPress
from db.models import PhoneSuppression
from db.models import Tenant
from tests.conftest import PUBLIC_BASE_URL
from tests.web.conftest import load
from tests.web.conftest import reload
from voice_app.config import DEV_SUPPRESSION_KEY as KEY
from voice_app.domain.outcomes import is_reached
from voice_app.services.suppression import phone_hash


def test_answering_plays_identity_emergency_and_menu_inside_a_french_gather(twilio):
    response = twilio.answer()
    assert response.status_code == 200 and response.mimetype == "text/xml"
    gather = twilio.twiml.find("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "fr-FR"
    assert gather.get("numDigits") == "1"
    assert 8 <= int(gather.get("timeout")) <= 10
    assert gather.get("method") == "POST"
    assert gather.get("finishOnKey") == "", "# is a key like the others, not an empty answer"
    assert "oui" in gather.get("hints") and "aide" in gather.get("hints")
    action = urlsplit(gather.get("action"))
    assert f"{action.scheme}://{action.netloc}" == PUBLIC_BASE_URL
    assert action.path == f"/voice/calls/{twilio.token}/gather/menu"
    says = ["".join(say.itertext()) for say in gather.findall("Say")]
    assert says[0] == "Bonjour, ici Veille, le service de prise de nouvelles de Habitat Test."
    assert says[1] == "En cas d'urgence, raccrochez et appelez le 15 ou le 112."
    assert any("tapez 1" in s for s in says) and any("tapez 9" in s for s in says)
    assert all(say.get("language") == "fr-FR" for say in gather.findall("Say"))
    assert twilio.twiml.find("Say") is None, "every prompt is nested in the Gather"
    assert twilio.twiml.find("Redirect").text == gather.get("action")


def test_pressing_1_confirms_all_is_well_and_the_tenant_is_reached(veille, twilio, attempt):
    twilio.answer()
    twilio.press("1")
    assert "Vous avez répondu : tout va bien." in twilio.says()
    assert twilio.twiml.find("Hangup") is not None
    twilio.status("completed")
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome) == ("ended", "ok") and is_reached(stored.outcome)
    [response] = load(veille, KeyPress, attempt_id=attempt.id)
    assert (response.step, response.key, response.meaning) == ("menu", "1", "all_well")
    assert load(veille, FollowUp) == []


def test_saying_oui_counts_as_all_is_well(veille, twilio, attempt):
    twilio.answer()
    twilio.say("Oui.")
    assert reload(veille, attempt).outcome == "ok"
    assert load(veille, KeyPress, attempt_id=attempt.id)[0].key == "oui"


def test_help_then_health_opens_an_urgent_follow_up_before_the_call_ends(veille, twilio, attempt):
    twilio.answer()
    twilio.press("2")
    assert "Vous avez répondu : j'ai besoin d'aide." in twilio.says()
    assert twilio.twiml.find("Gather").get("action").split("?")[0].endswith("/gather/help")
    twilio.press("1")
    assert "Vous avez répondu : ma santé." in twilio.says()
    [follow_up] = load(veille, FollowUp)
    assert (follow_up.reason, follow_up.priority) == ("help_health", "urgent")
    assert follow_up.attempt_id == attempt.id
    meanings = [(r.step, r.meaning) for r in load(veille, KeyPress, attempt_id=attempt.id)]
    assert meanings == [("menu", "need_help"), ("help", "health")]


def test_saying_aide_in_a_sentence_with_oui_is_a_request_for_help(veille, twilio, attempt):
    twilio.answer()
    twilio.say("oui j'ai besoin d'aide")
    assert reload(veille, attempt).menu_step == "help"


def test_help_then_food_is_a_high_priority_follow_up(veille, twilio):
    twilio.answer()
    twilio.press("2")
    twilio.press("2")
    assert [(f.reason, f.priority) for f in load(veille, FollowUp)] == [("help_food", "high")]


def test_help_then_silence_still_escalates_as_other_help(veille, twilio, attempt):
    twilio.answer()
    twilio.press("2")
    twilio.silence()
    assert twilio.twiml.find("Gather") is not None, "the help question is asked once more"
    twilio.silence()
    assert reload(veille, attempt).outcome == "help_other"
    assert [f.reason for f in load(veille, FollowUp)] == ["help_other"]


def test_help_then_hanging_up_is_never_lost(veille, twilio, attempt):
    twilio.answer()
    twilio.press("2")
    twilio.status("completed")
    assert reload(veille, attempt).outcome == "help_other"
    assert [f.reason for f in load(veille, FollowUp)] == ["help_other"]


def test_silence_repeats_the_menu_twice_then_promises_a_call_and_escalates(veille, twilio, attempt):
    twilio.answer()
    twilio.silence()
    assert "Je n'ai pas entendu votre réponse." in twilio.says() and twilio.twiml.find("Gather") is not None
    twilio.silence()
    assert twilio.twiml.find("Gather") is not None
    twilio.silence()
    assert "Un bénévole vous rappellera." in twilio.says() and twilio.twiml.find("Hangup") is not None
    twilio.status("completed")
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome) == ("ended", "no_key") and not is_reached(stored.outcome)
    assert [(f.reason, f.priority) for f in load(veille, FollowUp)] == [("no_key", "high")]


def test_a_key_not_on_the_menu_repeats_the_menu(veille, twilio, attempt):
    twilio.answer()
    twilio.press("7")
    assert "Ce choix n'existe pas." in twilio.says()
    twilio.press("#")
    assert "Ce choix n'existe pas." in twilio.says()
    assert any("tapez 1" in s for s in twilio.says())
    twilio.press("1")
    assert reload(veille, attempt).outcome == "ok"


def test_garbage_digits_and_unknown_words_repeat_the_menu(veille, twilio, attempt):
    twilio.answer()
    twilio.press("<script>")
    assert twilio.response.status_code == 200 and "Ce choix n'existe pas." in twilio.says()
    twilio.say("la météo est belle")
    assert "Ce choix n'existe pas." in twilio.says()
    twilio.press("1")
    assert reload(veille, attempt).outcome == "ok"


def test_hanging_up_mid_menu_is_no_key(veille, twilio, attempt):
    twilio.answer()
    twilio.status("completed")
    assert reload(veille, attempt).outcome == "no_key"
    assert [f.reason for f in load(veille, FollowUp)] == ["no_key"]


def test_nine_then_nine_opts_out_unenrols_and_suppresses_both_numbers(veille, twilio, attempt, tenant):
    twilio.answer()
    twilio.press("9")
    assert "Pour confirmer, tapez 9 à nouveau." in twilio.says()
    twilio.press("9")
    assert "C'est noté : nous ne vous appellerons plus." in twilio.says()
    assert reload(veille, attempt).outcome == "opt_out"
    [stored] = load(veille, Tenant, id=tenant.id)
    assert stored.opted_out_at == veille.clock()
    [enrolment] = load(veille, Enrolment, tenant_id=tenant.id)
    assert (enrolment.status, enrolment.unenrolled_on.isoformat()) == ("unenrolled", "2026-11-24")
    hashes = {s.phone_hash for s in load(veille, PhoneSuppression)}
    assert hashes == {phone_hash(tenant.phone, KEY), phone_hash(tenant.phone2, KEY)}
    assert [(f.reason, f.priority) for f in load(veille, FollowUp)] == [("opt_out", "low")]


def test_opting_out_cancels_the_tenants_calls_still_due(veille, twilio, make_attempt):
    later = make_attempt(state="due")
    twilio.answer()
    twilio.press("9")
    twilio.press("9")
    assert reload(veille, later).state == "cancelled"


def test_nine_then_nothing_keeps_the_calls_and_asks_a_volunteer_to_call_back(veille, twilio, attempt, tenant):
    twilio.answer()
    twilio.press("9")
    twilio.silence()
    twilio.silence()
    assert "Vous n'avez pas confirmé." in twilio.says()
    assert reload(veille, attempt).outcome == "opt_out_unconfirmed"
    assert load(veille, Tenant, id=tenant.id)[0].opted_out_at is None
    assert load(veille, Enrolment, tenant_id=tenant.id)[0].status == "enrolled"
    assert load(veille, PhoneSuppression) == []
    assert [(f.reason, f.priority) for f in load(veille, FollowUp)] == [("call_me_back", "normal")]


def test_nine_then_one_goes_back_to_the_menu(veille, twilio, attempt):
    twilio.answer()
    twilio.press("9")
    twilio.press("1")
    assert "D'accord, les appels continuent." in twilio.says()
    twilio.press("1")
    assert reload(veille, attempt).outcome == "ok"
    steps = [(r.step, r.meaning) for r in load(veille, KeyPress, attempt_id=attempt.id)]
    assert steps == [("menu", "stop"), ("stop_confirm", "stop_cancelled"), ("menu.2", "all_well")]


def test_a_retried_gather_is_stored_once_and_hears_the_same_twiml(veille, twilio, attempt):
    twilio.answer()
    action = twilio.gather_action()
    first = twilio.post(action, twilio.params(Digits="2")).data
    again = twilio.post(action, twilio.params(Digits="2")).data
    assert again == first
    assert len(load(veille, KeyPress, attempt_id=attempt.id)) == 1
    assert len([e for e in load(veille, CallEvent, attempt_id=attempt.id) if e.kind == "gather"]) == 1
    assert reload(veille, attempt).menu_step == "help"


def test_a_retried_answer_webhook_hears_the_same_and_is_stored_once(veille, twilio, attempt):
    first = twilio.answer().data
    again = twilio.answer().data
    assert again == first
    assert [e.kind for e in load(veille, CallEvent, attempt_id=attempt.id)] == ["answer"]


def test_a_retried_silence_does_not_count_twice(veille, twilio, attempt):
    twilio.answer()
    redirect = twilio.twiml.find("Redirect").text
    twilio.post(redirect, twilio.params())
    twilio.post(redirect, twilio.params())
    assert reload(veille, attempt).silences == 1


def test_no_webhook_url_carries_a_phone_number(twilio, tenant):
    twilio.answer()
    urls = [e.get("action") or e.text for e in twilio.twiml.iter() if e.tag in ("Gather", "Redirect")]
    digits = tenant.phone.lstrip("+")
    assert urls and all(digits not in url and tenant.phone[-9:] not in url for url in urls)
