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


def test_a_tenant_due_in_two_rounds_at_once_is_rung_once_and_again_half_an_hour_later(
        veille, organisation, telephony, now):
    """The heatwave round starts while the weekly round is calling: a tenant due in both gets one
    call now; the other round's call waits (a second call at once would find the line busy)."""
    from voice_app.services.claim_checks import TENANT_IN_CALL_DELAY
    from voice_app.services.dispatch import dispatch_due_calls

    both = add_tenant(veille, organisation, "PH-1")
    weekly_campaign(veille)
    plan_round(veille, "Hebdo", now=now)
    start_urgent_round(veille, organisation.id, now, calls_per_second=1.0, max_concurrent_calls=60,
                       actor=None, account_limit=1.0)

    first = dispatch_due_calls(veille, now, worker_id="w", sleep=lambda s: None)
    again = dispatch_due_calls(veille, now + timedelta(minutes=1), worker_id="w", sleep=lambda s: None)

    assert len(telephony.placed) == 1 and (first.placed, again.placed) == (1, 0)
    with veille.session_factory() as session:
        states = sorted((a.state, a.due_at) for a in session.scalars(
            select(CallAttempt).where(CallAttempt.tenant_id == both)))
    assert states == [("due", now + TENANT_IN_CALL_DELAY), ("queued", states[1][1])]


def test_a_tenant_on_the_line_to_the_service_is_not_rung_meanwhile(veille, organisation, telephony, now):
    from voice_app.services.dispatch import dispatch_due_calls

    calling_in = add_tenant(veille, organisation, "PH-1")
    other = add_tenant(veille, organisation, "PH-2")
    weekly_campaign(veille)
    plan_round(veille, "Hebdo", now=now)
    with veille.session_factory.begin() as session:
        session.add(CallAttempt(token="entrant-ph-1", organisation_id=organisation.id, tenant_id=calling_in,
                                direction="inbound", purpose="inbound", state="in_progress", due_at=now))

    with veille.session_factory() as session:
        phones = dict(session.execute(select(Tenant.id, Tenant.phone)).all())
        last_due = max(session.scalars(select(CallAttempt.due_at).where(CallAttempt.state == "due")))
    assert last_due <= now + timedelta(hours=1)

    dispatch_due_calls(veille, now + timedelta(hours=1), worker_id="w", sleep=lambda s: None)

    assert [call.to_number for call in telephony.placed] == [phones[other]]


def test_last_weeks_unreachable_tenant_comes_first_though_this_weeks_round_started(
        veille, organisation, now):
    from voice_app.services.rounds import close_finished_rounds

    ids = [add_tenant(veille, organisation, f"PH-{n}") for n in (1, 2, 3)]
    with veille.session_factory.begin() as session:  # nobody is 80 or older: only last week counts
        session.execute(update(Tenant).values(birth_year=1960))
    weekly_campaign(veille)
    last_week = now - timedelta(days=7)
    plan_round(veille, "Hebdo", now=last_week)
    with veille.session_factory.begin() as session:  # PH-3 never answered last week
        session.execute(update(CallAttempt).where(CallAttempt.tenant_id == ids[2]).values(
            state="ended", outcome="no_answer", is_last_attempt=True, dialled_at=last_week,
            ended_at=last_week + timedelta(minutes=1)))
        session.execute(update(CallAttempt).where(CallAttempt.tenant_id != ids[2]).values(
            state="ended", outcome="ok", dialled_at=last_week, ended_at=last_week))
    close_finished_rounds(veille, last_week + timedelta(days=2))
    plan_round(veille, "Hebdo", now=now)  # this week's weekly round, under way since 10:00

    started = start_urgent_round(veille, organisation.id, now + timedelta(minutes=5), calls_per_second=1.0,
                                 max_concurrent_calls=60, actor=None, account_limit=1.0)

    with veille.session_factory() as session:
        urgent = list(session.scalars(
            select(Tenant.reference).join(CallAttempt, CallAttempt.tenant_id == Tenant.id)
            .where(CallAttempt.round_id == started.result.round_id)
            .order_by(CallAttempt.due_at, CallAttempt.id)))
    assert urgent[0] == "PH-3"
