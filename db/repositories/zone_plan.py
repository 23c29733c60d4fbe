"""A round's plan across time zones: each tenant is called in the windows of their own zone.

Theory of operation: planning groups the targeted tenants by a SQL expression, their
"group", and the domain spreads each group's first attempts over window intervals
(voice_app.domain.rounds.spread). Here the group carries the tenant's time zone as well as
their usable half-day preference: `am`, `pm`, `any` for Europe/Paris (NULL, or a zone Veille
does not call in) and `<zone>|am`, `<zone>|pm`, `<zone>|any` for an overseas zone. Each zone
present in the round is spread over its own intervals (its local windows within the round's
span) and the plans are merged; the dispatcher's one pacer keeps the account's rate whatever
the overlap. A zone without any window left in the round (a local public holiday...) plans
no call for its tenants, and says so.

`last_from` is per zone too: the instant from which a first attempt is the round's last
(voice_app.domain.retries.last_attempt_from) depends on that zone's windows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy.orm import Session

from db.models import Tenant
from db.models.base import UTCDateTime
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.retries import last_attempt_from
from voice_app.domain.rounds import ANY
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import SlotRange
from voice_app.domain.rounds import SpreadPlan
from voice_app.domain.rounds import spread
from voice_app.domain.time_zones import OVERSEAS_TIME_ZONES
from voice_app.domain.time_zones import zone
from voice_app.domain.windows import AM
from voice_app.domain.windows import PM
from voice_app.domain.windows import intervals_between

log = logging.getLogger("veille.planning")

SEPARATOR = "|"


@dataclass(frozen=True)
class ZonedPlan:
    """The merged plan, the SQL expression of each tenant's group, per-zone `last_from`, and
    the tenants counted per group and share (the tenant id modulo the number of shares)."""

    group: object  # a SQL expression over Tenant
    plan: SpreadPlan
    last_from: dict[str | None, datetime]  # zone name (None: Paris) -> instant
    counts: dict[tuple[str, int], int]  # (group, share) -> tenants

    def is_last(self, zone_name: str | None, due_at: datetime) -> bool:
        return due_at >= self.last_from.get(zone_name, self.last_from[None])

    def is_last_expression(self, zone_column, due_at):
        """SQL: is a first attempt due at `due_at`, in zone `zone_column`, the round's last?"""
        branches = [(zone_column == name, literal(instant, UTCDateTime()))
                    for name, instant in self.last_from.items() if name is not None]
        paris = literal(self.last_from[None], UTCDateTime())
        return due_at >= (case(*branches, else_=paris) if branches else paris)


def stored_zone():
    """SQL: the tenant's zone as an attempt stores it (NULL for Paris or an unknown name)."""
    return case((Tenant.time_zone.in_(OVERSEAS_TIME_ZONES), Tenant.time_zone), else_=None)


def zones_present(session: Session, targeted) -> list[str]:
    """The overseas zones among the targeted tenants (`targeted(*columns)` builds the query;
    the few overseas tenants are found through a partial index)."""
    query = targeted(Tenant.time_zone).where(Tenant.time_zone.in_(OVERSEAS_TIME_ZONES)).distinct()
    return sorted(session.scalars(query))


def zoned_plan(session: Session, targeted, policy: CampaignPolicy, span: RoundSpan, now: datetime,
               rate: float, preferences: bool = True, shares: int = 1) -> ZonedPlan:
    """Group, count and spread the targeted tenants zone by zone (`targeted(*columns)` builds
    the query of the round's tenants); without `preferences` (an urgent round, fragile first)
    half-day preferences are not grouped. The tenants are counted per group and per share of
    `shares` (by id) in the same statement, for inserting them in parallel shares. ValueError
    when no Paris window is left."""
    zones: list[str | None] = [None, *zones_present(session, targeted)]
    start = max(span.starts_at, now)
    intervals = {name: intervals_between(policy, start, span.ends_at, zone(name)) for name in zones}
    if not intervals[None]:
        raise ValueError("no call window left in this round")
    usable = {name: frozenset(i.half for i in found) if preferences else frozenset()
              for name, found in intervals.items()}
    group = _group_expression(usable)
    share = [Tenant.id % shares] if shares > 1 else []  # PostgreSQL groups by no constant
    by_share: dict[tuple[str, int], int] = {
        (row[0], row[1] if shares > 1 else 0): row[-1]
        for row in session.execute(targeted(group, *share, func.count()).group_by(group, *share))}
    counts: dict[str, int] = {}
    for (group_name, _share), count in by_share.items():
        counts[group_name] = counts.get(group_name, 0) + count
    plans = []
    for name in zones:
        mine = {_strip(key, name): count for key, count in counts.items() if _zone_of(key) == name}
        if not intervals[name]:
            if sum(mine.values()):
                log.warning("round.zone_without_window zone=%s tenants=%s", name, sum(mine.values()))
            continue
        plans.append(_prefixed(spread(intervals[name], mine, rate), name))
    last_from = {name: last_attempt_from(policy, span.starts_at, span.ends_at, zone(name)) for name in zones}
    return ZonedPlan(group, _merged(plans, rate), last_from, by_share)


def _group_expression(halves: dict[str | None, frozenset[str]]):
    branches = []
    for name, usable in halves.items():
        if name is None:
            continue
        for half in (AM, PM):
            if half in usable:
                branches.append((and_(Tenant.time_zone == name, Tenant.preferred_half_day == half),
                                 literal(f"{name}{SEPARATOR}{half}", String)))
        branches.append((Tenant.time_zone == name, literal(f"{name}{SEPARATOR}{ANY}", String)))
    paris = halves[None]
    if paris:
        branches.append((Tenant.preferred_half_day.in_(sorted(paris)), Tenant.preferred_half_day))
    if not branches:
        return literal(ANY, String)
    return case(*branches, else_=literal(ANY, String))


def _zone_of(group_name: str) -> str | None:
    return group_name.split(SEPARATOR, 1)[0] if SEPARATOR in group_name else None


def _strip(group_name: str, name: str | None) -> str:
    return group_name if name is None else group_name.split(SEPARATOR, 1)[1]


def _prefixed(plan: SpreadPlan, name: str | None) -> SpreadPlan:
    if name is None:
        return plan
    ranges = tuple(SlotRange(f"{name}{SEPARATOR}{r.group}", r.first_rank, r.count, r.first_at, r.step_us)
                   for r in plan.ranges)
    return SpreadPlan(ranges, plan.over_capacity, plan.rate)


def _merged(plans: list[SpreadPlan], rate: float) -> SpreadPlan:
    if not plans:
        return SpreadPlan((), False, rate)
    return SpreadPlan(tuple(r for plan in plans for r in plan.ranges), any(p.over_capacity for p in plans),
                      plans[0].rate)
