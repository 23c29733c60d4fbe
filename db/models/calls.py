"""Call attempts, their append-only provider events and the tenant's responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base
from db.models.base import stored_enum
from db.models.base import utcnow
from voice_app.domain.call_flow import State
from voice_app.domain.outcomes import REACHED
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import Skipped

DUE_OVERSEAS = text(f"state = '{State.DUE}' AND time_zone IS NOT NULL")
UNKNOWN_CALLER = text("tenant_id IS NULL")
ENDED_WITH_AN_OUTCOME = text("outcome IS NOT NULL")
TO_RECONCILE = text("needs_reconciliation")

# What the figures count of a round attempt, as bits: called (dialled), reached (a key or a
# word: voice_app.domain.outcomes.REACHED), opted out. `counted_flags` holds the bits the
# figures' summary has counted; an attempt whose bits differ is pending, and the summary's
# fold counts it in batches (voice_app.services.figure_counts), so that no dial and no webhook
# writes to the summary. A change of REACHED needs a migration of the index below.
CALLED, REACHED_BIT, OPTED_OUT = 1, 2, 4
REACHED_OUTCOMES = tuple(sorted(str(outcome) for outcome in REACHED))
_REACHED_LIST = ", ".join(f"'{o}'" for o in REACHED_OUTCOMES)
CALL_FLAGS = ("(CASE WHEN dialled_at IS NOT NULL THEN 1 ELSE 0 END"
              f" + CASE WHEN outcome IN ({_REACHED_LIST}) THEN 2 ELSE 0 END"
              f" + CASE WHEN outcome = '{Outcome.OPT_OUT}' THEN 4 ELSE 0 END)")
FIGURES_PENDING = f"round_id IS NOT NULL AND counted_flags <> {CALL_FLAGS}"


class CallAttempt(Base):
    """One call, outbound (planned in a round, or a test call) or inbound.

    `state` is the call state machine's state (voice_app.domain.call_flow); `due` attempts
    are claimed by the dispatcher with a conditional update, so one is never placed twice.
    """

    __tablename__ = "call_attempts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "round_id", "attempt_number"),
        Index("ix_call_attempts_state_due_at", "state", "due_at"),
        # A tenant's attempts by due time: the figures' summary asks whether another of them
        # falls in the same week or month (voice_app.services.figure_counts).
        Index("ix_call_attempts_tenant_due_at", "tenant_id", "due_at"),
        # The few overseas attempts due, by zone: the dispatcher asks which zones have calls due.
        Index("ix_call_attempts_due_overseas", "time_zone", "due_at", sqlite_where=DUE_OVERSEAS,
              postgresql_where=DUE_OVERSEAS),
        # The figures read round attempts by due time from this index alone (migration 0010).
        Index("ix_call_attempts_figures", "organisation_id", "due_at", "tenant_id", "round_id", "dialled_at",
              "outcome"),
        # The purge finds the calls older than its cut-off (migration 0014).
        Index("ix_call_attempts_organisation_created", "organisation_id", "created_at"),
        # A tenant's erasure finds the calls from their number made before they were on file (0014).
        Index("ix_call_attempts_unknown_caller", "to_number", sqlite_where=UNKNOWN_CALLER,
              postgresql_where=UNKNOWN_CALLER),
        # The attempts the figures' summary has yet to count (migration 0013): a few at a time.
        Index("ix_call_attempts_figures_pending", "id", sqlite_where=text(FIGURES_PENDING),
              postgresql_where=text(FIGURES_PENDING)),
        # Only the rows looked for: every attempt planned has no outcome and needs no
        # reconciliation (migration 0016).
        Index("ix_call_attempts_outcome", "outcome", sqlite_where=ENDED_WITH_AN_OUTCOME,
              postgresql_where=ENDED_WITH_AN_OUTCOME),
        Index("ix_call_attempts_needs_reconciliation", "needs_reconciliation", sqlite_where=TO_RECONCILE,
              postgresql_where=TO_RECONCILE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)  # opaque, goes in webhook URLs
    # No index of their own: ix_call_attempts_organisation_created and the unique (tenant_id,
    # round_id, attempt_number) begin with them (each index costs every attempt planned, 0016).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    attempt_number: Mapped[int] = mapped_column(default=1)
    is_last_attempt: Mapped[bool] = mapped_column(default=False)
    direction: Mapped[str] = mapped_column(String(10), default="outbound")  # outbound | inbound
    purpose: Mapped[str] = mapped_column(String(10), default="round")  # round | test | inbound
    state: Mapped[str] = mapped_column(stored_enum(State, length=20), default=State.DUE)
    outcome: Mapped[str | None] = mapped_column(stored_enum(Outcome, Skipped, length=24))
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    dialled_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]
    provider_call_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(20))
    answered_by: Mapped[str | None] = mapped_column(String(24))  # human | machine_* | unknown
    to_number: Mapped[str | None] = mapped_column(String(20))
    # The tenant's time zone when planned (None: Europe/Paris): the dispatcher dials an attempt
    # only inside the calling hours of that zone.
    time_zone: Mapped[str | None] = mapped_column(String(40))
    menu_step: Mapped[str | None] = mapped_column(String(24))
    silences: Mapped[int] = mapped_column(default=0)
    gather_turns: Mapped[int] = mapped_column(default=0, server_default="0")  # gathers applied so far
    counted_flags: Mapped[int] = mapped_column(default=0, server_default="0")  # what the summary counted
    needs_reconciliation: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallEvent(Base):
    """What the provider told us, once: `idempotency_key` makes a retried webhook a no-op."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # never a phone number
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyPress(Base):
    """A key or word the tenant gave, as a code (`meaning`), never a recording."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))  # menu | help | stop_confirm ...
    key: Mapped[str | None] = mapped_column(String(8))
    meaning: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
