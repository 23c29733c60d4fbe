"""Planning's SQL: the Round row claimed with ON CONFLICT DO NOTHING, and a round's attempts
inserted, on PostgreSQL as INSERT ... SELECT statements (in parallel shares for big rounds: the
due times come from each tenant's rank and the plan's short list of slot ranges, the tokens
from gen_random_uuid(); a million rows never travel through Python), on SQLite as rows computed
here and inserted by chunks. Which tenants a round targets is the caller's query (`targeted`:
SELECT columns FROM the targeted tenants), the order and the plan its decisions
(voice_app.services.planning).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Select
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
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql import column

from db.engine import is_sqlite
from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Round
from db.models import Tenant
from db.models.base import UTCDateTime
from db.repositories.zone_plan import ZonedPlan
from db.repositories.zone_plan import group_zone
from db.repositories.zone_plan import stored_zone
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import SpreadPlan
from voice_app.domain.urgent_rounds import PRIORITY_HOUSEHOLD
from voice_app.domain.urgent_rounds import PRIORITY_REASONS
from voice_app.domain.urgent_rounds import latest_priority_birth_year

SQLITE_CHUNK = 5000
POSTGRES_WORK_MEM = "128MB"  # the ranking sort stays in memory for a million tenants
ATTEMPT_KEY = ["tenant_id", "round_id", "attempt_number"]
PLANNING = "planning"  # Round.status while its attempts are being inserted

Targeted = Callable[..., Select]  # targeted(*columns, extra=()) -> SELECT columns FROM the round's tenants
Counted = Callable[[Session, int, int], None]  # counted(session, workers, share): the inserted are counted


def active_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.active.is_(True)).order_by(Campaign.id)))


def existing_round(session: Session, campaign_id: int, day: date) -> Round | None:
    return session.scalar(select(Round).where(Round.campaign_id == campaign_id, Round.scheduled_on == day))


def insert_round(session: Session, campaign_id: int, span: RoundSpan, now: datetime) -> int | None:
    """The round's row, status `planning`; None when another planner inserted it first."""
    dialect_insert = sqlite.insert if is_sqlite(session.get_bind()) else postgresql.insert
    statement = dialect_insert(Round).values(
        campaign_id=campaign_id, scheduled_on=span.scheduled_on, starts_at=span.starts_at,
        ends_at=span.ends_at, status=PLANNING, planned_count=0, planned_at=now,
    ).on_conflict_do_nothing(index_elements=["campaign_id", "scheduled_on"]).returning(Round.id)
    return session.scalar(statement)


def mark_planned(session: Session, round_id: int) -> int:
    """The round is `planned`, with the count of its first attempts (returned)."""
    count = session.scalar(select(func.count()).select_from(CallAttempt).where(
        CallAttempt.round_id == round_id, CallAttempt.attempt_number == 1))
    session.execute(update(Round).where(Round.id == round_id, Round.status == PLANNING).values(
        planned_count=count, status="planned"))
    return count


def fragile_first_order(session: Session, organisation_id: int, campaign_id: int, day: date,
                        now: datetime) -> list:
    """ORDER BY terms putting first the tenants 80 or older living alone, and those the
    organisation's previous round left needing a person (an urgent round)."""
    fragile = and_(Tenant.household == PRIORITY_HOUSEHOLD,
                   Tenant.birth_year <= latest_priority_birth_year(day))
    previous = session.scalar(select(Round.id).join(Campaign, Campaign.id == Round.campaign_id).where(
        Campaign.organisation_id == organisation_id, Round.starts_at <= now,
        ~and_(Round.campaign_id == campaign_id, Round.scheduled_on == day))
        .order_by(Round.starts_at.desc(), Round.id.desc()).limit(1))
    if previous is not None:
        round_attempts = select(CallAttempt.id).where(CallAttempt.round_id == previous)
        left_to_a_person = select(FollowUp.tenant_id).where(
            FollowUp.reason.in_(sorted(PRIORITY_REASONS)),
            (FollowUp.round_id == previous) | FollowUp.attempt_id.in_(round_attempts))
        fragile = fragile | Tenant.id.in_(left_to_a_person)
    return [case((fragile, 0), else_=1), Tenant.id]


def insert_attempts(session_factory: sessionmaker[Session], workers: int, targeted: Targeted,
                    organisation_id: int, round_id: int, zoned: ZonedPlan, order: list,
                    now: datetime, counted: Counted) -> None:
    """The round's first attempts: INSERT ... SELECT in `workers` shares on PostgreSQL, chunks
    computed here on SQLite; attempts already there are kept. `counted(session, workers, share)`
    runs in each inserting transaction, so what counts the new attempts commits with them."""
    if is_sqlite(session_factory.kw["bind"]):
        with session_factory.begin() as session:
            insert_rows_sqlite(session, targeted, organisation_id, round_id, zoned, order, now)
            counted(session, 1, 0)
    else:
        insert_select_postgres(session_factory, workers, targeted, organisation_id, round_id, zoned, order,
                               now, counted)


def candidates(session: Session, targeted: Targeted, group, order: list):
    """(tenant id, reference, phone, group) of every targeted tenant, in slot order."""
    return session.execute(targeted(Tenant.id, Tenant.reference, Tenant.phone, group).order_by(*order))


def ranked_due_times(rows, plan: SpreadPlan):
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


def insert_rows_sqlite(session: Session, targeted: Targeted, organisation_id: int, round_id: int,
                       zoned: ZonedPlan, order: list, now: datetime) -> None:
    """The round's attempts, computed here and inserted by chunks (SQLite)."""
    statement = sqlite.insert(CallAttempt).on_conflict_do_nothing(index_elements=ATTEMPT_KEY)
    rows = candidates(session, targeted, zoned.group, order).all()
    chunk = []
    for tenant_id, _reference, phone, group, due_at in ranked_due_times(rows, zoned.plan):
        zone_name = group_zone(group)
        chunk.append(dict(
            token=secrets.token_urlsafe(32), organisation_id=organisation_id, tenant_id=tenant_id,
            round_id=round_id, attempt_number=1, is_last_attempt=zoned.is_last(zone_name, due_at),
            direction="outbound", purpose="round", state="due", due_at=due_at, to_number=phone,
            time_zone=zone_name, silences=0, needs_reconciliation=False, created_at=now,
        ))
        if len(chunk) >= SQLITE_CHUNK:
            session.execute(statement, chunk)
            chunk = []
    if chunk:
        session.execute(statement, chunk)


def postgres_token():
    """22 URL-safe characters carrying the 122 random bits of gen_random_uuid(): unguessable,
    and three times cheaper than 256 bits for a million rows."""
    random_bytes = func.uuid_send(func.gen_random_uuid())
    return func.rtrim(func.translate(func.encode(random_bytes, "base64"), "+/", "-_"), "=")


def insert_select_postgres(session_factory: sessionmaker[Session], workers: int, targeted: Targeted,
                           organisation_id: int, round_id: int, zoned: ZonedPlan, order: list,
                           now: datetime, counted: Counted) -> None:
    """Run the INSERT ... SELECT as `workers` statements on their own connections, each
    writing the tenants whose id is its share modulo `workers` (a 2-core server inserts and
    checks foreign keys about twice as fast). Each share ranks only its own tenants; its
    ranks are offset by the size of the earlier shares, so the shares take consecutive
    blocks of each group's slots."""
    if not zoned.plan.ranges:
        return
    offsets = _share_offsets(session_factory, targeted, zoned.group, workers)
    errors: list[BaseException] = []

    def insert_share(share: int) -> None:
        try:
            statement = _insert_statement(targeted, organisation_id, round_id, zoned, order, now, workers,
                                          share, offsets[share])
            with session_factory.begin() as session:
                session.execute(text(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'"))
                # Not waiting for the WAL flush is safe here: a commit lost in a crash leaves
                # the round `planning`, and the next clock pass inserts what is missing.
                session.execute(text("SET LOCAL synchronous_commit = off"))
                session.execute(statement)
                counted(session, workers, share)
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


def _share_offsets(session_factory: sessionmaker[Session], targeted: Targeted, group,
                   workers: int) -> list[dict[str, int]]:
    """For each share, per group: how many tenants of that group the earlier shares hold."""
    if workers == 1:
        return [{}]
    share = (Tenant.id % workers).label("share")
    with session_factory.begin() as session:
        counts = session.execute(targeted(group, share, func.count()).group_by(group, share))
    offsets: list[dict[str, int]] = [{} for _ in range(workers)]
    for group_name, share_number, count in sorted(counts, key=lambda row: row[1]):
        for later in range(share_number + 1, workers):
            offsets[later][group_name] = offsets[later].get(group_name, 0) + count
    return offsets


def _insert_statement(targeted: Targeted, organisation_id: int, round_id: int, zoned: ZonedPlan, order: list,
                      now: datetime, workers: int, share: int, offsets: dict[str, int]):
    group, plan = zoned.group, zoned.plan
    rank = func.row_number().over(partition_by=group, order_by=order) - 1
    ranked = targeted(Tenant.id.label("tenant_id"), Tenant.phone.label("phone"), group.label("grp"),
                      rank.label("rank"), stored_zone().label("zone"), extra=_share_of(workers, share))
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
        postgres_token(), literal(organisation_id), ranked.c.tenant_id, literal(round_id),
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
