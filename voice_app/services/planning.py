"""Planning: a campaign round becomes one due CallAttempt per targeted tenant.

Idempotent under repetition and concurrency: the Round row is inserted with
ON CONFLICT DO NOTHING on (campaign_id, scheduled_on) and committed first, status
`planning`, so of two planners only the one that inserted it goes on; the attempts are
inserted with ON CONFLICT DO NOTHING on (tenant_id, round_id, attempt_number); then the
round becomes `planned`. A round still `planning` long after (its planner died) is finished
by the next clock pass, keeping the attempts already there.

The attempts are inserted by db.repositories.round_attempts (INSERT ... SELECT statements, on
PostgreSQL two in parallel for big rounds), each with what counts its tenants in the figures'
summary (voice_app.services.figure_counts.planning_count); this module decides which tenants,
in which order, on which plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import partial

from db.models import Campaign
from db.models import Round
from db.repositories import round_attempts
from db.repositories.round_attempts import PLANNING
from voice_app.domain.calendar import paris_date
from voice_app.domain.phones import mask_phone
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import is_time_to_plan
from voice_app.domain.rounds import round_span
from voice_app.domain.rounds import round_starting_on
from voice_app.domain.time_zones import TENANT_TIME_ZONES
from voice_app.domain.time_zones import zone
from voice_app.services import figure_counts
from voice_app.services import round_plan
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import get_campaign
from voice_app.services.ports import Runtime
from voice_app.services.round_plan import PlanningError

log = logging.getLogger("veille.planning")

ALL_ZONES = tuple(zone(name) for name in TENANT_TIME_ZONES)
STALE_PLANNING = timedelta(minutes=10)  # a round still `planning` after this lost its planner
POSTGRES_WORKERS = 2
PARALLEL_FROM = 20_000  # tenants; smaller rounds are one statement


@dataclass(frozen=True)
class PlannedCall:
    reference: str
    masked_phone: str
    due_at: datetime


@dataclass
class PlanResult:
    """What planning did (or, in a dry run, would do) for one round."""

    campaign_id: int
    campaign_name: str
    span: RoundSpan
    attempts: int
    created: bool
    round_id: int | None = None
    over_capacity: bool = False
    rate: float = 0.0
    preview: list[PlannedCall] = field(default_factory=list)
    already_planned: bool = False


def plan_due_rounds(veille: Runtime, now: datetime) -> list[PlanResult]:
    """Plan every active campaign's round starting today (Paris) once its planning time has
    come. Called by the clock every minute: a bad campaign is logged and skipped."""
    results = []
    for campaign in _active_campaigns(veille):
        try:
            result = _plan_if_due(veille, campaign, now)
        except Exception:  # one damaged campaign must never stop the others
            log.exception("round.plan_failed campaign_id=%s", campaign.id)
            continue
        if result is not None and result.created:
            results.append(result)
    return results


def _active_campaigns(veille: Runtime) -> list[Campaign]:
    with veille.session_factory.begin() as session:
        return round_attempts.active_campaigns(session)


def _plan_if_due(veille: Runtime, campaign: Campaign, now: datetime) -> PlanResult | None:
    policy = campaign_policy(campaign)
    # A first look with every zone Veille calls in (a Réunion window opens hours before
    # Paris's); then the round's own span, from the zones of its tenants, decides.
    earliest = round_starting_on(policy, paris_date(now), ALL_ZONES)
    if earliest is None or not is_time_to_plan(earliest, now) \
            or not _in_campaign_dates(campaign, earliest.scheduled_on):
        return None
    existing = _existing_round(veille, campaign.id, earliest.scheduled_on)
    if existing is None:
        span = round_starting_on(policy, earliest.scheduled_on,
                                 round_plan.round_zones(veille, campaign, earliest.scheduled_on))
        if span is None or not is_time_to_plan(span, now):
            return None
        return _plan(veille, campaign, span, now)
    if existing.status == PLANNING and now - existing.planned_at >= STALE_PLANNING:
        log.warning("round.planning_resumed campaign_id=%s round_id=%s", campaign.id, existing.id)
        span = RoundSpan(existing.scheduled_on, existing.starts_at, existing.ends_at)
        return _fill_round(veille, campaign, existing.id, span, now)
    return None


def plan_round(veille: Runtime, campaign_name: str, day: date | None = None, *, now: datetime | None = None,
               dry_run: bool = False, preview_limit: int = 100,
               organisation_id: int | None = None) -> PlanResult:
    """Plan (or with `dry_run`, preview) the round of `campaign_name` starting on `day`.
    Without `day`, today's scheduled round (Paris); with it, that date's round, scheduled or
    exceptional. Raises PlanningError with a French message."""
    now = now or veille.clock()
    campaign = get_campaign(veille, campaign_name, organisation_id)
    today = paris_date(now)
    exceptional_allowed = day is not None
    day = day or today
    if day < today:
        raise PlanningError(f"Impossible de planifier une tournée dans le passé ({day:%d/%m/%Y}).")
    if not campaign.active:
        raise PlanningError(f"La campagne « {campaign.name} » est en pause (veille campaigns resume).")
    if not _in_campaign_dates(campaign, day):
        raise PlanningError(f"Le {day:%d/%m/%Y} est hors des dates de la campagne « {campaign.name} ».")
    policy = campaign_policy(campaign)
    zones = round_plan.round_zones(veille, campaign, day)
    span = round_starting_on(policy, day, zones)
    if span is None and not exceptional_allowed:
        raise PlanningError(f"Pas de tournée prévue aujourd'hui pour « {campaign.name} » "
                            "(précisez --date pour une tournée exceptionnelle).")
    span = span or round_span(policy, day, zones)
    if span is None:
        raise PlanningError(f"Aucune fenêtre d'appel le {day:%d/%m/%Y} pour « {campaign.name} ».")
    if now >= span.ends_at:
        raise PlanningError(f"La tournée du {day:%d/%m/%Y} est déjà terminée.")
    if dry_run:
        planned = _already_planned(veille, campaign, span)
        return planned or _preview(veille, campaign, span, now, preview_limit)
    return _plan(veille, campaign, span, now)


def _already_planned(veille: Runtime, campaign: Campaign, span: RoundSpan) -> PlanResult | None:
    """A dry run answers as the real command would: a round planned already is not planned again."""
    existing = _existing_round(veille, campaign.id, span.scheduled_on)
    if existing is None:
        return None
    return PlanResult(campaign.id, campaign.name, span, existing.planned_count, False, existing.id,
                      already_planned=True)


def _in_campaign_dates(campaign: Campaign, day: date) -> bool:
    return (campaign.starts_on is None or campaign.starts_on <= day) and (
        campaign.ends_on is None or day <= campaign.ends_on)


def _existing_round(veille: Runtime, campaign_id: int, day: date) -> Round | None:
    with veille.session_factory.begin() as session:
        return round_attempts.existing_round(session, campaign_id, day)


def _plan(veille: Runtime, campaign: Campaign, span: RoundSpan, now: datetime) -> PlanResult:
    """Claim the round (the Round row commits first, status `planning`), then fill it."""
    with veille.session_factory.begin() as session:
        round_id = round_attempts.insert_round(session, campaign.id, span, now)
    if round_id is None:  # planned, or being planned, by someone else
        existing = _existing_round(veille, campaign.id, span.scheduled_on)
        return PlanResult(campaign.id, campaign.name, span, existing.planned_count, False, existing.id,
                          already_planned=True)
    return _fill_round(veille, campaign, round_id, span, now)


def _fill_round(veille: Runtime, campaign: Campaign, round_id: int, span: RoundSpan,
                now: datetime) -> PlanResult:
    """Insert the round's first attempts (again, if resuming: existing ones are kept), then
    mark it `planned`."""
    with veille.session_factory.begin() as session:
        zoned = round_plan.spread_plan(session, campaign, span, now, shares=POSTGRES_WORKERS)
        order = round_plan.tenant_order(session, campaign, span, now)
        counting = figure_counts.planning_count(session, round_id, campaign.organisation_id, now)
    plan = zoned.plan
    # An attempt due at or after its zone's `last_from` is the round's last: no retry would fit
    # after it (an answering machine then gets the message with the number to call back).
    targeted = partial(round_plan.targeted, campaign, span)
    # Shares rank their own tenants: a priority order over the whole round needs one statement.
    parallel = plan.total >= PARALLEL_FROM and len(order) == 1
    round_attempts.insert_attempts(veille.session_factory, POSTGRES_WORKERS if parallel else 1, targeted,
                                   campaign.organisation_id, round_id, zoned, order, now, counting.insert)
    with veille.session_factory.begin() as session:
        count = round_attempts.mark_planned(session, round_id)
    log.info("round.planned campaign_id=%s round_id=%s scheduled_on=%s attempts=%s rate=%.3f "
             "over_capacity=%s", campaign.id, round_id, span.scheduled_on, count, plan.rate,
             plan.over_capacity)
    if plan.over_capacity:
        log.warning("round.over_capacity campaign_id=%s round_id=%s attempts=%s", campaign.id, round_id,
                    count)
    if count == 0:
        log.info("round.no_tenants campaign_id=%s round_id=%s", campaign.id, round_id)
    return PlanResult(campaign.id, campaign.name, span, count, True, round_id, plan.over_capacity, plan.rate)


def _preview(veille: Runtime, campaign: Campaign, span: RoundSpan, now: datetime, limit: int) -> PlanResult:
    with veille.session_factory.begin() as session:
        zoned = round_plan.spread_plan(session, campaign, span, now)
        plan = zoned.plan
        order = round_plan.tenant_order(session, campaign, span, now)
        targeted = partial(round_plan.targeted, campaign, span)
        rows = round_attempts.candidates(session, targeted, zoned.group, order).all()
        calls = sorted(round_attempts.ranked_due_times(rows, plan), key=lambda row: row[4])
    shown = calls if limit <= 0 else calls[:limit]
    preview = [PlannedCall(reference, mask_phone(phone), due_at) for _id, reference, phone, _group, due_at
               in shown]
    return PlanResult(campaign.id, campaign.name, span, len(calls), False, None, plan.over_capacity,
                      plan.rate, preview)
