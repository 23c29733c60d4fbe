"""French working days and Paris time: the calendar every schedule rule shares."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")


# The `holidays` subdivision of each overseas time zone: its local public holidays (the
# abolition of slavery, 20 December in Réunion...) come on top of the national ones.
HOLIDAY_SUBDIVISIONS = {
    "America/Guadeloupe": "971", "America/Martinique": "972", "America/Cayenne": "973",
    "Indian/Reunion": "974", "Indian/Mayotte": "976", "America/St_Barthelemy": "BL",
    "America/Marigot": "MF", "America/Miquelon": "PM", "Pacific/Noumea": "NC", "Pacific/Tahiti": "PF",
    "Pacific/Marquesas": "PF", "Pacific/Gambier": "PF", "Pacific/Wallis": "WF",
}


@lru_cache(maxsize=256)
def _french_holidays(year: int, subdivision: str | None = None) -> frozenset[date]:
    return frozenset(holidays.France(years=year, subdiv=subdivision).keys())


def is_public_holiday(day: date, time_zone: str | None = None) -> bool:
    """True on a French public holiday: metropolitan, or of the overseas place `time_zone` is."""
    return day in _french_holidays(day.year, HOLIDAY_SUBDIVISIONS.get(time_zone or ""))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a French public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate



def paris_date(moment: datetime, tz: ZoneInfo = PARIS) -> date:
    """The Paris calendar date of an aware instant."""
    return moment.astimezone(tz).date()
