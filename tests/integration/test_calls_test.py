"""`veille calls test`: only enrolled tenants are rung; --force for a number checked before
enrolment; never a tenant who stopped the calls or a suppressed number."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import Tenant
from tests.integration.test_campaigns import add_tenant
from voice_app.bootstrap import bootstrap
from voice_app.services.suppression import forget_numbers
from voice_app.services.suppression import suppress
from voice_app.services.trial_calls import CallTestNeedsForce
from voice_app.services.trial_calls import CallTestRefused
from voice_app.services.trial_calls import start_test_call

TODAY = date(2026, 11, 24)  # the `now` fixture's Paris date


def phone_of(reference: str) -> str:
    return f"+336{zlib.crc32(reference.encode()) % 10**8:08d}"  # what add_tenant gives


def attempt_count(veille) -> int:
    with veille.session_factory.begin() as session:
        return session.scalar(select(func.count()).select_from(CallAttempt))


def test_an_enrolled_tenant_at_home_is_test_called(veille, organisation, telephony):
    add_tenant(veille, organisation, "T-1")
    attempt_id, call_id = start_test_call(veille, "T-1")
    assert [call.to_number for call in telephony.placed] == [phone_of("T-1")]
    assert call_id is not None and attempt_count(veille) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"enrolled": False}, "n’est pas inscrit aux appels"),
    ({"away": (date(2026, 11, 20), date(2026, 11, 30))}, "est absent du 20/11/2026 au 30/11/2026"),
])
def test_a_tenant_not_enrolled_or_away_today_is_refused_without_force(veille, organisation, telephony,
                                                                       changes, message):
    add_tenant(veille, organisation, "T-1", **changes)
    with pytest.raises(CallTestNeedsForce, match=message):
        start_test_call(veille, "T-1")
    assert telephony.placed == [] and attempt_count(veille) == 0


@pytest.mark.parametrize("changes", [{"enrolled": False}, {"away": (TODAY, TODAY)}])
def test_with_force_a_tenant_not_enrolled_or_away_today_is_test_called(veille, organisation, telephony,
                                                                       changes, caplog):
    add_tenant(veille, organisation, "T-1", **changes)
    attempt_id, _ = start_test_call(veille, "T-1", force=True)
    assert [call.to_number for call in telephony.placed] == [phone_of("T-1")]
    assert f"call.test_forced attempt_id={attempt_id}" in caplog.text


def test_a_tenant_away_another_day_is_test_called_without_force(veille, organisation, telephony):
    add_tenant(veille, organisation, "T-1", away=(date(2026, 12, 1), date(2026, 12, 5)))
    start_test_call(veille, "T-1")
    assert len(telephony.placed) == 1


def test_a_tenant_with_no_enrolment_row_at_all_needs_force(veille, organisation, telephony):
    with veille.session_factory.begin() as session:
        session.add(Tenant(organisation_id=organisation.id, reference="NEW", last_name="Durand",
                           household="alone", phone="+33611223344"))
    with pytest.raises(CallTestNeedsForce):
        start_test_call(veille, "NEW")
    start_test_call(veille, "NEW", force=True)
    assert [call.to_number for call in telephony.placed] == ["+33611223344"]


@pytest.mark.parametrize("force", [False, True])
def test_a_tenant_who_stopped_the_calls_is_never_test_called(veille, organisation, telephony, force):
    add_tenant(veille, organisation, "T-1", opted_out=True)
    with pytest.raises(CallTestRefused, match="a demandé à ne plus être appelé"):
        start_test_call(veille, "T-1", force=force)
    assert telephony.placed == [] and attempt_count(veille) == 0


@pytest.mark.parametrize("force", [False, True])
def test_a_tenant_whose_numbers_were_erased_on_opt_out_is_refused_as_opted_out(veille, organisation,
                                                                               telephony, force):
    tenant_id = add_tenant(veille, organisation, "T-1", opted_out=True)
    with veille.session_factory.begin() as session:
        forget_numbers(session, organisation.id, [tenant_id], [phone_of("T-1")])
    with pytest.raises(CallTestRefused, match="a demandé à ne plus être appelé"):
        start_test_call(veille, "T-1", force=force)
    assert telephony.placed == [] and attempt_count(veille) == 0


@pytest.mark.parametrize("force", [False, True])
def test_a_suppressed_number_is_never_test_called(veille, organisation, telephony, force):
    add_tenant(veille, organisation, "T-1")
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, [phone_of("T-1")])
    with pytest.raises(CallTestRefused, match="liste des numéros à ne plus appeler") as refused:
        start_test_call(veille, "T-1", force=force)
    assert not isinstance(refused.value, CallTestNeedsForce)
    assert telephony.placed == [] and attempt_count(veille) == 0


# --- The command ------------------------------------------------------------------------------

@pytest.fixture
def cli(settings, telephony, now):
    """`veille calls test` wired to a real provider's settings and the fake telephony (so the
    simulator's web-process check does not apply)."""
    from voice_app.web import create_app

    veille = bootstrap(replace(settings, TELEPHONY_PROVIDER="twilio"), telephony=telephony, clock=lambda: now)
    app = create_app({"TESTING": True}, veille=veille)
    yield veille, lambda *args: app.test_cli_runner().invoke(args=["calls", "test", *args])
    veille.close()


def test_the_command_refuses_a_tenant_not_enrolled_and_points_to_force(cli, telephony):
    veille, run = cli
    add_tenant(veille, _organisation(veille), "T-1", enrolled=False)
    result = run("T-1", "--timeout", "0")
    assert result.exit_code == 1
    assert "n’est pas inscrit aux appels" in result.output and "relancez avec --force" in result.output
    assert telephony.placed == []


def test_the_command_with_force_calls_a_tenant_away_today(cli, telephony):
    veille, run = cli
    add_tenant(veille, _organisation(veille), "T-1", away=(TODAY, TODAY))
    result = run("T-1", "--force", "--timeout", "0")
    assert "Appel de test vers" in result.output and "non passé" not in result.output
    assert [call.to_number for call in telephony.placed] == [phone_of("T-1")]


def test_the_command_never_calls_a_suppressed_number_even_with_force(cli, telephony):
    veille, run = cli
    add_tenant(veille, _organisation(veille), "T-1")
    with veille.session_factory.begin() as session:
        suppress(session, _organisation(veille).id, [phone_of("T-1")])
    result = run("T-1", "--force", "--timeout", "0")
    assert result.exit_code == 1 and "liste des numéros à ne plus appeler" in result.output
    assert "--force" not in result.output and telephony.placed == []


def test_the_command_never_calls_a_tenant_who_stopped_the_calls_even_with_force(cli, telephony):
    veille, run = cli
    tenant_id = add_tenant(veille, _organisation(veille), "T-1")
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(opted_out_at=veille.clock()))
    result = run("T-1", "--force", "--timeout", "0")
    assert result.exit_code == 1 and "ne plus être appelé" in result.output and telephony.placed == []


def test_the_command_help_explains_force(cli):
    _veille, run = cli
    text = " ".join(run("--help").output.split())  # click wraps the help
    assert "--force Appelle aussi un locataire non inscrit ou absent aujourd’hui" in text
    assert "avant l’inscription, avec l’accord du locataire" in text
    assert "Seuls les locataires inscrits et présents aujourd’hui sont appelés, sauf avec --force." in text


def _organisation(veille):
    from voice_app.services.organisations import ensure_organisation

    return ensure_organisation(veille.session_factory, "Habitat Test")
