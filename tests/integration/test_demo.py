"""The demo seeds fictitious data through the real import, enrolment and campaign services."""

from __future__ import annotations

import dataclasses
import sys

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import Campaign
from db.models import Enrolment
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import bootstrap
from voice_app.services.demo import DEMO_CAMPAIGN
from voice_app.services.demo import DemoRefused
from voice_app.services.demo import DemoStatus
from voice_app.services.demo import demo_status
from voice_app.services.demo import seed_demo


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_seeding_imports_enrols_puts_volunteers_on_duty_and_creates_the_campaign(veille):
    result = seed_demo(veille, tenants=20)
    assert not result.already_seeded
    with veille.session_factory() as session:
        assert count(session, Tenant) == 20
        assert all(t.phone.startswith("+3319900") for t in session.scalars(select(Tenant)))
        assert count(session, Enrolment, Enrolment.status == "enrolled") == result.enrolled
        assert 0 < result.enrolled < 20  # the rules left the younger tenants out
        assert count(session, User, User.on_duty.is_(True)) == 2
        campaign = session.scalars(select(Campaign).where(Campaign.name == DEMO_CAMPAIGN)).one()
        assert campaign.policy["windows"] == [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                               "start": "00:00", "end": "24:00"}]


def test_seeding_twice_adds_nothing(veille):
    seed_demo(veille, tenants=10)
    assert seed_demo(veille, tenants=10).already_seeded
    with veille.session_factory() as session:
        assert count(session, Tenant) == 10
        assert count(session, Campaign) == 1


def test_seeding_is_refused_when_a_real_provider_is_configured(settings, telephony):
    real = bootstrap(dataclasses.replace(settings, TELEPHONY_PROVIDER="twilio"), telephony=telephony)
    try:
        with pytest.raises(DemoRefused, match="jamais appeler une vraie personne"):
            seed_demo(real)
        with real.session_factory() as session:
            assert count(session, Tenant) == 0
    finally:
        real.close()


def test_status_counts_calls_and_follow_ups_without_personal_data(veille):
    seed_demo(veille, tenants=5)
    status = demo_status(veille)
    assert status.attempts_by_state == {} and status.follow_ups == {}


def test_the_seed_command_reports_what_it_did(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Démonstration prête" in first.output
    again = runner.invoke(args=["demo", "seed"])
    assert "déjà en place" in again.output
    status = runner.invoke(args=["demo", "status"])
    assert "Appels :\n  aucun pour l’instant" in status.output


def test_the_status_command_prints_french_tables_with_headers(app, organisation, monkeypatch):
    figures = DemoStatus({"due": 6, "ended": 1035}, {"ok": 30, "no_answer": 5},
                         {("help_health", "urgent"): 2})
    command_module = sys.modules["voice_app.web.cli.demo"]  # the package's `demo` is the click group
    monkeypatch.setattr(command_module, "demo_status", lambda *args: figures)
    output = app.test_cli_runner().invoke(args=["demo", "status"]).output
    assert "Appels :\n  État      Nombre\n  à passer  6\n  terminé   1\u202f035\n" in output
    assert "  Résultat        Nombre\n  tout va bien    30\n  pas de réponse  5\n" in output
    assert "  Motif         Priorité  Nombre\n  aide : santé  urgente   2\n" in output
    assert "due" not in output and "ended" not in output and "help_health" not in output
