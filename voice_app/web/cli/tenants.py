"""`veille tenants ...` (import a landlord's file, list tenants) and `veille enrolment ...`
(who is eligible, enrol, unenrol). Messages are French: coordinators read them."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from voice_app.domain.eligibility import rules_by_name
from voice_app.domain.phones import mask_phone
from voice_app.domain.spreadsheet import safe_cell
from voice_app.domain.tenant_file import TenantFileError
from voice_app.services.enrolment import LEGAL_BASES
from voice_app.services.enrolment import EnrolmentResult
from voice_app.services.enrolment import eligible_tenants
from voice_app.services.enrolment import enrol_eligible
from voice_app.services.enrolment import enrol_references
from voice_app.services.enrolment import unenrol_references
from voice_app.services.tenant_import import ImportConflict
from voice_app.services.tenant_import import ImportReport
from voice_app.services.tenant_import import import_tenants
from voice_app.services.tenant_import import list_tenants
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import number
from voice_app.web.extensions import get_veille

MAX_ERRORS_SHOWN = 200
PROGRESS_MIN_LINES = 1_000
HOUSEHOLDS_FR = {"alone": "seul", "couple": "couple", "other": "autre"}
RULE_DESCRIPTIONS = {name: rule.description for name, rule in rules_by_name().items()}


@click.group("tenants", cls=AppGroup,  # AppGroup: every command runs in the app context
             help="Locataires : import du fichier du bailleur et liste.")
def tenants() -> None:
    """Tenant file import and listing."""


@click.group("enrolment", cls=AppGroup,
             help="Inscription au suivi : règles d'éligibilité, inscrire, désinscrire.")
def enrolment() -> None:
    """Eligibility rules and enrolment."""


class _ProgressBars:
    """One terminal progress bar per phase of an import (checking, then writing)."""

    def __init__(self) -> None:
        self._phase: str | None = None
        self._done = 0
        self._stack = contextlib.ExitStack()
        self._bar = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_LINES:
            return
        if phase != self._phase:
            self.close()
            self._phase, self._done = phase, 0
            self._bar = self._stack.enter_context(click.progressbar(
                length=total, label=phase, file=sys.stderr))
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        self._stack.close()
        self._stack, self._bar = contextlib.ExitStack(), None


@tenants.command("import", help="Importer les locataires du fichier CSV FICHIER : création ou mise à jour "
                                "par référence.")
@click.argument("file", metavar="FICHIER", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Vérifier et compter sans rien enregistrer.")
@click.option("--skip-invalid", is_flag=True, help="Importer les lignes valides, ignorer les autres.")
@organisation_option
def import_command(file: Path, dry_run: bool, skip_invalid: bool, organisation) -> None:
    """Import the tenants of FILE (CSV), creating or updating them by reference."""
    progress = _ProgressBars()
    try:
        report = import_tenants(get_veille(), file, dry_run=dry_run, skip_invalid=skip_invalid,
                               organisation_id=organisation.id,
                                progress=progress)
    except (TenantFileError, ImportConflict) as error:
        progress.close()
        click.echo(f"Import refusé, rien n'a été enregistré : {error}", err=True)
        raise click.exceptions.Exit(1) from None
    progress.close()
    _echo_report(report)
    if report.refused:
        raise click.exceptions.Exit(1)


def _echo_report(report: ImportReport) -> None:
    delimiter = "tabulation" if report.delimiter == "\t" else f"« {report.delimiter} »"
    click.echo(f"Fichier « {report.file_name} » : {number(report.lines)} lignes de locataires "
               f"(encodage {report.encoding}, séparateur {delimiter}).")
    if report.ignored_columns:
        click.echo("Colonnes ignorées : " + ", ".join(f"« {c} »" for c in report.ignored_columns) + ".")
    _echo_notes(report)
    _echo_errors(report)
    if report.refused:
        click.echo("Import refusé, rien n'a été enregistré : corrigez ces lignes et relancez, ou relancez "
                   "avec --skip-invalid pour importer les lignes valides seules.", err=True)
        return
    prefix = "Simulation, locataires qui seraient" if report.dry_run else "Locataires"
    click.echo(f"{prefix} créés : {number(report.created)}, mis à jour : {number(report.updated)}, "
               f"inchangés : {number(report.unchanged)}.")
    if report.skipped_lines:
        click.echo(f"Lignes ignorées (--skip-invalid) : {number(len(report.skipped_lines))} "
                   f"(lignes {_line_list(report.skipped_lines)}).")
    if report.marked_opted_out:
        click.echo("Marqués opposés aux appels (numéro sur la liste d'opposition) : "
                   f"{number(report.marked_opted_out)}.")
    if report.absent:
        click.echo(f"Locataires connus absents de ce fichier (laissés tels quels) : {number(report.absent)}.")
    if report.without_birth_year:
        click.echo(f"Sans année de naissance : {number(report.without_birth_year)} "
                   "(seul le suivi manuel peut les rendre éligibles).")
    if report.dry_run:
        click.echo("Simulation (--dry-run) : rien n'a été enregistré.")


def _echo_notes(report: ImportReport) -> None:
    """What was read differently from the file, without refusing it."""
    for line, original in report.repeated_lines[:MAX_ERRORS_SHOWN]:
        click.echo(f"Attention : la ligne {line} répète exactement la ligne {original} ; "
                   "le locataire n'est importé qu'une fois.")
    if len(report.repeated_lines) > MAX_ERRORS_SHOWN:
        click.echo(f"  … et {number(len(report.repeated_lines) - MAX_ERRORS_SHOWN)} autres lignes répétées.")
    if report.year_only_lines:
        click.echo(f"Date de naissance réduite à l'année, prise comme année de naissance : "
                   f"{number(len(report.year_only_lines))} ligne(s) "
                   f"(lignes {_line_list(report.year_only_lines)}).")
    for code, count in report.called_in_french.items():
        click.echo(f"Langue « {code} » absente du script des appels : {number(count)} locataire(s) "
                   "appelé(s) en français.")


def _echo_errors(report: ImportReport) -> None:
    if not report.errors:
        return
    click.echo(f"Erreurs ({number(len(report.errors))}) :")
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"  {error}")
    if len(report.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"  … et {number(len(report.errors) - MAX_ERRORS_SHOWN)} autres erreurs.")


def _line_list(lines: list[int], limit: int = 30) -> str:
    shown = ", ".join(str(line) for line in lines[:limit])
    return shown + (", …" if len(lines) > limit else "")


LIST_HEADERS = ("Référence", "Nom", "Année de naissance", "Foyer", "Site", "Téléphones", "Suivi")


@tenants.command("list", help="Lister les locataires (numéros masqués), une ligne par locataire, "
                              "colonnes séparées par des tabulations (à coller dans un tableur).")
@click.option("--site", help="Seulement les locataires de ce site (résidence).")
@organisation_option
def list_command(site: str | None, organisation) -> None:
    """List tenants (phone numbers masked), tab-separated, safe to paste into a spreadsheet."""
    listing = list_tenants(get_veille(), site, organisation.id)
    click.echo("\t".join(LIST_HEADERS))
    for tenant in listing:
        status = "opposé aux appels" if tenant.opted_out else {
            "enrolled": "inscrit", "unenrolled": "désinscrit"}.get(tenant.enrolment, "non inscrit")
        # An opted-out tenant's numbers are erased (kept only as hashes): "-".
        phones = " / ".join(mask_phone(number) for number in (tenant.phone, tenant.phone2) if number) or "-"
        # Text that came from the landlord's file may start like a formula.
        cells = (safe_cell(tenant.reference), safe_cell(tenant.name), tenant.birth_year or "?",
                 HOUSEHOLDS_FR.get(tenant.household, tenant.household), safe_cell(tenant.site or "-"),
                 phones, status)
        click.echo("\t".join(str(cell) for cell in cells))
    click.echo(f"{number(len(listing))} locataire(s).")


TODAY_OPTION = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
                            help="Date de référence du calcul des âges (AAAA-MM-JJ ; défaut : aujourd'hui).")


@enrolment.command("eligible",
                   help="Lister les locataires éligibles non inscrits, avec la règle qui les retient.")
@TODAY_OPTION
@organisation_option
def eligible_command(today, organisation) -> None:
    """List eligible tenants not yet enrolled, with the rule that selects each."""
    listing = eligible_tenants(get_veille(), today.date() if today else None,
                               organisation_id=organisation.id)
    click.echo(f"Éligibles non inscrits : {number(len(listing.eligible))}")
    if listing.eligible:
        click.echo("  Référence\tNom\tSite\tRègle")
    for candidate in listing.eligible:
        click.echo(f"  {safe_cell(candidate.reference)}\t{safe_cell(candidate.name)}\t"
                   f"{safe_cell(candidate.site or '-')}\t{_rule(candidate.rule)}")
    if listing.undecided:
        click.echo("À vérifier, l'année de naissance du locataire ou du conjoint manque : "
                   f"{number(len(listing.undecided))}")
        click.echo("  Référence\tNom\tSite\tRègle à vérifier")
        for candidate in listing.undecided:
            click.echo(f"  {safe_cell(candidate.reference)}\t{safe_cell(candidate.name)}\t"
                       f"{safe_cell(candidate.site or '-')}\t{', '.join(map(_rule, candidate.undecided))}")
    click.echo(f"Déjà inscrits : {listing.enrolled} · désinscrits (jamais réinscrits automatiquement) : "
               f"{listing.unenrolled} · opposés aux appels : {listing.opted_out}")


@enrolment.command("enrol", help="Inscrire les locataires de références RÉFÉRENCES, ou tous les éligibles "
                                 "avec --eligible.")
@click.argument("references", nargs=-1, metavar="[RÉFÉRENCES]...")
@click.option("--eligible", "all_eligible", is_flag=True, help="Inscrire tous les locataires éligibles.")
@click.option("--legal-basis", type=click.Choice(list(LEGAL_BASES)), default="public_interest",
              show_default=True, help="Base légale du traitement.")
@click.option("--dry-run", is_flag=True, help="Avec --eligible : montrer sans inscrire.")
@TODAY_OPTION
@organisation_option
def enrol_command(references: tuple[str, ...], all_eligible: bool, legal_basis: str, dry_run: bool,
                  today, organisation) -> None:
    """Enrol the tenants named by REFERENCE, or every eligible tenant with --eligible."""
    if all_eligible == bool(references):
        raise click.UsageError("donnez soit --eligible, soit une ou plusieurs références.")
    if dry_run and not all_eligible:
        raise click.UsageError("--dry-run ne s'utilise qu'avec --eligible.")
    day = today.date() if today else None
    if all_eligible:
        enrolled = enrol_eligible(get_veille(), legal_basis=legal_basis, today=day, dry_run=dry_run,
                                  organisation_id=organisation.id)
        if enrolled:
            click.echo("  Référence\tNom\tRègle")
        for candidate in enrolled:
            click.echo(f"  {safe_cell(candidate.reference)}\t{safe_cell(candidate.name)}\t"
                       f"{_rule(candidate.rule)}")
        verb = "seraient inscrits (simulation, rien n'a été enregistré)" if dry_run else "inscrits"
        click.echo(f"{number(len(enrolled))} locataires {verb} ; base légale : {LEGAL_BASES[legal_basis]}.")
        return
    result = enrol_references(get_veille(), references, legal_basis=legal_basis, today=day,
                              organisation_id=organisation.id)
    _echo_result(result, "inscrits", "déjà inscrits")


@enrolment.command("unenrol", help="Désinscrire les locataires de références RÉFÉRENCES : ils ne seront "
                                   "plus appelés.")
@click.argument("references", nargs=-1, required=True, metavar="RÉFÉRENCES...")
@TODAY_OPTION
@organisation_option
def unenrol_command(references: tuple[str, ...], today, organisation) -> None:
    """Unenrol the tenants named by REFERENCE: they will not be called any more."""
    result = unenrol_references(get_veille(), references, today.date() if today else None,
                                organisation_id=organisation.id)
    _echo_result(result, "désinscrits", "n'étaient pas inscrits")


def _rule(name: str | None) -> str:
    """The French description of an eligibility rule (what coordinators read)."""
    return RULE_DESCRIPTIONS.get(name, name or "-")


def _echo_result(result: EnrolmentResult, done: str, already: str) -> None:
    for label, references in ((done, result.changed), (already, result.unchanged),
                              ("introuvables", result.not_found),
                              ("refusés, opposés aux appels", result.refused)):
        if references:
            click.echo(f"{label.capitalize()} ({number(len(references))}) : {', '.join(references)}")
    if result.not_found or result.refused:
        raise click.exceptions.Exit(1)
