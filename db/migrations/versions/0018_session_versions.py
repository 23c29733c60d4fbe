"""Sessions that sign-out and a new password end: a version of the user's sessions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 13:00:00

A session's id was the user's id alone, so a copied session cookie kept working after the person
signed out or an admin gave them a new password. The id now carries `users.session_version`,
which those events raise. Sessions opened before this migration end (their id has no version).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
