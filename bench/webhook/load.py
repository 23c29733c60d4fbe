"""The webhook benchmark's machinery: gunicorn servers, pre-built signed requests replayed
over raw sockets, and the CPU time of the server processes read from /proc.

The client does as little as it can per request (the bytes are built and signed before the
clock starts), so that on a small machine it takes as little CPU as possible from the server
it measures. gunicorn's sync workers close the connection after each answer; the client
keeps it when the server allows and reconnects otherwise, the same for every server.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from urllib.parse import urlencode
from urllib.parse import urlsplit

import requests
from twilio.request_validator import RequestValidator

from bench.processes import CLOCK_TICKS
from bench.processes import cpu_ticks
from bench.processes import machine_busy_ticks

ROOT = Path(__file__).resolve().parents[2]  # the repository
STARTUP_SECONDS = 120  # a busy machine imports slowly


def signed_request(url: str, params: dict[str, str], auth_token: str) -> bytes:
    """The bytes of one POST as Twilio sends it, signed for `url`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(params).encode()
    signature = RequestValidator(auth_token).compute_signature(url, params)
    head = (f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: TwilioProxy/1.1\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: {signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class Connection:
    """One keep-alive client connection that reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port, self.sock, self.buffer = port, None, b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


@dataclass
class Phase:
    """What one replay measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    machine_busy_seconds: float = 0.0  # every CPU of the machine, whatever ran on it
    machine_stolen_seconds: float = 0.0  # by the hypervisor

    @property
    def busy_cpus(self) -> float:
        """How many of the machine's CPUs were busy, on average, during the replay."""
        return self.machine_busy_seconds / self.seconds if self.seconds else 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / len(self.latencies) if self.latencies else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0

    @property
    def p50(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else 0.0


def replay(server: Server, requests_: list[bytes], concurrency: int, expect: bytes = b"") -> Phase:
    """Send every request once from `concurrency` connections; a non-200 answer, or one
    without `expect` in its body, counts as an error."""
    phase, lock, pending = Phase(), threading.Lock(), iter(requests_)

    def client() -> None:
        connection = Connection(server.port)
        try:
            while True:
                with lock:
                    request = next(pending, None)
                if request is None:
                    return
                started = time.perf_counter()
                try:
                    status, body = connection.exchange(request)
                    failed = status != 200 or expect not in body
                except OSError:
                    connection.close()
                    failed = True
                elapsed = time.perf_counter() - started
                with lock:
                    phase.latencies.append(elapsed)
                    phase.errors += failed
        finally:
            connection.close()

    cpu_before, client_before, started = server.cpu_seconds(), time.process_time(), time.perf_counter()
    busy_before, stolen_before = machine_busy_ticks()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    phase.cpu_seconds = server.cpu_seconds() - cpu_before
    phase.client_cpu_seconds = time.process_time() - client_before
    busy_after, stolen_after = machine_busy_ticks()
    phase.machine_busy_seconds = (busy_after - busy_before) / CLOCK_TICKS
    phase.machine_stolen_seconds = (stolen_after - stolen_before) / CLOCK_TICKS
    return phase


class Server:
    """gunicorn serving `app` with `workers` sync workers on a free port of 127.0.0.1 (the
    project's gunicorn.conf.py is replaced by bench/webhook/gunicorn_settings.py, the same for every app)."""

    def __init__(self, app: str, workers: int, env: dict[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:bench.webhook.gunicorn_settings",
             "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}", app],
            env={**os.environ, **env, "PUBLIC_BASE_URL": self.base_url}, cwd=ROOT)
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {STARTUP_SECONDS} s")

    def cpu_seconds(self) -> float:
        """User and system CPU of the master and its live workers, from /proc."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(cpu_ticks(pid) or 0 for pid in pids) / CLOCK_TICKS  # a worker may just have ended

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def over_the_reference(mine: list[float], reference: list[float]) -> str:
    """A second worker's gain over the reference's in the same rounds: what the machine gives
    any application's second worker is the reference's; "0.95, 1.10 (median 1.02)"."""
    relative = [gain / ceiling for gain, ceiling in zip(mine, reference, strict=True)]
    return f"{', '.join(f'{r:.2f}' for r in relative)} (median {statistics.median(relative):.2f})"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
