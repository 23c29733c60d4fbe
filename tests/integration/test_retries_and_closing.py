"""Retries and round closing on SQLite and PostgreSQL: each created once, follow-ups once."""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Round
from tests import databases
from tests.concurrency import run_together
from tests.integration.test_campaigns import add_tenant
from tests.integration.test_campaigns import weekly_campaign
from tests.integration.test_planning import attempts
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.domain.calendar import PARIS
from voice_app.domain.escalation import Reason
from voice_app.services import rounds as rounds_service
from voice_app.services.escalations import open_follow_up
from voice_app.services.organisations import ensure_organisation
from voice_app.services.planning import plan_round
from voice_app.services.retries import schedule_retries
from voice_app.services.rounds import close_finished_rounds

ROUND_END = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # Wednesday 18:00 Paris
AFTER_END = ROUND_END + timedelta(minutes=1)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def end_attempt(veille, tenant_id: int, number: int, outcome: str, at: datetime,
                state: str = "ended") -> None:
    """What the webhooks (or the dispatcher) would record for the tenant's due attempt `number`."""
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).where(
            CallAttempt.tenant_id == tenant_id, CallAttempt.attempt_number == number,
            CallAttempt.state == "due").values(
            state=state, outcome=outcome, dialled_at=at, ended_at=at + timedelta(minutes=1)))


def follow_ups(veille) -> list[tuple[int, str, str]]:
    with veille.session_factory.begin() as session:
        rows = session.execute(select(FollowUp.tenant_id, FollowUp.reason, FollowUp.priority)
                               .order_by(FollowUp.tenant_id, FollowUp.id)).all()
    return [tuple(row) for row in rows]


def rounds(veille) -> list[Round]:
    with veille.session_factory.begin() as session:
        return list(session.scalars(select(Round).order_by(Round.scheduled_on)))


@pytest.fixture
def planned(veille, organisation, now):
    """Three tenants planned in the Tuesday round of a weekly campaign."""
    ids = [add_tenant(veille, organisation, f"T-{n}") for n in range(3)]
    weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    return ids


def test_a_no_answer_gets_its_retry_in_the_afternoon_once(veille, planned):
    end_attempt(veille, planned[0], 1, "no_answer", paris(2026, 11, 24, 10, 31))
    moment = paris(2026, 11, 24, 10, 35)
    assert schedule_retries(veille, moment) == 1
    assert schedule_retries(veille, moment + timedelta(minutes=1)) == 0
    retry = attempts(veille, tenant_id=planned[0], attempt_number=2)[0]
    first = attempts(veille, tenant_id=planned[0], attempt_number=1)[0]
    assert (retry.state, retry.due_at, retry.is_last_attempt) == ("due", paris(2026, 11, 24, 14, 0), False)
    assert retry.round_id == first.round_id and retry.to_number == first.to_number
    assert len(retry.token) == 43 and retry.token != first.token


@pytest.mark.parametrize("outcome", ["ok", "help_health", "no_key", "failed"])
def test_outcomes_that_need_no_retry_get_none(veille, planned, outcome):
    end_attempt(veille, planned[0], 1, outcome, paris(2026, 11, 24, 10, 31))
    assert schedule_retries(veille, paris(2026, 11, 24, 10, 35)) == 0
    assert len(attempts(veille, tenant_id=planned[0])) == 1


def test_an_attempt_cancelled_at_claim_time_is_not_retried(veille, planned):
    end_attempt(veille, planned[0], 1, "skipped_away", paris(2026, 11, 24, 10, 31), state="cancelled")
    assert schedule_retries(veille, paris(2026, 11, 24, 10, 35)) == 0


def test_the_third_attempt_is_the_last_and_is_not_followed_by_a_fourth(veille, planned):
    tenant = planned[0]
    end_attempt(veille, tenant, 1, "busy", paris(2026, 11, 24, 10, 31))
    schedule_retries(veille, paris(2026, 11, 24, 10, 35))
    end_attempt(veille, tenant, 2, "voicemail", paris(2026, 11, 24, 14, 1))
    assert schedule_retries(veille, paris(2026, 11, 24, 14, 5)) == 1
    third = attempts(veille, tenant_id=tenant, attempt_number=3)[0]
    assert third.due_at == paris(2026, 11, 25, 10, 0) and third.is_last_attempt
    end_attempt(veille, tenant, 3, "unknown", paris(2026, 11, 25, 10, 1))
    assert schedule_retries(veille, paris(2026, 11, 25, 10, 5)) == 0
    assert len(attempts(veille, tenant_id=tenant)) == 3


def test_when_no_retry_fits_before_the_rounds_end_the_attempt_becomes_the_last(veille, planned):
    end_attempt(veille, planned[0], 1, "no_answer", paris(2026, 11, 25, 16, 30))
    assert schedule_retries(veille, paris(2026, 11, 25, 16, 35)) == 0
    assert attempts(veille, tenant_id=planned[0])[0].is_last_attempt


def test_a_damaged_campaign_does_not_stop_retries_of_the_others(veille, organisation, planned, caplog):
    add_tenant(veille, organisation, "OTHER")
    weekly_campaign(veille, "Autre")
    plan_round(veille, "Autre")
    broken = weekly_campaign(veille, "Cassée")
    with veille.session_factory.begin() as session:
        hebdo_round = session.scalar(select(Round.id).where(Round.campaign_id != broken.id).limit(1))
        session.execute(update(Round).where(Round.id == hebdo_round).values(campaign_id=broken.id))
        session.execute(update(Campaign).where(Campaign.id == broken.id).values(policy={"max_attempts": 0}))
    for attempt in attempts(veille):
        end_attempt(veille, attempt.tenant_id, 1, "no_answer", paris(2026, 11, 24, 10, 31))
    with caplog.at_level(logging.ERROR, logger="veille.retries"):
        created = schedule_retries(veille, paris(2026, 11, 24, 10, 35))
    assert created == 4  # the four tenants of "Autre", none of the damaged campaign's round
    assert hebdo_round not in {a.round_id for a in attempts(veille, attempt_number=2)}
    assert "retry.bad_policy" in caplog.text


def test_closing_opens_unreachable_and_invalid_number_follow_ups_once(veille, planned):
    unreachable, invalid, reached = planned
    end_attempt(veille, unreachable, 1, "no_answer", paris(2026, 11, 24, 10, 31))
    end_attempt(veille, invalid, 1, "failed", paris(2026, 11, 24, 10, 31))
    end_attempt(veille, reached, 1, "ok", paris(2026, 11, 24, 10, 31))
    schedule_retries(veille, paris(2026, 11, 24, 10, 35))
    assert close_finished_rounds(veille, paris(2026, 11, 24, 15, 0)) == 0  # a retry is still due
    assert close_finished_rounds(veille, AFTER_END) == 1
    assert close_finished_rounds(veille, AFTER_END + timedelta(minutes=1)) == 0
    assert follow_ups(veille) == [(unreachable, "unreachable", "normal"), (invalid, "invalid_number", "low")]
    retry = attempts(veille, tenant_id=unreachable, attempt_number=2)[0]
    assert (retry.state, retry.error) == ("cancelled", "round_closed")
    (closed,) = rounds(veille)
    assert closed.status == "closed" and closed.closed_at == AFTER_END


def test_a_tenant_answering_silently_or_never_called_gets_no_follow_up_from_closing(veille, planned):
    silent, away, _never_dialled = planned
    end_attempt(veille, silent, 1, "no_key", paris(2026, 11, 24, 10, 31))
    end_attempt(veille, away, 1, "skipped_away", paris(2026, 11, 24, 10, 31), state="cancelled")
    assert close_finished_rounds(veille, AFTER_END) == 1
    assert follow_ups(veille) == []


def test_an_invalid_number_already_escalated_by_the_call_is_not_escalated_twice(veille, organisation,
                                                                                  planned):
    end_attempt(veille, planned[0], 1, "failed", paris(2026, 11, 24, 10, 31))
    attempt = attempts(veille, tenant_id=planned[0])[0]
    with veille.session_factory.begin() as session:
        open_follow_up(session, organisation_id=organisation.id, tenant_id=planned[0],
                       reason=Reason.INVALID_NUMBER, now=paris(2026, 11, 24, 10, 32), attempt_id=attempt.id)
    close_finished_rounds(veille, AFTER_END)
    assert follow_ups(veille) == [(planned[0], "invalid_number", "low")]


def test_unreachable_two_rounds_in_a_row_is_urgent(veille, organisation):
    tenant = add_tenant(veille, organisation, "T-1")
    weekly_campaign(veille, max_attempts=1)
    plan_round(veille, "Hebdo")
    end_attempt(veille, tenant, 1, "no_answer", paris(2026, 11, 24, 10, 31))
    close_finished_rounds(veille, AFTER_END)
    plan_round(veille, "Hebdo", date(2026, 12, 1), now=paris(2026, 12, 1, 9, 45))
    end_attempt(veille, tenant, 1, "busy", paris(2026, 12, 1, 10, 1))
    assert close_finished_rounds(veille, paris(2026, 12, 2, 18, 1)) == 1
    assert follow_ups(veille) == [(tenant, "unreachable", "normal"), (tenant, "unreachable_twice", "urgent")]


def test_a_round_closes_early_once_every_tenant_is_settled(veille, planned):
    for tenant in planned[:2]:
        end_attempt(veille, tenant, 1, "ok", paris(2026, 11, 24, 10, 31))
    end_attempt(veille, planned[2], 1, "no_answer", paris(2026, 11, 24, 10, 31))
    assert close_finished_rounds(veille, paris(2026, 11, 24, 10, 40)) == 0  # its retry may still come
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).where(CallAttempt.tenant_id == planned[2]).values(
            outcome="help_food"))
    assert close_finished_rounds(veille, paris(2026, 11, 24, 10, 41)) == 1
    assert follow_ups(veille) == []


def test_a_call_in_flight_at_the_end_gets_a_grace_period_then_counts_as_unreachable(veille, planned):
    for tenant in planned[:2]:
        end_attempt(veille, tenant, 1, "ok", paris(2026, 11, 24, 10, 31))
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).where(CallAttempt.tenant_id == planned[2]).values(
            state="ringing", dialled_at=paris(2026, 11, 25, 17, 59)))
    assert close_finished_rounds(veille, AFTER_END) == 0
    assert close_finished_rounds(veille, ROUND_END + rounds_service.CLOSE_GRACE) == 1
    assert follow_ups(veille) == [(planned[2], "unreachable", "normal")]


def test_a_round_without_tenants_closes_at_once(veille, organisation, now):
    weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    assert close_finished_rounds(veille, now) == 1


def test_one_round_failing_to_close_does_not_stop_the_others(veille, organisation, planned, monkeypatch,
                                                             caplog):
    weekly_campaign(veille, "Autre")
    plan_round(veille, "Autre")
    failing = rounds(veille)[0].id
    real = rounds_service._verdicts

    def verdicts(session, round_id):
        if round_id == failing:
            raise RuntimeError("boom")
        return real(session, round_id)

    monkeypatch.setattr(rounds_service, "_verdicts", verdicts)
    with caplog.at_level(logging.ERROR, logger="veille.rounds"):
        assert close_finished_rounds(veille, AFTER_END) == 1
    assert f"round.close_failed round_id={failing}" in caplog.text


@pytest.mark.slow
def test_two_clocks_scheduling_retries_at_once_on_postgresql_create_each_retry_once(postgres_url):
    databases.empty_postgres(postgres_url)
    settings = Settings(DATABASE_URL=postgres_url)
    moment = paris(2026, 11, 24, 10, 35)
    clocks = [bootstrap(settings, clock=lambda: paris(2026, 11, 24, 10, 30)) for _ in range(2)]
    try:
        organisation = ensure_organisation(clocks[0].session_factory, "Habitat Test")
        ids = [add_tenant(clocks[0], organisation, f"T-{n:03d}") for n in range(200)]
        weekly_campaign(clocks[0], calls_per_second=50, max_concurrent_calls=3000)
        plan_round(clocks[0], "Hebdo")
        with clocks[0].session_factory.begin() as session:
            session.execute(update(CallAttempt).values(state="ended", outcome="no_answer",
                                                       dialled_at=paris(2026, 11, 24, 10, 31),
                                                       ended_at=paris(2026, 11, 24, 10, 32)))
        created, errors = run_together(lambda veille: schedule_retries(veille, moment), clocks)
        assert errors == [] and sum(created) == 200
        retries = attempts(clocks[0], attempt_number=2)
        assert sorted(a.tenant_id for a in retries) == ids
    finally:
        for clock in clocks:
            clock.close()
        databases.empty_postgres(postgres_url)


def test_a_round_still_being_planned_closes_only_once_its_end_and_grace_have_passed(veille, planned):
    for tenant in planned:
        end_attempt(veille, tenant, 1, "ok", paris(2026, 11, 24, 10, 31))
    with veille.session_factory.begin() as session:
        session.execute(update(Round).values(status="planning"))
    assert close_finished_rounds(veille, paris(2026, 11, 24, 10, 40)) == 0
    assert close_finished_rounds(veille, AFTER_END) == 0
    assert close_finished_rounds(veille, ROUND_END + rounds_service.CLOSE_GRACE) == 1


def test_a_retry_that_is_the_last_to_fit_before_the_end_is_marked_last(veille, planned):
    end_attempt(veille, planned[0], 1, "no_answer", paris(2026, 11, 25, 10, 5))  # Wednesday, the last day
    assert schedule_retries(veille, paris(2026, 11, 25, 10, 10)) == 1
    second = attempts(veille, tenant_id=planned[0], attempt_number=2)[0]
    assert second.due_at == paris(2026, 11, 25, 14, 0) and second.is_last_attempt


def test_no_call_of_a_round_is_placed_after_the_rounds_end(veille, organisation, telephony, now):
    """The closing waits for a call still ringing, and the windows were widened since planning:
    a retry left due must still not be dialled after the round's end."""
    from voice_app.domain.campaigns import CampaignPolicy
    from voice_app.domain.campaigns import Window
    from voice_app.services.dispatch import dispatch_due_calls

    ringing, backlog = add_tenant(veille, organisation, "PH-1"), add_tenant(veille, organisation, "PH-2")
    weekly_campaign(veille)
    span = plan_round(veille, "Hebdo", now=now).span  # Tuesday's round ends Wednesday 18:00 Paris
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).where(CallAttempt.tenant_id == ringing).values(
            state="ringing", provider_call_id="CA" + "a" * 32,
            dialled_at=span.ends_at - timedelta(minutes=1)))
        session.execute(update(CallAttempt).where(CallAttempt.tenant_id == backlog).values(
            due_at=span.ends_at - timedelta(seconds=30)))
        widened = CampaignPolicy(weekdays=frozenset({1}), windows=(Window(600, 750), Window(840, 1170)))
        session.execute(update(Campaign).values(policy=widened.to_dict()))  # until 19:30, for next week
    after_end = span.ends_at + timedelta(minutes=10)
    close_finished_rounds(veille, after_end)  # waits for the ringing call

    dispatch_due_calls(veille, after_end, worker_id="w", sleep=lambda s: None)

    assert telephony.placed == []
    assert dispatch_due_calls(veille, span.ends_at - timedelta(seconds=10), worker_id="w",
                              sleep=lambda s: None).placed == 1  # before the end, it would have been
