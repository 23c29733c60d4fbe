"""The figures of a period (DESIGN §9), counted in the database, grouped by week, round, site,
campaign or partner, within what the viewer may see.

Each fact is counted where it is written, in a few aggregate queries over indexed columns
(migration 0010): round attempts by their due time, follow-ups by their opening and by their
completion. Counts of tenants are distinct per group, so the total of a period is counted on
its own (a tenant called in two weeks is one tenant of the month); follow-up counts add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import text

from db.models import CallAttempt
from db.models import Campaign
from db.models import Enrolment
from db.models import FollowUp
from db.models import Organisation
from db.models import Round
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import Veille
from voice_app.domain.escalation import Reason
from voice_app.domain.figure_slices import whole_month
from voice_app.domain.figures import DIMENSION_LABELS
from voice_app.domain.figures import REFERRALS
from voice_app.domain.figures import UNREACHABLE_REASONS
from voice_app.domain.figures import Counts
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import Period
from voice_app.domain.outcomes import REACHED
from voice_app.domain.outcomes import Outcome
from voice_app.domain.people import Viewer
from voice_app.services import figure_counts
from voice_app.services.follow_ups import visible
from voice_app.services.tenants import visible_tenants

NO_GROUP = "(aucun)"
WORK_MEM = "64MB"
TOTAL_KEY = -1  # the period's total row among the weeks of the attempts' query


@dataclass(frozen=True)
class Figures:
    period: Period
    dimension: Dimension
    rows: list[Counts]  # one per group, in order
    total: Counts
    weeks: list[Counts]  # week by week, for the charts

    @property
    def dimension_label(self) -> str:
        return DIMENSION_LABELS[self.dimension]


def compute(veille: Veille, viewer: Viewer, period: Period, dimension: Dimension = Dimension.WEEK, *,
            from_facts: bool = False) -> Figures:
    """The figures of `period` that `viewer` may see, grouped by `dimension`: a whole month seen
    by the whole landlord is read from the summary (figure_counts), unless `from_facts`."""
    month = None if from_facts or not viewer.sees_whole_landlord else whole_month(period)
    if month is not None:  # the calls of the last seconds first: what is shown is exact
        for landlord_id in viewer.landlord_ids:
            figure_counts.fold_pending(veille, landlord_id)
    with veille.session_factory() as session:
        if month is not None:
            from voice_app.services.figures_summary import SummaryCounter  # it extends _Counter

            counter = SummaryCounter(session, viewer, period, month)
        else:
            if session.get_bind().dialect.name == "postgresql":  # per-tenant aggregates stay in memory
                session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            counter = _Counter(session, viewer, period)
        weeks = counter.rows(Dimension.WEEK)
        rows = weeks if dimension == Dimension.WEEK else counter.rows(dimension)
        total = counter.total(weeks)
    return Figures(period, dimension, rows, total, weeks)


class _Counter:
    """The queries of one request: one session, one viewer, one period."""

    def __init__(self, session, viewer: Viewer, period: Period) -> None:
        self.session, self.viewer, self.period = session, viewer, period
        self.week_list = period.weeks()
        self._landlord_enrolments: list | None = None
        self._attempt_total: dict | None = None  # counted along with the weeks

    # -- groups ------------------------------------------------------------------------------
    def _week_key(self, column):
        whens = [(column < week.ends_at, index) for index, week in enumerate(self.week_list)]
        return case(*whens, else_=len(self.week_list) - 1)

    def _attempt_key(self, dimension: Dimension, query):
        if dimension == Dimension.WEEK:
            return self._week_key(CallAttempt.due_at), query
        if dimension == Dimension.ROUND:
            return CallAttempt.round_id, query
        if dimension == Dimension.CAMPAIGN:
            return Round.campaign_id, query.join(Round, Round.id == CallAttempt.round_id)
        if dimension == Dimension.SITE:
            return Tenant.site, query.join(Tenant, Tenant.id == CallAttempt.tenant_id)
        return User.organisation_id, query.join(Tenant, Tenant.id == CallAttempt.tenant_id) \
            .outerjoin(User, User.id == Tenant.assigned_volunteer_id)

    def _follow_up_key(self, dimension: Dimension, query, moment, person):
        if dimension == Dimension.WEEK:
            return self._week_key(moment), query
        if dimension == Dimension.ROUND:
            return FollowUp.round_id, query
        if dimension == Dimension.CAMPAIGN:
            return Round.campaign_id, query.outerjoin(Round, Round.id == FollowUp.round_id)
        if dimension == Dimension.SITE:
            return Tenant.site, query
        return User.organisation_id, query.outerjoin(User, User.id == person)

    # -- facts -------------------------------------------------------------------------------
    def _attempts(self, dimension: Dimension | None) -> dict:
        """Tenants planned, called, reached and opted out, per group: one row per tenant and
        group first (one hash aggregate), then counted, rather than four DISTINCT sorts."""
        tenant = CallAttempt.tenant_id
        query = select(
            tenant.label("tenant_id"),
            func.max(case((CallAttempt.dialled_at.is_not(None), 1), else_=0)).label("called"),
            func.max(case((CallAttempt.outcome.in_([str(o) for o in REACHED]), 1), else_=0)).label("reached"),
            func.max(case((CallAttempt.outcome == Outcome.OPT_OUT, 1), else_=0)).label("opted_out"),
        ).where(CallAttempt.organisation_id.in_(self.viewer.landlord_ids), CallAttempt.round_id.is_not(None),
                tenant.is_not(None), CallAttempt.due_at >= self.period.starts_at,
                CallAttempt.due_at < self.period.ends_at)
        if not self.viewer.sees_whole_landlord:
            query = query.where(tenant.in_(select(Tenant.id).where(visible_tenants(self.viewer))))
        key = literal(None)
        if dimension is not None:
            key, query = self._attempt_key(dimension, query)
        per_tenant = query.add_columns(key.label("group_key")).group_by(key, tenant).cte("per_tenant")
        counted = select(per_tenant.c.group_key, func.count(), func.sum(per_tenant.c.called),
                         func.sum(per_tenant.c.reached), func.sum(per_tenant.c.opted_out)) \
            .group_by(per_tenant.c.group_key)
        if dimension == Dimension.WEEK:  # the period's own total, from the same rows (one scan)
            tenants = select(per_tenant.c.tenant_id, func.max(per_tenant.c.called).label("called"),
                             func.max(per_tenant.c.reached).label("reached"),
                             func.max(per_tenant.c.opted_out).label("opted_out")) \
                .group_by(per_tenant.c.tenant_id).subquery()
            counted = counted.union_all(select(literal(TOTAL_KEY), func.count(), func.sum(tenants.c.called),
                                               func.sum(tenants.c.reached), func.sum(tenants.c.opted_out)))
        found = {}
        for group, planned, called, reached, opt_outs in self.session.execute(counted):
            found[group] = dict(planned=planned, called=called or 0, reached=reached or 0,
                                opt_outs=opt_outs or 0)
        return found

    def _follow_ups(self, moment):
        return (FollowUp.organisation_id.in_(self.viewer.landlord_ids), visible(self.viewer),
                moment >= self.period.starts_at, moment < self.period.ends_at)

    def _opened(self, dimension: Dimension) -> list:
        query = select(FollowUp.reason, func.count()).select_from(FollowUp) \
            .where(*self._follow_ups(FollowUp.created_at))
        query = _with_tenant(query) if dimension == Dimension.SITE else query
        key, query = self._follow_up_key(dimension, query, FollowUp.created_at, FollowUp.assignee_id)
        return list(self.session.execute(query.add_columns(key).group_by(key, FollowUp.reason)))

    def _completed(self, dimension: Dimension) -> list:
        """Follow-ups done: count, on time, by the usual volunteer, regular calls, then one count
        per referral category, all in one pass (a category is a quoted word of the JSON list)."""
        referrals = cast(FollowUp.referrals, String)
        query = select(
            func.count(),
            func.sum(case((FollowUp.completed_at <= FollowUp.due_at, 1), else_=0)),
            func.sum(case((FollowUp.completed_by_id == Tenant.assigned_volunteer_id, 1), else_=0)),
            func.sum(case((FollowUp.reason == Reason.REGULAR_CALL, 1), else_=0)),
            *(func.sum(case((referrals.like(f'%"{category}"%'), 1), else_=0)) for category in REFERRALS),
        ).select_from(FollowUp).outerjoin(Tenant, Tenant.id == FollowUp.tenant_id) \
            .where(FollowUp.status == "done", *self._follow_ups(FollowUp.completed_at))
        key, query = self._follow_up_key(dimension, query, FollowUp.completed_at, FollowUp.completed_by_id)
        return list(self.session.execute(query.add_columns(key).group_by(key)))

    def _enrolments(self, group=None, joins=()) -> list:
        """(group, enrolled_on, unenrolled_on, status, count): few distinct rows, dated in Python."""
        columns = [group if group is not None else literal(None), Enrolment.enrolled_on,
                   Enrolment.unenrolled_on, Enrolment.status]
        query = select(*columns, func.count()).where(Enrolment.organisation_id.in_(self.viewer.landlord_ids),
                                                     Enrolment.enrolled_on <= self.period.last)
        if group is not None or not self.viewer.sees_whole_landlord:  # the tenant is needed
            query = query.join(Tenant, Tenant.id == Enrolment.tenant_id).where(visible_tenants(self.viewer))
        for join in joins:
            query = query.outerjoin(*join)
        return list(self.session.execute(query.group_by(*columns)))

    def _all_enrolments(self) -> list:
        if self._landlord_enrolments is None:  # the weeks and the total read the same rows
            self._landlord_enrolments = self._enrolments()
        return self._landlord_enrolments

    # -- rows --------------------------------------------------------------------------------
    def rows(self, dimension: Dimension) -> list[Counts]:
        groups: dict[object, Counts] = {}
        if dimension == Dimension.WEEK:
            groups = {index: Counts(index, week.label) for index, week in enumerate(self.week_list)}

        def row(key) -> Counts:
            return groups.setdefault(key, Counts(key))

        for key, values in self._attempts(dimension).items():
            if key == TOTAL_KEY:
                self._attempt_total = values
                continue
            vars(row(key)).update(values)
        for reason, count, key in self._opened(dimension):
            self._add_need(row(key), reason, count)
        for count, on_time, usual, regular, *by_category, key in self._completed(dimension):
            self._add_completed(row(key), count, on_time, usual, regular)
            for category, number in zip(REFERRALS, by_category, strict=True):
                if number:
                    row(key).referrals[str(category)] = row(key).referrals.get(str(category), 0) + number
        self._add_enrolled(dimension, groups)
        self._label(dimension, groups)
        return sorted(groups.values(), key=lambda c: (c.key is None, _sort_key(dimension, c)))

    def total(self, weeks: list[Counts]) -> Counts:
        total = Counts(None, "Total")
        vars(total).update(self._attempt_total if self._attempt_total is not None
                           else self._attempts(None).get(None, {}))
        for week in weeks:
            for reason, count in week.needs.items():
                self._add_need(total, reason, count)
            self._add_completed(total, week.completed, week.on_time, week.by_usual_volunteer,
                                week.regular_calls)
            for category, count in week.referrals.items():
                total.referrals[category] = total.referrals.get(category, 0) + count
        total.enrolled = _enrolled_on(self._all_enrolments(), self.period.last).get(None, 0)
        return total

    @staticmethod
    def _add_need(row: Counts, reason: str, count: int) -> None:
        if reason == Reason.REGULAR_CALL:
            return
        row.needs[reason] = row.needs.get(reason, 0) + count
        if reason in UNREACHABLE_REASONS:
            row.unreachable += count

    @staticmethod
    def _add_completed(row: Counts, count, on_time, usual, regular) -> None:
        row.completed += count or 0
        row.on_time += on_time or 0
        row.by_usual_volunteer += usual or 0
        row.regular_calls += regular or 0

    def _add_enrolled(self, dimension: Dimension, groups: dict[object, Counts]) -> None:
        if dimension in (Dimension.ROUND, Dimension.CAMPAIGN):
            for counts in groups.values():  # for a round, the enrolled tenants are those it planned
                counts.enrolled = counts.planned
            return
        if dimension == Dimension.WEEK:
            rows = self._all_enrolments()
            for index, week in enumerate(self.week_list):
                last_day = min(week.monday.fromordinal(week.monday.toordinal() + 6), self.period.last)
                groups[index].enrolled = _enrolled_on(rows, last_day).get(None, 0)
            return
        if dimension == Dimension.SITE:
            found = _enrolled_on(self._enrolments(Tenant.site), self.period.last)
        else:
            found = _enrolled_on(self._enrolments(User.organisation_id, [(User, User.id ==
                                                                           Tenant.assigned_volunteer_id)]),
                                 self.period.last)
        for key, count in found.items():
            groups.setdefault(key, Counts(key)).enrolled = count

    def _label(self, dimension: Dimension, groups: dict[object, Counts]) -> None:
        keys = [k for k in groups if k is not None]
        names: dict = {}
        if dimension == Dimension.ROUND and keys:
            names = {rid: f"{name} du {day:%d/%m/%Y}" for rid, name, day in self.session.execute(
                select(Round.id, Campaign.name, Round.scheduled_on).join(Campaign).where(Round.id.in_(keys)))}
        elif dimension == Dimension.CAMPAIGN and keys:
            names = dict(self.session.execute(select(Campaign.id, Campaign.name)
                                              .where(Campaign.id.in_(keys))).all())
        elif dimension == Dimension.PARTNER and keys:
            names = dict(self.session.execute(select(Organisation.id, Organisation.name)
                                              .where(Organisation.id.in_(keys))).all())
        elif dimension == Dimension.SITE:
            names = {k: k for k in keys}
        if dimension == Dimension.WEEK:
            return
        for key, counts in groups.items():
            counts.label = names.get(key, NO_GROUP) if key is not None else NO_GROUP


def _sort_key(dimension: Dimension, counts: Counts):
    if dimension in (Dimension.WEEK, Dimension.ROUND):
        return (counts.key if counts.key is not None else 0, "")
    return (0, counts.label.lower())


def _enrolled_on(rows, day: date) -> dict:
    """Enrolled on `day`, per group, from (group, enrolled_on, unenrolled_on, status, count)."""
    found: dict = {}
    for group, enrolled_on, unenrolled_on, status, count in rows:
        still = unenrolled_on > day if unenrolled_on else status == "enrolled"
        if enrolled_on <= day and still:
            found[group] = found.get(group, 0) + count
    return found


def _with_tenant(query):
    return query.outerjoin(Tenant, Tenant.id == FollowUp.tenant_id)



