"""Fewer indexes to write for each call attempt: planning inserts a million of them at once

Every index of call_attempts is written for each attempt a round plans. Two of them repeat the
first column of others (tenant_id: the tenant's attempts by round and by due time; organisation_id:
by creation time and the figures' index), so they go. Two others index a value every new attempt
has (needs_reconciliation false, outcome null) and is only ever looked for when set: they keep
the set rows only.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 20:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TO_RECONCILE = sa.text("needs_reconciliation")
ENDED_WITH_AN_OUTCOME = sa.text("outcome IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_call_attempts_tenant_id", table_name="call_attempts")
    op.drop_index("ix_call_attempts_organisation_id", table_name="call_attempts")
    op.drop_index("ix_call_attempts_needs_reconciliation", table_name="call_attempts")
    op.create_index("ix_call_attempts_needs_reconciliation", "call_attempts", ["needs_reconciliation"],
                    sqlite_where=TO_RECONCILE, postgresql_where=TO_RECONCILE)
    op.drop_index("ix_call_attempts_outcome", table_name="call_attempts")
    op.create_index("ix_call_attempts_outcome", "call_attempts", ["outcome"],
                    sqlite_where=ENDED_WITH_AN_OUTCOME, postgresql_where=ENDED_WITH_AN_OUTCOME)


def downgrade() -> None:
    op.drop_index("ix_call_attempts_outcome", table_name="call_attempts")
    op.create_index("ix_call_attempts_outcome", "call_attempts", ["outcome"])
    op.drop_index("ix_call_attempts_needs_reconciliation", table_name="call_attempts")
    op.create_index("ix_call_attempts_needs_reconciliation", "call_attempts", ["needs_reconciliation"])
    op.create_index("ix_call_attempts_organisation_id", "call_attempts", ["organisation_id"])
    op.create_index("ix_call_attempts_tenant_id", "call_attempts", ["tenant_id"])
