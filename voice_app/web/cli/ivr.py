"""`veille ivr ...`: the words of the call, as tenants hear them, in each language."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from voice_app.domain.ivr_script import FRENCH_BY_DESIGN
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import sentences
from voice_app.domain.ivr_script import spoken_in
from voice_app.services.ivr_languages import language_uses
from voice_app.services.recordings import organisation_folder
from voice_app.services.recordings import prompt_sources
from voice_app.services.recordings import recordings_of
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import table
from voice_app.web.extensions import get_veille

EXAMPLE_NUMBER = "+33100000000"


@click.group("ivr", cls=AppGroup)
def ivr() -> None:
    """Les paroles de l’appel (serveur vocal), langue par langue."""


@ivr.command("languages")
@organisation_option
def languages_command(organisation) -> None:
    """Lister les langues du script et combien de locataires inscrits chacune sert."""
    rows = [(use.code, use.name, use.enrolled, "oui" if use.in_script else "non : appelés en français")
            for use in language_uses(get_veille(), organisation.id)]
    table(("code", "langue", "inscrits", "dans le script"), rows)


@ivr.command("show")
@click.option("--language", "code", default="fr", show_default=True, metavar="CODE",
              help="Code de la langue : " + ", ".join(LANGUAGES) + ".")
@organisation_option
def show_command(code: str, organisation) -> None:
    """Afficher tout le script d’une langue, message par message."""
    language = LANGUAGES.get(code.lower())
    if language is None:
        raise click.ClickException(f"langue « {code} » absente du script (langues : {', '.join(LANGUAGES)}).")
    click.echo(f"Script en {language.name} (voix {language.voice}, langue {language.say_language}) :")
    recordings = recordings_of(get_veille().settings, organisation.slug)
    sources = {source.prompt: source for source in prompt_sources(recordings, language)}
    for prompt in Prompt:
        said = spoken_in(prompt, language)
        note = " (en français : toujours)" if prompt in FRENCH_BY_DESIGN and language.code != "fr" else ""
        recorded = sources[prompt].recording
        voice = f"enregistrement {recorded}" if recorded else "voix de synthèse"
        click.echo(f"\n[{prompt}]{note} ({voice})")
        for sentence in sentences(prompt, organisation_name=organisation.name, callback_number=EXAMPLE_NUMBER,
                                  language=said):
            click.echo(f"  {sentence}")


@ivr.command("recordings")
@click.option("--language", "code", default=None, metavar="CODE",
              help="Une seule langue (défaut : toutes).")
@organisation_option
def recordings_command(code: str | None, organisation) -> None:
    """Dire quels messages sont enregistrés (<Play>) et lesquels la voix de synthèse prononce."""
    settings = get_veille().settings
    codes = list(LANGUAGES) if code is None else [code.lower()]
    if any(wanted not in LANGUAGES for wanted in codes):
        raise click.ClickException(f"langue « {code} » absente du script (langues : {', '.join(LANGUAGES)}).")
    folder = organisation_folder(settings, organisation.slug)
    if folder is None:
        raise click.ClickException("Aucun enregistrement : IVR_RECORDINGS_DIR n'est pas réglé "
                                   "(voir docs/ivr.md).")
    recordings = recordings_of(settings, organisation.slug)
    click.echo(f"Enregistrements de {organisation.name} : {folder}"
               + ("" if recordings else " (dossier absent : toutes les invites sont en voix de synthèse)"))
    rows, missing = [], 0
    for language in (LANGUAGES[wanted] for wanted in codes):
        for source in prompt_sources(recordings, language):
            if source.said_in != language.code:
                continue  # said in French: listed with French
            missing += source.recording is None
            heard = source.recording or "manquant : voix de synthèse"
            rows.append((language.code, str(source.prompt), heard))
    table(("langue", "invite", "enregistrement"), rows)
    click.echo(f"{len(rows) - missing} enregistrée(s), {missing} manquante(s).")
