"""SQL of the figures' summary (figure_counts): what facts contribute to it, added or taken away.

A contribution is a SELECT of rows (key columns, count columns); `add` sums them per key and
adds them to the table in one INSERT ... SELECT ... ON CONFLICT DO UPDATE (in key order, so
two writers lock the rows they share in the same order). Tenant counts are distinct: a
tenant's row per scope is made first (its attempts' flags), then counted per group.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import literal_column
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import true
from sqlalchemy import type_coerce
from sqlalchemy import union_all
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from db.engine import is_sqlite
from db.models import CallAttempt
from db.models import Enrolment
from db.models import FigureCount
from db.models import FigureEnrolment
from db.models import FollowUp
from db.models import Round
from db.models import Tenant
from db.models import User
from db.models.base import UTCDateTime
from db.models.calls import CALL_FLAGS
from db.models.calls import CALLED
from db.models.calls import FIGURES_PENDING
from db.models.calls import OPTED_OUT
from db.models.calls import REACHED_BIT
from db.models.figures import COUNT_COLUMNS
from db.models.figures import ENROLMENT_KEY_COLUMNS
from db.models.figures import KEY_COLUMNS
from db.models.figures import NEVER
from db.models.figures import SHARDS
from voice_app.domain.escalation import Reason
from voice_app.domain.figure_slices import Slice
from voice_app.domain.follow_up import Referral
from voice_app.domain.follow_up import Status

TABLE = FigureCount.__table__
FLAGS = ("planned", "called", "reached", "opted_out")


def add(session: Session, contribution, table=TABLE, key_columns=KEY_COLUMNS,
        count_columns=COUNT_COLUMNS) -> None:
    """Add the rows of `contribution` (a SELECT or UNION of key and count columns) to the summary."""
    rows = contribution.subquery("contribution")
    keys = [rows.c[name] for name in key_columns]
    sums = [func.sum(rows.c[name]) for name in count_columns]
    summed = select(*keys, *(total.label(name) for total, name in zip(sums, count_columns, strict=True))) \
        .where(true()).group_by(*keys).having(or_(*(total != 0 for total in sums))) \
        .order_by(*keys)  # WHERE: for SQLite's INSERT ... SELECT ... ON CONFLICT; no row locked for nothing
    insert = (sqlite.insert if is_sqlite(session.get_bind()) else postgresql.insert)(table)
    statement = insert.from_select([*key_columns, *count_columns], summed)
    statement = statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in count_columns})
    session.execute(statement)


def add_enrolments(session: Session, contribution) -> None:
    add(session, contribution, FigureEnrolment.__table__, ENROLMENT_KEY_COLUMNS, ("tenants",))


ENROLMENTS = (FigureEnrolment.__table__, ENROLMENT_KEY_COLUMNS, ("tenants",))
COUNTS = (TABLE, KEY_COLUMNS, COUNT_COLUMNS)


def read(session: Session, contribution, into: dict, kind=COUNTS) -> None:
    """Add the rows of `contribution` to `into` (key -> counts), without writing anything."""
    _table, key_columns, count_columns = kind
    rows = contribution.subquery("contribution")
    keys = [rows.c[name] for name in key_columns]
    for found in session.execute(select(*keys, *(func.sum(rows.c[name]) for name in count_columns))
                                 .group_by(*keys)):
        key, counts = tuple(found[:len(keys)]), found[len(keys):]
        into[key] = [a + b for a, b in zip(into.get(key, [0] * len(counts)), counts, strict=True)]


def add_difference(session: Session, before: dict, after: dict, kind=COUNTS, batch: int = 400) -> None:
    """Write `after` minus `before`, only the rows that moved (by batches: SQLite's compound limit)."""
    table, key_columns, count_columns = kind
    moved = []
    for key in sorted(set(before) | set(after), key=repr):
        zero = [0] * len(count_columns)
        difference = [a - b for a, b in zip(after.get(key, zero), before.get(key, zero), strict=True)]
        if any(difference):
            moved.append((key, difference))
    for start in range(0, len(moved), batch):
        rows = [select(*(_typed(value).label(name) for value, name in zip(key, key_columns, strict=True)),
                       *(literal(n).label(name) for n, name in zip(counts, count_columns, strict=True)))
                for key, counts in moved[start:start + batch]]
        add(session, union_all(*rows), table, key_columns, count_columns)


def _typed(value):
    return literal(value, Date) if isinstance(value, date) else literal(value)


def enrolment_contribution(condition, *, sign: int = 1):
    """The enrolments matching `condition`, counted per group and dates (times `sign`)."""
    keys = [Enrolment.organisation_id, func.coalesce(Tenant.site, ""), func.coalesce(User.organisation_id, 0),
            Enrolment.enrolled_on, func.coalesce(Enrolment.unenrolled_on, NEVER), Enrolment.status]
    return select(*(key.label(name) for key, name in zip(keys, ENROLMENT_KEY_COLUMNS, strict=True)),
                  (func.count() * sign).label("tenants")) \
        .join(Tenant, Tenant.id == Enrolment.tenant_id) \
        .outerjoin(User, User.id == Tenant.assigned_volunteer_id).where(condition).group_by(*keys)


def enrolment_change(organisation_id: int, tenant_id: int, rows: list[tuple[tuple, int]]):
    """One enrolment's rows: ((enrolled_on, unenrolled_on, status), +1 or -1) in its tenant's group."""
    site = select(func.coalesce(Tenant.site, "")).where(Tenant.id == tenant_id).scalar_subquery()
    partner = select(User.organisation_id).join(Tenant, Tenant.assigned_volunteer_id == User.id) \
        .where(Tenant.id == tenant_id).scalar_subquery()
    return union_all(*(
        select(literal(organisation_id).label("organisation_id"), site.label("site"),
               func.coalesce(partner, 0).label("partner_id"), literal(enrolled_on, Date).label("enrolled_on"),
               literal(unenrolled_on or NEVER, Date).label("unenrolled_on"), literal(status).label("status"),
               literal(sign).label("tenants"))
        for (enrolled_on, unenrolled_on, status), sign in rows))


def row(organisation_id, month, grain: str, slice_=None, *, round_id=0, campaign_id=0, site="", partner_id=0,
        detail="", shard=0, **counts) -> list:
    """The columns of one contribution row: key then counts (0 when not given)."""
    keys = dict(organisation_id=organisation_id, month=month, grain=literal(grain), slice=slice_ if
                slice_ is not None else month, round_id=round_id, campaign_id=campaign_id, site=site,
                partner_id=partner_id, detail=detail, shard=shard)
    return [_expression(keys[name]).label(name) for name in KEY_COLUMNS] + \
        [_expression(counts.get(name, 0)).label(name) for name in COUNT_COLUMNS]


def groupable(*expressions) -> list:
    """The columns among `expressions` to GROUP BY (not constants: PostgreSQL refuses a bound
    parameter there)."""
    found = [e.__clause_element__() if hasattr(e, "__clause_element__") else e for e in expressions]
    return [e for e in found
            if isinstance(e, ColumnElement) and not isinstance(e, BindParameter | ScalarSelect)]


def _expression(value):
    return value if hasattr(value, "label") else literal(value)


def slices_table(slices: list[Slice]):
    """The slices as a table: month, monday, the slice's and the month's UTC bounds (a UNION of
    constant rows: SQLite has no named VALUES; keep under its 500 terms, see `by_months`)."""
    return union_all(*(select(literal(s.month, Date).label("month"), literal(s.monday, Date).label("monday"),
                              literal(s.starts_at, UTCDateTime()).label("starts_at"),
                              literal(s.ends_at, UTCDateTime()).label("ends_at"),
                              literal(s.month_starts_at, UTCDateTime()).label("month_starts_at"),
                              literal(s.month_ends_at, UTCDateTime()).label("month_ends_at"))
                       for s in slices)).subquery("slices")


def by_months(slices: list[Slice], most: int = 300) -> list[list[Slice]]:
    """`slices` in runs of whole months, each of at most about `most` slices."""
    runs: list[list[Slice]] = [[]]
    for s in slices:
        if len(runs[-1]) >= most and s.month != runs[-1][-1].month:
            runs.append([])
        runs[-1].append(s)
    return runs


def _categories():
    return union_all(*(select(literal(str(r)).label("category")) for r in Referral)).subquery("categories")


FLAG_BITS = {"called": CALLED, "reached": REACHED_BIT, "opted_out": OPTED_OUT}


def flag_of(attempt, name: str):
    """The condition that the summary counts an attempt with a flag (planned: any round
    attempt): its counted bits, which the fold brings up to its dial and outcome."""
    if name in FLAG_BITS:
        return attempt.counted_flags.op("&")(FLAG_BITS[name]) != 0
    return true()


# -- what calls did, counted later in batches (the fold) ---------------------------------------

SUMMARY_LOCK = 0x5665_6946  # PostgreSQL advisory lock: one writer of attempts' counts at a time


def lock(session: Session) -> None:
    """Take the summary's writers' lock for this transaction (SQLite: BEGIN IMMEDIATE has it)."""
    if not is_sqlite(session.get_bind()):
        session.execute(select(func.pg_advisory_xact_lock(SUMMARY_LOCK)))


def pending_attempts(session: Session, organisation_id: int | None, limit: int) -> list:
    """Round attempts whose dial or outcome the summary has not counted yet: (id,
    organisation_id, tenant_id, due_at), oldest first."""
    query = select(CallAttempt.id, CallAttempt.organisation_id, CallAttempt.tenant_id, CallAttempt.due_at) \
        .where(text(FIGURES_PENDING)).order_by(CallAttempt.id).limit(limit)
    if organisation_id is not None:
        query = query.where(CallAttempt.organisation_id == organisation_id)
    return list(session.execute(query))


def mark_counted(session: Session, condition) -> None:
    """The summary now counts what the attempts matching `condition` did."""
    session.execute(update(CallAttempt).where(condition, text(FIGURES_PENDING))
                    .values(counted_flags=literal_column(CALL_FLAGS)).execution_options(synchronize_session=False))


# -- attempts: tenants planned, called, reached, opted out ------------------------------------

def attempt_contribution(organisation_id: int, slices: list[Slice], *, sign: int = 1, tenant_ids=None):
    """What the round attempts due in `slices` contribute (times `sign`)."""
    s, a = slices_table(slices), CallAttempt
    conditions = [a.organisation_id == organisation_id, a.round_id.is_not(None), a.tenant_id.is_not(None),
                  a.due_at >= slices[0].starts_at, a.due_at < slices[-1].ends_at]
    if tenant_ids is not None:
        conditions.append(a.tenant_id.in_(tenant_ids))
    flags = [func.max(case((flag_of(a, name), 1), else_=0)).label(name) for name in FLAGS[1:]]
    finest = select(a.organisation_id.label("org"), s.c.month, s.c.monday, a.tenant_id, a.round_id, *flags) \
        .join_from(a, s, and_(a.due_at >= s.c.starts_at, a.due_at < s.c.ends_at)).where(*conditions) \
        .group_by(a.organisation_id, s.c.month, s.c.monday, a.tenant_id, a.round_id).cte("finest")
    rounds = aliased(Round)
    per_campaign = select(finest, rounds.campaign_id).join(rounds, rounds.id == finest.c.round_id).subquery()
    week = _tenants_per(finest, ["monday"], sign, lambda t: dict(slice_=t.c.monday), "week")
    round_ = _tenants_per(finest, ["round_id"], sign, lambda t: dict(round_id=t.c.round_id), "round")
    campaign = _tenants_per(per_campaign, ["campaign_id"], sign, lambda t: dict(campaign_id=t.c.campaign_id),
                            "campaign")
    return union_all(week, round_, campaign, _tenant_groups(finest, sign))


def _per_tenant(source, extra: list[str]):
    names = ["org", "month", *extra, "tenant_id"]
    flags = [func.max(source.c[name]).label(name) for name in FLAGS[1:]]
    keys = [source.c[name] for name in names]
    return select(*keys, *flags).group_by(*keys).subquery()


def _counted(tenants, sign: int) -> dict:
    return dict(planned=func.count() * sign,
                **{name: func.sum(tenants.c[name]) * sign for name in FLAGS[1:]})


def _tenants_per(source, extra: list[str], sign: int, keys, grain: str):
    tenants = _per_tenant(source, extra)
    shard = tenants.c.tenant_id % SHARDS
    group = [tenants.c.org, tenants.c.month, *(tenants.c[name] for name in extra), shard]
    return select(*row(tenants.c.org, tenants.c.month, grain, **keys(tenants), shard=shard,
                       **_counted(tenants, sign))).group_by(*group)


def _tenant_groups(finest, sign: int):
    """The month's tenants by (site, partner): each tenant in one group, so the groups add up."""
    tenants = _per_tenant(finest, [])
    site = func.coalesce(Tenant.site, "")
    partner = func.coalesce(User.organisation_id, 0)
    shard = tenants.c.tenant_id % SHARDS
    return select(*row(tenants.c.org, tenants.c.month, "group", site=site, partner_id=partner, shard=shard,
                       **_counted(tenants, sign))) \
        .join(Tenant, Tenant.id == tenants.c.tenant_id) \
        .outerjoin(User, User.id == Tenant.assigned_volunteer_id) \
        .group_by(tenants.c.org, tenants.c.month, site, partner, shard)


# -- follow-ups: opened by reason, done, referrals ---------------------------------------------

def follow_up_contribution(slices: list[Slice], condition, *, sign: int = 1):
    """What the follow-ups matching `condition` contribute in `slices` (times `sign`)."""
    selects = []
    referrals = _categories()
    for moment, person, counts in _follow_up_facts(referrals, sign):
        s = slices_table(slices)
        rounds, people = aliased(Round), aliased(User)
        on_slice = and_(moment >= s.c.starts_at, moment < s.c.ends_at)
        base = (FollowUp.__table__.join(s, on_slice).outerjoin(rounds, rounds.id == FollowUp.round_id)
                .outerjoin(Tenant, Tenant.id == FollowUp.tenant_id).outerjoin(people, people.id == person))
        if "referred" in counts:
            base = base.join(referrals, cast(FollowUp.referrals, String).like(
                literal('%"') + referrals.c.category + literal('"%')))
        detail = counts.pop("detail")
        grains = {"week": dict(slice_=s.c.monday),
                  "round": dict(round_id=func.coalesce(FollowUp.round_id, 0)),
                  "campaign": dict(campaign_id=func.coalesce(rounds.campaign_id, 0)),
                  "group": dict(site=func.coalesce(Tenant.site, ""),
                                partner_id=func.coalesce(people.organisation_id, 0))}
        where = [condition, moment >= slices[0].starts_at, moment < slices[-1].ends_at]
        if "completed" in counts or "referred" in counts:
            where.append(FollowUp.status == Status.DONE)
        for grain, keys in grains.items():
            shard = func.coalesce(FollowUp.tenant_id, 0) % SHARDS
            columns = row(FollowUp.organisation_id, s.c.month, grain, **keys, detail=detail, shard=shard,
                          **counts)
            group = groupable(FollowUp.organisation_id, s.c.month, *keys.values(), detail, shard)
            selects.append(select(*columns).select_from(base).where(*where).group_by(*group))
    return union_all(*selects)


def _follow_up_facts(referrals, sign: int):
    """(moment, person whose organisation is the partner, counts) of each kind of fact."""
    done_on_time = func.sum(case((FollowUp.completed_at <= FollowUp.due_at, 1), else_=0))
    by_usual = func.sum(case((FollowUp.completed_by_id == Tenant.assigned_volunteer_id, 1), else_=0))
    regular = func.sum(case((FollowUp.reason == str(Reason.REGULAR_CALL), 1), else_=0))
    yield FollowUp.created_at, FollowUp.assignee_id, dict(opened=func.count() * sign,
                                                          detail=type_coerce(FollowUp.reason, String))
    yield FollowUp.completed_at, FollowUp.completed_by_id, dict(
        completed=func.count() * sign, on_time=done_on_time * sign, by_usual=by_usual * sign,
        regular=regular * sign, detail=literal(""))
    yield FollowUp.completed_at, FollowUp.completed_by_id, dict(referred=func.count() * sign,
                                                                detail=referrals.c.category)


# -- one attempt's flags changing (the call's webhooks: one statement) --------------------------

def attempt_flags_change(attempt_id: int | None, organisation_id: int, tenant_id: int, round_id: int,
                         where: Slice, changes: dict[str, int]):
    """The rows for one attempt whose flags turn on (+1) or off (-1): a tenant's count in a
    scope moves only when no other of its round attempts in that scope has the flag."""
    campaign = select(Round.campaign_id).where(Round.id == round_id).scalar_subquery()
    site = select(func.coalesce(Tenant.site, "")).where(Tenant.id == tenant_id).scalar_subquery()
    partner = select(User.organisation_id).join(Tenant, Tenant.assigned_volunteer_id == User.id) \
        .where(Tenant.id == tenant_id).scalar_subquery()
    in_round = CallAttempt.round_id == round_id
    in_campaign = CallAttempt.round_id.in_(select(Round.id).where(Round.campaign_id == campaign))
    scopes = {
        "week": ((where.starts_at, where.ends_at, true()), dict(slice_=literal(where.monday, Date))),
        "round": ((where.month_starts_at, where.month_ends_at, in_round), dict(round_id=round_id)),
        "campaign": ((where.month_starts_at, where.month_ends_at, in_campaign), dict(campaign_id=campaign)),
        "group": ((where.month_starts_at, where.month_ends_at, true()),
                  dict(site=site, partner_id=func.coalesce(partner, 0))),
    }
    selects = []
    for grain, ((starts_at, ends_at, scope), keys) in scopes.items():
        counts = {}
        for name, sign in changes.items():
            others = exists().where(CallAttempt.tenant_id == tenant_id, CallAttempt.round_id.is_not(None),
                                    CallAttempt.id != (attempt_id or 0), CallAttempt.due_at >= starts_at,
                                    CallAttempt.due_at < ends_at, scope, flag_of(CallAttempt, name))
            counts[name] = case((~others, sign), else_=0)
        selects.append(select(*row(organisation_id, literal(where.month, Date), grain, **keys,
                                   shard=tenant_id % SHARDS, **counts)))
    return union_all(*selects)


def planned_contribution(round_id: int, created_at, slices: list[Slice], share_condition):
    """The tenants a planning pass of `round_id` adds (its attempts created at `created_at`): one
    scan of them per week slice (every bound a constant the planner can use on an index), each
    tenant flagged per scope where no other round attempt of theirs was planned, then counted."""
    new, other = aliased(CallAttempt), aliased(CallAttempt)
    campaign = select(Round.campaign_id).where(Round.id == round_id).scalar_subquery()
    older = ~and_(other.round_id == round_id, other.created_at == created_at)
    selects = []
    for number, where in enumerate(slices):
        month = (where.month_starts_at, where.month_ends_at)
        in_campaign = other.round_id.in_(select(Round.id).where(Round.campaign_id == campaign))
        scopes = {"week": ((where.starts_at, where.ends_at), true()),
                  "round": (month, other.round_id == round_id), "campaign": (month, in_campaign),
                  "group": (month, true())}
        first_in = {grain: case((~exists().where(
            other.tenant_id == new.tenant_id, other.round_id.is_not(None), older, other.due_at >= starts_at,
            other.due_at < ends_at, scope), 1), else_=0).label(grain)
            for grain, ((starts_at, ends_at), scope) in scopes.items()}
        tenants = select(new.organisation_id.label("org"), (new.tenant_id % SHARDS).label("shard"),
                         func.coalesce(Tenant.site, "").label("site"),
                         func.coalesce(User.organisation_id, 0).label("partner_id"), *first_in.values()) \
            .join(Tenant, Tenant.id == new.tenant_id) \
            .outerjoin(User, User.id == Tenant.assigned_volunteer_id) \
            .where(new.round_id == round_id, new.created_at == created_at, new.due_at >= where.starts_at,
                   new.due_at < where.ends_at, share_condition(new)).cte(f"planned_{number}")
        keys = {"week": dict(slice_=literal(where.monday, Date)), "round": dict(round_id=round_id),
                "campaign": dict(campaign_id=campaign),
                "group": dict(site=tenants.c.site, partner_id=tenants.c.partner_id)}
        for grain, grain_keys in keys.items():
            selects.append(select(*row(tenants.c.org, literal(where.month, Date), grain, **grain_keys,
                                       shard=tenants.c.shard, planned=func.sum(tenants.c[grain])))
                           .group_by(*groupable(tenants.c.org, *grain_keys.values(), tenants.c.shard)))
    return union_all(*selects)


def round_attempts_between(session: Session, organisation_id: int, starts_at, ends_at) -> bool:
    """Whether the organisation has a round attempt due in [starts_at, ends_at) (one index probe)."""
    return bool(session.scalar(select(exists().where(
        CallAttempt.organisation_id == organisation_id, CallAttempt.due_at >= starts_at,
        CallAttempt.due_at < ends_at, CallAttempt.round_id.is_not(None)))))


def insert_planned(session: Session, insert, round_id: int, created_at, slices: list[Slice]) -> None:
    """Run `insert` (a planning pass's INSERT of a round's attempts, created at `created_at`) and
    add its tenants to the summary, each planned in every scope: only for tenants with no other
    round attempt in the months of `slices` (the caller checked). PostgreSQL: one statement,
    counting the rows the INSERT returns; SQLite (no INSERT in a WITH): the INSERT, then one
    aggregate of the rows it wrote."""
    if is_sqlite(session.get_bind()):
        session.execute(insert)
        inserted = select(CallAttempt.organisation_id, CallAttempt.tenant_id, CallAttempt.due_at).where(
            CallAttempt.round_id == round_id, CallAttempt.created_at == created_at).subquery("inserted")
    else:
        inserted = insert.returning(CallAttempt.organisation_id, CallAttempt.tenant_id,
                                    CallAttempt.due_at).cte("inserted")
    add(session, _planned_everywhere(inserted, round_id, slices))


def _planned_everywhere(inserted, round_id: int, slices: list[Slice]):
    """Each of the `inserted` attempts' tenants counted once per scope (week slice, round,
    campaign, site and partner), no per-tenant check."""
    s = slices_table(slices)
    tenants = select(inserted.c.organisation_id.label("org"), s.c.month, s.c.monday,
                     (inserted.c.tenant_id % SHARDS).label("shard"),
                     func.coalesce(Tenant.site, "").label("site"),
                     func.coalesce(User.organisation_id, 0).label("partner_id")) \
        .select_from(inserted) \
        .join(s, and_(inserted.c.due_at >= s.c.starts_at, inserted.c.due_at < s.c.ends_at)) \
        .join(Tenant, Tenant.id == inserted.c.tenant_id) \
        .outerjoin(User, User.id == Tenant.assigned_volunteer_id).cte("planned")
    campaign = select(Round.campaign_id).where(Round.id == round_id).scalar_subquery()
    grains = {"week": dict(slice_=tenants.c.monday), "round": dict(round_id=round_id),
              "campaign": dict(campaign_id=campaign),
              "group": dict(site=tenants.c.site, partner_id=tenants.c.partner_id)}
    return union_all(*(
        select(*row(tenants.c.org, tenants.c.month, grain, **keys, shard=tenants.c.shard,
                    planned=func.count()))
        .group_by(*groupable(tenants.c.org, tenants.c.month, *keys.values(), tenants.c.shard))
        for grain, keys in grains.items()))
