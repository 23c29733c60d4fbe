"""`veille organisations ...`: landlords, partner associations, service numbers, partnerships."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from voice_app.services.organisations import KIND_LABELS
from voice_app.services.organisations import OrganisationError
from voice_app.services.organisations import add_service_number
from voice_app.services.organisations import create_organisation
from voice_app.services.organisations import grant_partnership
from voice_app.services.organisations import list_organisations
from voice_app.web.cli.options import resolve_organisation
from voice_app.web.extensions import get_veille


@click.group("organisations", cls=AppGroup, help="Organismes : bailleurs et associations partenaires.")
def organisations() -> None:
    """Landlords and partner associations."""


def _fail(error: OrganisationError):
    raise click.ClickException(str(error)) from error


@organisations.command("create", help="Créer l’organisme NOM (un bailleur, ou --partner une association).")
@click.argument("name")
@click.option("--slug", help="Identifiant court (défaut : tiré du nom, ex. paris-habitat).")
@click.option("--partner", is_flag=True, help="Association partenaire (Protection civile, CCAS...).")
@click.option("--number", "numbers", multiple=True, metavar="+33...",
              help="Numéro de service appelé par les locataires (répétable).")
def create(name: str, slug: str | None, partner: bool, numbers: tuple[str, ...]) -> None:
    try:
        organisation = create_organisation(get_veille(), name, slug=slug,
                                           kind="partner" if partner else "landlord", service_numbers=numbers)
    except OrganisationError as error:
        _fail(error)
    click.echo(f"Organisme « {organisation.name} » créé : {KIND_LABELS[organisation.kind]}, "
               f"identifiant {organisation.slug}.")


@organisations.command("list", help="Lister les organismes, leurs numéros et partenaires.")
def list_command() -> None:
    rows = list_organisations(get_veille())
    if not rows:
        click.echo("Aucun organisme.")
        return
    click.echo(f"{'Identifiant':<24} {'Type':<24} {'Nom':<30} {'Numéros':<28} Liés")
    for organisation, numbers, linked in rows:
        click.echo(f"{organisation.slug:<24} {KIND_LABELS[organisation.kind]:<24} {organisation.name:<30} "
                   f"{', '.join(numbers) or '-':<28} {', '.join(linked) or '-'}")


@organisations.command("add-number", help="Ajouter un numéro de service à l’organisme SLUG.")
@click.argument("slug")
@click.argument("number")
def add_number(slug: str, number: str) -> None:
    organisation = resolve_organisation(slug, landlord=False)
    try:
        added = add_service_number(get_veille(), organisation.id, number)
    except OrganisationError as error:
        _fail(error)
    click.echo(f"Numéro {added} ajouté à « {organisation.name} ».")


@organisations.command("partner", help="Lier l’association PARTNER au bailleur LANDLORD (slugs).")
@click.argument("landlord")
@click.argument("partner")
def partner(landlord: str, partner: str) -> None:
    landlord_row = resolve_organisation(landlord)
    partner_row = resolve_organisation(partner, landlord=False)
    try:
        grant_partnership(get_veille(), landlord_row.id, partner_row.id)
    except OrganisationError as error:
        _fail(error)
    click.echo(f"« {partner_row.name} » travaille désormais pour « {landlord_row.name} ».")
