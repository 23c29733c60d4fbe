"""Escalation rules (DESIGN §7): which outcome needs a person, how urgently, by when.

Theory of operation: an outcome of a call (or of a whole round) is mapped to at most one
follow-up `Escalation`: a reason, a priority and a due time computed from `now` in Paris
time. The service layer turns it into a FollowUp row, idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from enum import StrEnum

from voice_app.domain.calendar import next_working_day
from voice_app.domain.calendar import paris_date
from voice_app.domain.calendar import paris_datetime


class Reason(StrEnum):
    LIVE_TRANSFER_MISSED = "live_transfer_missed"  # 0 pressed, nobody picked up
    HELP_HEALTH = "help_health"
    HELP_FOOD = "help_food"
    HELP_OTHER = "help_other"
    CALL_ME_BACK = "call_me_back"
    NO_KEY = "no_key"  # answered, pressed nothing
    UNREACHABLE = "unreachable"  # every attempt of the round failed
    UNREACHABLE_TWICE = "unreachable_twice"  # two rounds in a row: field visit
    OPT_OUT = "opt_out"
    INVALID_NUMBER = "invalid_number"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_ORDER = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}

SAME_DAY_END = time(19, 0)  # a "same day" task is due by the evening...
SAME_DAY_MIN_DELAY = timedelta(hours=2)  # ...but never in less than two hours
NEXT_DAY_NOON = time(12, 0)
COORDINATOR_REVIEW_DELAY = timedelta(days=7)


@dataclass(frozen=True)
class Escalation:
    reason: Reason
    priority: Priority
    due_at: datetime


def _within(delay: timedelta):
    return lambda now: now + delay


def _same_day(now: datetime) -> datetime:
    evening = paris_datetime(paris_date(now), SAME_DAY_END)
    return max(evening, now + SAME_DAY_MIN_DELAY)


def _next_working_day(now: datetime) -> datetime:
    return paris_datetime(next_working_day(paris_date(now)), NEXT_DAY_NOON)


def _field_visit(now: datetime) -> datetime:
    return paris_datetime(next_working_day(paris_date(now)), SAME_DAY_END)


RULES = {
    Reason.LIVE_TRANSFER_MISSED: (Priority.URGENT, _within(timedelta(hours=1))),
    Reason.HELP_HEALTH: (Priority.URGENT, _within(timedelta(hours=2))),
    Reason.HELP_FOOD: (Priority.HIGH, _same_day),
    Reason.HELP_OTHER: (Priority.NORMAL, _same_day),
    Reason.CALL_ME_BACK: (Priority.NORMAL, _same_day),
    Reason.NO_KEY: (Priority.HIGH, _same_day),
    Reason.UNREACHABLE: (Priority.NORMAL, _next_working_day),
    Reason.UNREACHABLE_TWICE: (Priority.URGENT, _field_visit),
    Reason.OPT_OUT: (Priority.LOW, _within(COORDINATOR_REVIEW_DELAY)),
    Reason.INVALID_NUMBER: (Priority.LOW, _within(COORDINATOR_REVIEW_DELAY)),
}


def escalate(reason: Reason, now: datetime) -> Escalation:
    """The follow-up a `reason` calls for, due relative to the aware instant `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    priority, due = RULES[Reason(reason)]
    return Escalation(Reason(reason), priority, due(now))


def unreachable_reason(previous_round_unreachable: bool) -> Reason:
    """A tenant unreachable two rounds in a row needs someone on site."""
    return Reason.UNREACHABLE_TWICE if previous_round_unreachable else Reason.UNREACHABLE
