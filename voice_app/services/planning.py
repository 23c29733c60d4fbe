"""Planning: a campaign round becomes one due CallAttempt per targeted tenant.

Idempotent under repetition and concurrency: the Round row is inserted with
ON CONFLICT DO NOTHING on (campaign_id, scheduled_on) and committed first, status
`planning`, so of two planners only the one that inserted it goes on; the attempts are
inserted with ON CONFLICT DO NOTHING on (tenant_id, round_id, attempt_number); then the
round becomes `planned`. A round still `planning` long after (its planner died) is finished
by the next clock pass, keeping the attempts already there.

On PostgreSQL the attempts are INSERT ... SELECT statements (two in parallel for big
rounds): the due times come from each tenant's rank (row_number) and the domain's short
list of slot ranges, the tokens from gen_random_uuid(); a million rows never travel through
Python. On SQLite the rows are computed here and inserted by chunks.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import BigInteger
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy import values
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import column

from db.engine import is_sqlite
from db.models import CallAttempt
from db.models import Campaign
from db.models import Enrolment
from db.models import FollowUp
from db.models import Round
from db.models import Tenant
from db.models.base import UTCDateTime
from voice_app.bootstrap import Veille
from voice_app.domain.calendar import PARIS
from voice_app.domain.calendar import paris_date
from voice_app.domain.phones import mask_phone
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import SpreadPlan
from voice_app.domain.rounds import dialling_rate
from voice_app.domain.rounds import is_time_to_plan
from voice_app.domain.rounds import round_span
from voice_app.domain.rounds import round_starting_on
from voice_app.domain.time_zones import TENANT_TIME_ZONES
from voice_app.domain.time_zones import zone
from voice_app.domain.urgent_rounds import PRIORITY_HOUSEHOLD
from voice_app.domain.urgent_rounds import PRIORITY_REASONS
from voice_app.domain.urgent_rounds import latest_priority_birth_year
from voice_app.domain.urgent_rounds import puts_fragile_first
from voice_app.services import figure_counts
from voice_app.services.campaigns import CampaignError
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import get_campaign
from voice_app.services.campaigns import targeted_tenants_filter
from voice_app.services.zone_plan import ZonedPlan
from voice_app.services.zone_plan import group_zone
from voice_app.services.zone_plan import stored_zone
from voice_app.services.zone_plan import zoned_plan
from voice_app.services.zone_plan import zones_present

log = logging.getLogger("veille.planning")

SQLITE_CHUNK = 5000
ALL_ZONES = tuple(zone(name) for name in TENANT_TIME_ZONES)
PLANNING = "planning"  # Round.status while its attempts are being inserted
STALE_PLANNING = timedelta(minutes=10)  # a round still `planning` after this lost its planner
POSTGRES_WORKERS = 2
PARALLEL_FROM = 20_000  # tenants; smaller rounds are one statement
POSTGRES_WORK_MEM = "128MB"  # the ranking sort stays in memory for a million tenants
ATTEMPT_KEY = ["tenant_id", "round_id", "attempt_number"]


class PlanningError(CampaignError):
    """A round that cannot be planned (in the past, no window that day, paused campaign)."""


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


def plan_due_rounds(veille: Veille, now: datetime) -> list[PlanResult]:
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


def _active_campaigns(veille: Veille) -> list[Campaign]:
    with veille.session_factory.begin() as session:
        return list(session.scalars(select(Campaign).where(Campaign.active.is_(True)).order_by(Campaign.id)))


def _plan_if_due(veille: Veille, campaign: Campaign, now: datetime) -> PlanResult | None:
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
                                 _round_zones(veille, campaign, earliest.scheduled_on))
        if span is None or not is_time_to_plan(span, now):
            return None
        return _plan(veille, campaign, span, now)
    if existing.status == PLANNING and now - existing.planned_at >= STALE_PLANNING:
        log.warning("round.planning_resumed campaign_id=%s round_id=%s", campaign.id, existing.id)
        span = RoundSpan(existing.scheduled_on, existing.starts_at, existing.ends_at)
        return _fill_round(veille, campaign, existing.id, span, now)
    return None


def plan_round(veille: Veille, campaign_name: str, day: date | None = None, *, now: datetime | None = None,
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
    zones = _round_zones(veille, campaign, day)
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


def _already_planned(veille: Veille, campaign: Campaign, span: RoundSpan) -> PlanResult | None:
    """A dry run answers as the real command would: a round planned already is not planned again."""
    existing = _existing_round(veille, campaign.id, span.scheduled_on)
    if existing is None:
        return None
    return PlanResult(campaign.id, campaign.name, span, existing.planned_count, False, existing.id,
                      already_planned=True)


def _in_campaign_dates(campaign: Campaign, day: date) -> bool:
    return (campaign.starts_on is None or campaign.starts_on <= day) and (
        campaign.ends_on is None or day <= campaign.ends_on)


def _existing_round(veille: Veille, campaign_id: int, day: date) -> Round | None:
    with veille.session_factory.begin() as session:
        return session.scalar(select(Round).where(Round.campaign_id == campaign_id,
                                                  Round.scheduled_on == day))


def _plan(veille: Veille, campaign: Campaign, span: RoundSpan, now: datetime) -> PlanResult:
    """Claim the round (the Round row commits first, status `planning`), then fill it."""
    with veille.session_factory.begin() as session:
        round_id = _insert_round(session, campaign.id, span, now)
    if round_id is None:  # planned, or being planned, by someone else
        existing = _existing_round(veille, campaign.id, span.scheduled_on)
        return PlanResult(campaign.id, campaign.name, span, existing.planned_count, False, existing.id,
                          already_planned=True)
    return _fill_round(veille, campaign, round_id, span, now)


def _fill_round(veille: Veille, campaign: Campaign, round_id: int, span: RoundSpan,
                now: datetime) -> PlanResult:
    """Insert the round's first attempts (again, if resuming: existing ones are kept), then
    mark it `planned`."""
    with veille.session_factory.begin() as session:
        zoned = _spread_plan(session, campaign, span, now)
        order = _tenant_order(session, campaign, span, now)
    plan = zoned.plan
    # An attempt due at or after its zone's `last_from` is the round's last: no retry would fit
    # after it (an answering machine then gets the message with the number to call back).
    if is_sqlite(veille.engine):
        with veille.session_factory.begin() as session:
            _insert_rows_sqlite(session, campaign, round_id, span, zoned, order, now)
    else:
        # Shares rank their own tenants: a priority order over the whole round needs one statement.
        parallel = plan.total >= PARALLEL_FROM and len(order) == 1
        workers = POSTGRES_WORKERS if parallel else 1
        _insert_select_postgres(veille, workers, campaign, round_id, span, zoned, order, now)
    with veille.session_factory.begin() as session:
        count = session.scalar(select(func.count()).select_from(CallAttempt).where(
            CallAttempt.round_id == round_id, CallAttempt.attempt_number == 1))
        session.execute(update(Round).where(Round.id == round_id, Round.status == PLANNING).values(
            planned_count=count, status="planned"))
    log.info("round.planned campaign_id=%s round_id=%s scheduled_on=%s attempts=%s rate=%.3f "
             "over_capacity=%s", campaign.id, round_id, span.scheduled_on, count, plan.rate,
             plan.over_capacity)
    if plan.over_capacity:
        log.warning("round.over_capacity campaign_id=%s round_id=%s attempts=%s", campaign.id, round_id,
                    count)
    if count == 0:
        log.info("round.no_tenants campaign_id=%s round_id=%s", campaign.id, round_id)
    return PlanResult(campaign.id, campaign.name, span, count, True, round_id, plan.over_capacity, plan.rate)


def _insert_round(session: Session, campaign_id: int, span: RoundSpan, now: datetime) -> int | None:
    dialect_insert = sqlite.insert if is_sqlite(session.get_bind()) else postgresql.insert
    statement = dialect_insert(Round).values(
        campaign_id=campaign_id, scheduled_on=span.scheduled_on, starts_at=span.starts_at,
        ends_at=span.ends_at, status=PLANNING, planned_count=0, planned_at=now,
    ).on_conflict_do_nothing(index_elements=["campaign_id", "scheduled_on"]).returning(Round.id)
    return session.scalar(statement)


def _spread_plan(session: Session, campaign: Campaign, span: RoundSpan, now: datetime) -> ZonedPlan:
    """The tenants' grouping expression (zone and usable half-day preference) and the plan."""
    policy = campaign_policy(campaign)
    try:
        # An urgent round calls the most fragile first, whatever half-day they prefer.
        return zoned_plan(session, lambda *columns: _targeted(campaign, span, *columns), policy, span, now,
                          dialling_rate(policy), preferences=not puts_fragile_first(policy))
    except ValueError:
        raise PlanningError(
            f"Plus aucune fenêtre d'appel dans la tournée du {span.scheduled_on:%d/%m/%Y}.") from None


def _round_zones(veille: Veille, campaign: Campaign, day: date) -> tuple:
    """Paris and the overseas zones of the tenants a round on `day` targets."""
    with veille.session_factory.begin() as session:
        present = zones_present(session, lambda *columns: _targeted_on(campaign, day, *columns))
    return (PARIS, *(zone(name) for name in present))


def _targeted(campaign: Campaign, span: RoundSpan, *columns, extra=()):
    """SELECT `columns` FROM the tenants (joined to their enrolment) a round on `span` calls."""
    return _targeted_on(campaign, span.scheduled_on, *columns, extra=extra)


def _targeted_on(campaign: Campaign, day: date, *columns, extra=()):
    return (select(*columns).select_from(Tenant).join(Enrolment, Enrolment.tenant_id == Tenant.id)
            .where(*targeted_tenants_filter(campaign, day), *extra))


def _tenant_order(session: Session, campaign: Campaign, span: RoundSpan, now: datetime) -> list:
    """The order tenants get their slots in: by id; for an urgent round, the fragile first
    (80 or older living alone, or left needing a person by the organisation's previous round)."""
    if not puts_fragile_first(campaign_policy(campaign)):
        return [Tenant.id]
    fragile = and_(Tenant.household == PRIORITY_HOUSEHOLD,
                   Tenant.birth_year <= latest_priority_birth_year(span.scheduled_on))
    previous = session.scalar(select(Round.id).join(Campaign, Campaign.id == Round.campaign_id).where(
        Campaign.organisation_id == campaign.organisation_id, Round.starts_at <= now,
        ~and_(Round.campaign_id == campaign.id, Round.scheduled_on == span.scheduled_on))
        .order_by(Round.starts_at.desc(), Round.id.desc()).limit(1))
    if previous is not None:
        round_attempts = select(CallAttempt.id).where(CallAttempt.round_id == previous)
        left_to_a_person = select(FollowUp.tenant_id).where(
            FollowUp.reason.in_(sorted(PRIORITY_REASONS)),
            (FollowUp.round_id == previous) | FollowUp.attempt_id.in_(round_attempts))
        fragile = fragile | Tenant.id.in_(left_to_a_person)
    return [case((fragile, 0), else_=1), Tenant.id]


def _candidates(session: Session, campaign: Campaign, span: RoundSpan, group, order: list):
    """(tenant id, reference, phone, group) of every targeted tenant, in slot order."""
    return session.execute(_targeted(campaign, span, Tenant.id, Tenant.reference, Tenant.phone, group)
                           .order_by(*order))


def _ranked_due_times(rows, plan: SpreadPlan):
    """(tenant id, reference, phone, group, due time) of each tenant whose group has slots (a
    zone with no window left in the round has none: its tenants are not called this round)."""
    ranks: dict[str, int] = {}
    planned = {slot.group for slot in plan.ranges}
    for tenant_id, reference, phone, group in rows:
        if group not in planned:
            continue
        rank = ranks.get(group, 0)
        ranks[group] = rank + 1
        yield tenant_id, reference, phone, group, plan.due_at(group, rank)


def _insert_rows_sqlite(session: Session, campaign: Campaign, round_id: int, span: RoundSpan,
                        zoned: ZonedPlan, order: list, now: datetime) -> None:
    statement = sqlite.insert(CallAttempt).on_conflict_do_nothing(index_elements=ATTEMPT_KEY)
    rows = _candidates(session, campaign, span, zoned.group, order).all()
    chunk = []
    for tenant_id, _reference, phone, group, due_at in _ranked_due_times(rows, zoned.plan):
        zone_name = group_zone(group)
        chunk.append(dict(
            token=secrets.token_urlsafe(32), organisation_id=campaign.organisation_id, tenant_id=tenant_id,
            round_id=round_id, attempt_number=1, is_last_attempt=zoned.is_last(zone_name, due_at),
            direction="outbound", purpose="round", state="due", due_at=due_at, to_number=phone,
            time_zone=zone_name, silences=0, needs_reconciliation=False, created_at=now,
        ))
        if len(chunk) >= SQLITE_CHUNK:
            session.execute(statement, chunk)
            chunk = []
    if chunk:
        session.execute(statement, chunk)
    figure_counts.round_planned(session, round_id, now)


def postgres_token():
    """22 URL-safe characters carrying the 122 random bits of gen_random_uuid(): unguessable,
    and three times cheaper than 256 bits for a million rows."""
    random_bytes = func.uuid_send(func.gen_random_uuid())
    return func.rtrim(func.translate(func.encode(random_bytes, "base64"), "+/", "-_"), "=")


def _insert_select_postgres(veille: Veille, workers: int, campaign: Campaign, round_id: int, span: RoundSpan,
                            zoned: ZonedPlan, order: list, now: datetime) -> None:
    """Run the INSERT ... SELECT as `workers` statements on their own connections, each
    writing the tenants whose id is its share modulo `workers` (a 2-core server inserts and
    checks foreign keys about twice as fast). Each share ranks only its own tenants; its
    ranks are offset by the size of the earlier shares, so the shares take consecutive
    blocks of each group's slots."""
    if not zoned.plan.ranges:
        return
    offsets = _share_offsets(veille, campaign, span, zoned.group, workers)
    errors: list[BaseException] = []

    def insert_share(share: int) -> None:
        try:
            statement = _insert_statement(campaign, round_id, span, zoned, order, now, workers, share,
                                          offsets[share])
            with veille.session_factory.begin() as session:
                session.execute(text(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'"))
                # Not waiting for the WAL flush is safe here: a commit lost in a crash leaves
                # the round `planning`, and the next clock pass inserts what is missing.
                session.execute(text("SET LOCAL synchronous_commit = off"))
                session.execute(statement)
                figure_counts.round_planned(session, round_id, now, workers, share)
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=insert_share, args=(share,)) for share in range(1, workers)]
    for thread in threads:
        thread.start()
    insert_share(0)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _share_of(workers: int, share: int) -> list:
    return [Tenant.id % workers == share] if workers > 1 else []


def _share_offsets(veille: Veille, campaign: Campaign, span: RoundSpan, group,
                   workers: int) -> list[dict[str, int]]:
    """For each share, per group: how many tenants of that group the earlier shares hold."""
    if workers == 1:
        return [{}]
    share = (Tenant.id % workers).label("share")
    with veille.session_factory.begin() as session:
        counts = session.execute(_targeted(campaign, span, group, share, func.count()).group_by(group, share))
    offsets: list[dict[str, int]] = [{} for _ in range(workers)]
    for group_name, share_number, count in sorted(counts, key=lambda row: row[1]):
        for later in range(share_number + 1, workers):
            offsets[later][group_name] = offsets[later].get(group_name, 0) + count
    return offsets


def _insert_statement(campaign: Campaign, round_id: int, span: RoundSpan, zoned: ZonedPlan, order: list,
                      now: datetime, workers: int, share: int, offsets: dict[str, int]):
    group, plan = zoned.group, zoned.plan
    rank = func.row_number().over(partition_by=group, order_by=order) - 1
    ranked = _targeted(campaign, span, Tenant.id.label("tenant_id"), Tenant.phone.label("phone"),
                       group.label("grp"), rank.label("rank"), stored_zone().label("zone"),
                       extra=_share_of(workers, share))
    ranked = ranked.subquery("ranked")
    slot_rows = []
    for slot in plan.ranges:
        first = slot.first_rank - offsets.get(slot.group, 0)
        slot_rows.append((slot.group, first, first + slot.count - 1, slot.first_at, slot.step_us))
    slots = values(column("grp", String), column("first_rank", BigInteger), column("last_rank", BigInteger),
                   column("first_at", UTCDateTime()), column("step_us", BigInteger), name="slots")
    slots = slots.data(slot_rows)
    offset = (ranked.c.rank - slots.c.first_rank) * slots.c.step_us
    due_at = slots.c.first_at + literal_column("interval '1 microsecond'") * offset
    source = select(
        postgres_token(), literal(campaign.organisation_id), ranked.c.tenant_id, literal(round_id),
        literal(1), zoned.is_last_expression(ranked.c.zone, due_at), literal("outbound"), literal("round"),
        literal("due"), due_at, ranked.c.phone, ranked.c.zone, literal(0), literal(False),
        literal(now, UTCDateTime()),
    ).select_from(ranked.join(slots, and_(slots.c.grp == ranked.c.grp, ranked.c.rank >= slots.c.first_rank,
                                          ranked.c.rank <= slots.c.last_rank)))
    names = ["token", "organisation_id", "tenant_id", "round_id", "attempt_number", "is_last_attempt",
             "direction", "purpose", "state", "due_at", "to_number", "time_zone", "silences",
             "needs_reconciliation", "created_at"]
    return postgresql.insert(CallAttempt).from_select(names, source).on_conflict_do_nothing(
        index_elements=ATTEMPT_KEY)


def _preview(veille: Veille, campaign: Campaign, span: RoundSpan, now: datetime, limit: int) -> PlanResult:
    with veille.session_factory.begin() as session:
        zoned = _spread_plan(session, campaign, span, now)
        plan = zoned.plan
        order = _tenant_order(session, campaign, span, now)
        rows = _candidates(session, campaign, span, zoned.group, order).all()
        calls = sorted(_ranked_due_times(rows, plan), key=lambda row: row[4])
    shown = calls if limit <= 0 else calls[:limit]
    preview = [PlannedCall(reference, mask_phone(phone), due_at) for _id, reference, phone, _group, due_at
               in shown]
    return PlanResult(campaign.id, campaign.name, span, len(calls), False, None, plan.over_capacity,
                      plan.rate, preview)
