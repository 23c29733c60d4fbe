"""`veille demo ...`: fictitious data for trying Veille on the embedded default."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from voice_app.services.demo import DEMO_PASSWORD
from voice_app.services.demo import DemoRefused
from voice_app.services.demo import demo_status
from voice_app.services.demo import seed_demo
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import OUTCOMES
from voice_app.web.cli.output import PRIORITIES
from voice_app.web.cli.output import REASONS
from voice_app.web.cli.output import STATES
from voice_app.web.cli.output import french_word
from voice_app.web.cli.output import number
from voice_app.web.cli.output import table
from voice_app.web.extensions import get_veille


@click.group("demo", cls=AppGroup,
             help="Démonstration (simulateur seulement : une démonstration n'appelle jamais un vrai numéro).")
def demo() -> None:
    """Demo data (simulator only: a demo never rings a real phone)."""


@demo.command("seed", help="Créer une fois les locataires fictifs, deux bénévoles de permanence et une "
                           "campagne de démonstration.")
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


@demo.command("status", help="Compter les appels par état et par résultat, et les suivis par motif.")
@organisation_option
def status(organisation) -> None:
    """Print calls by state and outcome, and follow-ups by reason (counts only)."""
    figures = demo_status(get_veille(), organisation.id)
    _counts("Appels", "État", STATES, figures.attempts_by_state)
    _counts("Résultats des appels", "Résultat", OUTCOMES, figures.outcomes)
    click.echo("Suivis pour les bénévoles :")
    if not figures.follow_ups:
        click.echo("  aucun pour l’instant")
        return
    rows = [(french_word(REASONS, reason), french_word(PRIORITIES, priority), number(count))
            for (reason, priority), count in sorted(figures.follow_ups.items())]
    table(("Motif", "Priorité", "Nombre"), rows, indent="  ")


def _counts(title: str, header: str, words: dict[str, str], counts: dict[str, int]) -> None:
    click.echo(f"{title} :")
    if not counts:
        click.echo("  aucun pour l’instant")
        return
    order = list(words)  # the order of the labels: a call's life, outcomes from the best
    ranked = sorted(counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    rows = [(french_word(words, code), number(count)) for code, count in ranked]
    table((header, "Nombre"), rows, indent="  ")
