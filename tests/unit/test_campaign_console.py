"""Pure rules behind the coordinators' campaign pages: who may open them, whether a round
fits its windows, the next round, the account's rate, the urgent round, the live estimate."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from voice_app.config import ConfigError
from voice_app.config import Settings
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.campaigns import Window
from voice_app.domain.people import may_open
from voice_app.domain.round_preview import check_account_rate
from voice_app.domain.round_preview import next_round
from voice_app.domain.round_preview import round_fit
from voice_app.domain.round_progress import RoundProgress
from voice_app.domain.rounds import spread
from voice_app.domain.urgent_rounds import heatwave_policy
from voice_app.domain.urgent_rounds import latest_priority_birth_year
from voice_app.domain.urgent_rounds import puts_fragile_first
from voice_app.domain.windows import intervals_between

TUESDAY_MORNING = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 10:30 in Paris
TUESDAY = date(2026, 11, 24)


@pytest.mark.parametrize(("role", "kind", "allowed"), [
    ("coordinator", "landlord", True), ("coordinator", "partner", False), ("admin", "landlord", False),
    ("volunteer", "landlord", False), ("volunteer", "partner", False),
])
def test_only_a_landlords_coordinators_open_the_campaigns(role, kind, allowed):
    assert may_open(role, "campaigns", kind) is allowed


def test_other_areas_do_not_depend_on_the_organisation_kind():
    assert may_open("coordinator", "volunteers", "partner")
    assert may_open("coordinator", "volunteers")


@pytest.mark.parametrize("tenants", [1, 10, 599, 600, 601, 5000])
def test_the_fit_agrees_with_the_planners_spreading(tenants):
    policy = CampaignPolicy(windows=(Window(600, 610), Window(840, 845)), calls_per_second=1.0,
                            max_concurrent_calls=60)
    intervals = intervals_between(policy, datetime(2026, 11, 24, 8, tzinfo=UTC), datetime(2026, 11, 24, 20,
                                                                                             tzinfo=UTC))
    fit = round_fit([i.seconds for i in intervals], tenants, 1.0)
    assert fit.capacity == 900
    assert fit.fits is not spread(intervals, {"any": tenants}, 1.0).over_capacity


def test_the_next_round_is_todays_while_it_runs_then_the_following_one():
    weekly = CampaignPolicy(weekdays=frozenset({1}))  # Tuesday, two call days
    assert next_round(weekly, TUESDAY_MORNING, TUESDAY).scheduled_on == TUESDAY
    after_the_round = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # Wednesday 18:30 in Paris
    assert next_round(weekly, after_the_round, date(2026, 11, 25)).scheduled_on == date(2026, 12, 1)
    assert next_round(weekly, TUESDAY_MORNING, TUESDAY, starts_on=date(2026, 12, 8)).scheduled_on == \
        date(2026, 12, 8)
    assert next_round(weekly, after_the_round, date(2026, 11, 25), ends_on=date(2026, 11, 30)) is None


def test_a_rate_above_the_accounts_limit_is_refused_in_french():
    check_account_rate(CampaignPolicy(calls_per_second=1.0), 1.0)
    with pytest.raises(InvalidPolicy, match="dépasse la limite du compte de l’opérateur"):
        check_account_rate(CampaignPolicy(calls_per_second=1.5), 1.0)


def test_the_accounts_limit_is_a_positive_setting():
    assert Settings.from_env({}).PROVIDER_MAX_CALLS_PER_SECOND == 1.0
    assert Settings.from_env({"PROVIDER_MAX_CALLS_PER_SECOND": "25"}).PROVIDER_MAX_CALLS_PER_SECOND == 25.0
    with pytest.raises(ConfigError, match="PROVIDER_MAX_CALLS_PER_SECOND"):
        Settings.from_env({"PROVIDER_MAX_CALLS_PER_SECOND": "0"})


def test_the_heatwave_policy_calls_every_day_the_fragile_first():
    policy = heatwave_policy(2.0, 120)
    assert policy.rhythm == "daily" and policy.include_holidays and policy.round_days == 1
    assert puts_fragile_first(policy) and not puts_fragile_first(CampaignPolicy())
    assert puts_fragile_first(CampaignPolicy.from_dict(policy.to_dict()))
    assert policy.calls_per_second == 2.0 and policy.max_concurrent_calls == 120
    assert latest_priority_birth_year(TUESDAY) == 1946  # 80 this year


def progress(remaining: int, rate: float = 0.5, last_due_at: datetime | None = None) -> RoundProgress:
    return RoundProgress(planned=10, placed=10 - remaining, answered=0, reached=0, needing_person=0,
                         remaining=remaining, in_flight=0, status="planned", rate=rate,
                         last_due_at=last_due_at)


def test_the_estimated_end_paces_the_calls_left_and_waits_for_their_due_times():
    now = TUESDAY_MORNING
    assert progress(0).estimated_end(now) is None
    assert progress(100, rate=0.5).estimated_end(now) == now + timedelta(seconds=200)
    later = now + timedelta(hours=3)
    assert progress(100, rate=0.5, last_due_at=later).estimated_end(now) == later
    assert progress(5, rate=0.0).estimated_end(now) is None  # a damaged policy: no estimate
