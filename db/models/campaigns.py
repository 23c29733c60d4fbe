"""Campaigns (what to call, when, how hard) and their rounds (one occurrence each)."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base
from db.models.base import utcnow


class Campaign(Base):
    """`policy` holds the domain's campaign policy as JSON (windows, weekdays, retries, rates)."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default="weekly")  # weekly | urgent
    target: Mapped[str] = mapped_column(String(10), default="all")  # all | site | list
    target_sites: Mapped[list] = mapped_column(JSON, default=list)
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignTarget(Base):
    """Explicit tenant list of a campaign whose target is `list`."""

    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class Round(Base):
    """One occurrence of a campaign: a Paris date and its UTC bounds."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("campaign_id", "scheduled_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    scheduled_on: Mapped[date]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="planned", index=True)  # planned|closed
    planned_count: Mapped[int] = mapped_column(default=0)
    planned_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
