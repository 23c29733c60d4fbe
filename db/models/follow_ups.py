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
from db.models.base import stored_enum
from db.models.base import utcnow
from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason
from voice_app.domain.follow_up import Status


class FollowUp(Base):
    """`dedup_key` makes escalation idempotent: the same cause never opens two tasks."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_status_due_at", "status", "due_at"),
        # The figures count follow-ups opened and completed in a period (migration 0010).
        Index("ix_follow_ups_figures_opened", "organisation_id", "created_at"),
        Index("ix_follow_ups_figures_completed", "organisation_id", "completed_at"),
        # A volunteer's own figures on their home page (migration 0017).
        Index("ix_follow_ups_completed_by", "completed_by_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    reason: Mapped[str] = mapped_column(stored_enum(Reason, length=32))
    priority: Mapped[str] = mapped_column(stored_enum(Priority, length=10))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(stored_enum(Status, length=10), default=Status.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    reached: Mapped[bool | None]
    referrals: Mapped[list] = mapped_column(JSON, default=list)
    wants_regular_calls: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    next_contact_on: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contact_attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # "not reached, later"
    raised_at: Mapped[datetime | None]  # overdue: raised to the coordinators
    urgent_notified_at: Mapped[datetime | None]  # the urgent SMS was handed out (once)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """A text message to a person, once: `dedup_key` (task, person, kind) is unique, and a
    message is claimed (`pending` -> `sending`) before the provider is called, so a crash or a
    second clock never sends it twice. The number is read from the user at sending time."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # urgent | overdue | digest
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(String(320))  # no name, no number, no health word
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sending|sent|failed
    provider_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class BridgedCall(Base):
    """A volunteer's call-back through Veille: their phone first, then the tenant's, with the
    service number shown. `token` goes in webhook URLs; numbers never do."""

    __tablename__ = "bridged_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider_call_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(24), default="dialling")
    # dialling -> volunteer_answered -> tenant_dialled -> connected | tenant_no_answer | ... -> ended
    tenant_result: Mapped[str | None] = mapped_column(String(20))  # completed|no-answer|busy|failed...
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
