"""Indexes for the figures: round attempts by due time, follow-ups opened and completed

Revision ID: 0010
Revises: 0003
Create Date: 2026-12-01 11:40:00
"""

from alembic import op


revision = "0010"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_call_attempts_figures", "call_attempts",
                    ["organisation_id", "due_at", "tenant_id", "round_id", "dialled_at", "outcome"])
    op.create_index("ix_follow_ups_figures_opened", "follow_ups", ["organisation_id", "created_at"])
    op.create_index("ix_follow_ups_figures_completed", "follow_ups", ["organisation_id", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_follow_ups_figures_completed", table_name="follow_ups")
    op.drop_index("ix_follow_ups_figures_opened", table_name="follow_ups")
    op.drop_index("ix_call_attempts_figures", table_name="call_attempts")
