"""The `veille` console command: every operator task, in French.

Each area lives in its own module exposing a click group; `register` adds them all to the
Flask app's CLI (the tests drive them there). `main` is the operator's entry point: it reads
`.env` like every other process, speaks French (Click's own messages too), turns a bad
environment into one French sentence, and keeps the log (on stderr) out of the report unless
asked. Flask's developer commands (`run`, `shell`, `routes`) are not operator tasks: they stay
behind `flask --app voice_app.web:create_app ...`.
"""

from __future__ import annotations

import logging

import click
from flask.cli import ScriptInfo

from voice_app.env_file import load_env_file
from voice_app.web.cli import french
from voice_app.web.cli.api_tokens import api_tokens
from voice_app.web.cli.calls import calls
from voice_app.web.cli.campaigns import campaigns
from voice_app.web.cli.campaigns import rounds
from voice_app.web.cli.database import database
from voice_app.web.cli.demo import demo
from voice_app.web.cli.errors import ENVIRONMENT_ERRORS
from voice_app.web.cli.errors import french_error
from voice_app.web.cli.figures import figures
from voice_app.web.cli.ivr import ivr
from voice_app.web.cli.opt_outs import opt_out
from voice_app.web.cli.organisations import organisations
from voice_app.web.cli.people import audit
from voice_app.web.cli.people import portfolios
from voice_app.web.cli.people import users
from voice_app.web.cli.privacy import privacy
from voice_app.web.cli.tenants import enrolment
from voice_app.web.cli.tenants import tenants

GROUPS = (database, organisations, users, portfolios, tenants, enrolment, campaigns, rounds, calls, demo,
          audit, figures, ivr, api_tokens, privacy)
VERBOSE = "veille.verbose"
METAVARS = {"text": "TEXTE", "integer": "NOMBRE", "float": "NOMBRE", "datetime": "DATE", "date": "DATE",
            "file": "FICHIER", "path": "CHEMIN", "directory": "DOSSIER"}


tenants.add_command(opt_out)  # veille tenants opt-out ...


def register(app) -> None:
    french.install()  # the same French when the commands run from the app's CLI (tests, `flask`)
    for group in GROUPS:
        app.cli.add_command(group)


def _create_app():
    from db.engine import Role
    from voice_app.web import create_app

    app = create_app(role=Role.CLI)
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context is not None else None
    verbose = bool(info is not None and info.data.get(VERBOSE))
    # The report is the command's output; the log (stderr) keeps to warnings unless asked.
    logging.getLogger("veille").setLevel(logging.INFO if verbose else logging.WARNING)
    return app


class VeilleGroup(click.Group):
    """Loads the app only for a command that needs it, with Flask's ScriptInfo."""

    def main(self, *args, **kwargs):
        french.install()
        load_env_file()
        logger = logging.getLogger("veille")
        level = logger.level
        try:
            return super().main(*args, **kwargs)
        finally:
            logger.setLevel(level)  # the command's quieter log ends with it (in-process callers)

    def make_context(self, info_name, args, parent=None, **extra):
        if "obj" not in extra:
            extra["obj"] = ScriptInfo(create_app=_create_app, set_debug_flag=False,
                                      load_dotenv_defaults=False)
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ENVIRONMENT_ERRORS as error:
            raise french_error(error) from None


def frenchify(command: click.Command) -> None:
    """French placeholders in usage lines and option help (`COMMANDE`, `TEXTE`, `NOMBRE`...)."""
    if isinstance(command, click.Group):
        command.subcommand_metavar = "COMMANDE [ARGUMENTS]..."
        for sub in command.commands.values():
            frenchify(sub)
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag or param.metavar:
            continue  # arguments name their own metavar (FICHIER, NOM, REFERENCE...)
        param.metavar = METAVARS.get(getattr(param.type, "name", ""), param.metavar)


@click.group(cls=VeilleGroup, help="Veille : appels de prise de nouvelles et suivi par des bénévoles.")
@click.option("--journal", is_flag=True, help="Afficher aussi le journal détaillé (sur la sortie d'erreur).")
@click.pass_context
def main(ctx: click.Context, journal: bool) -> None:
    """Veille: automated wellbeing calls with human follow-up."""
    ctx.ensure_object(ScriptInfo).data[VERBOSE] = journal


for _group in GROUPS:
    main.add_command(_group)
frenchify(main)
