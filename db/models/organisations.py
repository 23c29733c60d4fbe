"""Organisations: landlords (own tenants and campaigns) and their partner associations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base
from db.models.base import utcnow


class Organisation(Base):
    """`kind` is `landlord` or `partner`; `name` is said at the start of every call."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="landlord", server_default="landlord")
    callback_number: Mapped[str | None] = mapped_column(String(20))
    settings: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceNumber(Base):
    """A number tenants call (and see): inbound calls find their organisation by it."""

    __tablename__ = "service_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Partnership(Base):
    """A partner association works for a landlord: its people see what is assigned to them."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("landlord_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
