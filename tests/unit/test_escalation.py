from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason
from voice_app.domain.escalation import escalate
from voice_app.domain.escalation import unreachable_reason

TUESDAY_10H_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("reason", "priority", "delay"), [
    (Reason.LIVE_TRANSFER_MISSED, Priority.URGENT, timedelta(hours=1)),
    (Reason.HELP_HEALTH, Priority.URGENT, timedelta(hours=2)),
    (Reason.OPT_OUT, Priority.LOW, timedelta(days=7)),
    (Reason.INVALID_NUMBER, Priority.LOW, timedelta(days=7)),
])
def test_fixed_delay_reasons(reason, priority, delay):
    escalation = escalate(reason, TUESDAY_10H_PARIS)
    assert escalation.priority == priority
    assert escalation.due_at == TUESDAY_10H_PARIS + delay


@pytest.mark.parametrize("reason", [Reason.HELP_FOOD, Reason.NO_KEY])
def test_same_day_high_priority_is_due_by_the_evening(reason):
    escalation = escalate(reason, TUESDAY_10H_PARIS)
    assert escalation.priority == Priority.HIGH
    assert escalation.due_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 19:00 Paris


def test_same_day_late_in_the_evening_still_leaves_two_hours():
    late = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert escalate(Reason.HELP_OTHER, late).due_at == late + timedelta(hours=2)


def test_unreachable_is_due_next_working_day_skipping_weekend_and_holiday():
    friday_before_armistice = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    assert escalate(Reason.UNREACHABLE, friday_before_armistice).due_at.date().isoformat() == "2026-11-09"
    tuesday_before_armistice = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    due = escalate(Reason.UNREACHABLE, tuesday_before_armistice).due_at
    assert due.date().isoformat() == "2026-11-12"  # 11 November is a public holiday


def test_unreachable_two_rounds_in_a_row_is_urgent():
    assert unreachable_reason(previous_round_unreachable=True) == Reason.UNREACHABLE_TWICE
    assert escalate(Reason.UNREACHABLE_TWICE, TUESDAY_10H_PARIS).priority == Priority.URGENT
    assert unreachable_reason(previous_round_unreachable=False) == Reason.UNREACHABLE


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        escalate(Reason.HELP_FOOD, datetime(2026, 11, 24, 10, 0))
