"""What `pip install` sees: a licence setuptools accepts without a warning, and optional
dependencies only for those who need them."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def names(requirements: list[str]) -> set[str]:
    return {requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
            for requirement in requirements}


def test_the_licence_is_an_spdx_string_for_a_setuptools_that_reads_it():
    assert PROJECT["license"] == "AGPL-3.0-or-later"
    build = PYPROJECT["build-system"]["requires"]
    assert any(requirement.startswith("setuptools>=77") for requirement in build)


def test_honcho_and_the_postgresql_driver_are_extras_not_forced_on_every_user():
    required = names(PROJECT["dependencies"])
    assert not {"honcho", "psycopg"} & required
    extras = PROJECT["optional-dependencies"]
    assert names(extras["postgresql"]) == {"psycopg"} and names(extras["run"]) == {"honcho"}
    assert "veille[postgresql,run]" in extras["dev"]
    assert "python-dotenv" in required  # every entry point reads .env


def test_the_scripts_install_the_extras_their_commands_need():
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    assert "scripts/setup run" in (scripts / "run").read_text()
    assert "scripts/setup dev" in (scripts / "test").read_text()
