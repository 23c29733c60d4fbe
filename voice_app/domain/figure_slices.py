"""Where a fact lands in the figures' summary (docs/figures.md, "Summary tables").

The summary counts per Paris month, and inside a month per Paris week cut to the month (a
"slice": the weeks of a month's figures). A slice is named by its month and its week's Monday
(which may fall in the previous month); its bounds are UTC instants. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from voice_app.domain.calendar import PARIS
from voice_app.domain.figures import Period
from voice_app.domain.figures import month_period
from voice_app.domain.figures import utc_midnight


@dataclass(frozen=True)
class Slice:
    month: date  # first day of the Paris month
    monday: date  # Monday of the Paris week
    starts_at: datetime
    ends_at: datetime

    @property
    def month_starts_at(self) -> datetime:
        return utc_midnight(self.month)

    @property
    def month_ends_at(self) -> datetime:
        return utc_midnight(next_month(self.month))


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def slice_of(moment: datetime) -> Slice:
    """The slice holding the instant `moment` (aware)."""
    day = moment.astimezone(PARIS).date()
    month = day.replace(day=1)
    monday = day - timedelta(days=day.weekday())
    first = max(monday, month)
    last = min(monday + timedelta(days=7), next_month(month))
    return Slice(month, monday, utc_midnight(first), utc_midnight(last))


def slices_between(starts_at: datetime, ends_at: datetime) -> list[Slice]:
    """Every slice meeting [starts_at, ends_at), in order."""
    found = []
    moment = starts_at
    while moment < ends_at:
        found.append(slice_of(moment))
        moment = found[-1].ends_at
    return found


def whole_month(period: Period) -> date | None:
    """The month `period` is exactly, else None (the summary answers whole months only)."""
    first = period.first.replace(day=1)
    return first if month_period(f"{first:%Y-%m}") == period else None
