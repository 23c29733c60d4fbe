"""Opt-out requests: "9 then 9" on a call to the service number, waiting for proof (DESIGN §5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base

PENDING_ONLY = text("status = 'pending'")


class OptOutRequest(Base):
    """A tenant's wish to stop the calls, made where caller id proves nothing. It stops the
    calls only once confirmed (voice_app.domain.opt_out_requests); at most one is pending per
    tenant, so twenty calls from one number make one request."""

    __tablename__ = "opt_out_requests"
    __table_args__ = (
        Index("uq_opt_out_requests_pending_tenant", "tenant_id", unique=True,
              sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    requested_by_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | confirmed | dismissed
    requested_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
    settled_by: Mapped[str | None] = mapped_column(String(32))  # domain.opt_out_requests.Settlement
    settled_by_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"))
