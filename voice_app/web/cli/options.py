"""Options shared by `veille` commands."""

from __future__ import annotations

import functools

import click

from db.models import Organisation
from voice_app.services.organisations import OrganisationError
from voice_app.services.organisations import current_organisation
from voice_app.services.organisations import find_organisation
from voice_app.web.extensions import get_veille


def resolve_organisation(slug: str | None, *, landlord: bool = True) -> Organisation:
    """The organisation `slug` (default: the only landlord), or a French error and exit 1."""
    veille = get_veille()
    try:
        organisation = find_organisation(veille, slug) if slug else current_organisation(veille)
    except OrganisationError as error:
        raise click.ClickException(str(error)) from error
    if landlord and organisation.kind != "landlord":
        raise click.ClickException(f"« {organisation.slug} » est une association partenaire : "
                                   "cette commande concerne les locataires d’un bailleur.")
    return organisation


def organisation_option(function=None, *, landlord: bool = True):
    """Add `--organisation SLUG` to a command; it receives `organisation` (resolved, checked)."""
    def decorate(command):
        @click.option("--organisation", "organisation_slug", metavar="SLUG",
                      help="Organisme concerné (défaut : le seul bailleur).")
        @functools.wraps(command)
        def wrapper(*args, organisation_slug: str | None = None, **kwargs):
            organisation = resolve_organisation(organisation_slug, landlord=landlord)
            return command(*args, organisation=organisation, **kwargs)
        return wrapper
    return decorate(function) if function is not None else decorate
