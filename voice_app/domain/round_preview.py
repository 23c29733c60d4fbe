"""Before saving a campaign: its next round, whether the round fits its windows at the
chosen rate, and whether that rate is within the provider account's limit.

The fit uses the same slot arithmetic as the planner (`rounds.spread`): one first call every
`1 / rate` seconds through each window interval, so "does not fit" here means the planner
would have to squeeze the calls (`over_capacity`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.rounds import LOOKAHEAD_DAYS
from voice_app.domain.rounds import MICROSECONDS
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import round_starting_on


@dataclass(frozen=True)
class RoundFit:
    """Whether a round's first calls fit in its windows at its dialling rate."""

    tenants: int
    capacity: int  # first calls the windows hold at the rate
    rate: float

    @property
    def fits(self) -> bool:
        return self.tenants <= self.capacity


def round_fit(interval_seconds: Iterable[float], tenants: int, rate: float) -> RoundFit:
    """`tenants` first calls in window intervals of these lengths, one every 1/rate s."""
    step_us = max(1, int(MICROSECONDS / rate))
    capacity = sum((int(seconds * MICROSECONDS) - 1) // step_us + 1 for seconds in interval_seconds
                   if seconds > 0)
    return RoundFit(tenants, capacity, rate)


def next_round(policy: CampaignPolicy, now: datetime, today: date, starts_on: date | None = None,
               ends_on: date | None = None) -> RoundSpan | None:
    """The campaign's first round not yet over at `now` (today's if it is still running),
    inside its dates; None when there is none in the next weeks."""
    day = max(today, starts_on or today)
    for _ in range(7 + 2 * LOOKAHEAD_DAYS):
        if ends_on is not None and day > ends_on:
            return None
        span = round_starting_on(policy, day)
        if span is not None and span.ends_at > now:
            return span
        day += timedelta(days=1)
    return None


def check_account_rate(policy: CampaignPolicy, account_limit: float) -> None:
    """InvalidPolicy (French) when the campaign would dial faster than the account may."""
    if policy.calls_per_second > account_limit:
        raise InvalidPolicy(
            f"Le débit demandé ({policy.calls_per_second:g} appel(s) par seconde) dépasse la limite du "
            f"compte de l’opérateur ({account_limit:g} appel(s) par seconde). Demandez d’abord à "
            "l’opérateur de relever la limite, puis à l’exploitant de la reporter dans "
            "PROVIDER_MAX_CALLS_PER_SECOND.")
