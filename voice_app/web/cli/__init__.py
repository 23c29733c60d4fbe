"""The `veille` console command: every operator task, built on Flask's CLI.

Each area lives in its own module exposing a click group; `register` adds them all.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from voice_app.web.cli.calls import calls
from voice_app.web.cli.campaigns import campaigns
from voice_app.web.cli.campaigns import rounds
from voice_app.web.cli.database import database
from voice_app.web.cli.demo import demo
from voice_app.web.cli.organisations import organisations
from voice_app.web.cli.people import audit
from voice_app.web.cli.people import portfolios
from voice_app.web.cli.people import users
from voice_app.web.cli.tenants import enrolment
from voice_app.web.cli.tenants import tenants

GROUPS = (database, organisations, users, portfolios, tenants, enrolment, campaigns, rounds, calls, demo,
          audit)


def register(app) -> None:
    for group in GROUPS:
        app.cli.add_command(group)


def _create_app():
    from voice_app.web import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """Veille: automated wellbeing calls with human follow-up."""
