"""`veille users ...`, `veille portfolios ...` and `veille audit ...`: the people tasks."""

from __future__ import annotations

import csv
import functools
import sys
from datetime import UTC
from datetime import datetime
from datetime import time
from itertools import chain

import click
from flask.cli import AppGroup

from voice_app.domain.calendar import PARIS
from voice_app.domain.people import ROLE_LABELS
from voice_app.domain.people import Role
from voice_app.domain.phones import mask_phone
from voice_app.domain.spreadsheet import safe_row
from voice_app.domain.webhook_urls import absolute
from voice_app.services.accounts import AccountError
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.accounts import find_user
from voice_app.services.accounts import invite
from voice_app.services.accounts import list_users
from voice_app.services.accounts import set_active
from voice_app.services.audit import iter_events
from voice_app.services.organisations import related_organisation_ids
from voice_app.services.volunteers import VolunteerError
from voice_app.services.volunteers import assign_portfolio
from voice_app.services.volunteers import balance_site
from voice_app.web.cli.campaigns import FrenchDate
from voice_app.web.cli.options import organisation_option
from voice_app.web.extensions import get_veille


def _french_errors(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (AccountError, VolunteerError) as error:
            raise click.ClickException(str(error)) from error
    return wrapper


def _echo_invitation(token: str) -> None:
    link = absolute(get_veille().settings.PUBLIC_BASE_URL, f"/invitation/{token}")
    click.echo(f"Lien d’invitation (valable 72 h, une seule fois) : {link}")


@click.group("users", cls=AppGroup, help="Comptes : administrateurs, coordinateurs, bénévoles.")
def users() -> None:
    """User accounts."""


@users.command("create", help="Créer le compte EMAIL. Sans --password-stdin, affiche un lien "
                              "d’invitation (valable 72 h) pour choisir le mot de passe.")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="Rôle du compte.")
@click.option("--name", required=True, help="Nom affiché, ex. « Claire Dupont ».")
@click.option("--phone", help="Téléphone (permanences, rappel via Veille), ex. 06 12 34 56 78.")
@click.option("--capacity", type=int, help="Bénévole : nombre de locataires suivis au plus (défaut : 25).")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l’entrée standard.")
@organisation_option(landlord=False)
@_french_errors
def create(email, role, name, phone, capacity, password_stdin, organisation) -> None:
    password = _password_from_stdin() if password_stdin else None
    veille = get_veille()
    user = create_user(veille, NewUser(email=email, role=role, name=name, organisation_id=organisation.id,
                                       phone=phone, capacity=capacity), password=password)
    click.echo(f"Compte {ROLE_LABELS[Role(role)]} créé pour {user.email} ({organisation.name}).")
    if not password:
        _echo_invitation(invite(veille, user.id))


def _password_from_stdin() -> str:
    """The first line of standard input, which must be UTF-8 (a terminal in Latin-1 is refused
    rather than hashed as something the sign-in page will never send)."""
    raw = sys.stdin.buffer.readline()
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise click.ClickException("le mot de passe lu n'est pas en UTF-8 : réglez le terminal en UTF-8, "
                                   "ou créez le compte sans mot de passe (lien d'invitation).") from None


@users.command("invite", help="Envoyer un nouveau lien d’invitation au compte EMAIL.")
@click.argument("email")
@_french_errors
def invite_command(email: str) -> None:
    veille = get_veille()
    user = find_user(veille, email)
    _echo_invitation(invite(veille, user.id))


@users.command("list", help="Lister les comptes de l’organisme et de ses partenaires.")
@organisation_option(landlord=False)
def list_command(organisation) -> None:
    veille = get_veille()
    with veille.session_factory() as session:
        organisation_ids = related_organisation_ids(session, organisation)
    rows = list_users(veille, organisation_ids)
    if not rows:
        click.echo("Aucun compte.")
        return
    click.echo(f"{'E-mail':<36} {'Nom':<26} {'Rôle':<15} {'Organisme':<24} {'Téléphone':<18} État")
    for user, organisation_name in rows:
        state = ("actif" if user.active else "désactivé") + (", de permanence" if user.on_duty else "")
        phone = mask_phone(user.on_duty_phone) if user.on_duty_phone else "-"
        click.echo(f"{user.email:<36} {user.display_name:<26} {ROLE_LABELS[Role(user.role)]:<15} "
                   f"{organisation_name:<24} {phone:<18} {state}")


@users.command("deactivate", help="Désactiver le compte EMAIL (plus de connexion ni de suivi).")
@click.argument("email")
@_french_errors
def deactivate(email: str) -> None:
    veille = get_veille()
    user = find_user(veille, email)
    set_active(veille, user.id, False)
    click.echo(f"Compte {user.email} désactivé.")


@click.group("portfolios", cls=AppGroup, help="Portefeuilles : le même bénévole pour le même locataire.")
def portfolios() -> None:
    """Which volunteer follows which tenant."""


@portfolios.command("assign", help="Confier les locataires REF... au bénévole --volunteer EMAIL.")
@click.argument("references", nargs=-1, required=True)
@click.option("--volunteer", "volunteer_email", required=True, help="E-mail du bénévole.")
@organisation_option
@_french_errors
def assign(references, volunteer_email: str, organisation) -> None:
    veille = get_veille()
    volunteer = find_user(veille, volunteer_email)
    result = assign_portfolio(veille, organisation.id, references, volunteer.id)
    click.echo(f"{len(result.assigned)} locataire(s) confié(s) à {volunteer.display_name}.")
    if result.not_found:
        click.echo("Références inconnues : " + ", ".join(result.not_found))
        raise SystemExit(1)


@portfolios.command("balance", help="Répartir les locataires inscrits du site entre les bénévoles "
                                    "disponibles selon leur capacité (chacun garde les siens).")
@click.option("--site", required=True, help="Site (résidence).")
@organisation_option
@_french_errors
def balance(site: str, organisation) -> None:
    moved = balance_site(get_veille(), organisation.id, site)
    click.echo(f"Site « {site} » : {moved} locataire(s) confié(s) à un nouveau bénévole.")


@click.group("audit", cls=AppGroup, help="Journal d’audit : qui a consulté ou modifié quoi.")
def audit() -> None:
    """The audit log."""


AUDIT_COLUMNS = ("date (Paris)", "organisme", "auteur", "action", "objet", "n° objet", "détails")


@audit.command("export", help="Écrire le journal d’audit en CSV depuis --since (AAAA-MM-JJ).")
@click.option("--since", type=FrenchDate(), required=True, help="Premier jour exporté.")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Fichier CSV (défaut : la sortie standard).")
def export(since, output) -> None:
    veille = get_veille()
    start = datetime.combine(since, time(0), tzinfo=PARIS).astimezone(UTC)
    # The first event is read before the file is opened (click opens it at the first write):
    # a database that cannot answer leaves an existing file as it was.
    events = iter_events(veille, None, start)
    first = next(events, None)
    writer = csv.writer(output, delimiter=";")
    writer.writerow(AUDIT_COLUMNS)
    count = 0
    for event in chain([first] if first is not None else [], events):
        details = ", ".join(f"{k}={v}" for k, v in sorted((event.details or {}).items()))
        writer.writerow(safe_row([event.at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
                                  event.organisation_id or "", event.actor_label, event.action,
                                  event.subject_type, event.subject_id or "", details]))
        count += 1
    click.echo(f"{count} ligne(s) d’audit exportée(s).", err=True)
