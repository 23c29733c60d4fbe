"""The gather turn of a call as a column of its attempt

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-01 13:20:00

The turn a call waits for was counted from its gather events at every webhook; it is now kept
on the attempt, which every webhook reads and writes anyway. Calls still in progress get their
count from the events they have; the others never receive a gather again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_attempts") as batch:
        batch.add_column(sa.Column("gather_turns", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE call_attempts SET gather_turns = (SELECT count(*) FROM call_events "
               "WHERE call_events.attempt_id = call_attempts.id AND call_events.kind = 'gather') "
               "WHERE state = 'in_progress'")


def downgrade() -> None:
    with op.batch_alter_table("call_attempts") as batch:
        batch.drop_column("gather_turns")
