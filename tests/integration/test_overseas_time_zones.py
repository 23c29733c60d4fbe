"""Overseas tenants are called in their own hours: planning, dispatch and retries use the
windows of each tenant's time zone (a Guadeloupe tenant is never rung at 05:00)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Round
from tests.integration.test_campaigns import add_tenant
from tests.integration.test_campaigns import weekly_campaign
from tests.integration.test_planning import attempts
from tests.integration.test_retries_and_closing import end_attempt
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.windows import is_open
from voice_app.services.dispatch import dispatch_due_calls
from voice_app.services.planning import plan_round
from voice_app.services.retries import schedule_retries

GUADELOUPE = ZoneInfo("America/Guadeloupe")  # UTC-4: 05:30 when Paris is at 10:30
REUNION = ZoneInfo("Indian/Reunion")  # UTC+4: 13:30 when Paris is at 10:30


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def tenants(veille, organisation, now):
    """A Paris, a Guadeloupe and a Réunion tenant, planned in the Tuesday round at 10:30 Paris."""
    ids = {
        "paris": add_tenant(veille, organisation, "T-PARIS"),
        "guadeloupe": add_tenant(veille, organisation, "T-GP", phone="+590690123456",
                                 time_zone="America/Guadeloupe"),
        "reunion": add_tenant(veille, organisation, "T-RE", phone="+262692123456",
                              time_zone="Indian/Reunion"),
    }
    weekly_campaign(veille, calls_per_second=100, max_concurrent_calls=100)
    plan_round(veille, "Hebdo")
    return ids


def first_attempt(veille, tenant_id) -> CallAttempt:
    return attempts(veille, tenant_id=tenant_id, attempt_number=1)[0]


def test_each_tenant_is_planned_in_the_windows_of_their_own_time_zone(veille, tenants, now):
    paris, guadeloupe, reunion = (first_attempt(veille, tenants[name]) for name in
                                  ("paris", "guadeloupe", "reunion"))
    assert paris.due_at == now and paris.time_zone is None
    assert guadeloupe.due_at.astimezone(GUADELOUPE).strftime("%a %H:%M") == "Tue 10:00"  # not 05:30
    assert reunion.due_at.astimezone(REUNION).strftime("%a %H:%M") == "Tue 14:00"  # its morning is over
    assert (guadeloupe.time_zone, reunion.time_zone) == ("America/Guadeloupe", "Indian/Reunion")
    policy = CampaignPolicy()
    assert is_open(policy, guadeloupe.due_at, GUADELOUPE)
    assert not is_open(policy, guadeloupe.due_at - timedelta(seconds=1), GUADELOUPE)


def test_the_round_runs_until_the_last_zone_closes(veille, tenants):
    with veille.session_factory.begin() as session:
        round_ = session.scalars(select(Round)).one()
    assert round_.starts_at.astimezone(REUNION).strftime("%a %H:%M") == "Tue 10:00"
    assert round_.ends_at.astimezone(GUADELOUPE).strftime("%a %H:%M") == "Wed 18:00"


def claimed_zones(veille) -> list[str | None]:
    with veille.session_factory.begin() as session:
        return sorted(session.scalars(select(CallAttempt.time_zone).where(CallAttempt.state != "due")),
                      key=lambda name: name or "")


def test_the_dispatcher_dials_each_attempt_only_in_its_zones_hours(veille, tenants, telephony):
    dispatch_due_calls(veille, utc(2026, 11, 24, 10, 30), worker_id="w", sleep=lambda s: None)
    assert claimed_zones(veille) == [None, "Indian/Reunion"], "05:30 in Guadeloupe: not rung"
    dispatch_due_calls(veille, utc(2026, 11, 24, 14, 0), worker_id="w", sleep=lambda s: None)
    assert claimed_zones(veille) == [None, "America/Guadeloupe", "Indian/Reunion"]
    assert len(telephony.placed) == 3


def test_a_backlog_of_an_overseas_zone_waits_for_its_window_and_paris_is_not_held_back(veille, tenants,
                                                                                      telephony):
    # 20:30 in Paris, 15:30 in Guadeloupe, 23:30 in Réunion: only Guadeloupe may be rung.
    summary = dispatch_due_calls(veille, utc(2026, 11, 24, 19, 30), worker_id="w", sleep=lambda s: None)
    assert claimed_zones(veille) == ["America/Guadeloupe"] and summary.placed == 1
    # 03:00 in Paris, 22:00 in Guadeloupe, 07:00 in Réunion: nobody; the next opening is said.
    summary = dispatch_due_calls(veille, utc(2026, 11, 25, 2, 0), worker_id="w", sleep=lambda s: None)
    assert summary.claimed == 0
    [opens_at] = summary.outside_hours.values()
    assert opens_at.astimezone(REUNION).strftime("%a %H:%M") == "Wed 10:00"


@pytest.mark.parametrize(("preferred", "expected"), [(None, "Tue 14:00"), ("am", "Wed 10:00")])
def test_a_retry_is_in_the_tenants_own_hours_and_in_their_preferred_half_day(veille, organisation, now,
                                                                             preferred, expected):
    tenant = add_tenant(veille, organisation, "T-GP", phone="+590690123456", time_zone="America/Guadeloupe",
                        preferred_half_day=preferred)
    weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    called = datetime(2026, 11, 24, 10, 31, tzinfo=GUADELOUPE)
    end_attempt(veille, tenant, 1, "no_answer", called)
    assert schedule_retries(veille, called + timedelta(minutes=5)) == 1
    retry = attempts(veille, tenant_id=tenant, attempt_number=2)[0]
    assert retry.due_at.astimezone(GUADELOUPE).strftime("%a %H:%M") == expected
    assert retry.time_zone == "America/Guadeloupe"


def test_a_paris_tenant_who_prefers_the_morning_is_retried_the_next_morning(veille, organisation, now):
    tenant = add_tenant(veille, organisation, "T-AM", preferred_half_day="am")
    weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    called = datetime(2026, 11, 24, 10, 31, tzinfo=ZoneInfo("Europe/Paris"))
    end_attempt(veille, tenant, 1, "no_answer", called)
    schedule_retries(veille, called + timedelta(minutes=5))
    retry = attempts(veille, tenant_id=tenant, attempt_number=2)[0]
    assert retry.due_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%a %H:%M") == "Wed 10:00"
