"""The people who use Veille, their invitations, absences and sign-in attempts."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base
from db.models.base import utcnow

DEFAULT_CAPACITY = 25


class User(Base):
    """An admin, coordinator or volunteer of one organisation.

    `on_duty_phone` is the person's phone (E.164): rung for live transfers when `on_duty`,
    and first for a bridged call-back."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # admin | coordinator | volunteer
    password_hash: Mapped[str | None] = mapped_column(String(255))
    on_duty_phone: Mapped[str | None] = mapped_column(String(20))
    on_duty: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY, server_default=str(DEFAULT_CAPACITY))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Part of every session's id: raised at sign-out, a new password or deactivation, it ends
    # every session opened before (a copied cookie included).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """A one-time link that lets a new user set a password; only its hash is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VolunteerAbsence(Base):
    """A volunteer away (holiday, illness): their follow-ups are offered to others meanwhile."""

    __tablename__ = "volunteer_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    """One sign-in try, kept a short while to throttle guessing per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(254))  # the e-mail typed, lower-cased
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DutySlot(Base):
    """A weekly on-duty slot (Paris time): during it the volunteer receives live transfers and
    urgent texts, as when their on-duty flag is set by hand."""

    __tablename__ = "duty_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday
    starts_at: Mapped[time]
    ends_at: Mapped[time]
