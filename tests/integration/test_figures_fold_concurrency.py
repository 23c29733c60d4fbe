"""The figures' summary stays exact while dispatcher processes dial, calls end and the fold
counts them, all at once (PostgreSQL, real processes): no dial and no webhook writes to the
summary, and a fold that meets calls changing under it never counts a tenant twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from tests.integration.test_figure_counts import assert_summary_is_the_facts
from tests.integration.test_multiprocess_dispatch import finish
from tests.integration.test_multiprocess_dispatch import start_dispatchers
from tests.multiprocess_helpers import seed_due_attempts
from voice_app.domain.figures import current_month
from voice_app.domain.people import Viewer
from voice_app.services import figure_counts
from voice_app.services.figures import compute

pytestmark = pytest.mark.slow

ATTEMPTS = 1_000


def end_dialled_calls(veille, stop: threading.Event, ended: list[int]) -> None:
    """As the webhooks would: dialled calls end with a key press, a few at a time."""
    while not stop.is_set():
        with veille.session_factory.begin() as session:
            ids = list(session.scalars(select(CallAttempt.id).where(
                CallAttempt.state == "queued", CallAttempt.outcome.is_(None)).limit(25)))
            session.execute(update(CallAttempt).where(CallAttempt.id.in_(ids))
                            .values(state="ended", outcome="ok"))
        ended.extend(ids)


def fold_continuously(veille, stop: threading.Event, folded: list[int]) -> None:
    while not stop.is_set():
        folded.append(figure_counts.fold_pending(veille, batch=100))


def test_folds_while_processes_dial_and_calls_end_count_every_tenant_once(postgres, postgres_url, tmp_path):
    seeded = seed_due_attempts(postgres.session_factory, ATTEMPTS, now=postgres.clock())
    figure_counts.rebuild(postgres, seeded.organisation_id)  # the seed bypassed planning's count
    stop, ended, folded = threading.Event(), [], []
    threads = [threading.Thread(target=end_dialled_calls, args=(postgres, stop, ended)),
               *(threading.Thread(target=fold_continuously, args=(postgres, stop, folded)) for _ in range(2))]
    for thread in threads:
        thread.start()
    try:
        for process in start_dispatchers(postgres_url, tmp_path):
            finish(process, timeout=180)  # the fold and the calls ending share the CPU
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert sum(folded) > 0, "no fold ran while the calls were placed"
    organisation = seeded.organisation_id
    viewer = Viewer(0, "coordinator", organisation, "landlord", (organisation,), (organisation,))
    month = current_month(postgres.clock())
    total = compute(postgres, viewer, month).total  # folds what is left first
    assert (total.planned, total.called, total.reached) == (ATTEMPTS, ATTEMPTS, len(set(ended)))
    assert 0 < len(ended) == len(set(ended))
    assert_summary_is_the_facts(postgres, viewer, month)
