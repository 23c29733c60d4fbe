"""The bridged call-back: the volunteer's phone first, then the tenant with the service number
shown; signed webhooks, duplicates harmless, forgeries refused."""

from __future__ import annotations

from sqlalchemy import select

from db.models import BridgedCall
from tests.web.conftest import Twilio
from tests.web.people import Browser
from tests.web.people import add_task
from tests.web.people import add_tenant

VOLUNTEER_SID = "CA" + "b" * 32


def start(browser, people, veille, now) -> tuple[int, BridgedCall]:
    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    task_id = add_task(veille, people.landlord_id, tenant, "help_health", now)
    browser.sign_in(people.volunteer)
    page = browser.post(f"/suivis/{task_id}/appeler", follow_redirects=True).get_data(as_text=True)
    assert "Votre téléphone va sonner" in page
    with veille.session_factory() as session:
        return task_id, session.scalars(select(BridgedCall)).one()


def test_the_volunteers_phone_rings_first_without_machine_detection(browser, people, veille, now):
    _, bridged = start(browser, people, veille, now)
    [call] = veille.telephony.placed
    assert call.to_number == "+33611111111" and call.detect_machine is False and call.amd_callback_url is None
    assert call.answer_url == f"https://veille.example.org/voice/bridge/{bridged.token}/answer"
    assert "+3361234" not in call.answer_url + call.status_callback_url  # no number in a URL


def test_pressing_1_dials_the_tenant_with_the_service_number_shown(client, browser, people, veille, now):
    task_id, bridged = start(browser, people, veille, now)
    sid = veille.telephony.placed[0] and bridged.provider_call_id
    leg = Twilio(client, bridged.token, sid, to_number="+33611111111")
    leg.post(f"/voice/bridge/{bridged.token}/answer", leg.params(CallStatus="in-progress"))
    assert leg.says()[:2] == ["Veille : appel pour Mme Martin.", "Tapez 1 pour appeler."]
    leg.post(leg.twiml.find("Gather").get("action"), leg.params(Digits="1"))
    dial = leg.twiml.find("Dial")
    assert dial.get("callerId") == "+33159000000" and dial.find("Number").text == "+33612345678"
    leg.post(dial.get("action"), leg.params(DialCallStatus="completed", DialCallSid="CA" + "c" * 32))
    leg.post(dial.get("action"), leg.params(DialCallStatus="no-answer"))  # a duplicate: ignored
    leg.post(f"/voice/bridge/{bridged.token}/status", leg.params(CallStatus="completed"), document=False)
    with veille.session_factory() as session:
        row = session.get(BridgedCall, bridged.id)
        assert (row.state, row.tenant_result) == ("connected", "completed") and row.ended_at is not None
    page = browser.get(f"/suivis/{task_id}").get_data(as_text=True)
    assert "vous avez parlé au locataire" in page


def test_no_key_cancels_and_a_volunteer_who_does_not_answer_is_recorded(client, browser, people, veille, now):
    task_id, bridged = start(browser, people, veille, now)
    leg = Twilio(client, bridged.token, bridged.provider_call_id)
    leg.post(f"/voice/bridge/{bridged.token}/answer", leg.params(CallStatus="in-progress"))
    leg.post(leg.twiml.find("Gather").get("action"), leg.params(Digits="5"))
    assert leg.twiml.find("Dial") is None and leg.twiml.find("Hangup") is not None
    with veille.session_factory() as session:
        assert session.get(BridgedCall, bridged.id).state == "cancelled"


def test_forged_or_foreign_webhooks_change_nothing(client, browser, people, veille, now):
    _, bridged = start(browser, people, veille, now)
    leg = Twilio(client, bridged.token, bridged.provider_call_id)
    forged = leg.post(f"/voice/bridge/{bridged.token}/answer", leg.params(CallStatus="in-progress"),
                      signature="forged", document=False)
    assert forged.status_code == 403
    stranger = Twilio(client, bridged.token, "CA" + "f" * 32)
    stranger.post(f"/voice/bridge/{bridged.token}/pressed", stranger.params(Digits="1"))
    assert stranger.twiml.find("Dial") is None
    with veille.session_factory() as session:
        assert session.get(BridgedCall, bridged.id).state == "dialling"


def test_a_provider_failure_is_told_to_the_volunteer(browser, people, veille, now):
    from voice_app.services.ports import ProviderUnavailable

    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    task_id = add_task(veille, people.landlord_id, tenant, "help_health", now)

    def refuse(call):
        raise ProviderUnavailable("down")

    veille.telephony.place_call = refuse
    browser.sign_in(people.volunteer)
    page = browser.post(f"/suivis/{task_id}/appeler", follow_redirects=True).get_data(as_text=True)
    assert "L’appel n’a pas pu être lancé" in page
    with veille.session_factory() as session:
        assert session.scalars(select(BridgedCall.state)).all() == ["failed"]


def test_only_the_tasks_holder_can_call(browser, people, veille, now):
    tenant = add_tenant(veille, people.landlord_id, "PH-1")
    task_id = add_task(veille, people.landlord_id, tenant, "help_health", now)  # offered, nobody holds it
    browser.sign_in(people.volunteer)
    page = browser.post(f"/suivis/{task_id}/appeler", follow_redirects=True).get_data(as_text=True)
    assert "Prenez d’abord ce suivi" in page and veille.telephony.placed == []


def test_the_cards_list_of_calls_follows_a_call_under_way_and_stops_at_its_end(
        client, browser, people, veille, now):
    task_id, bridged = start(browser, people, veille, now)
    page = browser.get(f"/suivis/{task_id}").get_data(as_text=True)
    assert f'data-poll="/suivis/{task_id}/appels-veille"' in page and "poll.js" in page
    assert "votre téléphone sonne" in browser.get(f"/suivis/{task_id}/appels-veille").get_data(as_text=True)

    leg = Twilio(client, bridged.token, bridged.provider_call_id)
    leg.post(f"/voice/bridge/{bridged.token}/answer", leg.params(CallStatus="in-progress"))
    leg.post(leg.twiml.find("Gather").get("action"), leg.params(Digits="5"))  # no call: cancelled

    fragment = browser.get(f"/suivis/{task_id}/appels-veille").get_data(as_text=True)
    assert "annulé (aucune touche)" in fragment and "data-poll-stop" in fragment
    assert "data-poll=" not in browser.get(f"/suivis/{task_id}").get_data(as_text=True)  # nothing to follow


def test_the_list_of_calls_is_refused_to_who_may_not_see_the_task(client, browser, people, veille, now):
    task_id, _ = start(browser, people, veille, now)
    other = Browser(client.application.test_client())
    other.sign_in(people.foreign_volunteer)
    assert other.get(f"/suivis/{task_id}/appels-veille").status_code == 404
