"""`veille demo ...`: fictitious data for trying Veille on the embedded default."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from voice_app.services.demo import DEMO_PASSWORD
from voice_app.services.demo import DemoRefused
from voice_app.services.demo import demo_status
from voice_app.services.demo import seed_demo
from voice_app.web.cli.options import organisation_option
from voice_app.web.extensions import get_veille


@click.group("demo", cls=AppGroup)  # commands run in the app context
def demo() -> None:
    """Demo data (simulator only: a demo never rings a real phone)."""


@demo.command("seed")
def seed() -> None:
    """Seed fictitious tenants, on-duty volunteers and a demo campaign (once)."""
    try:
        result = seed_demo(get_veille())
    except DemoRefused as error:
        raise click.ClickException(str(error)) from error
    if result.already_seeded:
        click.echo("Démonstration déjà en place : rien à ajouter.")
    else:
        click.echo(f"Démonstration prête : {result.tenants} locataires fictifs importés, "
                   f"{result.enrolled} inscrits au suivi, 2 bénévoles de permanence, "
                   "campagne « Démonstration » (tous les jours, toute la journée).")
    click.echo(f"Pages : {get_veille().settings.PUBLIC_BASE_URL}/connexion, mot de passe "
               f"« {DEMO_PASSWORD} » pour benevole1@demo.veille.invalid (bénévole), "
               "coordination@demo.veille.invalid (coordinatrice) "
               "et admin@demo.veille.invalid (administrateur).")


@demo.command("status")
@organisation_option
def status(organisation) -> None:
    """Print calls by state and outcome, and follow-ups by reason (counts only)."""
    figures = demo_status(get_veille(), organisation.id)
    click.echo("Appels par état : " + _pairs(figures.attempts_by_state))
    click.echo("Résultats : " + _pairs(figures.outcomes))
    click.echo("Suivis pour les bénévoles :")
    if not figures.follow_ups:
        click.echo("  aucun pour l’instant")
    for (reason, priority), count in sorted(figures.follow_ups.items()):
        click.echo(f"  {reason} ({priority}) : {count}")


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "aucun"
