"""The organisation's working hours: when a follow-up can be done by a person.

Due times count working time, so a help request at 17:55 on a Friday is due on Saturday
morning (default hours), never silently on Sunday night. Public holidays are not worked.
Everything is computed in Paris time and returned as aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from voice_app.domain.calendar import PARIS
from voice_app.domain.calendar import is_public_holiday

MAX_DAYS_SEARCHED = 30  # a year of holidays cannot hide every working day in this span


@dataclass(frozen=True)
class WorkingHours:
    """Working days (0 = Monday) and the hours of each, in Paris time."""

    weekdays: frozenset[int] = frozenset(range(6))  # Monday-Saturday
    start: time = time(9, 0)
    end: time = time(19, 0)

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)) or self.start >= self.end:
            raise ValueError("Horaires de travail invalides : au moins un jour, et le début avant la fin.")

    @classmethod
    def from_settings(cls, settings: dict | None) -> WorkingHours:
        """From an organisation's settings (`{"working_hours": {"weekdays": [0..5], "start": "09:00",
        "end": "19:00"}}`); defaults for whatever is missing."""
        raw = (settings or {}).get("working_hours") or {}
        default = cls()
        return cls(weekdays=frozenset(int(d) for d in raw.get("weekdays", default.weekdays)),
                   start=time.fromisoformat(raw.get("start", default.start.isoformat("minutes"))),
                   end=time.fromisoformat(raw.get("end", default.end.isoformat("minutes"))))

    def to_settings(self) -> dict:
        return {"weekdays": sorted(self.weekdays), "start": self.start.isoformat("minutes"),
                "end": self.end.isoformat("minutes")}

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and not is_public_holiday(day)

    def opening(self, day: date) -> datetime:
        return datetime.combine(day, self.start, tzinfo=PARIS)

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.end, tzinfo=PARIS)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for offset in range(1, MAX_DAYS_SEARCHED + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("Aucun jour travaillé dans les 30 jours qui suivent.")

    def next_open_moment(self, moment: datetime) -> datetime:
        """`moment` if it is within working hours, else the next opening."""
        local = moment.astimezone(PARIS)
        day = local.date()
        if self.is_working_day(day) and local < self.closing(day):
            return max(local, self.opening(day))
        return self.opening(self.next_working_day(day))

    def add(self, moment: datetime, delay: timedelta) -> datetime:
        """`moment` plus `delay` of working time."""
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        cursor, left = self.next_open_moment(moment), delay
        while True:  # real time, in UTC: on the clock-change nights a Paris hour may last 0 or 2
            day = cursor.astimezone(PARIS).date()
            start, closing = cursor.astimezone(UTC), self.closing(day).astimezone(UTC)
            if start + left <= closing:
                return (start + left).astimezone(PARIS)
            left -= closing - start
            cursor = self.opening(self.next_working_day(day))

    def end_of_day(self, moment: datetime) -> datetime:
        """The closing time of the working day `moment` is in (or the next one)."""
        return self.closing(self.next_open_moment(moment).date())

    def next_day_at(self, moment: datetime, at: time) -> datetime:
        """`at` (clamped to the working hours) on the first working day after `moment`'s day."""
        day = self.next_working_day(moment.astimezone(PARIS).date())
        return datetime.combine(day, min(max(at, self.start), self.end), tzinfo=PARIS)


DEFAULT_HOURS = WorkingHours()
