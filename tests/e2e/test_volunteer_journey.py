"""The whole journey of a tenant who needs a person, over real HTTP with the simulator:
a call (2 then 1) -> an urgent task for their volunteer -> an SMS -> the volunteer's
bridged call-back -> the recorded outcome."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import BridgedCall
from db.models import FollowUp
from db.models import Tenant
from tests.web.people import PASSWORD
from tests.web.people import http_sign_in
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.notifications import notify
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP

VOLUNTEER_PHONE = "+33698000001"


def test_a_help_request_reaches_the_tenants_volunteer_who_calls_back_and_records_it(live):
    volunteer = create_user(live.veille, NewUser(email="claire@habitat.test", role="volunteer", name="Claire",
                                                 organisation_id=live.organisation_id, phone=VOLUNTEER_PHONE),
                            password=PASSWORD)
    tenant = live.tenant()
    with live.veille.session_factory.begin() as session:
        session.get(Tenant, tenant.id).assigned_volunteer_id = volunteer.id

    result = live.call(tenant, Behaviour.presses("2", "1"))
    assert result.follow_ups == [("help_health", "urgent")]
    with live.veille.session_factory() as session:
        task = session.scalars(select(FollowUp)).one()
    assert task.assignee_id == volunteer.id

    notify(live.veille, live.veille.clock())
    texts = {body: number for _, number, body in live.simulator.messages}
    assert texts[f"Veille : un suivi urgent vous attend. {live.url}/suivis/{task.id}"] == VOLUNTEER_PHONE

    browser, token = http_sign_in(live.url, "claire@habitat.test")
    live.simulator.script(VOLUNTEER_PHONE, Behaviour.presses("1"))  # the volunteer picks up, presses 1
    live.simulator.script_volunteer(tenant.phone, VolunteerBehaviour.accepts())  # the tenant picks up
    page = browser.post(f"{live.url}/suivis/{task.id}/appeler", data={"csrf_token": token})
    assert "Votre téléphone va sonner" in page.text
    with live.veille.session_factory() as session:
        sid = session.scalars(select(BridgedCall.provider_call_id)).one()
    call = live.simulator.wait(sid, timeout=15)
    [leg] = call.dial_legs
    assert leg.number == tenant.phone and leg.bridged
    with live.veille.session_factory() as session:
        assert session.scalars(select(BridgedCall.state)).one() == "connected"

    page = browser.post(f"{live.url}/suivis/{task.id}", data={
        "csrf_token": token, "reached": "oui", "referrals": ["health"], "note": "Médecin traitant prévenu."})
    assert page.url.endswith("/suivis") and "Suivi clos. Merci !" in page.text
    with live.veille.session_factory() as session:
        done = session.get(FollowUp, task.id)
    assert (done.status, done.referrals, done.completed_by_id) == ("done", ["health"], volunteer.id)
