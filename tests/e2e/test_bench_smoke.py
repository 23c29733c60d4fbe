"""The webhook benchmark's load generator, tiny, against the live test server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bench.webhooks import REQUESTS_PER_CALL
from bench.webhooks import drive
from bench.webhooks import seed_calls
from db.models import CallAttempt

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def test_the_load_generator_plays_whole_calls_that_end_ok(live):
    calls = seed_calls(live.veille, 3)
    figures = drive(live.url, calls, threads=2, max_seconds=20, auth_token=live.veille.settings.auth_token)
    assert (figures.calls, figures.errors) == (3, 0)
    assert len(figures.latencies) == 3 * REQUESTS_PER_CALL
    assert "req/s" in figures.line("sqlite") and "p99" in figures.line("sqlite")
    with live.veille.session_factory.begin() as session:
        attempts = session.scalars(select(CallAttempt)).all()
        assert {(a.state, a.outcome) for a in attempts} == {("ended", "ok")}
