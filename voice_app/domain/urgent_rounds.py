"""Urgent rounds (a heatwave): who is called first, and the campaign that calls them.

"Lancer une tournée urgente maintenant" creates (or resumes) the landlord's urgent campaign:
daily, every day including weekends and public holidays, and its round starts at once. Its
policy carries `priority: fragile_first`, so planning puts first, in this order of rank:
tenants aged `PRIORITY_AGE` or more living alone, and the tenants the previous round left
needing a person (unreachable, asked for help, silent); then everyone else, by tenant id.
"""

from __future__ import annotations

from datetime import date

from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import urgent_policy
from voice_app.domain.escalation import Reason

URGENT_CAMPAIGN_NAME = "Tournée urgente (canicule)"
PRIORITY_KEY = "priority"
FRAGILE_FIRST = "fragile_first"
PRIORITY_AGE = 80
PRIORITY_HOUSEHOLD = "alone"
# What the previous round left to a person: these tenants are called first again.
PRIORITY_REASONS = frozenset(str(reason) for reason in (
    Reason.UNREACHABLE, Reason.UNREACHABLE_TWICE, Reason.HELP_HEALTH, Reason.HELP_FOOD, Reason.HELP_OTHER,
    Reason.LIVE_TRANSFER_MISSED, Reason.NO_KEY, Reason.CALL_ME_BACK,
))


def heatwave_policy(calls_per_second: float, max_concurrent_calls: int) -> CampaignPolicy:
    """Daily, every day, holidays included, one-day rounds, the most fragile first."""
    policy = urgent_policy(calls_per_second=calls_per_second, max_concurrent_calls=max_concurrent_calls)
    return policy.with_changes(extra={PRIORITY_KEY: FRAGILE_FIRST})


def puts_fragile_first(policy: CampaignPolicy) -> bool:
    return policy.extra.get(PRIORITY_KEY) == FRAGILE_FIRST


def latest_priority_birth_year(today: date) -> int:
    """Born this year or before: `PRIORITY_AGE` or more this year (birth dates are years)."""
    return today.year - PRIORITY_AGE
