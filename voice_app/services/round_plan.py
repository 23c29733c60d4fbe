"""Which tenants a round calls, in which order, on which plan (voice_app.services.planning
inserts them): the targeted tenants' query, their zones, the spread of their first attempts over
the round's windows, and for an urgent round the fragile first."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Campaign
from db.models import Enrolment
from db.models import Tenant
from db.repositories import round_attempts
from db.repositories.zone_plan import ZonedPlan
from db.repositories.zone_plan import zoned_plan
from db.repositories.zone_plan import zones_present
from voice_app.domain.calendar import PARIS
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import dialling_rate
from voice_app.domain.time_zones import zone
from voice_app.domain.urgent_rounds import puts_fragile_first
from voice_app.services.campaigns import CampaignError
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import targeted_tenants_filter
from voice_app.services.ports import Runtime


class PlanningError(CampaignError):
    """A round that cannot be planned (in the past, no window that day, paused campaign)."""


def spread_plan(session: Session, campaign: Campaign, span: RoundSpan, now: datetime,
                shares: int = 1) -> ZonedPlan:
    """The tenants' grouping expression (zone and usable half-day preference) and the plan, the
    tenants counted per share of `shares` too (for inserting them in parallel)."""
    policy = campaign_policy(campaign)
    try:
        # An urgent round calls the most fragile first, whatever half-day they prefer.
        return zoned_plan(session, lambda *columns: targeted(campaign, span, *columns), policy, span, now,
                          dialling_rate(policy), preferences=not puts_fragile_first(policy), shares=shares)
    except ValueError:
        raise PlanningError(
            f"Plus aucune fenêtre d'appel dans la tournée du {span.scheduled_on:%d/%m/%Y}.") from None


def round_zones(veille: Runtime, campaign: Campaign, day: date) -> tuple:
    """Paris and the overseas zones of the tenants a round on `day` targets."""
    with veille.session_factory.begin() as session:
        present = zones_present(session, lambda *columns: targeted_on(campaign, day, *columns))
    return (PARIS, *(zone(name) for name in present))


def targeted(campaign: Campaign, span: RoundSpan, *columns, extra=()):
    """SELECT `columns` FROM the tenants (joined to their enrolment) a round on `span` calls."""
    return targeted_on(campaign, span.scheduled_on, *columns, extra=extra)


def targeted_on(campaign: Campaign, day: date, *columns, extra=()):
    return (select(*columns).select_from(Tenant).join(Enrolment, Enrolment.tenant_id == Tenant.id)
            .where(*targeted_tenants_filter(campaign, day), *extra))


def tenant_order(session: Session, campaign: Campaign, span: RoundSpan, now: datetime) -> list:
    """The order tenants get their slots in: by id; for an urgent round, the fragile first
    (80 or older living alone, or left needing a person by the organisation's previous round)."""
    if not puts_fragile_first(campaign_policy(campaign)):
        return [Tenant.id]
    return round_attempts.fragile_first_order(session, campaign.organisation_id, campaign.id,
                                              span.scheduled_on, now)
