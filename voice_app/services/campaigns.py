"""Campaigns: create, find, list, pause and resume; and which tenants a campaign targets.

A campaign belongs to a landlord organisation. Its policy
is validated by the domain (`CampaignPolicy`) before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AwayPeriod
from db.models import Campaign
from db.models import CampaignTarget
from db.models import Enrolment
from db.models import Tenant
from voice_app.domain.calendar import paris_date
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.services.organisations import current_organisation
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.campaigns")

TARGETS = ("all", "site", "list")
MAX_NAME_LENGTH = 120


class CampaignError(ValueError):
    """A campaign request that cannot be done; the message is for the coordinator (French)."""


class CampaignNotFound(CampaignError):
    pass


def create_campaign(veille: Runtime, name: str, policy: CampaignPolicy, *, target: str = "all",
                    sites: Iterable[str] = (), tenant_references: Iterable[str] = (),
                    urgent: bool = False, starts_on: date | None = None, ends_on: date | None = None,
                    active: bool = True, organisation_id: int | None = None) -> Campaign:
    """Create a campaign of the current organisation; its tenants are `target`ed as all
    enrolled tenants, those of some `sites`, or an explicit list of references."""
    name = (name or "").strip()
    sites = sorted({s.strip() for s in sites if s and s.strip()})
    references = sorted({r.strip() for r in tenant_references if r and r.strip()})
    _check_request(name, target, sites, references, starts_on, ends_on)
    organisation_id = current_organisation(veille, organisation_id).id
    with veille.session_factory.begin() as session:
        if _find(session, organisation_id, name) is not None:
            raise CampaignError(f"Une campagne « {name} » existe déjà.")
        tenant_ids = _tenant_ids(session, organisation_id, references) if target == "list" else []
        campaign = Campaign(
            organisation_id=organisation_id, name=name, kind="urgent" if urgent else policy.rhythm,
            target=target, target_sites=sites if target == "site" else [], policy=policy.to_dict(),
            active=active, starts_on=starts_on or paris_date(veille.clock()), ends_on=ends_on,
            created_at=veille.clock(),
        )
        session.add(campaign)
        session.flush()
        session.add_all(CampaignTarget(campaign_id=campaign.id, tenant_id=t) for t in tenant_ids)
    log.info("campaign.created campaign_id=%s target=%s tenants_listed=%s", campaign.id, target,
             len(tenant_ids))
    return campaign


def _check_request(name: str, target: str, sites: list[str], references: list[str],
                   starts_on: date | None, ends_on: date | None) -> None:
    if not name or len(name) > MAX_NAME_LENGTH:
        raise CampaignError(f"Le nom d'une campagne doit faire entre 1 et {MAX_NAME_LENGTH} caractères.")
    if target not in TARGETS:
        raise CampaignError(f"Cible inconnue : {target!r} (attendu : all, site ou list).")
    if target == "site" and not sites:
        raise CampaignError("Une campagne ciblant des sites a besoin d'au moins un site (--site).")
    if target == "list" and not references:
        raise CampaignError("Une campagne ciblant une liste a besoin de références de locataires "
                            "(--tenants).")
    if starts_on and ends_on and ends_on < starts_on:
        raise CampaignError("La date de fin de la campagne précède sa date de début.")


def _tenant_ids(session: Session, organisation_id: int, references: list[str]) -> list[int]:
    found = dict(session.execute(select(Tenant.reference, Tenant.id).where(
        Tenant.organisation_id == organisation_id, Tenant.reference.in_(references))).all())
    unknown = [r for r in references if r not in found]
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise CampaignError(f"Références de locataires inconnues : {shown}.")
    return [found[r] for r in references]


def _find(session: Session, organisation_id: int, name: str) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.organisation_id == organisation_id,
                                                 Campaign.name == name))


def get_campaign(veille: Runtime, name: str, organisation_id: int | None = None) -> Campaign:
    """The current organisation's campaign called `name`."""
    organisation_id = current_organisation(veille, organisation_id).id
    with veille.session_factory.begin() as session:
        campaign = _find(session, organisation_id, name.strip())
    if campaign is None:
        raise CampaignNotFound(f"Aucune campagne « {name} ».")
    return campaign


def list_campaigns(veille: Runtime, organisation_id: int | None = None) -> list[Campaign]:
    organisation_id = current_organisation(veille, organisation_id).id
    with veille.session_factory.begin() as session:
        return list(session.scalars(select(Campaign).where(Campaign.organisation_id == organisation_id)
                                    .order_by(Campaign.name)))


def set_campaign_active(veille: Runtime, name: str, active: bool,
                        organisation_id: int | None = None) -> Campaign:
    """Pause (`active=False`) or resume a campaign; a paused campaign plans no new round."""
    campaign = get_campaign(veille, name, organisation_id)
    with veille.session_factory.begin() as session:
        session.get(Campaign, campaign.id).active = active
    campaign.active = active
    log.info("campaign.%s campaign_id=%s", "resumed" if active else "paused", campaign.id)
    return campaign


def campaign_policy(campaign: Campaign) -> CampaignPolicy:
    """The campaign's stored policy, validated (InvalidPolicy if it was damaged)."""
    return CampaignPolicy.from_dict(campaign.policy)


def targeted_tenants_filter(campaign: Campaign, day: date) -> list[ColumnElement[bool]]:
    """Conditions on `Tenant` (joined to its enrolment) for who a round on `day` calls:
    enrolled, not opted out, not away that day, with a phone, inside the target. A tenant whose
    volunteer calls them regularly is left out of weekly rounds (their volunteer's call replaces
    the automated one) unless a coordinator keeps both; urgent rounds (heatwave) call everyone."""
    conditions = [
        Tenant.organisation_id == campaign.organisation_id,
        Enrolment.organisation_id == campaign.organisation_id,
        Enrolment.status == "enrolled",
        Tenant.opted_out_at.is_(None),
        Tenant.phone.is_not(None),
        ~exists().where(AwayPeriod.tenant_id == Tenant.id, AwayPeriod.starts_on <= day,
                        AwayPeriod.ends_on >= day),
    ]
    if campaign.kind != "urgent":
        conditions.append(or_(Tenant.human_call_every_days.is_(None), Tenant.keep_automated_calls.is_(True)))
    if campaign.target == "site":
        conditions.append(Tenant.site.in_(campaign.target_sites or []))
    elif campaign.target == "list":
        conditions.append(exists().where(CampaignTarget.campaign_id == campaign.id,
                                         CampaignTarget.tenant_id == Tenant.id))
    return conditions


def count_targeted_tenants(veille: Runtime, campaign: Campaign, now: datetime) -> int:
    """How many tenants a round of this campaign would call today."""
    with veille.session_factory.begin() as session:
        return session.scalar(select(func.count()).select_from(Tenant).join(
            Enrolment, Enrolment.tenant_id == Tenant.id).where(
            *targeted_tenants_filter(campaign, paris_date(now))))
