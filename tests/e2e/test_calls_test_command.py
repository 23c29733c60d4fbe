"""`veille calls test TENANT_REFERENCE`: a real test call through the running web process."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Enrolment
from db.models import Tenant
from tests.conftest import add_test_organisation
from tests.fakes import FakeTelephony
from voice_app.bootstrap import bootstrap
from voice_app.telephony.simulator import SimulatorProvider
from voice_app.web import create_app

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def run(app, *arguments):
    return app.test_cli_runner().invoke(args=["calls", "test", *arguments])


def enrolled(live, reference: str) -> Tenant:
    """A tenant enrolled in the calls: the only kind a test call rings without --force."""
    tenant = live.tenant(reference)
    with live.veille.session_factory.begin() as session:
        session.add(Enrolment(tenant_id=tenant.id, organisation_id=tenant.organisation_id, status="enrolled",
                              legal_basis="public_interest", source="manual", enrolled_on=date(2026, 1, 5)))
    return tenant


def test_a_test_call_prints_how_it_went_in_french_with_the_number_masked(live):
    tenant = enrolled(live, "T-0042")
    result = run(live.app, "T-0042", "--behaviour", "press:1", "--timeout", "20")
    assert result.exit_code == 0, result.output
    assert "Statuts reçus de l’opérateur : lancé → sonne → décroché → terminé" in result.output
    assert "Décroché par : une personne\n" in result.output
    assert "Réponse à l’étape « menu » : touche 1 (tout va bien)" in result.output
    assert "Simulateur : comportement « appuie sur 1 », saisies : 1" in result.output
    assert "Résultat : tout va bien\n" in result.output
    assert "Appel terminé en" in result.output
    assert tenant.phone not in result.output and "•• •• ••" in result.output


def test_a_test_call_is_a_test_attempt_outside_any_round_and_still_escalates_help(live):
    enrolled(live, "T-0043")
    result = run(live.app, "T-0043", "--behaviour", "press:2,1", "--timeout", "20")
    assert result.exit_code == 0, result.output
    assert "Suivi créé pour un bénévole : aide : santé, priorité urgente" in result.output
    with live.veille.session_factory.begin() as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert (attempt.purpose, attempt.round_id, attempt.direction) == ("test", None, "outbound")
        assert (attempt.state, attempt.outcome) == ("ended", "help_health")
        assert len(attempt.token) >= 43


def test_an_unanswered_test_call_says_so(live):
    enrolled(live, "T-0044")
    result = run(live.app, "T-0044", "--behaviour", "no-answer", "--timeout", "20")
    assert result.exit_code == 0, result.output
    assert "Résultat : pas de réponse\n" in result.output
    assert "Décroché par" not in result.output


def test_a_call_still_running_at_the_timeout_is_reported_as_not_finished(live):
    enrolled(live, "T-0045")
    result = run(live.app, "T-0045", "--behaviour", "silent", "--timeout", "0")
    assert result.exit_code == 1
    assert "L’appel n’est pas terminé" in result.output


def test_an_unknown_reference_is_refused_without_calling_anyone(live):
    result = run(live.app, "T-9999", "--timeout", "1")
    assert result.exit_code == 1
    assert "Aucun locataire avec la référence « T-9999 »." in result.output
    assert live.simulator.calls == [] and live.count(CallAttempt) == 0


def test_a_tenant_who_stopped_the_calls_is_not_test_called(live):
    tenant = enrolled(live, "T-0046")
    with live.veille.session_factory.begin() as session:
        session.get(Tenant, tenant.id).opted_out_at = live.veille.clock()
    result = run(live.app, "T-0046")
    assert result.exit_code == 1 and "ne plus être appelé" in result.output
    assert live.simulator.calls == []


def test_a_tenant_not_enrolled_is_test_called_only_with_force(live):
    live.tenant("T-0048")
    refused = run(live.app, "T-0048", "--behaviour", "press:1", "--timeout", "20")
    assert refused.exit_code == 1 and "relancez avec --force" in refused.output
    assert live.simulator.calls == [] and live.count(CallAttempt) == 0
    forced = run(live.app, "T-0048", "--force", "--behaviour", "press:1", "--timeout", "20")
    assert forced.exit_code == 0, forced.output
    assert "Résultat : tout va bien\n" in forced.output


def test_a_behaviour_that_means_nothing_is_a_usage_error(live):
    enrolled(live, "T-0047")
    result = run(live.app, "T-0047", "--behaviour", "dance")
    assert result.exit_code == 2 and "comportement inconnu" in result.output
    assert live.count(CallAttempt) == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_the_simulator_an_unreachable_web_process_is_said_clearly(settings):
    down = replace(settings, PUBLIC_BASE_URL=f"http://127.0.0.1:{_closed_port()}")
    simulator = SimulatorProvider.from_settings(down)
    veille = bootstrap(down, telephony=simulator)
    add_test_organisation(veille)
    try:
        result = run(create_app({"TESTING": True}, veille=veille), "T-0001")
    finally:
        veille.close()
    assert result.exit_code == 1
    assert "Le processus web est injoignable" in result.output and "/healthz" in result.output
    assert simulator.calls == []


def test_behaviours_are_refused_with_a_real_provider(settings):
    real = replace(settings, TELEPHONY_PROVIDER="twilio")
    telephony = FakeTelephony()
    veille = bootstrap(real, telephony=telephony)
    add_test_organisation(veille)
    try:
        result = run(create_app({"TESTING": True}, veille=veille), "T-0001", "--behaviour", "press:1")
    finally:
        veille.close()
    assert result.exit_code == 1 and "qu’avec le simulateur" in result.output
    assert telephony.placed == []


@pytest.mark.parametrize("arguments", [("--timeout", "-1"), ("--behaviour", "press:abc")])
def test_a_bad_timeout_or_key_is_refused_before_any_call_is_placed(live, arguments):
    enrolled(live, "T-0043")
    result = run(live.app, "T-0043", *arguments)
    assert result.exit_code != 0 and "Traceback" not in result.output
    with live.veille.session_factory() as session:
        assert session.scalars(select(CallAttempt)).all() == []
