"""The follow-up lifecycle (an explicit transition table) and the outcome a volunteer records."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from voice_app.domain.follow_up import TRANSITIONS
from voice_app.domain.follow_up import Outcome
from voice_app.domain.follow_up import Referral
from voice_app.domain.follow_up import TaskEvent
from voice_app.domain.follow_up import TaskRefused
from voice_app.domain.follow_up import TaskState
from voice_app.domain.follow_up import apply
from voice_app.domain.follow_up import elapsed_label
from voice_app.domain.follow_up import outcome_problems
from voice_app.domain.follow_up import reason_label
from voice_app.domain.follow_up import task_state

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(("state", "event", "after"), [
    (TaskState.OFFERED, TaskEvent.CLAIM, TaskState.ASSIGNED),
    (TaskState.OFFERED, TaskEvent.ASSIGN, TaskState.ASSIGNED),
    (TaskState.ASSIGNED, TaskEvent.RESCHEDULE, TaskState.ASSIGNED),
    (TaskState.ASSIGNED, TaskEvent.RELEASE, TaskState.OFFERED),
    (TaskState.ASSIGNED, TaskEvent.COMPLETE, TaskState.DONE),
])
def test_allowed_moves(state, event, after):
    assert apply(state, event) == after


def test_a_claim_on_a_taken_task_and_anything_on_a_done_task_are_refused():
    with pytest.raises(TaskRefused, match="vient d’être pris"):
        apply(TaskState.ASSIGNED, TaskEvent.CLAIM)
    for event in TaskEvent:
        with pytest.raises(TaskRefused):
            apply(TaskState.DONE, event)
    assert all(state != TaskState.DONE for state, _ in TRANSITIONS)  # done is final


def test_the_state_is_read_from_status_and_holder():
    assert task_state("open", None) == TaskState.OFFERED
    assert task_state("open", 7) == task_state("claimed", 7) == TaskState.ASSIGNED
    assert task_state("done", 7) == TaskState.DONE


def test_a_complete_outcome_is_accepted():
    outcome = Outcome(reached=True, referrals=frozenset({Referral.HEALTH, Referral.SOCIAL}), note="Rappeler",
                      next_contact_on=TODAY + timedelta(days=7))
    assert outcome_problems(outcome, TODAY) == []


@pytest.mark.parametrize(("outcome", "problem"), [
    (Outcome(reached=True), "cochez au moins une orientation"),
    (Outcome(reached=True, referrals=frozenset({Referral.NOTHING, Referral.FOOD})), "Aucun besoin"),
    (Outcome(reached=False, referrals=frozenset({Referral.FOOD})), "non joint"),
    (Outcome(reached=True, referrals=frozenset({Referral.NOTHING}), note="x" * 2001), "2000 caractères"),
    (Outcome(reached=True, referrals=frozenset({Referral.NOTHING}),
             next_contact_on=TODAY - timedelta(days=1)), "passée"),
])
def test_bad_outcomes_say_why(outcome, problem):
    assert any(problem in p for p in outcome_problems(outcome, TODAY))


def test_reasons_read_as_plain_french():
    assert reason_label("help_health") == "a demandé de l’aide : santé"
    assert reason_label("no_key") == "a décroché sans rien dire"
    assert reason_label("unreachable", attempts=3) == "n’a répondu à aucun des 3 appels de la tournée"


def test_elapsed_time_reads_naturally():
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert elapsed_label(now - timedelta(seconds=20), now) == "il y a 1 min"
    assert elapsed_label(now - timedelta(hours=3, minutes=5), now) == "il y a 3 h"
    assert elapsed_label(now - timedelta(days=2), now) == "il y a 2 jours"
