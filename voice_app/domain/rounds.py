"""Rounds: when a campaign occurs, how long an occurrence lasts, and how its first calls
are spread over the windows at the dialling rate.

Theory of operation:
- Occurrences: a weekly campaign occurs on its weekdays, a daily one every day. An
  occurrence on a date without any window (a public holiday, a weekend for a weekday-only
  campaign) moves to the next date that has one, before the following occurrence; the
  round's `scheduled_on` is the date it really starts calling.
- Length: a round lasts `round_days` call days (default 2 for a weekly campaign, so three
  attempts fit in three different half-days; 1 for daily campaigns), never reaching the
  next occurrence. It starts when the first window of its first day opens and ends when the
  last window of its last call day closes. An urgent daily round lasts the day. Windows are
  local times: with tenants in several time zones (`zones`), the round runs from the first
  opening to the last closing among them (a Guadeloupe tenant's 18:00 is 23:00 in Paris).
- Spreading: first attempts are laid on slots `1 / rate` apart through the round's window
  intervals, where the rate is the lower of `calls_per_second` and what
  `max_concurrent_calls` lines sustain with calls of `EXPECTED_CALL_SECONDS`. Tenants who
  prefer a half-day fill the intervals of that half-day first; if the preferred half-days
  cannot hold them, preferences give way. If the round cannot hold everyone at the rate,
  the slots are tightened so everyone gets a time inside the windows (`over_capacity`:
  the coordinator should raise the rate); the dispatcher still never exceeds the rate.
The plan is a short list of `SlotRange`s, so SQL can compute due times for a million rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.windows import AM
from voice_app.domain.windows import PM
from voice_app.domain.windows import Interval
from voice_app.domain.windows import day_intervals
from voice_app.domain.windows import is_call_day

PLANNING_LEAD = timedelta(minutes=30)  # a round is planned this long before its first window
EXPECTED_CALL_SECONDS = 60  # average time a call holds a line (ringing, menu, goodbye)
ANY = "any"  # tenants without a usable half-day preference
LOOKAHEAD_DAYS = 14
MICROSECONDS = 1_000_000


@dataclass(frozen=True)
class RoundSpan:
    """One occurrence: its Paris date and the UTC instants it starts and ends."""

    scheduled_on: date
    starts_at: datetime
    ends_at: datetime


def is_occurrence(policy: CampaignPolicy, day: date) -> bool:
    return policy.rhythm == "daily" or day.weekday() in policy.weekdays


def next_occurrence_after(policy: CampaignPolicy, day: date) -> date:
    candidate = day + timedelta(days=1)
    while not is_occurrence(policy, candidate):
        candidate += timedelta(days=1)
    return candidate


PARIS_ONLY = (PARIS,)


def round_span(policy: CampaignPolicy, day: date, zones: Sequence[ZoneInfo] = PARIS_ONLY) -> RoundSpan | None:
    """The round starting on `day`, or None when no window opens that day (the dates are
    the organisation's, in Paris; each zone's windows are its own local times)."""
    if not is_call_day(policy, day):
        return None
    next_occurrence = next_occurrence_after(policy, day)
    last_call_day, call_days, candidate = day, 0, day
    while candidate < next_occurrence and call_days < policy.round_days:
        if is_call_day(policy, candidate):
            last_call_day, call_days = candidate, call_days + 1
        candidate += timedelta(days=1)
    first = [i for tz in zones for i in day_intervals(policy, day, tz)]
    last = [i for tz in zones for i in day_intervals(policy, last_call_day, tz)]
    if not first or not last:  # every window of the day lay in the spring-forward gap
        return None
    return RoundSpan(day, min(i.start for i in first), max(i.end for i in last))


def round_for_occurrence(policy: CampaignPolicy, occurrence: date,
                         zones: Sequence[ZoneInfo] = PARIS_ONLY) -> RoundSpan | None:
    """The round of an occurrence, moved to its first call day if needed."""
    following = next_occurrence_after(policy, occurrence)
    day = occurrence
    while day < following and day < occurrence + timedelta(days=LOOKAHEAD_DAYS):
        span = round_span(policy, day, zones)
        if span is not None:
            return span
        day += timedelta(days=1)
    return None


def round_starting_on(policy: CampaignPolicy, day: date,
                      zones: Sequence[ZoneInfo] = PARIS_ONLY) -> RoundSpan | None:
    """The round of this campaign that starts on the Paris date `day`, if any."""
    for back in range(7):
        occurrence = day - timedelta(days=back)
        if not is_occurrence(policy, occurrence):
            continue
        span = round_for_occurrence(policy, occurrence, zones)
        if span is not None and span.scheduled_on == day:
            return span
    return None


def is_time_to_plan(span: RoundSpan, now: datetime) -> bool:
    """The clock plans a round from shortly before its first window until it ends."""
    return span.starts_at - PLANNING_LEAD <= now < span.ends_at


def dialling_rate(policy: CampaignPolicy) -> float:
    """Calls per second the round may start: the provider's rate and the line count."""
    return min(policy.calls_per_second, policy.max_concurrent_calls / EXPECTED_CALL_SECONDS)


@dataclass(frozen=True)
class SlotRange:
    """Tenants of `group` ranked first_rank .. first_rank+count-1 are due from `first_at`,
    one every `step_us` microseconds."""

    group: str
    first_rank: int
    count: int
    first_at: datetime
    step_us: int

    def due_at(self, rank: int) -> datetime:
        return self.first_at + timedelta(microseconds=self.step_us * (rank - self.first_rank))


@dataclass(frozen=True)
class SpreadPlan:
    ranges: tuple[SlotRange, ...]
    over_capacity: bool
    rate: float

    @property
    def total(self) -> int:
        return sum(slot.count for slot in self.ranges)

    def due_at(self, group: str, rank: int) -> datetime:
        for slot in self.ranges:
            if slot.group == group and slot.first_rank <= rank < slot.first_rank + slot.count:
                return slot.due_at(rank)
        raise IndexError(f"no slot for rank {rank} of group {group}")


def spread(intervals: Sequence[Interval], counts: dict[str, int], rate: float) -> SpreadPlan:
    """Lay `counts[group]` first attempts on the intervals at `rate` calls per second."""
    if sum(counts.values()) and not intervals:
        raise ValueError("no call window left in this round")
    for honour_preferences in (True, False):
        ranges, left = _fill(intervals, counts, rate, honour_preferences)
        if not left:
            return SpreadPlan(tuple(ranges), False, rate)
    total_seconds = sum(interval.seconds for interval in intervals)
    tightened = (sum(counts.values()) + len(intervals)) / total_seconds
    ranges, left = _fill(intervals, counts, tightened, False)
    assert not left, "a tightened rate always holds everyone"
    return SpreadPlan(tuple(ranges), True, tightened)


def _fill(intervals: Sequence[Interval], counts: dict[str, int], rate: float,
          honour_preferences: bool) -> tuple[list[SlotRange], int]:
    step_us = max(1, int(MICROSECONDS / rate))
    remaining = {group: n for group, n in counts.items() if n}
    placed = dict.fromkeys(counts, 0)
    ranges = []
    for interval in intervals:
        capacity = (int(interval.seconds * MICROSECONDS) - 1) // step_us + 1
        slot = 0
        for group in _groups_for(interval.half, honour_preferences):
            take = min(remaining.get(group, 0), capacity - slot)
            if take <= 0:
                continue
            first_at = interval.start + timedelta(microseconds=step_us * slot)
            ranges.append(SlotRange(group, placed[group], take, first_at, step_us))
            placed[group] += take
            remaining[group] -= take
            slot += take
    return ranges, sum(remaining.values())


def _groups_for(half: str, honour_preferences: bool) -> tuple[str, ...]:
    if honour_preferences:
        return half, ANY
    return half, ANY, PM if half == AM else AM
