"""Figures (DESIGN §9): the period asked for, its weeks, and what one row of figures means.

Pure: the service counts facts in the database and hands them here as `Counts`; this module
says which period a request names, how it is cut into Paris weeks, and how shares and the
landlord's sentence are derived. Definitions (docs/figures.md):

- planned: tenants with a round attempt due in the period; called: those dialled at least once;
  reached: those who gave a key or a word (voice_app.domain.outcomes.REACHED), never a call that
  merely `completed`;
- needing a person: follow-ups opened in the period, by reason (regular human calls apart);
- done on time: follow-ups completed in the period with `completed_at <= due_at`;
- continuity: among follow-ups completed in the period, the share completed by the tenant's
  assigned volunteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from enum import StrEnum

from voice_app.domain.calendar import PARIS
from voice_app.domain.escalation import Reason
from voice_app.domain.follow_up import Referral

MAX_PERIOD_DAYS = 400
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


class Dimension(StrEnum):
    WEEK = "semaine"
    ROUND = "tournee"
    SITE = "site"
    CAMPAIGN = "campagne"
    PARTNER = "partenaire"


DIMENSION_LABELS = {Dimension.WEEK: "Semaine", Dimension.ROUND: "Tournée", Dimension.SITE: "Site",
                    Dimension.CAMPAIGN: "Campagne", Dimension.PARTNER: "Organisme du bénévole"}

# Reasons a person is needed, in the order the figures list them (regular calls are counted apart).
NEED_REASONS = tuple(r for r in Reason if r != Reason.REGULAR_CALL)
UNREACHABLE_REASONS = (Reason.UNREACHABLE, Reason.UNREACHABLE_TWICE)
REFERRALS = tuple(Referral)


class PeriodError(ValueError):
    """A period a request cannot mean; the message is French and says what is expected."""


@dataclass(frozen=True)
class Week:
    """A Monday-to-Sunday Paris week, cut to the period; `starts_at`/`ends_at` are UTC."""

    monday: date
    starts_at: datetime
    ends_at: datetime

    @property
    def label(self) -> str:
        return f"sem. du {self.monday:%d/%m}"


@dataclass(frozen=True)
class Period:
    """Paris dates, `first` to `last` inclusive."""

    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return utc_midnight(self.first)

    @property
    def ends_at(self) -> datetime:
        return utc_midnight(self.last + timedelta(days=1))

    @property
    def label(self) -> str:
        whole_month = self.first.day == 1 and (self.last + timedelta(days=1)).day == 1
        if whole_month and self.first.month == self.last.month:
            return f"{MONTHS[self.first.month - 1]} {self.first.year}"
        return f"du {self.first:%d/%m/%Y} au {self.last:%d/%m/%Y}"

    def weeks(self) -> list[Week]:
        """The Paris weeks touching the period, each cut to its bounds."""
        monday = self.first - timedelta(days=self.first.weekday())
        found = []
        while monday <= self.last:
            start = max(monday, self.first)
            end = min(monday + timedelta(days=6), self.last)
            found.append(Week(monday, utc_midnight(start), utc_midnight(end + timedelta(days=1))))
            monday += timedelta(days=7)
        return found


def utc_midnight(day: date) -> datetime:
    """Midnight in Paris on `day`, in UTC."""
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


# The calendar's edges (year 1, 9999) would overflow in time-zone arithmetic: no figures there.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def in_calendar(day: date) -> bool:
    """Is `day` within the years Veille reads (FIRST_YEAR to LAST_YEAR)?"""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def month_period(text: str) -> Period:
    """`2026-11` -> November 2026; PeriodError otherwise."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match[2]) <= 12 or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise PeriodError(f"Mois invalide : « {text} ». Attendu : AAAA-MM, par exemple 2026-11.")
    first = date(int(match[1]), int(match[2]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def dates_period(first_text: str, last_text: str) -> Period:
    """Two ISO dates, inclusive; PeriodError when unreadable, reversed or over MAX_PERIOD_DAYS."""
    try:
        first, last = date.fromisoformat(first_text.strip()), date.fromisoformat(last_text.strip())
    except (ValueError, AttributeError) as error:
        raise PeriodError("Dates invalides : attendu AAAA-MM-JJ, par exemple 2026-11-01.") from error
    if not (in_calendar(first) and in_calendar(last)):
        raise PeriodError(f"Dates invalides : années {FIRST_YEAR} à {LAST_YEAR}.")
    if last < first:
        raise PeriodError("La date de fin précède la date de début.")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise PeriodError(f"Période trop longue : {MAX_PERIOD_DAYS} jours au plus.")
    return Period(first, last)


def current_month(now: datetime) -> Period:
    today = now.astimezone(PARIS).date() if now.tzinfo else now.date()
    return month_period(f"{today:%Y-%m}")


def parse_dimension(text: str | None) -> Dimension:
    try:
        return Dimension(text or Dimension.WEEK)
    except ValueError as error:
        choices = ", ".join(d.value for d in Dimension)
        raise PeriodError(f"Regroupement inconnu : « {text} ». Choix : {choices}.") from error


@dataclass
class Counts:
    """One row of figures: a week, a round, a site, a campaign, a partner, or the total."""

    key: object = None
    label: str = "Total"
    enrolled: int = 0
    planned: int = 0
    called: int = 0
    reached: int = 0
    opt_outs: int = 0
    unreachable: int = 0
    needs: dict[str, int] = field(default_factory=dict)  # reason -> follow-ups opened
    completed: int = 0
    on_time: int = 0
    by_usual_volunteer: int = 0
    regular_calls: int = 0
    referrals: dict[str, int] = field(default_factory=dict)  # category -> count

    @property
    def needing_person(self) -> int:
        return sum(self.needs.values())

    @property
    def on_time_share(self) -> float | None:
        return share(self.on_time, self.completed)

    @property
    def continuity(self) -> float | None:
        return share(self.by_usual_volunteer, self.completed)

    @property
    def referred(self) -> int:
        return referred(self.referrals)


def referred(referrals: dict[str, int]) -> int:
    """Referrals to a service (everything but "aucun besoin"), from counts by category."""
    return sum(n for category, n in referrals.items() if category != Referral.NOTHING)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)} %"


def headline(total: Counts, period: Period, landlord: str) -> list[str]:
    """The sentences a landlord publishes: counts only, never a person."""
    named = [f"{n} vers « {label} »" for category, n in sorted(total.referrals.items(), key=lambda i: -i[1])
             if category != Referral.NOTHING and n for label in [REFERRAL_SHORT.get(category, category)]]
    lines = [
        f"{landlord}, {period.label} : {total.reached} locataires joints sur {total.called} appelés "
        f"({total.enrolled} inscrits).",
        f"{total.needing_person} demandes traitées par une personne, {total.completed} suivis faits, "
        f"dont {percent(total.on_time_share)} dans les délais.",
        f"{total.referred} orientations" + (f", dont {', '.join(named)}." if named else "."),
        f"{total.regular_calls} appels de convivialité ; {total.unreachable} locataires injoignables ; "
        f"{total.opt_outs} demandes d'arrêt.",
        f"Continuité : {percent(total.continuity)} des suivis faits par le bénévole habituel du locataire.",
    ]
    return lines


REFERRAL_SHORT = {Referral.HEALTH: "santé", Referral.FOOD: "repas ou aide alimentaire",
                  Referral.SOCIAL: "services sociaux", Referral.FIELD: "intervention sur place",
                  Referral.RENT: "cellule sociale", Referral.HOUSING: "travaux ou adaptation",
                  Referral.NOTHING: "aucun besoin"}
