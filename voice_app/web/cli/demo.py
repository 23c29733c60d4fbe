"""`veille demo ...`: fictitious data for trying Veille on the embedded default."""

from __future__ import annotations

from datetime import datetime
from datetime import time

import click
from flask.cli import AppGroup

from voice_app.domain.calendar import PARIS
from voice_app.services.demo import DEMO_CAMPAIGN
from voice_app.services.demo import DEMO_ORGANISATION
from voice_app.services.demo import DEMO_PASSWORD
from voice_app.services.demo import DEMO_SLUG
from voice_app.services.demo import DemoRefused
from voice_app.services.demo import demo_status
from voice_app.services.demo import seed_demo
from voice_app.services.demo_reset import reset_demo
from voice_app.web.cli.options import resolve_organisation
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
                           "campagne de démonstration ; avec l'horloge accélérée (DEMO_TIME_SCALE), "
                           "commencer une matinée de démonstration.")
def seed() -> None:
    """Seed fictitious tenants, on-duty volunteers and a demo campaign (once)."""
    try:
        result = seed_demo(get_veille())
    except DemoRefused as error:
        raise click.ClickException(str(error)) from error
    if result.already_seeded:
        click.echo("Démonstration déjà en place : rien à ajouter (« veille demo reset » la rejoue).")
        _clock(result.demo_time)
    else:
        _ready(result)
    _where_to_look()


@demo.command("reset", help="Supprimer l’organisation « Habitat Démo » et toutes ses données, puis "
                            "recréer la démonstration (simulateur seulement).")
def reset() -> None:
    """Remove the demo organisation and everything under it, then seed again."""
    try:
        result = reset_demo(get_veille())
    except DemoRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Ancienne démonstration supprimée ({DEMO_ORGANISATION}).")
    _ready(result)
    _where_to_look()


def _ready(result) -> None:
    click.echo(f"Démonstration prête : {result.tenants} locataires fictifs importés, "
               f"{result.enrolled} inscrits au suivi, 2 bénévoles de permanence, "
               f"campagne « {DEMO_CAMPAIGN} » aux règles réelles : tous les jours de 10 h à 12 h 30 "
               "et de 14 h à 18 h, jusqu’à trois appels, deux heures d’écart dans l’autre demi-journée.")
    _clock(result.demo_time)


def _clock(demo_time: datetime | None) -> None:
    if demo_time is None:
        click.echo("Horloge réelle : les appels attendent les heures d’appel réelles (« scripts/run » "
                   "lance la démonstration sur l’horloge accélérée).")
        return
    scale = get_veille().time_scale
    paris = demo_time.astimezone(PARIS)
    click.echo(f"Horloge de démonstration : une minute réelle vaut {number(scale)} minutes "
               f"(DEMO_TIME_SCALE) ; il est {paris:%H:%M} le {paris:%d/%m/%Y} à cette horloge.")
    steps = [f"{at:%H:%M} {what} dans {_real_wait(paris, at, scale)}" for at, what in STORY
             if datetime.combine(paris.date(), at, PARIS) > paris]
    if steps:
        click.echo("À suivre : " + " ; ".join(steps) + ".")


STORY = ((time(10, 0), "premiers appels"), (time(14, 0), "rappels de l’après-midi"),
         (time(18, 0), "fin des appels (tournée close, injoignables signalés)"))


def _real_wait(paris: datetime, at: time, scale: float) -> str:
    seconds = (datetime.combine(paris.date(), at, PARIS) - paris).total_seconds() / scale
    return f"{number(seconds, 0)} s" if seconds < 90 else f"{number(seconds / 60, 1)} min"


def _where_to_look() -> None:
    base = get_veille().settings.PUBLIC_BASE_URL.rstrip("/")
    click.echo(f"Pages : {base}/connexion, mot de passe « {DEMO_PASSWORD} » pour "
               "benevole1@demo.veille.invalid (bénévole : les suivis sur /suivis), "
               "coordination@demo.veille.invalid (coordinatrice : la tournée en direct depuis "
               "/campagnes, les chiffres sur /chiffres, les locataires, les bénévoles) "
               "et admin@demo.veille.invalid (administrateur).")
    click.echo("Chiffres : « veille demo status » dans un autre terminal. Rejouer : « veille demo reset ».")


@demo.command("status", help="Compter les appels par état et par résultat, et les suivis par motif.")
@click.option("--organisation", "organisation_slug", metavar="SLUG", default=DEMO_SLUG,
              show_default=True, help="Organisme concerné (défaut : celui de la démonstration).")
def status(organisation_slug: str) -> None:
    """Print calls by state and outcome, and follow-ups by reason (counts only)."""
    figures = demo_status(get_veille(), resolve_organisation(organisation_slug).id)
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
