"""Inbound calls find their organisation by the number called (one deployment, many landlords)."""

from __future__ import annotations

from sqlalchemy import select

from db.models import CallAttempt
from tests.web.conftest import inbound_call
from voice_app.services.organisations import create_organisation


def test_a_call_to_a_landlords_number_is_answered_in_its_name(client, veille):
    other = create_organisation(veille, "Bailleur du Nord", service_numbers=["+33320000000"])
    call = inbound_call(client, "+33699999999", called="+33320000000")
    assert any("Bailleur du Nord" in text for text in call.says())
    with veille.session_factory() as session:
        assert session.scalar(select(CallAttempt.organisation_id)) == other.id


def test_with_one_landlord_any_number_reaches_it(client, veille, organisation):
    call = inbound_call(client, "+33699999999", called="+33100000000")
    assert any("Habitat Test" in text for text in call.says())


def test_with_several_landlords_an_unknown_number_is_not_answered_for_any(client, veille):
    create_organisation(veille, "Bailleur du Nord", service_numbers=["+33320000000"])
    call = inbound_call(client, "+33699999999", called="+33100000000")
    assert not any("Habitat Test" in text or "Bailleur du Nord" in text for text in call.says())
    assert call.twiml.find("Hangup") is not None
    with veille.session_factory() as session:
        assert session.scalar(select(CallAttempt.id)) is None
