"""`veille api-tokens create|list|revoke`: the secret shown once, stored hashed, revoked at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import ApiToken
from voice_app.services.api_tokens import authenticate
from voice_app.services.organisations import create_organisation
from voice_app.services.organisations import grant_partnership


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=[str(arg) for arg in args])


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked(cli, veille):
    created = cli("api-tokens", "create", "--organisation", "habitat-test", "--scope", "write",
                  "--name", "SI")
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("veille_") and len(secret) > 40
    assert authenticate(veille, secret).holder.scope == "write"
    with veille.session_factory() as session:
        assert session.scalar(select(ApiToken.secret_hash)) != secret
    listing = cli("api-tokens", "list", "--organisation", "habitat-test").output
    assert "SI" in listing and "actif" in listing and secret[:13] in listing and secret not in listing
    revoked = cli("api-tokens", "revoke", "1", "--organisation", "habitat-test")
    assert revoked.exit_code == 0 and "révoqué" in revoked.output
    assert authenticate(veille, secret).refusal == "revoked"
    assert "révoqué le" in cli("api-tokens", "list", "--organisation", "habitat-test").output
    again = cli("api-tokens", "revoke", "1", "--organisation", "habitat-test")
    assert again.exit_code == 1 and "déjà révoqué" in again.output


def test_bad_input_is_refused_in_french_and_creates_nothing(cli, veille):
    create_organisation(veille, "Autre Bailleur", slug="autre")
    assert cli("api-tokens", "create", "--organisation", "inconnu", "--scope", "read").exit_code == 1
    assert cli("api-tokens", "create", "--organisation", "habitat-test", "--scope", "admin").exit_code == 2
    assert cli("api-tokens", "create", "--organisation", "habitat-test", "--scope", "read",
               "--name", " ").exit_code == 1
    cli("api-tokens", "create", "--organisation", "autre", "--scope", "read")
    other = cli("api-tokens", "revoke", "1", "--organisation", "habitat-test")  # autre's token
    assert other.exit_code == 1 and "Aucun jeton" in other.output
    with veille.session_factory() as session:
        assert session.scalar(select(ApiToken.revoked_at)) is None


def test_a_partner_gets_read_tokens_only(cli, veille, organisation):
    partner = create_organisation(veille, "Protection civile 75", kind="partner", slug="pc75")
    grant_partnership(veille, organisation.id, partner.id)
    refused = cli("api-tokens", "create", "--organisation", "pc75", "--scope", "write")
    assert refused.exit_code == 1 and "lecture" in refused.output
    assert cli("api-tokens", "create", "--organisation", "pc75", "--scope", "read").exit_code == 0
