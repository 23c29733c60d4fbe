"""Tenants, their enrolment, away periods and the hashed opt-out suppression list."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from db.models.base import Base
from db.models.base import utcnow

OVERSEAS = text("time_zone IS NOT NULL")


class Tenant(Base):
    """A tenant of the landlord, as imported from its file (updated by `reference`)."""

    __tablename__ = "tenants"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        # The few overseas tenants: planning asks which zones a round's tenants live in.
        Index("ix_tenants_overseas_time_zone", "time_zone", sqlite_where=OVERSEAS, postgresql_where=OVERSEAS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    civility: Mapped[str | None] = mapped_column(String(16))
    last_name: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str | None] = mapped_column(String(120))
    birth_year: Mapped[int | None]
    partner_birth_year: Mapped[int | None]
    household: Mapped[str] = mapped_column(String(10))  # alone | couple | other
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    phone2: Mapped[str | None] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8), default="fr")
    site: Mapped[str | None] = mapped_column(String(120), index=True)
    caretaker: Mapped[str | None] = mapped_column(String(120))
    preferred_half_day: Mapped[str | None] = mapped_column(String(2))  # am | pm
    # Where the tenant lives, for their calling hours (IANA name); None: Europe/Paris.
    time_zone: Mapped[str | None] = mapped_column(String(40))
    manual_flag: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None]
    assigned_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Regular human calls ("appels de convivialité"): every N days by their volunteer, who then
    # replaces the automated call unless a coordinator keeps both.
    human_call_every_days: Mapped[int | None]
    keep_automated_calls: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enrolment: Mapped[Enrolment | None] = relationship(back_populates="tenant", uselist=False)
    away_periods: Mapped[list[AwayPeriod]] = relationship(back_populates="tenant")

    @property
    def numbers(self) -> list[str]:
        """The tenant's numbers on file, first the main one."""
        return [n for n in (self.phone, self.phone2) if n]


class Enrolment(Base):
    """Consent to be watched: only tenants enrolled here are ever called."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("tenant_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(12), index=True)  # enrolled | unenrolled
    legal_basis: Mapped[str] = mapped_column(String(40))  # e.g. public_interest, consent
    source: Mapped[str] = mapped_column(String(120))  # rule name, "manual", "tenant request"
    enrolled_on: Mapped[date]
    unenrolled_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="enrolment")


class AwayPeriod(Base):
    """Hospital, holiday...: no call between these dates (inclusive, Paris dates)."""

    __tablename__ = "away_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(40))

    tenant: Mapped[Tenant] = relationship(back_populates="away_periods")


class PhoneSuppression(Base):
    """A number that asked to stop, kept only as a keyed hash so a re-import stays suppressed."""

    __tablename__ = "phone_suppressions"
    __table_args__ = (UniqueConstraint("organisation_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    phone_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))  # which SUPPRESSION_KEY made the hash
    reason: Mapped[str] = mapped_column(String(40), default="opt_out")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
