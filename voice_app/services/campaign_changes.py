"""Campaigns from the coordinators' pages: create, edit, pause and resume by id, the check
that the next round fits its windows, the next round's dry run, and the urgent round.

Every function takes the landlord's `organisation_id`: a campaign of another organisation
is `CampaignNotFound`, as if it did not exist. Every change is audited with its author, in
the transaction that makes it (creation reuses `create_campaign`, then audits).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from db.models import Campaign
from db.models import CampaignTarget
from db.models import Enrolment
from db.models import Tenant
from db.models import User
from voice_app.domain.calendar import paris_date
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.round_preview import RoundFit
from voice_app.domain.round_preview import check_account_rate
from voice_app.domain.round_preview import next_round
from voice_app.domain.round_preview import round_fit
from voice_app.domain.rounds import RoundSpan
from voice_app.domain.rounds import dialling_rate
from voice_app.domain.urgent_rounds import FRAGILE_FIRST
from voice_app.domain.urgent_rounds import PRIORITY_KEY
from voice_app.domain.urgent_rounds import URGENT_CAMPAIGN_NAME
from voice_app.domain.urgent_rounds import heatwave_policy
from voice_app.domain.windows import intervals_between
from voice_app.services import audit
from voice_app.services.campaigns import CampaignError
from voice_app.services.campaigns import CampaignNotFound
from voice_app.services.campaigns import _check_request
from voice_app.services.campaigns import _find
from voice_app.services.campaigns import _tenant_ids
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import create_campaign
from voice_app.services.campaigns import targeted_tenants_filter
from voice_app.services.planning import PlanningError
from voice_app.services.planning import PlanResult
from voice_app.services.planning import plan_round
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.campaigns")


@dataclass(frozen=True)
class CampaignRequest:
    """What a coordinator asks for: a name, a policy and a target."""

    name: str
    policy: CampaignPolicy
    target: str = "all"
    sites: tuple[str, ...] = ()
    references: tuple[str, ...] = ()

    def cleaned(self) -> CampaignRequest:
        sites = tuple(sorted({s.strip() for s in self.sites if s.strip()})) if self.target == "site" else ()
        references = tuple(dict.fromkeys(r.strip() for r in self.references if r.strip())) \
            if self.target == "list" else ()
        return CampaignRequest((self.name or "").strip(), self.policy, self.target, sites, references)


def campaign_by_id(veille: Runtime, organisation_id: int, campaign_id: int) -> Campaign:
    with veille.session_factory() as session:
        campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.organisation_id != organisation_id:
        raise CampaignNotFound(f"Aucune campagne n° {campaign_id}.")
    return campaign


def listed_references(veille: Runtime, campaign_id: int) -> list[str]:
    """The references of a `list` campaign's tenants, in reference order."""
    with veille.session_factory() as session:
        return list(session.scalars(select(Tenant.reference).join(
            CampaignTarget, CampaignTarget.tenant_id == Tenant.id).where(
            CampaignTarget.campaign_id == campaign_id).order_by(Tenant.reference)))


def create(veille: Runtime, organisation_id: int, request: CampaignRequest, *, actor: User,
           account_limit: float) -> Campaign:
    """A new campaign of the landlord (refused above the account's rate), audited."""
    request = request.cleaned()
    check_account_rate(request.policy, account_limit)
    campaign = create_campaign(veille, request.name, request.policy, target=request.target,
                               sites=request.sites, tenant_references=request.references,
                               organisation_id=organisation_id)
    audit.record(veille, organisation_id=organisation_id, actor=actor, action="campaign.created",
                 subject_type="campaign", subject_id=campaign.id, details=_details(request))
    return campaign


def update(veille: Runtime, organisation_id: int, campaign_id: int, request: CampaignRequest, *, actor: User,
           account_limit: float) -> Campaign:
    """Change a campaign's name, policy and target; rounds already planned keep their calls."""
    request = request.cleaned()
    check_account_rate(request.policy, account_limit)
    _check_request(request.name, request.target, list(request.sites), list(request.references), None, None)
    campaign_by_id(veille, organisation_id, campaign_id)
    with veille.session_factory.begin() as session:
        campaign = session.get(Campaign, campaign_id)
        same_name = _find(session, organisation_id, request.name)
        if same_name is not None and same_name.id != campaign_id:
            raise CampaignError(f"Une campagne « {request.name} » existe déjà.")
        tenant_ids = _tenant_ids(session, organisation_id, list(request.references)) \
            if request.target == "list" else []
        campaign.name, campaign.target = request.name, request.target
        campaign.policy = request.policy.to_dict()
        campaign.target_sites = list(request.sites)
        campaign.kind = "urgent" if campaign.kind == "urgent" else request.policy.rhythm
        session.execute(delete(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id))
        session.add_all(CampaignTarget(campaign_id=campaign_id, tenant_id=t) for t in tenant_ids)
        audit.add(session, veille.clock(), organisation_id=organisation_id, actor=actor,
                  action="campaign.updated", subject_type="campaign", subject_id=campaign_id,
                  details=_details(request))
    log.info("campaign.updated campaign_id=%s target=%s", campaign_id, request.target)
    return campaign_by_id(veille, organisation_id, campaign_id)


def _details(request: CampaignRequest) -> dict:
    return {"name": request.name, "target": request.target, "sites": list(request.sites),
            "tenants_listed": len(request.references), "policy": request.policy.to_dict()}


def set_active(veille: Runtime, organisation_id: int, campaign_id: int, active: bool, *,
               actor: User) -> Campaign:
    """Pause (no call is placed from now on, the round under way's neither, and no new round is
    planned; resumed before its end, the round's calls go on) or resume, audited."""
    campaign_by_id(veille, organisation_id, campaign_id)
    with veille.session_factory.begin() as session:
        session.get(Campaign, campaign_id).active = active
        audit.add(session, veille.clock(), organisation_id=organisation_id, actor=actor,
                  action="campaign.resumed" if active else "campaign.paused", subject_type="campaign",
                  subject_id=campaign_id)
    log.info("campaign.%s campaign_id=%s", "resumed" if active else "paused", campaign_id)
    return campaign_by_id(veille, organisation_id, campaign_id)


def upcoming_round(campaign: Campaign, policy: CampaignPolicy, now: datetime) -> RoundSpan | None:
    return next_round(policy, now, paris_date(now), campaign.starts_on, campaign.ends_on)


def next_round_fit(veille: Runtime, organisation_id: int, request: CampaignRequest, now: datetime, *,
                   campaign_id: int | None = None) -> tuple[RoundSpan, RoundFit] | None:
    """Whether the next round of the campaign as requested fits its windows at its rate
    (None when it has no round in the coming weeks)."""
    request = request.cleaned()
    existing = campaign_by_id(veille, organisation_id, campaign_id) if campaign_id else None
    kind = existing.kind if existing is not None else request.policy.rhythm
    draft = Campaign(id=campaign_id, organisation_id=organisation_id, kind=kind, target=request.target,
                     target_sites=list(request.sites), starts_on=existing.starts_on if existing else None,
                     ends_on=existing.ends_on if existing else None)
    span = upcoming_round(draft, request.policy, now)
    if span is None:
        return None
    extra = []
    if request.target == "list":  # the list as typed, not as stored
        draft.target = "all"
        extra.append(Tenant.reference.in_(request.references))
    with veille.session_factory() as session:
        tenants = session.scalar(select(func.count()).select_from(Tenant).join(
            Enrolment, Enrolment.tenant_id == Tenant.id).where(
            *targeted_tenants_filter(draft, span.scheduled_on), *extra))
    seconds = [i.seconds for i in intervals_between(request.policy, max(span.starts_at, now), span.ends_at)]
    return span, round_fit(seconds, tenants, dialling_rate(request.policy))


def preview_next_round(veille: Runtime, organisation_id: int, campaign_id: int, now: datetime,
                       limit: int = 200) -> PlanResult | None:
    """The dry run of the campaign's next round: who, when; or that it is already planned.
    The planner's own dry run, so the answer is the real planning's."""
    campaign = campaign_by_id(veille, organisation_id, campaign_id)
    span = upcoming_round(campaign, campaign_policy(campaign), now)
    if span is None:
        return None
    return plan_round(veille, campaign.name, span.scheduled_on, now=now, dry_run=True, preview_limit=limit,
                      organisation_id=organisation_id)


@dataclass(frozen=True)
class UrgentStart:
    campaign: Campaign
    result: PlanResult | None  # None: no window left today, the clock plans the next round
    next_span: RoundSpan | None


def start_urgent_round(veille: Runtime, organisation_id: int, now: datetime, *, calls_per_second: float,
                       max_concurrent_calls: int, actor: User, account_limit: float) -> UrgentStart:
    """Create or resume the landlord's urgent campaign and plan today's round at once, the
    most fragile first. A round already planned today is kept (and returned)."""
    policy = heatwave_policy(calls_per_second, max_concurrent_calls)
    check_account_rate(policy, account_limit)
    with veille.session_factory() as session:
        found = _find(session, organisation_id, URGENT_CAMPAIGN_NAME)
    if found is None:
        found = create_campaign(veille, URGENT_CAMPAIGN_NAME, policy, urgent=True,
                                organisation_id=organisation_id)
    else:
        with veille.session_factory.begin() as session:
            campaign = session.get(Campaign, found.id)
            # The coordinator's own windows stay; the rate and the priority are today's.
            changes = {"calls_per_second": calls_per_second, "max_concurrent_calls": max_concurrent_calls,
                       PRIORITY_KEY: FRAGILE_FIRST}
            campaign.policy = CampaignPolicy.from_dict({**campaign.policy, **changes}).to_dict()
            campaign.active = True
    try:
        result = plan_round(veille, URGENT_CAMPAIGN_NAME, paris_date(now), now=now,
                            organisation_id=organisation_id)
    except PlanningError:  # today's windows are over: the clock plans the next round
        result = None
    campaign = campaign_by_id(veille, organisation_id, found.id)
    span = upcoming_round(campaign, campaign_policy(campaign), now)
    audit.record(veille, organisation_id=organisation_id, actor=actor, action="campaign.urgent_round_started",
                 subject_type="campaign", subject_id=campaign.id,
                 details={"round_id": result.round_id if result else None,
                          "calls": result.attempts if result else 0,
                          "calls_per_second": calls_per_second, "max_concurrent_calls": max_concurrent_calls})
    log.info("campaign.urgent_round_started campaign_id=%s round_id=%s", campaign.id,
             result.round_id if result else None)
    return UrgentStart(campaign, result, span)
