"""`veille api-tokens ...`: the tokens an organisation's information system calls the API with."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from db.models import Organisation
from voice_app.domain.api_tokens import SCOPE_LABELS
from voice_app.domain.api_tokens import Scope
from voice_app.domain.calendar import PARIS
from voice_app.services.api_tokens import TokenError
from voice_app.services.api_tokens import create_token
from voice_app.services.api_tokens import list_tokens
from voice_app.services.api_tokens import revoke_token
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import table
from voice_app.web.extensions import get_veille


def _when(moment) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if moment else "-"


@click.group("api-tokens", cls=AppGroup, help="Jetons de l’API (/api/v1/) : créer, lister, révoquer.")
def api_tokens() -> None:
    """API tokens of organisations."""


@api_tokens.command("create", help="Créer un jeton pour l’organisme ; il n’est affiché qu’une fois.")
@organisation_option(landlord=False)
@click.option("--scope", type=click.Choice([s.value for s in Scope]), required=True,
              help="read : lecture seule ; write : lecture et envoi de locataires.")
@click.option("--name", default="Système d’information", show_default=True,
              help="Nom du jeton (qui l’utilise).")
def create(organisation: Organisation, scope: str, name: str) -> None:
    try:
        token, secret = create_token(get_veille(), organisation.id, Scope(scope), name, actor=None)
    except TokenError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Jeton n° {token.id} « {token.name} » créé pour « {organisation.name} » "
               f"({SCOPE_LABELS[Scope(scope)]}).")
    click.echo("Copiez-le maintenant : il ne sera plus jamais affiché (seule son empreinte est gardée).")
    click.echo(secret)


@api_tokens.command("list", help="Lister les jetons de l’organisme (jamais leur valeur).")
@organisation_option(landlord=False)
def list_command(organisation: Organisation) -> None:
    tokens = list_tokens(get_veille(), [organisation.id])
    if not tokens:
        click.echo(f"Aucun jeton pour « {organisation.name} ».")
        return
    table(("N°", "Nom", "Portée", "Début", "Créé le", "Dernier usage", "État"),
          [(t.id, t.name, t.scope, t.hint + "…", _when(t.created_at), _when(t.last_used_at),
            f"révoqué le {_when(t.revoked_at)}" if t.revoked_at else "actif") for t in tokens])


@api_tokens.command("revoke", help="Révoquer le jeton NUMERO : il est refusé dès maintenant.")
@click.argument("token_id", metavar="NUMERO", type=click.IntRange(1, 2**31 - 1))
@organisation_option(landlord=False)
def revoke(token_id: int, organisation: Organisation) -> None:
    try:
        token = revoke_token(get_veille(), token_id, [organisation.id], actor=None)
    except TokenError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Jeton n° {token.id} « {token.name} » révoqué : il est refusé dès maintenant.")
