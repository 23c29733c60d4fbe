"""Indexes for the purge and the erasure: calls by age, follow-ups and text messages by what
they point at, calls from a number not (yet) on file

Deleting a call or a follow-up makes the database check every row that may point at it; without
these indexes each deleted row reads the whole follow-ups (or text messages) table. The purge
finds the calls older than a cut-off by the organisation and creation time.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01 13:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

UNKNOWN_CALLER = sa.text("tenant_id IS NULL")


def upgrade() -> None:
    op.create_index("ix_follow_ups_attempt_id", "follow_ups", ["attempt_id"])
    op.create_index("ix_notifications_follow_up_id", "notifications", ["follow_up_id"])
    op.create_index("ix_call_attempts_organisation_created", "call_attempts", ["organisation_id", "created_at"])
    op.create_index("ix_call_attempts_unknown_caller", "call_attempts", ["to_number"],
                    sqlite_where=UNKNOWN_CALLER, postgresql_where=UNKNOWN_CALLER)


def downgrade() -> None:
    op.drop_index("ix_call_attempts_unknown_caller", table_name="call_attempts")
    op.drop_index("ix_call_attempts_organisation_created", table_name="call_attempts")
    op.drop_index("ix_notifications_follow_up_id", table_name="notifications")
    op.drop_index("ix_follow_ups_attempt_id", table_name="follow_ups")
