"""Campaigns: creation, targeting, pause and resume (SQLite and PostgreSQL).

The helpers at the top (`add_tenant`, `weekly_campaign`) are shared by the planning,
retry and CLI tests of campaigns.
"""

from __future__ import annotations

import zlib
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from db.models import AwayPeriod
from db.models import Campaign
from db.models import CampaignTarget
from db.models import Enrolment
from db.models import Tenant
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.campaigns import Window
from voice_app.services.campaigns import CampaignError
from voice_app.services.campaigns import CampaignNotFound
from voice_app.services.campaigns import count_targeted_tenants
from voice_app.services.campaigns import create_campaign
from voice_app.services.campaigns import get_campaign
from voice_app.services.campaigns import list_campaigns
from voice_app.services.campaigns import set_campaign_active


def add_tenant(veille, organisation, reference: str, *, phone: str | None = "auto", enrolled: bool = True,
               site: str | None = "Belleville", preferred_half_day: str | None = None,
               opted_out: bool = False, away: tuple[date, date] | None = None,
               time_zone: str | None = None) -> int:
    """A tenant of `organisation`, enrolled unless told otherwise; returns its id."""
    if phone == "auto":
        phone = f"+336{zlib.crc32(reference.encode()) % 10**8:08d}"
    with veille.session_factory.begin() as session:
        tenant = Tenant(organisation_id=organisation.id, reference=reference, last_name="Martin",
                        household="alone", phone=phone, site=site, preferred_half_day=preferred_half_day,
                        time_zone=time_zone,
                        opted_out_at=datetime(2026, 1, 1, tzinfo=UTC) if opted_out else None)
        session.add(tenant)
        session.flush()
        session.add(Enrolment(tenant_id=tenant.id, organisation_id=organisation.id,
                              status="enrolled" if enrolled else "unenrolled", legal_basis="public_interest",
                              source="test", enrolled_on=date(2026, 1, 5)))
        if away:
            session.add(AwayPeriod(tenant_id=tenant.id, starts_on=away[0], ends_on=away[1],
                                   reason="hospital"))
        return tenant.id


def weekly_campaign(veille, name: str = "Hebdo", **policy_changes) -> Campaign:
    """A campaign calling on Tuesdays (the `now` fixture is a Tuesday) with the default windows."""
    policy = CampaignPolicy(weekdays=frozenset({1})).with_changes(**policy_changes)
    return create_campaign(veille, name, policy, starts_on=date(2026, 11, 1))


def test_a_campaign_is_created_with_its_policy_stored_as_json(veille, organisation):
    policy = CampaignPolicy(weekdays=frozenset({0, 2}), max_attempts=2, calls_per_second=5,
                            max_concurrent_calls=30)
    create_campaign(veille, "Lundi et mercredi", policy)
    stored = get_campaign(veille, "Lundi et mercredi")
    assert stored.policy["weekdays"] == ["mon", "wed"]
    assert stored.policy["calls_per_second"] == 5
    assert stored.policy["max_concurrent_calls"] == 30
    assert CampaignPolicy.from_dict(stored.policy) == policy
    assert stored.active and stored.kind == "weekly" and stored.target == "all"


def test_a_campaign_starts_today_in_paris_unless_told_otherwise(veille, organisation):
    assert create_campaign(veille, "C", CampaignPolicy()).starts_on == date(2026, 11, 24)


def test_two_campaigns_cannot_share_a_name(veille, organisation):
    create_campaign(veille, "Canicule", CampaignPolicy())
    with pytest.raises(CampaignError, match="existe déjà"):
        create_campaign(veille, "Canicule", CampaignPolicy())


def test_a_list_campaign_records_its_tenants_and_refuses_unknown_references(veille, organisation):
    first = add_tenant(veille, organisation, "T-1")
    add_tenant(veille, organisation, "T-2")
    with pytest.raises(CampaignError, match="inconnues : NOPE"):
        create_campaign(veille, "Liste", CampaignPolicy(), target="list", tenant_references=["T-1", "NOPE"])
    campaign = create_campaign(veille, "Liste", CampaignPolicy(), target="list", tenant_references=["T-1"])
    with veille.session_factory.begin() as session:
        targets = session.scalars(select(CampaignTarget.tenant_id).where(
            CampaignTarget.campaign_id == campaign.id)).all()
    assert targets == [first]
    assert count_targeted_tenants(veille, campaign, veille.clock()) == 1


def test_a_site_campaign_targets_only_that_site(veille, organisation):
    add_tenant(veille, organisation, "B-1", site="Belleville")
    add_tenant(veille, organisation, "M-1", site="Ménilmontant")
    campaign = create_campaign(veille, "Sites", CampaignPolicy(), target="site", sites=["Ménilmontant"])
    assert campaign.target_sites == ["Ménilmontant"]
    assert count_targeted_tenants(veille, campaign, veille.clock()) == 1


def test_only_enrolled_reachable_tenants_present_that_day_are_targeted(veille, organisation, now):
    add_tenant(veille, organisation, "OK")
    add_tenant(veille, organisation, "UNENROLLED", enrolled=False)
    add_tenant(veille, organisation, "OPTED-OUT", opted_out=True)
    add_tenant(veille, organisation, "NO-PHONE", phone=None)
    add_tenant(veille, organisation, "AWAY", away=(date(2026, 11, 20), date(2026, 11, 30)))
    add_tenant(veille, organisation, "BACK", away=(date(2026, 11, 1), date(2026, 11, 23)))
    campaign = create_campaign(veille, "Tous", CampaignPolicy())
    assert count_targeted_tenants(veille, campaign, now) == 2


@pytest.mark.parametrize(("target", "kwargs", "message"), [
    ("site", {}, "au moins un site"),
    ("list", {}, "références de locataires"),
    ("everyone", {}, "Cible inconnue"),
    ("all", {"starts_on": date(2026, 12, 1), "ends_on": date(2026, 11, 1)}, "précède"),
])
def test_a_campaign_request_that_makes_no_sense_is_refused_in_french(veille, organisation, target, kwargs,
                                                                     message):
    with pytest.raises(CampaignError, match=message):
        create_campaign(veille, "X", CampaignPolicy(), target=target, **kwargs)
    assert list_campaigns(veille) == []


def test_an_invalid_policy_never_reaches_the_database(veille, organisation):
    with pytest.raises(InvalidPolicy, match="se termine avant"):
        create_campaign(veille, "X", CampaignPolicy(windows=(Window(600, 540),)))
    assert list_campaigns(veille) == []


def test_a_campaign_is_paused_and_resumed(veille, organisation):
    create_campaign(veille, "Hebdo", CampaignPolicy())
    assert set_campaign_active(veille, "Hebdo", False).active is False
    assert get_campaign(veille, "Hebdo").active is False
    set_campaign_active(veille, "Hebdo", True)
    assert get_campaign(veille, "Hebdo").active is True


def test_an_unknown_campaign_name_is_a_clear_error(veille, organisation):
    with pytest.raises(CampaignNotFound, match="Aucune campagne « Fantôme »"):
        get_campaign(veille, "Fantôme")
