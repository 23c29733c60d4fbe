"""`veille organisations|users|portfolios|audit ...` as an operator types them."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Organisation
from db.models import Tenant
from db.models import User
from voice_app.services.accounts import authenticate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tenants"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, input=None: runner.invoke(args=[str(arg) for arg in args], input=input)


def test_organisations_are_created_linked_and_listed(cli, veille):
    created = cli("organisations", "create", "Protection civile 75", "--partner", "--slug", "pc75")
    assert created.exit_code == 0
    linked = cli("organisations", "partner", "habitat-test", "pc75")
    assert "« Protection civile 75 » travaille désormais pour « Habitat Test »." in linked.output
    listing = cli("organisations", "list").output
    assert "habitat-test" in listing and "+33159000000" in listing and "association partenaire" in listing
    again = cli("organisations", "create", "Habitat Test")
    assert again.exit_code == 1 and "déjà pris" in again.output


def test_an_unknown_organisation_slug_is_refused_and_never_created(cli, veille):
    for command in (("tenants", "list"), ("campaigns", "list"), ("users", "list"),
                    ("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A")):
        result = cli(*command, "--organisation", "nowhere")
        assert result.exit_code == 1 and "Organisme inconnu : « nowhere »" in result.output, command
    with veille.session_factory() as session:
        assert session.scalar(select(Organisation.id).where(Organisation.slug == "nowhere")) is None


def test_with_two_landlords_a_command_asks_which_one(cli, veille):
    cli("organisations", "create", "Autre Bailleur")
    result = cli("tenants", "list")
    assert result.exit_code == 1 and "précisez --organisation" in result.output
    assert cli("tenants", "list", "--organisation", "autre-bailleur").exit_code == 0


def test_tenant_commands_act_on_the_organisation_named(cli, veille, tmp_path):
    cli("organisations", "create", "Autre Bailleur")
    sample = shutil.copy(FIXTURES / "paris_habitat.csv", tmp_path)
    assert cli("tenants", "import", sample, "--organisation", "autre-bailleur").exit_code == 0
    with veille.session_factory() as session:
        owners = set(session.scalars(select(Organisation.slug).join(
            Tenant, Tenant.organisation_id == Organisation.id)))
    assert owners == {"autre-bailleur"}


def test_users_are_created_with_a_password_or_an_invitation(cli, veille):
    made = cli("users", "create", "Claire@Exemple.fr", "--role", "volunteer", "--name", "Claire",
               "--phone", "06 12 34 56 78", "--password-stdin", input="une phrase de passe\n")
    assert made.exit_code == 0 and "Compte bénévole créé pour claire@exemple.fr" in made.output
    invited = cli("users", "create", "karim@exemple.fr", "--role", "coordinator", "--name", "Karim")
    assert "Lien d’invitation (valable 72 h, une seule fois) : https://veille.example.org/invitation/" \
        in invited.output
    assert authenticate(veille, "claire@exemple.fr", "une phrase de passe", "127.0.0.1").on_duty_phone \
        == "+33612345678"
    listing = cli("users", "list").output
    assert "claire@exemple.fr" in listing and "+33 6 •• •• •• 78" in listing and "0612345678" not in listing


def test_users_create_refuses_bad_input_with_french_messages(cli, veille):
    cases = {("x", "volunteer"): "Adresse e-mail invalide",
             ("a@b.fr", "boss"): "Valeur refusée pour '--role'"}
    for (email, role), message in cases.items():
        result = cli("users", "create", email, "--role", role, "--name", "A")
        assert result.exit_code != 0 and message in result.output
    bad_phone = cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A", "--phone", "12")
    assert bad_phone.exit_code == 1 and "Téléphone invalide" in bad_phone.output
    short = cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A", "--password-stdin",
                input="abc\n")
    assert "au moins 12 caractères" in short.output
    latin1 = cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A", "--password-stdin",
                 input="mot-de-passe-été-long\n".encode("latin-1"))
    assert latin1.exit_code == 1 and "n'est pas en UTF-8" in latin1.output and latin1.exception is not None
    assert "Traceback" not in latin1.output
    cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A")
    twice = cli("users", "create", "A@B.fr", "--role", "volunteer", "--name", "A")
    assert twice.exit_code == 1 and "Un compte existe déjà pour a@b.fr." in twice.output
    with veille.session_factory() as session:
        assert session.scalars(select(User.email)).all() == ["a@b.fr"]


def test_deactivating_a_user(cli, veille):
    cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A")
    assert "Compte a@b.fr désactivé." in cli("users", "deactivate", "a@b.fr").output
    assert "Aucun compte pour z@b.fr." in cli("users", "deactivate", "z@b.fr").output
    with veille.session_factory() as session:
        assert not session.scalar(select(User.active).where(User.email == "a@b.fr"))


def test_portfolios_assign_and_balance(cli, veille, tmp_path):
    cli("tenants", "import", shutil.copy(FIXTURES / "paris_habitat.csv", tmp_path))
    cli("enrolment", "enrol", "--eligible")
    cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A")
    cli("users", "create", "c@b.fr", "--role", "volunteer", "--name", "C")
    with veille.session_factory() as session:
        references = session.scalars(select(Tenant.reference).order_by(Tenant.reference)).all()
        site = session.scalar(select(Tenant.site).where(Tenant.site.is_not(None)))
    assigned = cli("portfolios", "assign", references[0], "NOPE", "--volunteer", "a@b.fr")
    assert assigned.exit_code == 1 and "1 locataire(s) confié(s) à A." in assigned.output
    assert "Références inconnues : NOPE" in assigned.output
    balanced = cli("portfolios", "balance", "--site", site)
    assert balanced.exit_code == 0 and f"Site « {site} » :" in balanced.output
    assert "Aucun locataire inscrit" in cli("portfolios", "balance", "--site", "Nulle part").output


def test_the_audit_export_is_csv_with_headers(cli, veille):
    cli("users", "create", "=cmd@b.fr", "--role", "volunteer", "--name", "=HYPERLINK(1)")
    cli("users", "create", "a@b.fr", "--role", "volunteer", "--name", "A")
    result = cli("audit", "export", "--since", "2026-01-01")
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter=";"))
    assert rows[0][:4] == ["date (Paris)", "organisme", "auteur", "action"]
    assert [row[3] for row in rows[1:]] == ["user.created", "user.invited", "user.created", "user.invited"]
    assert "1 ligne" not in result.stdout
