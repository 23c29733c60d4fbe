"""`veille tenants opt-out list|confirm|dismiss` as a coordinator types them."""

from __future__ import annotations

import pytest

from db.models import OptOutRequest
from db.models import Tenant
from tests.web.conftest import TENANT_PHONE
from tests.web.conftest import inbound_call
from tests.web.conftest import load


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=[str(arg) for arg in args])


@pytest.fixture
def requested(client, tenant):
    call = inbound_call(client, TENANT_PHONE)
    call.press("9")
    call.press("9")
    return tenant


def test_the_pending_requests_are_listed_without_a_number(cli, requested):
    result = cli("tenants", "opt-out", "list")
    assert result.exit_code == 0, result.output
    assert "T-001\tMartin Jeanne\tdemandé le 24/11/2026 à 10:30" in result.output
    assert "1 demande(s) d'arrêt des appels en attente." in result.output
    assert "612" not in result.output


def test_a_coordinator_confirms_by_reference(cli, veille, requested):
    result = cli("tenants", "opt-out", "confirm", "T-001")
    assert result.exit_code == 0, result.output
    assert "Demande confirmée : « T-001 » ne sera plus appelé" in result.output
    assert load(veille, Tenant)[0].opted_out_at is not None
    assert cli("tenants", "opt-out", "list").output.strip() == "0 demande(s) d'arrêt des appels en attente."


def test_a_coordinator_dismisses_by_reference(cli, veille, requested):
    result = cli("tenants", "opt-out", "dismiss", "T-001")
    assert result.exit_code == 0 and "les appels de « T-001 » continuent" in result.output
    assert load(veille, Tenant)[0].phone == TENANT_PHONE
    assert [r.status for r in load(veille, OptOutRequest)] == ["dismissed"]


@pytest.mark.parametrize(("reference", "message"), [
    ("T-001", "Rien n'a été modifié : Aucune demande d'arrêt des appels en attente pour « T-001 »."),
    ("T-404", "Rien n'a été modifié : Aucun locataire de référence « T-404 »."),
])
def test_nothing_to_settle_is_refused_in_french_and_changes_nothing(cli, veille, tenant, reference, message):
    result = cli("tenants", "opt-out", "confirm", reference)
    assert result.exit_code == 1 and message in result.output
    assert load(veille, Tenant)[0].opted_out_at is None
