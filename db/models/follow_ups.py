"""Follow-up tasks for a person (DESIGN §7), created by escalation, closed by a volunteer."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base
from db.models.base import utcnow


class FollowUp(Base):
    """`dedup_key` makes escalation idempotent: the same cause never opens two tasks."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(10))  # urgent | high | normal | low
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | claimed | done
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    reached: Mapped[bool | None]
    referrals: Mapped[list] = mapped_column(JSON, default=list)
    wants_regular_calls: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    next_contact_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
