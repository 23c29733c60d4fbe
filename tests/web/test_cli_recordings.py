"""`veille ivr show` and `veille ivr recordings`: which prompts a tenant hears recorded."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from voice_app.domain.ivr_script import Prompt


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, IVR_RECORDINGS_DIR=str(tmp_path / "recordings"))


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=[str(arg) for arg in args])


@pytest.fixture
def recorded(settings, organisation):
    for code, prompt in (("pt", Prompt.MENU), ("fr", Prompt.IDENTITY), ("fr", Prompt.SCREENING)):
        folder = Path(settings.IVR_RECORDINGS_DIR) / organisation.slug / code
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{prompt}.mp3").write_bytes(b"audio")


def test_show_says_for_each_prompt_whether_it_is_recorded(cli, recorded):
    result = cli("ivr", "show", "--language", "pt")
    assert result.exit_code == 0, result.output
    assert "[menu] (enregistrement pt/menu.mp3)" in result.output
    assert "[identity] (voix de synthèse)" in result.output, "French recordings are not Portuguese"
    assert "[screening] (en français : toujours) (enregistrement fr/screening.mp3)" in result.output


def test_recordings_lists_what_is_recorded_and_what_is_missing(cli, recorded):
    result = cli("ivr", "recordings", "--language", "pt")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split() == ["pt", "menu", "pt/menu.mp3"] for line in lines)
    assert any(line.split()[:3] == ["pt", "identity", "manquant"] for line in lines)
    assert not any(line.split()[:2] == ["pt", "screening"] for line in lines), "always French"
    assert lines[-1] == f"1 enregistrée(s), {len(Prompt) - 2} manquante(s)."


def test_recordings_without_a_folder_lists_every_prompt_as_missing(cli):
    result = cli("ivr", "recordings", "--language", "fr")
    assert result.exit_code == 0, result.output
    assert "dossier absent" in result.output
    assert result.output.splitlines()[-1] == f"0 enregistrée(s), {len(Prompt)} manquante(s)."


def test_recordings_refuses_an_unknown_language(cli):
    result = cli("ivr", "recordings", "--language", "tr")
    assert result.exit_code == 1 and "langue « tr » absente du script" in result.output
