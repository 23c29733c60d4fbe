"""What the API lets an organisation read: enrolments, opt-outs and follow-up outcomes.

Within what the organisation's coordinators may see (the same WHERE clauses as the pages),
by keyset pages (fast on the last page as on the first). Never a phone number, a name, a
note or a health answer: a tenant is named by the landlord's own reference, and a follow-up
says only when it was done, whether the tenant was reached and the referral categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import select

from db.models import Enrolment
from db.models import FollowUp
from db.models import Tenant
from voice_app.domain.people import Viewer
from voice_app.services.follow_ups import visible
from voice_app.services.ports import Runtime
from voice_app.services.tenants import visible_tenants

MAX_PAGE = 1000


@dataclass(frozen=True)
class EnrolmentItem:
    reference: str
    status: str
    legal_basis: str
    enrolled_on: date
    unenrolled_on: date | None


@dataclass(frozen=True)
class OptOutItem:
    reference: str
    opted_out_at: datetime


@dataclass(frozen=True)
class OutcomeItem:
    id: int
    tenant_reference: str | None  # None: a caller who is not a known tenant
    opened_at: datetime
    due_at: datetime
    completed_at: datetime
    reached: bool | None
    referrals: list[str]
    wants_regular_calls: bool | None
    next_contact_on: date | None

    @property
    def on_time(self) -> bool:
        return self.completed_at <= self.due_at


def enrolments(veille: Runtime, viewer: Viewer, *, status: str | None = None, after: str | None = None,
               limit: int = 100) -> list[EnrolmentItem]:
    """Enrolments by tenant reference, after `after`."""
    query = (select(Tenant.reference, Enrolment.status, Enrolment.legal_basis, Enrolment.enrolled_on,
                    Enrolment.unenrolled_on)
             .join(Enrolment, (Enrolment.tenant_id == Tenant.id)
                   & (Enrolment.organisation_id == Tenant.organisation_id))
             .where(visible_tenants(viewer)).order_by(Tenant.reference).limit(min(limit, MAX_PAGE)))
    if status:
        query = query.where(Enrolment.status == status)
    if after:
        query = query.where(Tenant.reference > after)
    with veille.session_factory() as session:
        return [EnrolmentItem(row.reference, str(row.status), row.legal_basis, row.enrolled_on,
                              row.unenrolled_on) for row in session.execute(query)]


def opt_outs(veille: Runtime, viewer: Viewer, *, since: datetime | None = None, after: str | None = None,
             limit: int = 100) -> list[OptOutItem]:
    """Tenants who stopped the calls for good, by reference, after `after`."""
    query = (select(Tenant.reference, Tenant.opted_out_at)
             .where(visible_tenants(viewer), Tenant.opted_out_at.is_not(None))
             .order_by(Tenant.reference).limit(min(limit, MAX_PAGE)))
    if since:
        query = query.where(Tenant.opted_out_at >= since)
    if after:
        query = query.where(Tenant.reference > after)
    with veille.session_factory() as session:
        return [OptOutItem(row.reference, row.opted_out_at) for row in session.execute(query)]


def follow_up_outcomes(veille: Runtime, viewer: Viewer, *, since: datetime | None = None,
                       after_id: int | None = None, limit: int = 100) -> list[OutcomeItem]:
    """Follow-ups done, oldest first by id, after `after_id`; `since` filters on completion."""
    query = (select(FollowUp.id, Tenant.reference, FollowUp.created_at, FollowUp.due_at,
                    FollowUp.completed_at, FollowUp.reached, FollowUp.referrals, FollowUp.wants_regular_calls,
                    FollowUp.next_contact_on)
             .outerjoin(Tenant, Tenant.id == FollowUp.tenant_id)
             .where(visible(viewer), FollowUp.completed_at.is_not(None))
             .order_by(FollowUp.id).limit(min(limit, MAX_PAGE)))
    if since:
        query = query.where(FollowUp.completed_at >= since)
    if after_id:
        query = query.where(FollowUp.id > after_id)
    with veille.session_factory() as session:
        return [OutcomeItem(row.id, row.reference, row.created_at, row.due_at, row.completed_at, row.reached,
                            [str(category) for category in row.referrals or []], row.wants_regular_calls,
                            row.next_contact_on)
                for row in session.execute(query)]
