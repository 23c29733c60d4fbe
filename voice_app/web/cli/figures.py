"""`veille figures ...`: the figures of a period, and the landlord's PDF report."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from db.models import Organisation
from voice_app.domain.figures import PeriodError
from voice_app.domain.figures import current_month
from voice_app.domain.figures import headline
from voice_app.domain.figures import month_period
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.services import figure_counts
from voice_app.services.figures import compute
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.options import resolve_organisation
from voice_app.web.extensions import get_veille


@click.group("figures", cls=AppGroup)  # commands run in the app context
def figures() -> None:
    """Chiffres d'une période et rapport du bailleur (PDF)."""


def _figures(organisation, month: str | None):
    veille = get_veille()
    try:
        period = month_period(month) if month else current_month(veille.clock())
    except PeriodError as error:
        raise click.BadParameter(str(error), param_hint="--month") from error
    viewer = Viewer(0, Role.COORDINATOR, organisation.id, "landlord", (organisation.id,), (organisation.id,))
    return compute(veille, viewer, period)


@figures.command("show")
@click.option("--month", metavar="AAAA-MM", help="Mois (défaut : le mois en cours).")
@organisation_option
def show(organisation, month: str | None) -> None:
    """Afficher les chiffres principaux d’un mois."""
    result = _figures(organisation, month)
    for line in headline(result.total, result.period, organisation.name):
        click.echo(line)


@figures.command("report")
@click.option("--month", metavar="AAAA-MM", help="Mois (défaut : le mois en cours).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier PDF (défaut : rapport-AAAA-MM.pdf).")
@organisation_option
def report(organisation, month: str | None, output: Path | None) -> None:
    """Écrire le rapport PDF d’un mois pour le bailleur : chiffres et graphiques, sans donnée personnelle."""
    from voice_app.web.landlord_report import render

    result = _figures(organisation, month)
    target = output or Path(f"rapport-{result.period.first:%Y-%m}.pdf")
    target.write_bytes(render(result, organisation.name))
    click.echo(f"Rapport écrit : {target} ({result.period.label}, {result.total.reached} locataires joints).")



@figures.command("rebuild")
@click.option("--organisation", "organisation_slug", metavar="SLUG",
              help="Bailleur concerné (défaut : tous les bailleurs).")
def rebuild(organisation_slug: str | None) -> None:
    """Recalculer le résumé des chiffres depuis les appels, suivis et inscriptions (après une
    restauration, un chargement fait hors de Veille, une mise à jour vers la migration 0013, ou
    pour lever un doute) ; la page et l’API le lisent."""
    veille = get_veille()
    if organisation_slug:
        landlords = [resolve_organisation(organisation_slug)]
    else:
        with veille.session_factory() as session:
            landlords = list(session.scalars(select(Organisation).where(Organisation.kind == "landlord")
                                             .order_by(Organisation.slug)))
    if not landlords:
        raise click.ClickException("Aucun bailleur : rien à recalculer.")
    for landlord in landlords:
        started = time.perf_counter()
        rebuilt = figure_counts.rebuild(veille, landlord.id)
        seconds = f"{time.perf_counter() - started:.1f}".replace(".", ",")
        rows = f"{rebuilt.rows:,}".replace(",", "\u202f")
        click.echo(f"Chiffres recalculés pour « {landlord.name} » : {rebuilt.months} mois, {rows} lignes, "
                   f"en {seconds} s.")
