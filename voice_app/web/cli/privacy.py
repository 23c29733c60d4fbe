"""`veille privacy ...`: data protection for the landlord's data protection officer: the
retention purge, a tenant's access export and erasure, and the record of processing."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from voice_app.domain.calendar import PARIS
from voice_app.domain.processing_register import register as processing_register
from voice_app.domain.processing_register import table_label
from voice_app.domain.retention import CATEGORY_LABELS
from voice_app.domain.retention import RetentionPolicy
from voice_app.services.privacy import PrivacyError
from voice_app.services.privacy import retention_policy
from voice_app.services.privacy import set_retention
from voice_app.services.privacy_erasure import erase_tenant
from voice_app.services.privacy_erasure import preview_erasure
from voice_app.services.privacy_export import FORMATS
from voice_app.services.privacy_export import export_tenant
from voice_app.services.privacy_purge import purge as purge_data
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import number
from voice_app.web.cli.output import table
from voice_app.web.extensions import get_veille


@click.group("privacy", cls=AppGroup)
def privacy() -> None:
    """Protection des données : purge, accès d'un locataire, effacement, registre des traitements."""


def _refused(error: PrivacyError):
    click.echo(str(error), err=True)
    raise click.exceptions.Exit(1)


def _policy_line(policy: RetentionPolicy) -> str:
    return (f"appels et suivis terminés {policy.calls} mois, réponses {policy.answers} mois, "
            f"notes {policy.notes} mois")


@privacy.command("purge", help="Supprimer les données plus anciennes que leur durée de conservation "
                               "(--dry-run : dire seulement ce qui le serait).")
@click.option("--dry-run", is_flag=True, help="Ne rien supprimer : afficher ce qui serait supprimé.")
@organisation_option
def purge(organisation, dry_run: bool) -> None:
    report = purge_data(get_veille(), organisation.id, dry_run=dry_run)
    click.echo(f"Purge de « {organisation.name} » ({_policy_line(report.policy)}) : "
               f"données antérieures au {report.cut_offs.answers.astimezone(PARIS):%d/%m/%Y} (réponses), "
               f"{report.cut_offs.notes.astimezone(PARIS):%d/%m/%Y} (notes), "
               f"{report.cut_offs.calls.astimezone(PARIS):%d/%m/%Y} (appels et suivis).")
    names = sorted(set(report.removal.deleted) | set(report.removal.detached))
    if names:
        table(("table", "lignes supprimées", "lignes gardées, lien retiré"),
              [(table_label(name), number(report.removal.deleted.get(name, 0)),
                number(report.removal.detached.get(name, 0))) for name in names], indent="  ")
    click.echo(f"Notes de suivi effacées : {number(report.notes_erased)}.")
    if dry_run:
        click.echo(f"Essai à blanc : rien n'a été supprimé ({number(report.total)} ligne(s) le seraient).")
    else:
        click.echo(f"Purge faite : {number(report.total)} ligne(s) concernée(s). "
                   "La liste d'opposition et le journal d'audit sont gardés.")


@privacy.command("export", help="Écrire tout ce que Veille détient sur un locataire (JSON ou PDF).")
@click.option("--reference", required=True, metavar="REFERENCE",
              help="Référence du locataire chez le bailleur.")
@click.option("--format", "export_format", type=click.Choice(FORMATS), default="json", show_default=True,
              help="Format du fichier.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier à écrire.")
@organisation_option
def export(organisation, reference: str, export_format: str, output: Path) -> None:
    from voice_app.services.privacy_pdf import render

    try:
        document = export_tenant(get_veille(), organisation.id, reference)
    except PrivacyError as error:
        _refused(error)
    output.write_bytes(render(document) if export_format == "pdf" else document.as_json())
    rows = sum(len(section.rows) for section in document.sections)
    click.echo(f"Données de « {document.reference} » écrites dans {output} ({number(rows)} ligne(s), "
               f"{len(document.sections)} rubrique(s)). Ce fichier contient des données personnelles : "
               "remettez-le au seul locataire.")


@privacy.command("erase", help="Effacer un locataire : toutes ses données ; seule l'empreinte de ses numéros "
                               "reste, pour ne plus jamais l'appeler.")
@click.option("--reference", required=True, metavar="REFERENCE",
              help="Référence du locataire chez le bailleur.")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation (la référence à retaper).")
@organisation_option
def erase(organisation, reference: str, yes: bool) -> None:
    veille = get_veille()
    try:
        counts = preview_erasure(veille, organisation.id, reference)
    except PrivacyError as error:
        _refused(error)
    click.echo(f"L'effacement de « {reference} » supprimera :")
    table(("données", "lignes"),
          [(table_label(name), number(count)) for name, count in counts.items() if count], indent="  ")
    if not yes and click.prompt("Effacement définitif : tapez la référence du locataire pour confirmer",
                                default="", show_default=False).strip() != reference.strip():
        click.echo("Effacement abandonné : rien n'a été modifié.")
        raise click.exceptions.Exit(1)
    try:
        report = erase_tenant(veille, organisation.id, reference)
    except PrivacyError as error:
        _refused(error)
    click.echo(f"Locataire « {report.reference} » effacé : {number(sum(report.removal.deleted.values()))} "
               f"ligne(s) supprimée(s), {number(report.audit_lines_unlinked)} ligne(s) du journal d'audit "
               "détachée(s). Ses numéros ne sont plus gardés qu'en empreinte : un nouvel import ne "
               "l'inscrira pas et il ne sera plus appelé.")
    if report.pending_imports_dropped:
        click.echo(f"{report.pending_imports_dropped} fichier(s) d'import en attente supprimé(s) : "
                   "déposez-les de nouveau.")


@privacy.command("register", help="Afficher le registre des traitements (données, finalités, bases légales, "
                                  "durées, destinataires).")
@organisation_option
def register(organisation) -> None:
    policy = retention_policy(get_veille(), organisation.id)
    click.echo(f"Registre des traitements de Veille pour « {organisation.name} »")
    for entry in processing_register(policy):
        click.echo("")
        click.echo(entry.name)
        for label, text in (("Données", entry.data), ("Finalité", entry.purpose),
                            ("Base légale", entry.legal_basis), ("Conservation", entry.retention),
                            ("Qui les voit", entry.recipients)):
            click.echo(f"  {label} : {text}")


@privacy.command("retention", help="Afficher ou changer les durées de conservation (en mois).")
@click.option("--calls", type=int, help=f"Mois de conservation : {CATEGORY_LABELS['calls']}.")
@click.option("--answers", type=int, help=f"Mois de conservation : {CATEGORY_LABELS['answers']}.")
@click.option("--notes", type=int, help=f"Mois de conservation : {CATEGORY_LABELS['notes']}.")
@organisation_option
def retention(organisation, calls: int | None, answers: int | None, notes: int | None) -> None:
    veille = get_veille()
    if calls is None and answers is None and notes is None:
        policy = retention_policy(veille, organisation.id)
    else:
        try:
            values = {"calls": calls, "answers": answers, "notes": notes}
            policy = set_retention(veille, organisation.id, values)
        except PrivacyError as error:
            _refused(error)
        click.echo("Durées enregistrées.")
    for name, months in policy.as_settings().items():
        click.echo(f"  {CATEGORY_LABELS[name]} : {months} mois")
