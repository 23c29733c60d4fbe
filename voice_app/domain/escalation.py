"""Escalation rules (DESIGN §7): which outcome needs a person, how urgently, by when.

Theory of operation: an outcome of a call (or of a whole round) is mapped to at most one
follow-up `Escalation`: a reason, a priority and a due time computed from `now` in Paris
time. The service layer turns it into a FollowUp row, idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from enum import StrEnum

from voice_app.domain.working_hours import DEFAULT_HOURS
from voice_app.domain.working_hours import WorkingHours


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
    OPT_OUT_REQUEST = "opt_out_request"  # 9, 9 on an inbound call: confirm or dismiss
    INVALID_NUMBER = "invalid_number"
    REGULAR_CALL = "regular_call"  # a tenant's weekly call from their volunteer


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"



SAME_DAY_MIN_DELAY = timedelta(hours=2)  # a "same day" task: never in less than two working hours
NEXT_DAY_NOON = time(12, 0)
COORDINATOR_REVIEW_DELAY = timedelta(days=7)


@dataclass(frozen=True)
class Escalation:
    reason: Reason
    priority: Priority
    due_at: datetime


def _calendar(delay: timedelta):
    return lambda now, hours: now + delay


def _same_day(now: datetime, hours: WorkingHours) -> datetime:
    """By the end of the working day, but never in less than two working hours."""
    return max(hours.end_of_day(now), hours.add(now, SAME_DAY_MIN_DELAY))


def _next_working_day(now: datetime, hours: WorkingHours) -> datetime:
    return hours.next_day_at(now, NEXT_DAY_NOON)


def _field_visit(now: datetime, hours: WorkingHours) -> datetime:
    return hours.next_day_at(now, hours.end)


# Urgent delays count the clock, not working hours: a health request on a Saturday evening
# (or in a heatwave round on 15 August) must not wait until Monday; past its due time it is
# raised and texted to the coordinators on call.
RULES = {
    Reason.LIVE_TRANSFER_MISSED: (Priority.URGENT, _calendar(timedelta(hours=1))),
    Reason.HELP_HEALTH: (Priority.URGENT, _calendar(timedelta(hours=2))),
    Reason.HELP_FOOD: (Priority.HIGH, _same_day),
    Reason.HELP_OTHER: (Priority.NORMAL, _same_day),
    Reason.CALL_ME_BACK: (Priority.NORMAL, _same_day),
    Reason.NO_KEY: (Priority.HIGH, _same_day),
    Reason.UNREACHABLE: (Priority.NORMAL, _next_working_day),
    Reason.UNREACHABLE_TWICE: (Priority.URGENT, _field_visit),
    Reason.OPT_OUT: (Priority.LOW, _calendar(COORDINATOR_REVIEW_DELAY)),
    Reason.OPT_OUT_REQUEST: (Priority.LOW, _calendar(COORDINATOR_REVIEW_DELAY)),
    Reason.INVALID_NUMBER: (Priority.LOW, _calendar(COORDINATOR_REVIEW_DELAY)),
    Reason.REGULAR_CALL: (Priority.NORMAL, _same_day),
}


def escalate(reason: Reason, now: datetime, hours: WorkingHours = DEFAULT_HOURS) -> Escalation:
    """The follow-up a `reason` calls for, due relative to the aware instant `now`, counting
    the organisation's working `hours` (a person does the task)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    priority, due = RULES[Reason(reason)]
    return Escalation(Reason(reason), priority, due(now, hours).astimezone(UTC))


def unreachable_reason(previous_round_unreachable: bool) -> Reason:
    """A tenant unreachable two rounds in a row needs someone on site."""
    return Reason.UNREACHABLE_TWICE if previous_round_unreachable else Reason.UNREACHABLE
