"""Call windows: when a campaign may ring, as pure functions of (policy, moment).

Theory of operation: a policy's windows are wall-clock times in Europe/Paris. For a Paris
date they become UTC intervals (zoneinfo does the daylight-saving arithmetic), each cut at
the half-day split so that every interval lies in one half-day, the unit retries reason in.

- Half-days: the morning (`am`) runs until 13:00 Paris time, the afternoon (`pm`) from
  13:00. The split sits at lunch rather than at noon so the default windows (10:00-12:30,
  14:00-18:00) each fall in one half-day; a window spanning noon (11:00-14:00) gives two
  intervals, 11:00-13:00 (am) and 13:00-14:00 (pm).
- Public holidays: no window opens on a French public holiday unless the policy sets
  `include_holidays` (urgent and demo campaigns do).
- Daylight saving: on the last Sunday of March the wall clock jumps from 02:00 to 03:00;
  a wall time inside the gap is read as the instant an hour later (zoneinfo's `fold=0`),
  so a window lying entirely inside the gap is empty that day. On the last Sunday of
  October 02:00-03:00 happens twice; a window boundary there means its first occurrence.
  An all-day window lasts 23 h and 25 h on those days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from voice_app.domain.calendar import PARIS
from voice_app.domain.calendar import is_public_holiday
from voice_app.domain.calendar import paris_date
from voice_app.domain.campaigns import MINUTES_PER_DAY
from voice_app.domain.campaigns import CampaignPolicy

HALF_DAY_SPLIT = 13 * 60  # minutes after midnight, Paris time
AM = "am"
PM = "pm"

HalfDay = tuple[date, str]


@dataclass(frozen=True)
class Interval:
    """A stretch of time (UTC) when calls may be placed, inside one half-day."""

    start: datetime
    end: datetime
    half: str

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def half_day(self) -> HalfDay:
        return paris_date(self.start), self.half


def paris_instant(day: date, minutes: int) -> datetime:
    """The UTC instant of a Paris wall-clock time (`minutes` after midnight, 1440 = 24:00)."""
    if minutes >= MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), minutes - MINUTES_PER_DAY
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=PARIS)
    return local.astimezone(UTC)


def half_day_of(moment: datetime) -> HalfDay:
    """The Paris date and half-day (`am` / `pm`) an aware instant falls in."""
    local = moment.astimezone(PARIS)
    return local.date(), AM if local.hour * 60 + local.minute < HALF_DAY_SPLIT else PM


def is_call_day(policy: CampaignPolicy, day: date) -> bool:
    """True when at least one window opens on this Paris date."""
    if not policy.include_holidays and is_public_holiday(day):
        return False
    return any(day.weekday() in window.days for window in policy.windows)


def day_intervals(policy: CampaignPolicy, day: date) -> list[Interval]:
    """The windows of a Paris date as UTC intervals, in time order, cut at the half-day split."""
    if not is_call_day(policy, day):
        return []
    intervals = []
    for window in sorted(policy.windows, key=lambda w: w.start):
        if day.weekday() not in window.days:
            continue
        for start, end, half in _split_at_half_day(window.start, window.end):
            interval = Interval(paris_instant(day, start), paris_instant(day, end), half)
            if interval.end > interval.start:  # empty when it lies in the spring-forward gap
                intervals.append(interval)
    return intervals


def _split_at_half_day(start: int, end: int) -> Iterable[tuple[int, int, str]]:
    if end <= HALF_DAY_SPLIT:
        return [(start, end, AM)]
    if start >= HALF_DAY_SPLIT:
        return [(start, end, PM)]
    return [(start, HALF_DAY_SPLIT, AM), (HALF_DAY_SPLIT, end, PM)]


def intervals_between(policy: CampaignPolicy, start: datetime, end: datetime) -> list[Interval]:
    """Every window interval overlapping [start, end), clipped to it, in time order."""
    found = []
    day = paris_date(start)
    while day <= paris_date(end):
        for interval in day_intervals(policy, day):
            clipped = Interval(max(interval.start, start), min(interval.end, end), interval.half)
            if clipped.end > clipped.start:
                found.append(clipped)
        day += timedelta(days=1)
    return found


def is_open(policy: CampaignPolicy, moment: datetime) -> bool:
    """True when `moment` lies inside one of the policy's windows."""
    return any(i.start <= moment < i.end for i in day_intervals(policy, paris_date(moment)))


def next_open_at(policy: CampaignPolicy, after: datetime, until: datetime,
                 avoid: frozenset[HalfDay] = frozenset()) -> datetime | None:
    """The first instant >= `after` and < `until` inside a window, outside the half-days in
    `avoid`; None when there is none."""
    for interval in intervals_between(policy, after, until):
        if interval.half_day not in avoid:
            return interval.start
    return None


def open_until(policy: CampaignPolicy, moment: datetime) -> datetime | None:
    """When the window `moment` lies in closes (windows that touch count as one, up to two days
    ahead), None when no window is open at `moment`."""
    end = None
    for interval in intervals_between(policy, moment, moment + timedelta(days=2)):
        if end is None and interval.start > moment:
            return None
        if end is not None and interval.start > end:
            break
        end = interval.end
    return end


def calling_hours(stored_policy: dict | None) -> CampaignPolicy:
    """The calling hours of a stored policy (its windows and `include_holidays`), read alone:
    a damaged rate never hides the hours. InvalidPolicy when the hours themselves are damaged."""
    stored_policy = stored_policy or {}
    return CampaignPolicy.from_dict({key: stored_policy[key] for key in ("windows", "include_holidays")
                                     if key in stored_policy})
