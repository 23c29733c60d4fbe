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
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import table
from voice_app.web.extensions import get_veille

EXAMPLE_NUMBER = "+33100000000"


@click.group("ivr", cls=AppGroup)
def ivr() -> None:
    """The words of the call (serveur vocal), language by language."""


@ivr.command("languages")
@organisation_option
def languages_command(organisation) -> None:
    """The script's languages and how many enrolled tenants each one serves."""
    rows = [(use.code, use.name, use.enrolled, "oui" if use.in_script else "non : appelés en français")
            for use in language_uses(get_veille(), organisation.id)]
    table(("code", "langue", "inscrits", "dans le script"), rows)


@ivr.command("show")
@click.option("--language", "code", default="fr", show_default=True, metavar="CODE",
              help="Code de la langue : " + ", ".join(LANGUAGES) + ".")
@organisation_option
def show_command(code: str, organisation) -> None:
    """Print the whole script in one language, prompt by prompt."""
    language = LANGUAGES.get(code.lower())
    if language is None:
        raise click.ClickException(f"langue « {code} » absente du script (langues : {', '.join(LANGUAGES)}).")
    click.echo(f"Script en {language.name} (voix {language.voice}, langue {language.say_language}) :")
    for prompt in Prompt:
        said = spoken_in(prompt, language)
        note = " (en français : toujours)" if prompt in FRENCH_BY_DESIGN and language.code != "fr" else ""
        click.echo(f"\n[{prompt}]{note}")
        for sentence in sentences(prompt, organisation_name=organisation.name, callback_number=EXAMPLE_NUMBER,
                                  language=said):
            click.echo(f"  {sentence}")
