"""The figures of a whole month read from the summary (figure_counts) instead of the facts.

Same rows as the facts' counter (voice_app.services.figures), but the attempts, follow-ups and
enrolments are a few thousand summary rows instead of millions of facts. Used for viewers who
see the whole landlord.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import select

from db.models import FigureCount
from db.models import FigureEnrolment
from db.models import Tenant
from db.models.figures import NEVER
from voice_app.domain.figures import REFERRALS
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import Period
from voice_app.domain.people import Viewer
from voice_app.services.figures import TOTAL_KEY
from voice_app.services.figures import _Counter

TENANT_COUNTS = ("planned", "called", "reached", "opted_out")
DONE_COUNTS = ("completed", "on_time", "by_usual", "regular")
GRAIN_KEYS = {Dimension.WEEK: ("week", FigureCount.slice), Dimension.ROUND: ("round", FigureCount.round_id),
              Dimension.CAMPAIGN: ("campaign", FigureCount.campaign_id),
              Dimension.SITE: ("group", FigureCount.site),
              Dimension.PARTNER: ("group", FigureCount.partner_id),
              None: ("group", None)}


class SummaryCounter(_Counter):
    def __init__(self, session, viewer: Viewer, period: Period, month: date) -> None:
        super().__init__(session, viewer, period)
        self.month = month
        self.week_of = {week.monday: index for index, week in enumerate(self.week_list)}
        self._read: dict = {}

    def _rows(self, dimension: Dimension | None) -> list:
        """(key, detail, counts...) of the month, summed per group and detail."""
        if dimension not in self._read:
            grain, key_column = GRAIN_KEYS[dimension]
            key = key_column if key_column is not None else FigureCount.grain
            sums = [func.sum(FigureCount.__table__.c[name]) for name in
                    (*TENANT_COUNTS, "opened", *DONE_COUNTS, "referred")]
            query = select(key, FigureCount.detail, *sums).where(
                FigureCount.organisation_id.in_(self.viewer.landlord_ids), FigureCount.month == self.month,
                FigureCount.grain == grain).group_by(key, FigureCount.detail)
            self._read[dimension] = [(self._key(dimension, row[0]), *row[1:])
                                     for row in self.session.execute(query)]
        return self._read[dimension]

    def _key(self, dimension: Dimension | None, stored):
        if dimension is None:
            return None
        if dimension == Dimension.WEEK:
            return self.week_of.get(stored)
        return stored or None  # 0 and '' stand for no round, campaign, site or partner

    def _enrolments(self, group=None, joins=()) -> list:
        """(group, enrolled_on, unenrolled_on, status, count), as the facts' counter reads them."""
        column = None if group is None else FigureEnrolment.site if group is Tenant.site \
            else FigureEnrolment.partner_id
        key = column if column is not None else literal(None)
        columns = [key, FigureEnrolment.enrolled_on, FigureEnrolment.unenrolled_on, FigureEnrolment.status]
        grouped = columns if column is not None else columns[1:]
        rows = self.session.execute(select(*columns, func.sum(FigureEnrolment.tenants)).where(
            FigureEnrolment.organisation_id.in_(self.viewer.landlord_ids),
            FigureEnrolment.enrolled_on <= self.period.last).group_by(*grouped))
        return [(stored or None, enrolled, None if unenrolled == NEVER else unenrolled, status, count)
                for stored, enrolled, unenrolled, status, count in rows if count]

    def _attempts(self, dimension: Dimension | None) -> dict:
        found = {}
        for key, detail, planned, called, reached, opted_out, *_ in self._rows(dimension):
            if detail == "" and planned:
                values = found.setdefault(key, dict(planned=0, called=0, reached=0, opt_outs=0))
                for name, count in zip(("planned", "called", "reached", "opt_outs"),
                                       (planned, called, reached, opted_out), strict=True):
                    values[name] += count
        if dimension == Dimension.WEEK:
            total = self._attempts(None).get(None)
            if total:
                found[TOTAL_KEY] = total
        return found

    def _opened(self, dimension: Dimension) -> list:
        return [(detail, opened, key) for key, detail, _p, _c, _r, _o, opened, *_ in self._rows(dimension)
                if opened and detail not in REFERRALS]

    def _completed(self, dimension: Dimension) -> list:
        """(completed, on time, by the usual volunteer, regular calls, one count per referral
        category, key) per group, as the facts' counter gives them."""
        done: dict = {}
        empty = [0] * (4 + len(REFERRALS))
        for key, detail, *counts in self._rows(dimension):
            completed, on_time, usual, regular, referred = counts[-5:]
            if detail == "" and completed:
                done.setdefault(key, list(empty))[:4] = [completed, on_time, usual, regular]
            elif detail in REFERRALS and referred:
                done.setdefault(key, list(empty))[4 + REFERRALS.index(detail)] += referred
        return [(*values, key) for key, values in done.items()]
