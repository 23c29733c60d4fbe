"""A volunteer's own figures, week by week: the follow-ups they closed, the tenants they reached
and where they oriented them (the mission: everyone sees the figures; a volunteer sees theirs).

Pure: the service hands over the closed follow-ups of the period, this groups them by Paris
week. Only the volunteer's own work is counted, never a tenant's name or answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from voice_app.domain.figures import Period
from voice_app.domain.figures import Week
from voice_app.domain.follow_up import REFERRAL_LABELS
from voice_app.domain.follow_up import Referral

WEEKS_SHOWN = 4  # this week and the three before


@dataclass(frozen=True)
class Closed:
    """One follow-up the volunteer closed: when (UTC), whether they reached the tenant, and
    the services they oriented the tenant to (Referral codes)."""

    completed_at: datetime
    reached: bool
    referrals: tuple[str, ...]


@dataclass
class ActivityWeek:
    week: Week
    done: int = 0
    reached: int = 0
    referrals: Counter = field(default_factory=Counter)  # Referral code -> follow-ups

    @property
    def oriented(self) -> int:
        """Orientations to a service, as the landlord's figures count them: one per category
        of each follow-up ("aucun besoin" is not one)."""
        return sum(n for code, n in self.referrals.items() if code != Referral.NOTHING)


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
        return [(REFERRAL_LABELS.get(code, code), n)
                for code, n in sorted(total.items(), key=lambda item: (-item[1], _order(item[0])))]


def recent_period(today: date, weeks: int = WEEKS_SHOWN) -> Period:
    """From the Monday `weeks - 1` weeks before this one to today (Paris dates)."""
    this_monday = today - timedelta(days=today.weekday())
    return Period(this_monday - timedelta(weeks=weeks - 1), today)


def activity(period: Period, closed: list[Closed]) -> Activity:
    """The period's weeks, each with the follow-ups closed in it."""
    weeks = [ActivityWeek(week) for week in period.weeks()]
    for item in closed:
        moment = item.completed_at if item.completed_at.tzinfo else item.completed_at.replace(tzinfo=UTC)
        for row in weeks:
            if row.week.starts_at <= moment < row.week.ends_at:
                row.done += 1
                row.reached += item.reached
                row.referrals.update(set(item.referrals))
                break
    return Activity(list(reversed(weeks)))


def _order(code: str) -> int:
    codes = list(REFERRAL_LABELS)
    return codes.index(code) if code in codes else len(codes)
