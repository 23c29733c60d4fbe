"""The `web` line of the Procfile, run for real: slow clients do not stall it, its access log
shows no query string and no number, and it refuses to start with unsafe settings."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.faults import closed_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRICKLING_CLIENTS = 4


def procfile_command(name: str) -> list[str]:
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.partition(":")[2])
    raise AssertionError(f"no {name} line in the Procfile")


def start_web(tmp_path: Path, **env) -> tuple[subprocess.Popen, str]:
    port = closed_port()
    environ = {"PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'veille.sqlite3'}", "BIND": f"127.0.0.1:{port}",
               "VEILLE_INSTANCE_DIR": str(tmp_path), "DEMO_TIME_SCALE": "0", **env}  # not .env's
    with (tmp_path / "out.log").open("w") as out, (tmp_path / "err.log").open("w") as err:
        process = subprocess.Popen(procfile_command("web"), cwd=PROJECT_ROOT, env=environ, stdout=out,
                                   stderr=err)
    return process, f"http://127.0.0.1:{port}"


def wait_for_health(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the web process exited"
        try:  # a loaded machine may take seconds to boot the workers: not yet, not a failure
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    raise AssertionError("the web process did not start")


@pytest.fixture
def web(tmp_path):
    process, url = start_web(tmp_path)
    try:
        wait_for_health(process, url)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def trickle(url: str) -> socket.socket:
    """A client that sends the start of a request and then almost nothing."""
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)))
    connection.sendall(b"POST /voice/inbound HTTP/1.1\r\nHost: veille\r\nX-Slow: ")
    return connection


@pytest.mark.slow
def test_trickling_clients_do_not_stall_the_health_check(web):
    slow = [trickle(web) for _ in range(TRICKLING_CLIENTS)]
    try:
        time.sleep(0.5)
        for connection in slow:
            connection.sendall(b"x")
        answer = requests.get(f"{web}/healthz", timeout=5)
        assert answer.status_code == 200
    finally:
        for connection in slow:
            connection.close()


@pytest.mark.slow
def test_the_access_log_shows_neither_query_strings_nor_numbers_nor_prompts(web, tmp_path):
    requests.get(f"{web}/healthz", params={"telephone": "06 12 34 56 78", "nom": "Martin"}, timeout=5)
    requests.get(f"{web}/healthz/0612345678", timeout=5)
    requests.get(f"{web}/voice/recordings/habitat/fr/confirm_health.mp3", timeout=5)
    time.sleep(0.3)
    logged = (tmp_path / "out.log").read_text() + (tmp_path / "err.log").read_text()
    assert '"GET /healthz HTTP/1.1" status=200 ' in logged
    assert "Martin" not in logged and "telephone" not in logged
    assert "12345678" not in logged and "12 34 56" not in logged
    assert "/healthz/06 •• 78" in logged, "a number in a path is masked"
    # which recorded prompt was fetched after a key press would say what the tenant answered
    assert '"GET /voice/recordings/habitat/fr/• HTTP/1.1" status=404 ' in logged
    assert "confirm_health" not in logged


@pytest.mark.parametrize("unsafe", [
    {"TELEPHONY_PROVIDER": "twilio"},
    {"VEILLE_ENV": "production", "TELEPHONY_PROVIDER": "twilio", "TWILIO_AUTH_TOKEN": "t",
     "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_FROM_NUMBER": "+33159000000", "SECRET_KEY": "s" * 32,
     "SUPPRESSION_KEY": "k" * 32, "PUBLIC_BASE_URL": "https://127.0.0.1"},
])
def test_unsafe_settings_refuse_to_start_the_server_with_a_french_message(tmp_path, unsafe):
    process, _ = start_web(tmp_path, **unsafe)
    assert process.wait(30) == 2
    error = (tmp_path / "err.log").read_text()
    assert "Serveur web de Veille non démarré : Démarrage refusé" in error
    assert "Traceback" not in error
