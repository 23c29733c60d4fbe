from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest

from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason
from voice_app.domain.escalation import escalate
from voice_app.domain.escalation import unreachable_reason
from voice_app.domain.working_hours import WorkingHours

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


def test_same_day_after_hours_is_due_by_the_end_of_the_next_working_day():
    late = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # Tuesday 21:00 Paris, after hours
    assert escalate(Reason.HELP_OTHER, late).due_at == datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # Wed 19:00


def test_a_help_request_at_17h55_on_friday_is_due_on_saturday_morning():
    friday = datetime(2026, 11, 27, 16, 55, tzinfo=UTC)  # 17:55 Paris
    # two working hours: 1 h 05 on Friday, 55 min from Saturday's opening (9:55 Paris)
    assert escalate(Reason.HELP_FOOD, friday).due_at == datetime(2026, 11, 28, 8, 55, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 16, 55, tzinfo=UTC)
    assert escalate(Reason.HELP_FOOD, saturday).due_at == datetime(2026, 11, 30, 8, 55, tzinfo=UTC)  # Monday


def test_urgent_delays_count_the_clock_not_working_hours():
    """A health request on a Saturday evening or in a heatwave round on 15 August (a Saturday
    and a public holiday) is due within hours, not on Monday."""
    saturday_18h30 = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)
    assert escalate(Reason.HELP_HEALTH, saturday_18h30).due_at == datetime(2026, 11, 28, 19, 30, tzinfo=UTC)
    assumption_day = datetime(2026, 8, 15, 9, 0, tzinfo=UTC)  # 11:00 Paris
    assert escalate(Reason.HELP_HEALTH, assumption_day).due_at == assumption_day + timedelta(hours=2)
    assert escalate(Reason.LIVE_TRANSFER_MISSED, assumption_day).due_at == assumption_day + timedelta(hours=1)
    weekdays_only = WorkingHours(weekdays=frozenset(range(5)), start=time(8, 30), end=time(17, 0))
    due = escalate(Reason.HELP_HEALTH, saturday_18h30, weekdays_only).due_at
    assert due == saturday_18h30 + timedelta(hours=2)


def test_urgent_delays_are_real_hours_across_the_clock_change():
    before_spring_change = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 Paris, then 03:00 at 02:00
    due = escalate(Reason.HELP_HEALTH, before_spring_change).due_at
    assert due == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


def test_unreachable_is_due_next_working_day_skipping_sunday_and_holiday():
    saturday = datetime(2026, 11, 7, 15, 0, tzinfo=UTC)
    assert escalate(Reason.UNREACHABLE, saturday).due_at.date().isoformat() == "2026-11-09"  # Monday
    tuesday_before_armistice = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    due = escalate(Reason.UNREACHABLE, tuesday_before_armistice).due_at
    assert due.date().isoformat() == "2026-11-12"  # 11 November is a public holiday


def test_an_organisation_working_weekdays_only_moves_friday_evening_to_monday():
    hours = WorkingHours(weekdays=frozenset(range(5)), start=time(8, 30), end=time(17, 0))
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 Paris, one working hour left
    assert escalate(Reason.HELP_FOOD, friday, hours).due_at == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)


def test_unreachable_two_rounds_in_a_row_is_urgent():
    assert unreachable_reason(previous_round_unreachable=True) == Reason.UNREACHABLE_TWICE
    assert escalate(Reason.UNREACHABLE_TWICE, TUESDAY_10H_PARIS).priority == Priority.URGENT
    assert unreachable_reason(previous_round_unreachable=False) == Reason.UNREACHABLE


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        escalate(Reason.HELP_FOOD, datetime(2026, 11, 24, 10, 0))
