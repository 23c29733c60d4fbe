"""A volunteer's own figures, week by week: the follow-ups they closed and where they oriented
the tenants (the mission: everyone sees the figures; a volunteer sees theirs).

Pure: the service hands over the closed follow-ups of the period, this groups them by Paris
week. Only the volunteer's own work is counted, never a tenant's name or answer. (A volunteer
closes a follow-up only once they have spoken to the tenant: "not reached" keeps it open.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

from voice_app.domain.figures import MONTHS
from voice_app.domain.figures import REFERRALS
from voice_app.domain.figures import Period
from voice_app.domain.figures import Week
from voice_app.domain.figures import referred
from voice_app.domain.follow_up import REFERRAL_LABELS

WEEKS_SHOWN = 4  # this week and the three before


@dataclass(frozen=True)
class Closed:
    """One follow-up the volunteer closed: when (an aware instant) and the categories of its
    outcome (Referral codes: the services, or "aucun besoin")."""

    completed_at: datetime
    referrals: frozenset[str]


@dataclass
class ActivityWeek:
    week: Week
    done: int = 0
    referrals: Counter = field(default_factory=Counter)  # Referral code -> follow-ups

    @property
    def oriented(self) -> int:
        """Orientations to a service, as the landlord's figures count them: one per category
        of each follow-up ("aucun besoin" is not one)."""
        return referred(self.referrals)

    @property
    def spoken(self) -> str:
        """The week as a screen reader should say it: "semaine du lundi 23 novembre"."""
        monday = self.week.monday
        day = "1er" if monday.day == 1 else str(monday.day)
        return f"semaine du lundi {day} {MONTHS[monday.month - 1]}"


@dataclass(frozen=True)
class Activity:
    weeks: list[ActivityWeek]  # the most recent first

    @property
    def done(self) -> int:
        return sum(week.done for week in self.weeks)

    @property
    def referrals(self) -> list[tuple[str, int]]:
        """(French label, follow-ups) of every category used in the period, most used first."""
        total = sum((week.referrals for week in self.weeks), Counter())
        ordered = sorted(total.items(), key=lambda item: (-item[1], REFERRALS.index(item[0])))
        return [(REFERRAL_LABELS[code], n) for code, n in ordered]


def recent_period(today: date, weeks: int = WEEKS_SHOWN) -> Period:
    """From the Monday `weeks - 1` weeks before this one to today (Paris dates)."""
    this_monday = today - timedelta(days=today.weekday())
    return Period(this_monday - timedelta(weeks=weeks - 1), today)


def activity(period: Period, closed: list[Closed]) -> Activity:
    """The period's weeks, each with the follow-ups closed in it."""
    weeks = [ActivityWeek(week) for week in period.weeks()]
    for item in closed:
        for row in weeks:
            if row.week.starts_at <= item.completed_at < row.week.ends_at:
                row.done += 1
                # A code outside today's vocabulary (retired, or edited by hand) is left out,
                # as the landlord's figures leave it out, rather than breaking the page.
                row.referrals.update(code for code in item.referrals if code in REFERRALS)
                break
    return Activity(list(reversed(weeks)))
