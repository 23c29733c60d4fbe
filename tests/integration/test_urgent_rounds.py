"""Urgent rounds and the dry run, against the database: the fragile are called first by the
clock as by the page, preferences give way, and a dry run says "already planned" as the real
planning would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import FollowUp
from db.models import Tenant
from tests.integration.test_campaigns import add_tenant
from tests.integration.test_campaigns import weekly_campaign
from tests.web.people import add_task
from voice_app.domain.urgent_rounds import URGENT_CAMPAIGN_NAME
from voice_app.domain.urgent_rounds import heatwave_policy
from voice_app.services.campaign_changes import start_urgent_round
from voice_app.services.campaigns import create_campaign
from voice_app.services.planning import plan_due_rounds
from voice_app.services.planning import plan_round


def due_order(veille) -> list[str]:
    with veille.session_factory() as session:
        return list(session.scalars(select(Tenant.reference).join(
            CallAttempt, CallAttempt.tenant_id == Tenant.id).order_by(CallAttempt.due_at)))


def test_a_dry_run_of_a_planned_round_says_it_is_already_planned(veille, organisation, now):
    add_tenant(veille, organisation, "PH-1")
    weekly_campaign(veille)
    preview = plan_round(veille, "Hebdo", now=now, dry_run=True)
    assert not preview.already_planned and preview.attempts == 1 and preview.round_id is None
    planned = plan_round(veille, "Hebdo", now=now)
    again = plan_round(veille, "Hebdo", now=now, dry_run=True)
    assert again.already_planned and again.round_id == planned.round_id and again.attempts == 1
    assert again.preview == []
    assert plan_round(veille, "Hebdo", now=now).already_planned


def test_the_clock_plans_an_urgent_round_the_fragile_first_whatever_their_half_day(veille, organisation, now):
    for reference in ("PH-1", "PH-2", "PH-3"):
        add_tenant(veille, organisation, reference, preferred_half_day="pm")
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).values(birth_year=1970))
        session.execute(update(Tenant).where(Tenant.reference == "PH-3").values(birth_year=1940))
    create_campaign(veille, URGENT_CAMPAIGN_NAME, heatwave_policy(1.0, 60), urgent=True)
    [result] = plan_due_rounds(veille, now)
    assert result.attempts == 3
    assert due_order(veille) == ["PH-3", "PH-1", "PH-2"]
    with veille.session_factory() as session:
        first = session.scalar(select(CallAttempt.due_at).order_by(CallAttempt.due_at).limit(1))
    assert first == now  # the morning, though every tenant prefers the afternoon


def test_the_previous_rounds_unreachable_and_help_cases_come_first(veille, organisation, now):
    for reference in ("PH-1", "PH-2", "PH-3", "PH-4"):
        add_tenant(veille, organisation, reference)
    with veille.session_factory() as session:
        ids = dict(session.execute(select(Tenant.reference, Tenant.id)).all())
    last_week = now - timedelta(days=7)
    task = add_task(veille, organisation.id, ids["PH-4"], "unreachable_twice", last_week)
    with veille.session_factory() as session:
        previous_round = session.get(FollowUp, task).round_id
    add_task(veille, organisation.id, ids["PH-3"], "help_health", last_week, round_id=previous_round)
    add_task(veille, organisation.id, ids["PH-2"], "opt_out", last_week, round_id=previous_round)
    started = start_urgent_round(veille, organisation.id, now, calls_per_second=1.0, max_concurrent_calls=60,
                                 actor=None, account_limit=1.0)
    assert started.result.attempts == 4
    assert due_order(veille) == ["PH-3", "PH-4", "PH-1", "PH-2"]


def test_after_todays_windows_the_urgent_campaign_waits_for_tomorrow(veille, organisation, now):
    add_tenant(veille, organisation, "PH-1")
    evening = now.replace(hour=18)  # 19:00 in Paris
    started = start_urgent_round(veille, organisation.id, evening, calls_per_second=1.0,
                                 max_concurrent_calls=60, actor=None, account_limit=1.0)
    assert started.result is None and started.campaign.active
    assert started.next_span.scheduled_on == evening.date() + timedelta(days=1)
