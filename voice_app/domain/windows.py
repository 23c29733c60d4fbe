"""Call windows: when a campaign may ring, as pure functions of (policy, moment).

Theory of operation: a policy's windows are wall-clock times in the tenant's time zone:
Europe/Paris unless the tenant lives overseas (voice_app.domain.time_zones), so a Guadeloupe
tenant is rung from 10:00 Guadeloupe time, never at 05:00. Every function takes that zone as
`tz` (default Paris). For a local date the windows become UTC intervals (zoneinfo does the
daylight-saving arithmetic), each cut at the half-day split so that every interval lies in
one half-day, the unit retries reason in.

- Half-days: the morning (`am`) runs until 13:00 Paris time, the afternoon (`pm`) from
  13:00. The split sits at lunch rather than at noon so the default windows (10:00-12:30,
  14:00-18:00) each fall in one half-day; a window spanning noon (11:00-14:00) gives two
  intervals, 11:00-13:00 (am) and 13:00-14:00 (pm).
- Public holidays: no window opens on a French public holiday unless the policy sets
  `include_holidays` (urgent and demo campaigns do); overseas, the local public holidays
  count too (20 December in Réunion...).
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
from zoneinfo import ZoneInfo

from voice_app.domain.calendar import PARIS
from voice_app.domain.calendar import is_public_holiday
from voice_app.domain.campaigns import MINUTES_PER_DAY
from voice_app.domain.campaigns import CampaignPolicy

HALF_DAY_SPLIT = 13 * 60  # minutes after midnight, local time
AM = "am"
PM = "pm"

HalfDay = tuple[date, str]


@dataclass(frozen=True)
class Interval:
    """A stretch of time (UTC) when calls may be placed, inside one half-day of zone `tz`."""

    start: datetime
    end: datetime
    half: str
    tz: ZoneInfo = PARIS

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def half_day(self) -> HalfDay:
        return self.start.astimezone(self.tz).date(), self.half


def paris_instant(day: date, minutes: int, tz: ZoneInfo = PARIS) -> datetime:
    """The UTC instant of a wall-clock time in `tz` (`minutes` after midnight, 1440 = 24:00)."""
    if minutes >= MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), minutes - MINUTES_PER_DAY
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC)


def half_day_of(moment: datetime, tz: ZoneInfo = PARIS) -> HalfDay:
    """The local date and half-day (`am` / `pm`) an aware instant falls in."""
    local = moment.astimezone(tz)
    return local.date(), AM if local.hour * 60 + local.minute < HALF_DAY_SPLIT else PM


def is_call_day(policy: CampaignPolicy, day: date, tz: ZoneInfo = PARIS) -> bool:
    """True when at least one window opens on this local date."""
    if not policy.include_holidays and is_public_holiday(day, tz.key):
        return False
    return any(day.weekday() in window.days for window in policy.windows)


def day_intervals(policy: CampaignPolicy, day: date, tz: ZoneInfo = PARIS) -> list[Interval]:
    """The windows of a local date as UTC intervals, in time order, cut at the half-day split."""
    if not is_call_day(policy, day, tz):
        return []
    intervals = []
    for window in sorted(policy.windows, key=lambda w: w.start):
        if day.weekday() not in window.days:
            continue
        for start, end, half in _split_at_half_day(window.start, window.end):
            interval = Interval(paris_instant(day, start, tz), paris_instant(day, end, tz), half, tz)
            if interval.end > interval.start:  # empty when it lies in the spring-forward gap
                intervals.append(interval)
    return intervals


def _split_at_half_day(start: int, end: int) -> Iterable[tuple[int, int, str]]:
    if end <= HALF_DAY_SPLIT:
        return [(start, end, AM)]
    if start >= HALF_DAY_SPLIT:
        return [(start, end, PM)]
    return [(start, HALF_DAY_SPLIT, AM), (HALF_DAY_SPLIT, end, PM)]


def intervals_between(policy: CampaignPolicy, start: datetime, end: datetime,
                      tz: ZoneInfo = PARIS) -> list[Interval]:
    """Every window interval overlapping [start, end), clipped to it, in time order."""
    found = []
    day = start.astimezone(tz).date()
    while day <= end.astimezone(tz).date():
        for interval in day_intervals(policy, day, tz):
            clipped = Interval(max(interval.start, start), min(interval.end, end), interval.half, tz)
            if clipped.end > clipped.start:
                found.append(clipped)
        day += timedelta(days=1)
    return found


def is_open(policy: CampaignPolicy, moment: datetime, tz: ZoneInfo = PARIS) -> bool:
    """True when `moment` lies inside one of the policy's windows."""
    return any(i.start <= moment < i.end for i in day_intervals(policy, moment.astimezone(tz).date(), tz))


def next_open_at(policy: CampaignPolicy, after: datetime, until: datetime,
                 avoid: frozenset[HalfDay] = frozenset(), tz: ZoneInfo = PARIS,
                 prefer: str | None = None) -> datetime | None:
    """The first instant >= `after` and < `until` inside a window, outside the half-days in
    `avoid`; None when there is none. With `prefer` (`am` / `pm`, a tenant's preferred
    half-day) the first such instant in that half is chosen when there is one."""
    allowed = [i for i in intervals_between(policy, after, until, tz) if i.half_day not in avoid]
    preferred = [i for i in allowed if i.half == prefer]
    chosen = preferred or allowed
    return chosen[0].start if chosen else None


def open_until(policy: CampaignPolicy, moment: datetime, tz: ZoneInfo = PARIS) -> datetime | None:
    """When the window `moment` lies in closes (windows that touch count as one, up to two days
    ahead), None when no window is open at `moment`."""
    end = None
    for interval in intervals_between(policy, moment, moment + timedelta(days=2), tz):
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
