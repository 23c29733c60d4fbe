"""The demo seeds fictitious data through the real import, enrolment and campaign services."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Campaign
from db.models import Enrolment
from db.models import Organisation
from db.models import Round
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import bootstrap
from voice_app.compressed_clock import ANCHOR_FILE
from voice_app.compressed_clock import CompressedClock
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import urgent_policy
from voice_app.domain.rounds import round_starting_on
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import create_campaign
from voice_app.services.demo import DEMO_CAMPAIGN
from voice_app.services.demo import DEMO_ORGANISATION
from voice_app.services.demo import DemoRefused
from voice_app.services.demo import DemoStatus
from voice_app.services.demo import demo_policy
from voice_app.services.demo import demo_status
from voice_app.services.demo import seed_demo
from voice_app.services.demo_reset import reset_demo
from voice_app.services.organisations import current_organisation
from voice_app.services.planning import plan_due_rounds


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
        every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        assert campaign.policy["windows"] == [{"days": every_day, "start": "10:00", "end": "12:30"},
                                              {"days": every_day, "start": "14:00", "end": "18:00"}]


def test_a_demo_tenants_civility_goes_with_their_first_name(veille):
    seed_demo(veille, tenants=20)
    with veille.session_factory() as session:
        named = dict(session.execute(select(Tenant.first_name, Tenant.civility)).all())
    assert (named["Jeanne"], named["Simone"], named["Marcel"], named["René"]) == ("Mme", "Mme", "M.", "M.")


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
    output = app.test_cli_runner().invoke(args=["demo", "status", "--organisation", organisation.slug]).output
    assert "Appels :\n  État      Nombre\n  à passer  6\n  terminé   1\u202f035\n" in output
    assert "  Résultat        Nombre\n  tout va bien    30\n  pas de réponse  5\n" in output
    assert "  Motif         Priorité  Nombre\n  aide : santé  urgente   2\n" in output
    assert "due" not in output and "ended" not in output and "help_health" not in output


def _demo_organisation_id(veille):
    with veille.session_factory() as session:
        return session.scalar(select(Organisation.id).where(Organisation.name == DEMO_ORGANISATION))


def test_the_demo_campaign_has_the_real_rules_of_an_urgent_campaign(veille, now):
    seed_demo(veille, tenants=5)
    with veille.session_factory() as session:
        policy = campaign_policy(session.scalars(select(Campaign)).one())
    assert policy == demo_policy() == urgent_policy(max_concurrent_calls=60)
    assert (policy.retry_gap_minutes, policy.retry_other_half_day, policy.max_attempts) == (120, True, 3)
    round_ = round_starting_on(policy, now.date())
    assert [round_.starts_at.astimezone(PARIS).hour, round_.ends_at.astimezone(PARIS).hour] == [10, 18]


@pytest.fixture
def compressed_veille(settings, telephony, tmp_path):
    """A demo process on the compressed clock, its real time at 14:20 in Paris."""
    real = {"now": datetime(2026, 12, 1, 13, 20, tzinfo=UTC), "seconds": 0.0}
    clock = CompressedClock(120, tmp_path / ANCHOR_FILE, real_clock=lambda: real["now"],
                            monotonic=lambda: real["seconds"])
    wired = bootstrap(settings, telephony=telephony, clock=clock)
    yield wired, real
    wired.close()


def test_seeding_on_the_compressed_clock_starts_a_demo_morning_before_the_windows(compressed_veille):
    veille, real = compressed_veille
    result = seed_demo(veille, tenants=5)
    assert result.demo_time.astimezone(PARIS).strftime("%d/%m %H:%M") == "02/12 09:50"
    with veille.session_factory() as session:
        assert session.scalars(select(Campaign)).one().starts_on.isoformat() == "2026-12-02"
    real["now"] += timedelta(seconds=30)
    real["seconds"] += 30
    again = seed_demo(veille, tenants=5)  # scripts/run again: the story goes on where it was
    assert again.already_seeded and again.demo_time.astimezone(PARIS).strftime("%H:%M") == "10:50"


def test_a_reset_on_the_compressed_clock_starts_the_next_demo_morning(compressed_veille):
    veille, real = compressed_veille
    first = reset_demo(veille, tenants=5).demo_time
    real["now"] += timedelta(minutes=3)
    real["seconds"] += 180  # 16:55 on the demo's clock
    second = reset_demo(veille, tenants=5).demo_time
    assert second - first == timedelta(days=1), "time never goes back for a running process"


def test_reset_removes_the_demo_organisation_with_its_rounds_and_seeds_again(veille, now):
    other = current_organisation(veille)
    create_campaign(veille, "Hebdo", CampaignPolicy(), organisation_id=other.id)
    first = reset_demo(veille, tenants=12)
    demo_id = _demo_organisation_id(veille)
    assert plan_due_rounds(veille, now)  # the demo's round is planned: rounds, attempts
    with veille.session_factory() as session:
        assert count(session, CallAttempt, CallAttempt.organisation_id == demo_id) > 0
        assert count(session, User, User.organisation_id == demo_id) == 4

    again = reset_demo(veille, tenants=12)
    assert (again.tenants, again.enrolled) == (first.tenants, first.enrolled)
    new_id = _demo_organisation_id(veille)
    with veille.session_factory() as session:
        assert (count(session, CallAttempt), count(session, Round)) == (0, 0)  # the old round is gone
        assert count(session, Organisation, Organisation.name == DEMO_ORGANISATION) == 1
        assert count(session, Tenant, Tenant.organisation_id == new_id) == 12
        assert count(session, Campaign, Campaign.organisation_id == new_id) == 1
        assert count(session, User, User.organisation_id == new_id) == 4
        assert count(session, User, User.organisation_id == new_id, User.on_duty.is_(True)) == 2
        assert count(session, Campaign, Campaign.organisation_id == other.id) == 1  # another landlord: kept
        assert session.get(Organisation, other.id) is not None


def test_reset_is_refused_with_a_real_provider_and_deletes_nothing(veille, settings, telephony):
    reset_demo(veille, tenants=5)
    real = bootstrap(dataclasses.replace(settings, TELEPHONY_PROVIDER="twilio"), telephony=telephony)
    try:
        with pytest.raises(DemoRefused, match="Rien n'a été supprimé"):
            reset_demo(real)
    finally:
        real.close()
    assert _demo_organisation_id(veille) is not None
    with veille.session_factory() as session:
        assert count(session, Tenant) == 5


def test_the_reset_command_says_what_it_did_and_where_to_look(app):
    result = app.test_cli_runner().invoke(args=["demo", "reset"])
    assert result.exit_code == 0, result.output
    assert "Ancienne démonstration supprimée (Habitat Démo)." in result.output
    assert "aux règles réelles : tous les jours de 10 h à 12 h 30 et de 14 h à 18 h" in result.output
    assert "Horloge réelle" in result.output  # these tests run on real time
    assert "/suivis" in result.output and "/chiffres" in result.output
    assert "veille demo status" in result.output


def test_the_reset_command_refuses_a_real_provider_in_french(settings, telephony):
    from voice_app.web import create_app

    real = bootstrap(dataclasses.replace(settings, TELEPHONY_PROVIDER="twilio"), telephony=telephony)
    try:
        result = create_app({"TESTING": True}, veille=real).test_cli_runner().invoke(args=["demo", "reset"])
    finally:
        real.close()
    assert result.exit_code == 1
    assert "Remise à zéro de la démonstration refusée" in result.output and "Traceback" not in result.output


def test_the_demo_never_goes_into_a_real_landlord_even_the_only_one(veille, organisation):
    seed_demo(veille, tenants=5)
    demo_id = _demo_organisation_id(veille)
    with veille.session_factory() as session:
        real = session.get(Organisation, organisation.id)
        assert count(session, Tenant, Tenant.organisation_id == real.id) == 0
        assert count(session, User, User.organisation_id == real.id) == 0
        assert count(session, Campaign, Campaign.organisation_id == real.id) == 0
        assert real.callback_number != "+33199000000"
        assert count(session, Tenant, Tenant.organisation_id == demo_id) == 5


def test_the_status_command_reads_the_demo_beside_a_real_landlord(app, organisation):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    status = runner.invoke(args=["demo", "status"])
    assert status.exit_code == 0, status.output
    assert "Appels :\n  aucun pour l’instant" in status.output
