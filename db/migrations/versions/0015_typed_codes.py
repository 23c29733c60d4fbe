"""Call states, outcomes and follow-up reasons, priorities and statuses become typed codes

The models now store them through the domain's enums (`sqlalchemy.Enum(..., native_enum=False)`):
the columns stay VARCHAR of the same length, and no row changes. What changes is that the
application refuses to write, and cannot read, a code outside its vocabulary; so this revision
checks that every stored code is known, and stops the upgrade (naming the column) if one is not,
before a page trips over it.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 16:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

# The vocabularies as of this revision (voice_app.domain: call_flow.State, outcomes.Outcome and
# Skipped, escalation.Reason and Priority, follow_up.Status).
CODES = {
    ("call_attempts", "state"): ("due", "claimed", "queued", "ringing", "in_progress", "ended", "cancelled"),
    ("call_attempts", "outcome"): (
        "ok", "help_health", "help_food", "help_other", "live_transfer", "live_transfer_missed", "opt_out",
        "opt_out_unconfirmed", "opt_out_requested", "no_key", "voicemail", "no_answer", "busy", "failed",
        "unknown", "skipped_opt_out", "skipped_unenrolled", "skipped_away"),
    ("follow_ups", "reason"): (
        "live_transfer_missed", "help_health", "help_food", "help_other", "call_me_back", "no_key",
        "unreachable", "unreachable_twice", "opt_out", "opt_out_request", "invalid_number", "regular_call"),
    ("follow_ups", "priority"): ("urgent", "high", "normal", "low"),
    ("follow_ups", "status"): ("open", "claimed", "done"),
}


def upgrade() -> None:
    connection = op.get_bind()
    for (table, column), codes in CODES.items():
        unknown = connection.execute(
            sa.select(sa.column(column)).select_from(sa.table(table, sa.column(column)))
            .where(sa.column(column).is_not(None), sa.column(column).not_in(codes)).distinct().limit(5)
        ).scalars().all()
        if unknown:
            raise RuntimeError(f"{table}.{column} holds codes Veille does not know: {sorted(unknown)}; "
                               "correct them before upgrading")


def downgrade() -> None:
    pass  # nothing was changed
