"""Caller id is not proof of identity: "9 then 9" on a call to the service number records an
opt-out request, confirmed on Veille's next call to the number on file or by a coordinator;
tasks opened by one caller number are de-duplicated per day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from db.models import AuditEvent
from db.models import CallAttempt
from db.models import Enrolment
from db.models import FollowUp
from db.models import OptOutRequest
from db.models import PhoneSuppression
from db.models import Tenant
from tests.concurrency import run_together
from tests.web.conftest import TENANT_PHONE
from tests.web.conftest import TENANT_PHONE2
from tests.web.conftest import inbound_call
from tests.web.conftest import load
from tests.web.conftest import reload
from voice_app.services.opt_outs import OptOutRequestError
from voice_app.services.opt_outs import confirm_request
from voice_app.services.opt_outs import dismiss_request
from voice_app.services.opt_outs import pending_requests

STRANGER = "+33699999999"
NOTED = ["Votre demande est bien notée.", "Nous vous rappellerons pour la confirmer.", "Au revoir."]


def ask_to_stop(client, caller: str, call_sid: str | None = None):
    call = inbound_call(client, caller, call_sid=call_sid)
    call.press("9")
    call.press("9")
    return call


def still_called(veille, tenant) -> bool:
    [stored] = load(veille, Tenant, id=tenant.id)
    [enrolment] = load(veille, Enrolment, tenant_id=tenant.id)
    return (stored.phone, stored.phone2, stored.opted_out_at, enrolment.status) == (
        TENANT_PHONE, TENANT_PHONE2, None, "enrolled")


def test_nine_nine_from_a_tenants_number_only_records_a_request(veille, client, tenant, make_attempt):
    planned = make_attempt(state="due")
    call = ask_to_stop(client, TENANT_PHONE)
    assert call.says() == NOTED
    assert still_called(veille, tenant), "a spoofed caller id must not stop the calls"
    assert reload(veille, planned).state == "due" and load(veille, PhoneSuppression) == []
    [request] = load(veille, OptOutRequest)
    assert (request.tenant_id, request.status, request.settled_at) == (tenant.id, "pending", None)
    [task] = load(veille, FollowUp)
    assert (task.reason, task.priority, task.tenant_id, task.status) == ("opt_out_request", "low", tenant.id,
                                                                         "open")
    [inbound] = [a for a in load(veille, CallAttempt) if a.direction == "inbound"]
    assert inbound.outcome == "opt_out_requested"


def test_an_unknown_caller_hears_the_same_words_and_a_coordinator_gets_a_task(veille, client, tenant):
    known = ask_to_stop(client, TENANT_PHONE)
    unknown = ask_to_stop(client, STRANGER)
    assert unknown.says() == known.says() == NOTED
    requests = load(veille, OptOutRequest)
    assert [r.tenant_id for r in requests] == [tenant.id]
    assert sorted((t.reason, t.tenant_id or 0) for t in load(veille, FollowUp)) == [
        ("opt_out_request", 0), ("opt_out_request", tenant.id)]


def test_twenty_requests_from_one_number_are_one_request_and_one_task(veille, client, tenant):
    for _ in range(20):
        assert ask_to_stop(client, TENANT_PHONE).says() == NOTED
    assert len(load(veille, OptOutRequest)) == 1 and len(load(veille, FollowUp)) == 1


def test_two_requests_at_the_same_instant_make_one_request_and_one_task(veille, app, tenant):
    calls = []
    for _ in range(2):
        call = inbound_call(app.test_client(), TENANT_PHONE)
        call.press("9")
        calls.append(call)
    results, errors = run_together(lambda call: call.press("9").status_code, calls)
    assert (sorted(results), errors) == ([200, 200], [])
    assert [c.says() for c in calls] == [NOTED, NOTED]
    assert len(load(veille, OptOutRequest)) == 1 and len(load(veille, FollowUp)) == 1


def next_call(make_attempt, client):
    from tests.web.conftest import Twilio

    attempt = make_attempt()
    return attempt, Twilio(client, attempt.token, attempt.provider_call_id)


def test_the_next_call_to_the_number_on_file_asks_to_confirm_and_9_stops_the_calls(veille, client, tenant,
                                                                                   make_attempt):
    ask_to_stop(client, TENANT_PHONE)
    later = make_attempt(state="due")
    attempt, call = next_call(make_attempt, client)
    call.answer()
    assert call.says()[2:] == ["Vous avez demandé à ne plus être appelé.", "Pour confirmer, tapez 9.",
                               "Pour continuer à recevoir les appels, tapez 1."]
    call.press("9")
    assert "C'est noté : nous ne vous appellerons plus." in call.says()
    [stored] = load(veille, Tenant, id=tenant.id)
    assert (stored.phone, stored.phone2, stored.opted_out_at) == (None, None, veille.clock())
    assert reload(veille, later).state == "cancelled"
    [request] = load(veille, OptOutRequest)
    assert (request.status, request.settled_by, request.settled_by_attempt_id) == (
        "confirmed", "confirmed_on_call", attempt.id)
    tasks = {t.reason: t.status for t in load(veille, FollowUp)}
    assert tasks == {"opt_out_request": "done", "opt_out": "open"}


def test_pressing_1_at_the_question_keeps_the_calls_and_goes_on_with_the_menu(veille, client, tenant,
                                                                              make_attempt):
    ask_to_stop(client, TENANT_PHONE)
    attempt, call = next_call(make_attempt, client)
    call.answer()
    call.press("1")
    assert {"D'accord, les appels continuent.", "Si tout va bien, tapez 1, ou dites oui."} <= set(call.says())
    call.press("1")
    assert reload(veille, attempt).outcome == "ok" and still_called(veille, tenant)
    [request] = load(veille, OptOutRequest)
    assert (request.status, request.settled_by) == ("dismissed", "declined_on_call")
    assert [t.status for t in load(veille, FollowUp)] == ["done"]


def test_silence_at_the_question_goes_on_with_the_menu_and_the_request_waits(veille, client, tenant,
                                                                             make_attempt):
    ask_to_stop(client, TENANT_PHONE)
    attempt, call = next_call(make_attempt, client)
    call.answer()
    call.silence()
    call.silence()
    assert call.says()[:2] == ["Vous n'avez pas confirmé.", "Les appels continuent."]
    call.press("2")
    call.press("1")
    assert reload(veille, attempt).outcome == "help_health" and still_called(veille, tenant)
    assert [r.status for r in load(veille, OptOutRequest)] == ["pending"]


def test_a_coordinator_confirms_a_pending_request(veille, client, tenant, make_attempt):
    ask_to_stop(client, TENANT_PHONE)
    assert [p.reference for p in pending_requests(veille)] == ["T-001"]
    confirm_request(veille, "T-001")
    [stored] = load(veille, Tenant, id=tenant.id)
    assert (stored.phone, stored.opted_out_at) == (None, veille.clock())
    assert load(veille, Enrolment, tenant_id=tenant.id)[0].status == "unenrolled"
    assert [(r.status, r.settled_by) for r in load(veille, OptOutRequest)] == [
        ("confirmed", "confirmed_by_coordinator")]
    assert [t.status for t in load(veille, FollowUp)] == ["done"]
    assert [a.action for a in load(veille, AuditEvent)] == ["opt_out_request.confirmed_by_coordinator"]
    assert pending_requests(veille) == []


def test_a_coordinator_dismisses_a_pending_request_and_the_calls_go_on(veille, client, tenant, make_attempt):
    ask_to_stop(client, TENANT_PHONE)
    dismiss_request(veille, "T-001")
    assert still_called(veille, tenant)
    assert [r.status for r in load(veille, OptOutRequest)] == ["dismissed"]
    attempt, call = next_call(make_attempt, client)
    call.answer()
    assert "Si tout va bien, tapez 1, ou dites oui." in call.says(), "no question once settled"


@pytest.mark.parametrize(("reference", "message"), [
    ("T-001", "Aucune demande d'arrêt des appels en attente pour « T-001 »."),
    ("T-404", "Aucun locataire de référence « T-404 »."),
])
def test_a_coordinator_cannot_settle_what_is_not_pending_and_nothing_changes(veille, tenant, reference,
                                                                             message):
    with pytest.raises(OptOutRequestError, match=message):
        confirm_request(veille, reference)
    assert still_called(veille, tenant) and load(veille, AuditEvent) == []


def test_a_settled_request_is_not_settled_twice(veille, client, tenant):
    ask_to_stop(client, TENANT_PHONE)
    dismiss_request(veille, "T-001")
    with pytest.raises(OptOutRequestError):
        confirm_request(veille, "T-001")
    assert still_called(veille, tenant)


def test_twenty_urgent_calls_from_one_number_in_a_day_open_one_task(veille, client, tenant):
    for _ in range(20):
        call = inbound_call(client, STRANGER)
        call.press("0")  # nobody on duty: a missed transfer, urgent
    assert len(load(veille, CallAttempt)) == 20
    [task] = load(veille, FollowUp)
    assert (task.reason, task.priority, task.tenant_id) == ("live_transfer_missed", "urgent", None)


def test_a_new_call_after_the_days_task_was_done_opens_a_new_one(veille, client, tenant):
    first = inbound_call(client, TENANT_PHONE)
    first.press("2")
    first.press("1")
    with veille.session_factory.begin() as session:
        session.execute(update(FollowUp).values(status="done", completed_at=veille.clock()))
    again = inbound_call(client, TENANT_PHONE)
    again.press("2")
    again.press("1")
    assert [(t.reason, t.status) for t in load(veille, FollowUp)] == [("help_health", "done"),
                                                                     ("help_health", "open")]


def test_tasks_of_one_caller_are_per_day_and_per_number(veille, client, tenant, settings, now):
    from voice_app.bootstrap import bootstrap
    from voice_app.web import create_app

    for caller in (TENANT_PHONE, TENANT_PHONE2, STRANGER):
        inbound_call(client, caller).press("0")
    tomorrow = bootstrap(settings, telephony=veille.telephony, clock=lambda: now + timedelta(days=1))
    try:
        inbound_call(create_app({"TESTING": True}, veille=tomorrow).test_client(), TENANT_PHONE).press("0")
    finally:
        tomorrow.close()
    assert len(load(veille, FollowUp)) == 4
    assert all("+33" not in t.dedup_key and "612345678" not in t.dedup_key for t in load(veille, FollowUp))
