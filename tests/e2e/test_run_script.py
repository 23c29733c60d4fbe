"""`scripts/run` refuses, in French and before starting anything, what would break a demo:
a taken port, or a second run beside the first."""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # runs the real script (its setup step included)


def run_script(instance: Path, port: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORT": str(port), "VEILLE_INSTANCE_DIR": str(instance),
           "DATABASE_URL": f"sqlite:///{instance / 'veille.sqlite3'}"}
    env.pop("BIND", None)
    return subprocess.run(["scripts/run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_taken_port_is_refused_with_how_to_choose_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_script(tmp_path, port)
    assert result.returncode == 1
    assert f"Le port {port} est déjà pris sur cette machine" in result.stderr
    assert "PORT=5001 scripts/run" in result.stderr and "Rien n'a été démarré." in result.stderr
    assert not (tmp_path / "veille.sqlite3").exists()


def test_a_second_run_is_refused_while_one_runs(tmp_path):
    with open(tmp_path / "scripts-run.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running scripts/run holds
        result = run_script(tmp_path, 5999)
    assert result.returncode == 1
    assert "Veille tourne déjà" in result.stderr and "Rien n'a été démarré." in result.stderr
    assert not (tmp_path / "veille.sqlite3").exists()
