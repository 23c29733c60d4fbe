"""Inbound calls: a tenant calling the service number is recognised by caller number; every
caller, tenant or not, hears the same menu (whether a number is a tenant's is never said)."""

from __future__ import annotations

from db.models import CallAttempt
from db.models import FollowUp
from tests.web.conftest import TENANT_PHONE2
from tests.web.conftest import inbound_call
from tests.web.conftest import load


def test_a_tenant_calling_from_their_second_number_gets_the_menu(veille, client, tenant):
    call = inbound_call(client, TENANT_PHONE2)
    assert call.response.status_code == 200
    assert call.says()[0] == "Bonjour, ici Veille, le service de prise de nouvelles de Habitat Test."
    [attempt] = load(veille, CallAttempt)
    assert (attempt.direction, attempt.purpose, attempt.state) == ("inbound", "inbound", "in_progress")
    assert attempt.tenant_id == tenant.id and attempt.provider_call_id == call.call_sid
    assert len(attempt.token) >= 40 and attempt.token in call.gather_action()
    assert TENANT_PHONE2.lstrip("+") not in call.gather_action()


def test_an_inbound_tenant_can_ask_for_help_like_on_any_call(veille, client, tenant):
    call = inbound_call(client, tenant.phone)
    call.press("2")
    call.press("1")
    ended = call.params(CallStatus="completed", SequenceNumber="0")
    call.post("/voice/inbound/status", ended, document=False)
    [attempt] = load(veille, CallAttempt)
    assert (attempt.state, attempt.outcome) == ("ended", "help_health")
    assert [(f.reason, f.tenant_id) for f in load(veille, FollowUp)] == [("help_health", tenant.id)]


def test_a_retried_inbound_webhook_opens_one_attempt_and_hears_the_same(veille, client, tenant):
    first = inbound_call(client, tenant.phone, call_sid="CA" + "1" * 32)
    second = inbound_call(client, tenant.phone, call_sid="CA" + "1" * 32)
    assert second.response.data == first.response.data
    assert len(load(veille, CallAttempt)) == 1


def test_an_unknown_caller_hears_exactly_what_a_tenant_hears(veille, client, tenant):
    known = inbound_call(client, tenant.phone)
    unknown = inbound_call(client, "+33699999999")
    assert unknown.says() == known.says()
    assert "Pour ne plus recevoir ces appels, tapez 9." in known.says()
    assert [a.tenant_id for a in load(veille, CallAttempt)] == [tenant.id, None]


def test_an_unknown_caller_pressing_0_is_put_through_to_the_volunteers_on_duty(veille, client, tenant,
                                                                               volunteer):
    call = inbound_call(client, "+33699999999")
    call.press("0")
    assert [n.text for n in call.twiml.findall("Dial/Number")] == [volunteer.on_duty_phone]
    [attempt] = load(veille, CallAttempt)
    assert attempt.tenant_id is None and attempt.menu_step == "transfer"


def test_an_unknown_caller_with_nobody_on_duty_gets_an_urgent_call_back(veille, client, tenant):
    call = inbound_call(client, "+33699999999")
    call.press("0")
    assert "Aucun bénévole n'est disponible pour le moment." in call.says()
    assert call.twiml.find("Hangup") is not None
    [follow_up] = load(veille, FollowUp)
    assert (follow_up.reason, follow_up.priority) == ("live_transfer_missed", "urgent")
    assert follow_up.tenant_id is None
    assert load(veille, CallAttempt)[0].to_number == "+33699999999", "kept to call back"


def test_a_withheld_number_is_an_unknown_caller(veille, client, tenant):
    inbound_call(client, "anonymous")
    assert load(veille, CallAttempt)[0].tenant_id is None


def test_an_inbound_call_without_call_sid_is_hung_up_politely_and_writes_nothing(veille, client, tenant):
    call = inbound_call(client, tenant.phone, call_sid="")
    assert call.response.status_code == 200 and call.twiml.find("Hangup") is not None
    assert load(veille, CallAttempt) == []
