"""The sweep settles stuck attempts with the provider and never re-dials one blindly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import FollowUp
from tests.multiprocess_helpers import seed_due_attempts
from voice_app.services.sweep import CLAIM_DEADLINE
from voice_app.services.sweep import SILENCE_DEADLINE
from voice_app.services.sweep import sweep_stuck_attempts


def set_attempt(veille, attempt_id, **values):
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).where(CallAttempt.id == attempt_id).values(**values))


def attempt(veille, attempt_id) -> CallAttempt:
    with veille.session_factory() as session:
        return session.get(CallAttempt, attempt_id)


def test_an_old_claim_without_a_provider_call_id_ends_unknown_and_is_never_redialled(veille, telephony, now):
    seeded = seed_due_attempts(veille.session_factory, 3, now=now)
    old, ambiguous, recent = seeded.attempt_ids
    set_attempt(veille, old, state="claimed", claimed_at=now - CLAIM_DEADLINE - timedelta(seconds=1))
    set_attempt(veille, ambiguous, state="claimed", claimed_at=now - CLAIM_DEADLINE,
                needs_reconciliation=True)
    set_attempt(veille, recent, state="claimed", claimed_at=now - CLAIM_DEADLINE + timedelta(seconds=1))
    summary = sweep_stuck_attempts(veille, now)
    assert summary.ended_unknown == 2
    assert [(attempt(veille, i).state, attempt(veille, i).outcome) for i in seeded.attempt_ids] == [
        ("ended", "unknown"), ("ended", "unknown"), ("claimed", None)]
    assert attempt(veille, old).ended_at == now
    assert telephony.placed == []


def dialled(veille, telephony, now, status, **values):
    """One attempt dialled long ago with no callback since; the provider now says `status`."""
    seeded = seed_due_attempts(veille.session_factory, 1, now=now)
    attempt_id = seeded.attempt_ids[0]
    provider_call_id = f"CA{attempt_id:032x}"
    values.setdefault("state", "queued")
    set_attempt(veille, attempt_id, provider_call_id=provider_call_id, claimed_at=now - timedelta(hours=1),
                dialled_at=now - SILENCE_DEADLINE, **values)
    if status is not None:
        telephony.statuses[provider_call_id] = status
    return attempt_id


@pytest.mark.parametrize("status, outcome", [
    ("busy", "busy"), ("no-answer", "no_answer"), ("failed", "failed"), ("canceled", "no_answer"),
    ("completed", "no_key"),
])
def test_a_final_provider_status_ends_a_silent_call_as_its_callback_would(veille, telephony, now, status,
                                                                          outcome):
    attempt_id = dialled(veille, telephony, now, status)
    summary = sweep_stuck_attempts(veille, now)
    ended = attempt(veille, attempt_id)
    assert (ended.state, ended.outcome, ended.provider_status) == ("ended", outcome, status)
    assert ended.ended_at == now
    assert summary.reconciled == {outcome: 1}
    assert telephony.placed == []


def test_a_completed_call_keeps_the_outcome_its_webhooks_recorded(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, "completed", state="in_progress", outcome="ok",
                         last_event_at=now - SILENCE_DEADLINE, answered_by="human")
    sweep_stuck_attempts(veille, now)
    assert attempt(veille, attempt_id).outcome == "ok"


def test_a_completed_call_answered_by_a_person_without_a_key_is_no_key_and_escalates(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, "completed", state="in_progress", menu_step="menu",
                         answered_by="human", answered_at=now - SILENCE_DEADLINE)
    sweep_stuck_attempts(veille, now)
    assert attempt(veille, attempt_id).outcome == "no_key"
    with veille.session_factory() as session:
        follow_up = session.scalars(select(FollowUp)).one()
    assert (follow_up.reason, follow_up.priority, follow_up.attempt_id) == ("no_key", "high", attempt_id)


@pytest.mark.parametrize("status", ["queued", "initiated", "ringing", "in-progress"])
def test_a_call_still_in_progress_at_the_provider_is_left_alone(veille, telephony, now, status):
    attempt_id = dialled(veille, telephony, now, status, state="ringing")
    summary = sweep_stuck_attempts(veille, now)
    assert attempt(veille, attempt_id).state == "ringing"
    assert summary.still_in_progress == 1


def test_a_call_the_provider_does_not_know_ends_unknown(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, None)
    summary = sweep_stuck_attempts(veille, now)
    assert (attempt(veille, attempt_id).outcome, summary.ended_unknown) == ("unknown", 1)


def test_a_call_heard_from_recently_is_not_asked_about(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, "completed", state="ringing",
                         last_event_at=now - SILENCE_DEADLINE + timedelta(seconds=1))
    assert sweep_stuck_attempts(veille, now).reconciled == {}
    assert attempt(veille, attempt_id).state == "ringing"


def test_a_claim_with_a_provider_call_id_is_reconciled_not_ended_blindly(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, "in-progress", state="claimed")
    sweep_stuck_attempts(veille, now)
    assert attempt(veille, attempt_id).state == "claimed"


class DownProvider:
    def fetch_call_status(self, provider_call_id):
        raise ConnectionError("provider unreachable")


def test_a_provider_outage_leaves_the_call_for_the_next_sweep(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, "busy")
    veille._telephony = DownProvider()
    summary = sweep_stuck_attempts(veille, now)
    assert (summary.errors, attempt(veille, attempt_id).state) == (1, "queued")


def test_a_callback_that_lands_during_the_sweep_wins(veille, telephony, now):
    attempt_id = dialled(veille, telephony, now, "no-answer")

    class CallbackRacingProvider:
        def fetch_call_status(self, provider_call_id):
            set_attempt(veille, attempt_id, state="ended", outcome="help_health")
            return "no-answer"

    veille._telephony = CallbackRacingProvider()
    sweep_stuck_attempts(veille, now)
    assert attempt(veille, attempt_id).outcome == "help_health"


def test_terminal_and_due_attempts_are_never_touched(veille, telephony, now):
    seeded = seed_due_attempts(veille.session_factory, 2, now=now - timedelta(days=1))
    set_attempt(veille, seeded.attempt_ids[0], state="ended", outcome="ok",
                claimed_at=now - timedelta(days=1))
    summary = sweep_stuck_attempts(veille, now)
    assert (summary.ended_unknown, summary.reconciled) == (0, {})
    assert [attempt(veille, i).state for i in seeded.attempt_ids] == ["ended", "due"]
