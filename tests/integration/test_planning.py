"""Planning rounds on SQLite and PostgreSQL: one due attempt per targeted tenant, once."""

from __future__ import annotations

import importlib.util
import logging
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from bench.databases import fresh_sqlite
from db.models import CallAttempt
from db.models import Campaign
from db.models import Round
from db.models import Tenant
from tests import databases
from tests.concurrency import run_together
from tests.integration.test_campaigns import add_tenant
from tests.integration.test_campaigns import weekly_campaign
from tests.policies import always_open_policy
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.windows import is_open
from voice_app.services.campaigns import create_campaign
from voice_app.services.campaigns import set_campaign_active
from voice_app.services.organisations import ensure_organisation
from voice_app.services.planning import PlanningError
from voice_app.services.planning import plan_due_rounds
from voice_app.services.planning import plan_round

TUESDAY = date(2026, 11, 24)


def attempts(veille, **filters) -> list[CallAttempt]:
    with veille.session_factory.begin() as session:
        statement = select(CallAttempt).order_by(CallAttempt.tenant_id, CallAttempt.attempt_number)
        for name, value in filters.items():
            statement = statement.where(getattr(CallAttempt, name) == value)
        return list(session.scalars(statement))


def test_planning_creates_one_due_attempt_per_targeted_tenant(veille, organisation, now):
    ids = [add_tenant(veille, organisation, f"T-{n}") for n in range(5)]
    weekly_campaign(veille)
    result = plan_round(veille, "Hebdo")
    planned = attempts(veille)
    assert result.created and result.attempts == 5
    assert [a.tenant_id for a in planned] == ids
    assert {(a.attempt_number, a.state, a.purpose, a.direction, a.is_last_attempt) for a in planned} == {
        (1, "due", "round", "outbound", False)}
    assert all(a.round_id == result.round_id and a.organisation_id == organisation.id for a in planned)
    assert len({a.token for a in planned}) == 5
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,43}", a.token) for a in planned)
    with veille.session_factory.begin() as session:
        phones = dict(session.execute(select(Tenant.id, Tenant.phone)).all())
    assert all(a.to_number == phones[a.tenant_id] for a in planned)


def test_first_attempts_are_spread_from_now_at_the_dialling_rate(veille, organisation, now):
    for n in range(4):
        add_tenant(veille, organisation, f"T-{n}")
    weekly_campaign(veille, calls_per_second=1, max_concurrent_calls=30)  # 30 lines / 60 s = 0.5 call/s
    plan_round(veille, "Hebdo")
    due = [a.due_at for a in attempts(veille)]
    assert due == [now + timedelta(seconds=2 * k) for k in range(4)]
    assert all(is_open(CampaignPolicy(), moment) for moment in due)


def test_due_times_keep_every_microsecond_of_the_step_on_both_backends(veille, organisation, now):
    for n in range(4):
        add_tenant(veille, organisation, f"T-{n}")
    weekly_campaign(veille, calls_per_second=3, max_concurrent_calls=600)  # one call every 333,333 us
    plan_round(veille, "Hebdo")
    due = [a.due_at for a in attempts(veille)]
    assert due == [now + timedelta(microseconds=333_333 * k) for k in range(4)]


def test_a_round_lasts_two_call_days_from_its_first_window(veille, organisation, now):
    weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    with veille.session_factory.begin() as session:
        round_ = session.scalars(select(Round)).one()
    assert round_.scheduled_on == TUESDAY
    assert round_.starts_at.astimezone(PARIS) == datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    assert round_.ends_at.astimezone(PARIS) == datetime(2026, 11, 25, 18, 0, tzinfo=PARIS)


def test_planning_twice_creates_each_attempt_once(veille, organisation, now):
    for n in range(3):
        add_tenant(veille, organisation, f"T-{n}")
    weekly_campaign(veille)
    first = plan_round(veille, "Hebdo")
    again = plan_round(veille, "Hebdo")
    assert (first.created, again.created) == (True, False)
    assert again.round_id == first.round_id and again.attempts == 3
    assert len(attempts(veille)) == 3


def test_the_clock_plans_todays_round_from_shortly_before_its_window_once(veille, organisation):
    add_tenant(veille, organisation, "T-1")
    weekly_campaign(veille)
    too_early = datetime(2026, 11, 24, 8, 20, tzinfo=UTC)  # 09:20 Paris, window at 10:00
    assert plan_due_rounds(veille, too_early) == []
    just_before = datetime(2026, 11, 24, 8, 35, tzinfo=UTC)
    planned = plan_due_rounds(veille, just_before)
    assert [(r.campaign_name, r.attempts) for r in planned] == [("Hebdo", 1)]
    assert attempts(veille)[0].due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the window's start
    assert plan_due_rounds(veille, just_before + timedelta(minutes=1)) == []
    assert len(attempts(veille)) == 1


def test_the_clock_plans_nothing_on_a_day_without_occurrence_or_for_a_paused_campaign(veille, organisation):
    add_tenant(veille, organisation, "T-1")
    weekly_campaign(veille)
    assert plan_due_rounds(veille, datetime(2026, 11, 25, 9, 0, tzinfo=UTC)) == []  # a Wednesday
    set_campaign_active(veille, "Hebdo", False)
    assert plan_due_rounds(veille, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) == []
    assert attempts(veille) == []


def test_a_weekly_round_falling_on_a_public_holiday_starts_the_next_call_day(veille, organisation):
    add_tenant(veille, organisation, "T-1")
    create_campaign(veille, "Lundis", CampaignPolicy(weekdays=frozenset({0})), starts_on=date(2026, 5, 1))
    whit_monday = datetime(2026, 5, 25, 8, 0, tzinfo=UTC)
    assert plan_due_rounds(veille, whit_monday) == []
    planned = plan_due_rounds(veille, datetime(2026, 5, 26, 7, 45, tzinfo=UTC))
    assert [r.span.scheduled_on for r in planned] == [date(2026, 5, 26)]


def test_unenrolled_opted_out_away_and_phoneless_tenants_are_not_planned(veille, organisation, now):
    kept = add_tenant(veille, organisation, "KEPT")
    add_tenant(veille, organisation, "UNENROLLED", enrolled=False)
    add_tenant(veille, organisation, "OPTED-OUT", opted_out=True)
    add_tenant(veille, organisation, "NO-PHONE", phone=None)
    add_tenant(veille, organisation, "AWAY", away=(TUESDAY, TUESDAY))
    weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    assert [a.tenant_id for a in attempts(veille)] == [kept]


def test_a_tenant_who_prefers_the_afternoon_is_first_called_in_the_afternoon(veille, organisation):
    morning = add_tenant(veille, organisation, "AM", preferred_half_day="am")
    afternoon = add_tenant(veille, organisation, "PM", preferred_half_day="pm")
    anytime = add_tenant(veille, organisation, "ANY")
    weekly_campaign(veille)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    due = {a.tenant_id: a.due_at.astimezone(PARIS) for a in attempts(veille)}
    assert due[morning].date() == due[anytime].date() == due[afternoon].date() == TUESDAY
    assert due[morning].hour == 10 and due[anytime].hour == 10
    assert due[afternoon].hour == 14


def test_a_single_attempt_campaign_marks_the_first_attempt_as_the_last(veille, organisation, now):
    add_tenant(veille, organisation, "T-1")
    weekly_campaign(veille, max_attempts=1)
    plan_round(veille, "Hebdo")
    assert [a.is_last_attempt for a in attempts(veille)] == [True]


def test_a_campaign_without_tenants_plans_an_empty_round_once_and_says_so(veille, organisation, caplog):
    weekly_campaign(veille)
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    with caplog.at_level(logging.INFO, logger="veille.planning"):
        planned = plan_due_rounds(veille, moment)
        assert plan_due_rounds(veille, moment) == []
    assert [r.attempts for r in planned] == [0]
    assert "round.no_tenants" in caplog.text


def test_a_damaged_campaign_is_logged_and_the_others_are_still_planned(veille, organisation, caplog):
    add_tenant(veille, organisation, "T-1")
    broken = weekly_campaign(veille, "Cassée")
    weekly_campaign(veille, "Saine")
    with veille.session_factory.begin() as session:
        session.execute(update(Campaign).where(Campaign.id == broken.id).values(
            policy={"windows": [{"days": ["mon"], "start": "12:00", "end": "09:00"}]}))
    with caplog.at_level(logging.ERROR, logger="veille.planning"):
        planned = plan_due_rounds(veille, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert [r.campaign_name for r in planned] == ["Saine"]
    assert f"round.plan_failed campaign_id={broken.id}" in caplog.text


@pytest.mark.parametrize(("day", "now", "message"), [
    (date(2026, 11, 23), datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "dans le passé"),
    (date(2026, 11, 28), datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "Aucune fenêtre d'appel le 28/11/2026"),
    (date(2026, 11, 24), datetime(2026, 11, 24, 17, 30, tzinfo=UTC), "déjà terminée"),
    (date(2026, 10, 27), datetime(2026, 10, 27, 9, 0, tzinfo=UTC), "hors des dates"),
])
def test_a_round_that_cannot_be_planned_is_a_clear_error(veille, organisation, day, now, message):
    weekly_campaign(veille, round_days=1)
    with pytest.raises(PlanningError, match=message):
        plan_round(veille, "Hebdo", day, now=now)
    with veille.session_factory.begin() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 0


def test_a_dry_run_shows_masked_numbers_and_writes_nothing(veille, organisation, now):
    add_tenant(veille, organisation, "T-1", phone="+33612345678")
    weekly_campaign(veille)
    preview = plan_round(veille, "Hebdo", dry_run=True)
    assert preview.attempts == 1 and not preview.created
    assert [(c.reference, c.masked_phone, c.due_at) for c in preview.preview] == [
        ("T-1", "+33 6 •• •• •• 78", now)]
    with veille.session_factory.begin() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 0
    assert attempts(veille) == []


def test_the_demo_policy_plans_whatever_the_hour_even_on_a_sunday_night(veille, organisation):
    add_tenant(veille, organisation, "T-1")
    create_campaign(veille, "Démo", always_open_policy(), starts_on=date(2026, 11, 1))
    sunday_night = datetime(2026, 11, 29, 22, 50, tzinfo=UTC)  # 23:50 Paris
    planned = plan_due_rounds(veille, sunday_night)
    assert [(r.span.scheduled_on, r.attempts) for r in planned] == [(date(2026, 11, 29), 1)]
    assert attempts(veille)[0].due_at == sunday_night


def test_a_big_round_over_capacity_still_lands_every_call_inside_the_windows(veille, organisation):
    for n in range(40):
        add_tenant(veille, organisation, f"T-{n:02d}")
    weekly_campaign(veille, calls_per_second=0.001, round_days=1)  # 1 call every 1000 s: 40 do not fit
    late = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 17:00 Paris, one hour before the round's end
    result = plan_round(veille, "Hebdo", now=late)
    due = [a.due_at for a in attempts(veille)]
    assert result.over_capacity and len(due) == 40 and len(set(due)) == 40
    assert all(late <= moment < datetime(2026, 11, 24, 17, 0, tzinfo=UTC) for moment in due)


@pytest.mark.slow
def test_two_planners_at_once_on_postgresql_create_each_attempt_once(postgres_url):
    databases.empty_postgres(postgres_url)
    settings = Settings(DATABASE_URL=postgres_url)
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    planners = [bootstrap(settings, clock=lambda: moment) for _ in range(2)]
    try:
        organisation = ensure_organisation(planners[0].session_factory, "Habitat Test")
        for n in range(300):
            add_tenant(planners[0], organisation, f"T-{n:03d}")
        weekly_campaign(planners[0])
        planned_by_each, errors = run_together(lambda veille: plan_due_rounds(veille, moment), planners)
        results = [result for each in planned_by_each for result in each]
        assert errors == []
        assert [r.attempts for r in results] == [300]
        planned = attempts(planners[0])
        assert len(planned) == 300 and len({a.tenant_id for a in planned}) == 300
    finally:
        for veille in planners:
            veille.close()
        databases.empty_postgres(postgres_url)


def test_a_round_left_half_planned_by_a_dead_planner_is_finished_later(veille, organisation):
    for n in range(3):
        add_tenant(veille, organisation, f"T-{n}")
    campaign = weekly_campaign(veille)
    started = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
    with veille.session_factory.begin() as session:  # what a planner killed after its first commit leaves
        session.add(Round(campaign_id=campaign.id, scheduled_on=TUESDAY, status="planning",
                          planned_at=started, starts_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
                          ends_at=datetime(2026, 11, 25, 17, 0, tzinfo=UTC)))
    assert plan_due_rounds(veille, started + timedelta(minutes=5)) == []  # its planner may still be at work
    resumed = plan_due_rounds(veille, started + timedelta(minutes=11))
    assert [r.attempts for r in resumed] == [3]
    with veille.session_factory.begin() as session:
        assert session.scalar(select(Round.status)) == "planned"
    assert plan_due_rounds(veille, started + timedelta(minutes=12)) == []


def test_a_big_round_inserted_by_parallel_workers_plans_each_tenant_once(veille, organisation, monkeypatch):
    from voice_app.services import planning

    for n in range(30):
        add_tenant(veille, organisation, f"T-{n:02d}", preferred_half_day=("am", "pm", None)[n % 3])
    weekly_campaign(veille, calls_per_second=1, max_concurrent_calls=60)
    monkeypatch.setattr(planning, "PARALLEL_FROM", 10)
    monkeypatch.setattr(planning, "POSTGRES_WORKERS", 3)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    planned = attempts(veille)
    assert len(planned) == 30 and len({a.tenant_id for a in planned}) == 30
    assert len({a.due_at for a in planned}) == 30
    by_group = {}
    for attempt in planned:
        by_group.setdefault(attempt.due_at.astimezone(PARIS).hour, []).append(attempt.due_at)
    assert sorted(by_group) == [10, 14]


def test_the_planning_benchmark_runs_on_a_small_sqlite_database(tmp_path):
    path = Path(__file__).resolve().parents[2] / "bench" / "plan_round.py"
    spec = importlib.util.spec_from_file_location("bench_plan_round", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.run(fresh_sqlite(tmp_path), 300)
    assert figures["attempts"] == figures["stored"] == 294  # 1 % opted out, 1 % away
    assert figures["replanned"] == 0 and not figures["over_capacity"]


def test_an_every_day_campaign_plans_its_25_hour_round_on_the_autumn_dst_sunday(veille, organisation):
    add_tenant(veille, organisation, "T-1")
    create_campaign(veille, "Démo", always_open_policy(), starts_on=date(2026, 10, 1))
    just_after_midnight = datetime(2026, 10, 24, 22, 1, tzinfo=UTC)  # 00:01 summer time, Sunday 25
    planned = plan_due_rounds(veille, just_after_midnight)
    assert [r.span.scheduled_on for r in planned] == [date(2026, 10, 25)]
    with veille.session_factory.begin() as session:
        round_ = session.scalars(select(Round)).one()
    assert round_.ends_at - round_.starts_at == timedelta(hours=25)
    assert attempts(veille)[0].due_at == just_after_midnight


def test_a_round_planned_at_17_00_on_its_last_day_marks_its_attempts_last(veille, organisation):
    """No retry fits before 18:00: an answering machine must get the message with the number."""
    for n in range(3):
        add_tenant(veille, organisation, f"T-{n}")
    weekly_campaign(veille, round_days=1)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 17, 0, tzinfo=PARIS))
    planned = attempts(veille)
    assert len(planned) == 3 and [a.is_last_attempt for a in planned] == [True, True, True]


def test_a_round_planned_at_its_start_does_not_mark_its_first_attempts_last(veille, organisation, now):
    for n in range(3):
        add_tenant(veille, organisation, f"T-{n}")
    weekly_campaign(veille, round_days=1)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 10, 0, tzinfo=PARIS))
    assert [a.is_last_attempt for a in attempts(veille)] == [False, False, False]


def test_on_the_last_day_only_the_attempts_after_which_no_retry_fits_are_marked_last(veille, organisation):
    morning = add_tenant(veille, organisation, "AM", preferred_half_day="am")
    afternoon = add_tenant(veille, organisation, "PM", preferred_half_day="pm")
    weekly_campaign(veille, round_days=1)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 11, 0, tzinfo=PARIS))
    last = {a.tenant_id: a.is_last_attempt for a in attempts(veille)}
    assert last == {morning: False, afternoon: True}  # a morning no-answer is retried at 14:00


def test_a_big_round_planned_late_by_parallel_workers_marks_every_attempt_last(veille, organisation,
                                                                              monkeypatch):
    monkeypatch.setattr("voice_app.services.planning.PARALLEL_FROM", 2)
    for n in range(6):
        add_tenant(veille, organisation, f"T-{n}")
    weekly_campaign(veille, round_days=1)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 16, 30, tzinfo=PARIS))
    assert [a.is_last_attempt for a in attempts(veille)] == [True] * 6
