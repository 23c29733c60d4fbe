"""Planning's SQL: the Round row claimed with ON CONFLICT DO NOTHING, and a round's attempts
inserted as INSERT ... SELECT statements (on PostgreSQL in parallel shares for big rounds): the
due times come from each tenant's rank and the plan's short list of slot ranges, the tokens
from the database's random numbers; a million rows never travel through Python. Which tenants
a round targets is the caller's query (`targeted`: SELECT columns FROM the targeted tenants),
the order and the plan its decisions (voice_app.services.planning).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import BigInteger
from sqlalchemy import Insert
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import type_coerce
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
from db.repositories.zone_plan import stored_zone
from voice_app.domain.call_flow import State
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import SpreadPlan
from voice_app.domain.urgent_rounds import PRIORITY_HOUSEHOLD
from voice_app.domain.urgent_rounds import PRIORITY_REASONS
from voice_app.domain.urgent_rounds import latest_priority_birth_year

POSTGRES_WORK_MEM = "128MB"  # the ranking sort stays in memory for a million tenants
ATTEMPT_KEY = ["tenant_id", "round_id", "attempt_number"]
PLANNING = "planning"  # Round.status while its attempts are being inserted

Targeted = Callable[..., Select]  # targeted(*columns, extra=()) -> SELECT columns FROM the round's tenants
# counted(session, insert, workers, share): runs one share's INSERT and counts what it inserts
Counted = Callable[[Session, Insert, int, int], None]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    organisation's previous rounds left needing a person (an urgent round): the last closed
    round (its unreachable tenants are known only at its closing) and the rounds still under
    way (their help requests are known already). A weekly round started this morning must not
    hide last week's unreachable tenants."""
    fragile = and_(Tenant.household == PRIORITY_HOUSEHOLD,
                   Tenant.birth_year <= latest_priority_birth_year(day))
    of_organisation = select(Round.id).join(Campaign, Campaign.id == Round.campaign_id).where(
        Campaign.organisation_id == organisation_id, Round.starts_at <= now,
        ~and_(Round.campaign_id == campaign_id, Round.scheduled_on == day))
    last_closed = session.scalar(of_organisation.where(Round.status == "closed")
                                 .order_by(Round.starts_at.desc(), Round.id.desc()).limit(1))
    previous = [*session.scalars(of_organisation.where(Round.status != "closed")),
                *([last_closed] if last_closed is not None else [])]
    if previous:
        round_attempts = select(CallAttempt.id).where(CallAttempt.round_id.in_(previous))
        left_to_a_person = select(FollowUp.tenant_id).where(
            FollowUp.reason.in_(sorted(PRIORITY_REASONS)),
            FollowUp.round_id.in_(previous) | FollowUp.attempt_id.in_(round_attempts))
        fragile = fragile | Tenant.id.in_(left_to_a_person)
    return [case((fragile, 0), else_=1), Tenant.id]


def insert_attempts(session_factory: sessionmaker[Session], workers: int, targeted: Targeted,
                    organisation_id: int, round_id: int, zoned: ZonedPlan, order: list,
                    now: datetime, counted: Counted) -> None:
    """The round's first attempts, by INSERT ... SELECT (in `workers` shares on PostgreSQL, one
    statement on SQLite); attempts already there are kept. Each share's statement is run by
    `counted(session, insert, workers, share)` in the share's transaction, with what counts the
    new attempts, so they commit together."""
    if not zoned.plan.ranges:
        return
    if is_sqlite(session_factory.kw["bind"]):
        statement = _insert_statement(targeted, organisation_id, round_id, zoned, order, now, 1, 0, {},
                                      sqlite_dates=True)
        with session_factory.begin() as session:
            counted(session, statement, 1, 0)
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


def postgres_token():
    """22 URL-safe characters carrying the 122 random bits of gen_random_uuid(): unguessable,
    and three times cheaper than 256 bits for a million rows."""
    random_bytes = func.uuid_send(func.gen_random_uuid())
    return func.rtrim(func.translate(func.encode(random_bytes, "base64"), "+/", "-_"), "=")


def sqlite_token():
    """32 hexadecimal characters carrying 128 random bits (SQLite has no base64)."""
    return func.lower(func.hex(func.randomblob(16)))


def insert_select_postgres(session_factory: sessionmaker[Session], workers: int, targeted: Targeted,
                           organisation_id: int, round_id: int, zoned: ZonedPlan, order: list,
                           now: datetime, counted: Counted) -> None:
    """Run the INSERT ... SELECT as `workers` statements on their own connections, each
    writing the tenants whose id is its share modulo `workers` (a 2-core server inserts and
    checks foreign keys about twice as fast). Each share ranks only its own tenants; its
    ranks are offset by the size of the earlier shares, so the shares take consecutive
    blocks of each group's slots."""
    offsets = share_offsets(zoned.counts, workers)
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
                counted(session, statement, workers, share)
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


def share_offsets(counts: dict[tuple[str, int], int], workers: int) -> list[dict[str, int]]:
    """For each of `workers` shares, per group: how many tenants of that group the earlier
    shares hold (`counts`: tenants per group and share, the share being the id modulo
    `workers`, as zone_plan.zoned_plan counted them)."""
    offsets: list[dict[str, int]] = [{} for _ in range(workers)]
    for (group_name, share_number), count in counts.items():
        for later in range(share_number % workers + 1, workers):
            offsets[later][group_name] = offsets[later].get(group_name, 0) + count
    return offsets


def _slots(plan: SpreadPlan, offsets: dict[str, int], sqlite_dates: bool):
    """The plan's slot ranges as a table: group, first and last rank (this share's), first due
    time, microseconds between two calls. SQLite gets the first due time in microseconds since
    1970 (its dates are text: the due times are computed in integers, exactly as Python does)."""
    rows = []
    for slot in plan.ranges:
        first = slot.first_rank - offsets.get(slot.group, 0)
        start = (slot.first_at - EPOCH) // timedelta(microseconds=1) if sqlite_dates else slot.first_at
        rows.append((slot.group, first, first + slot.count - 1, start, slot.step_us))
    if not sqlite_dates:
        table = values(column("grp", String), column("first_rank", BigInteger),
                       column("last_rank", BigInteger), column("first_at", UTCDateTime()),
                       column("step_us", BigInteger), name="slots")
        return table.data(rows)
    # SQLite names a VALUES table's columns column1...: no named VALUES, no limit on its rows.
    parameters, tuples = {}, []
    for number, row in enumerate(rows):
        names = [f"slot_{number}_{position}" for position in range(5)]
        parameters.update(zip(names, row, strict=True))
        tuples.append("(" + ", ".join(f":{name}" for name in names) + ")")
    table = text("SELECT column1 AS grp, column2 AS first_rank, column3 AS last_rank, column4 AS first_at, "
                 "column5 AS step_us FROM (VALUES " + ", ".join(tuples) + ")").bindparams(**parameters)
    return table.columns(column("grp", String), column("first_rank", BigInteger),
                         column("last_rank", BigInteger), column("first_at", BigInteger),
                         column("step_us", BigInteger)).subquery("slots")


def _due_at(ranked, slots, sqlite_dates: bool):
    """A tenant's due time: its slot range's first, plus one step per rank after the first."""
    if not sqlite_dates:
        offset = (ranked.c.rank - slots.c.first_rank) * slots.c.step_us
        return slots.c.first_at + literal_column("interval '1 microsecond'") * offset
    due_us = slots.c.first_at + (ranked.c.rank - slots.c.first_rank) * slots.c.step_us
    seconds = func.strftime("%Y-%m-%d %H:%M:%S", due_us // 1_000_000, "unixepoch")
    # The text SQLAlchemy stores a datetime as on SQLite: 2026-11-23 09:00:00.000000.
    return type_coerce(type_coerce(seconds, String) + func.printf(".%06d", due_us % 1_000_000), UTCDateTime())


def _insert_statement(targeted: Targeted, organisation_id: int, round_id: int, zoned: ZonedPlan, order: list,
                      now: datetime, workers: int, share: int, offsets: dict[str, int], *,
                      sqlite_dates: bool = False):
    group, plan = zoned.group, zoned.plan
    rank = func.row_number().over(partition_by=group, order_by=order) - 1
    ranked = targeted(Tenant.id.label("tenant_id"), Tenant.phone.label("phone"), group.label("grp"),
                      rank.label("rank"), stored_zone().label("zone"), extra=_share_of(workers, share))
    ranked = ranked.subquery("ranked")
    slots = _slots(plan, offsets, sqlite_dates)
    due_at = _due_at(ranked, slots, sqlite_dates)
    source = select(
        sqlite_token() if sqlite_dates else postgres_token(), literal(organisation_id), ranked.c.tenant_id,
        literal(round_id), literal(1), zoned.is_last_expression(ranked.c.zone, due_at), literal("outbound"),
        literal("round"), literal(State.DUE), due_at, ranked.c.phone, ranked.c.zone, literal(0),
        literal(False), literal(now, UTCDateTime()),
    ).select_from(ranked.join(slots, and_(slots.c.grp == ranked.c.grp, ranked.c.rank >= slots.c.first_rank,
                                          ranked.c.rank <= slots.c.last_rank)))
    names = ["token", "organisation_id", "tenant_id", "round_id", "attempt_number", "is_last_attempt",
             "direction", "purpose", "state", "due_at", "to_number", "time_zone", "silences",
             "needs_reconciliation", "created_at"]
    dialect_insert = sqlite.insert if sqlite_dates else postgresql.insert
    return dialect_insert(CallAttempt).from_select(names, source).on_conflict_do_nothing(
        index_elements=ATTEMPT_KEY)
