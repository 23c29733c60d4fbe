"""The volunteer's workspace: outcome bookkeeping, overdue raise, SMS once, bridged calls, regular human calls

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-01 10:37:07.981384
"""

from alembic import op
import sqlalchemy as sa
import db.models.base


revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bridged_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("provider_call_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("tenant_result", sa.String(length=20), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["follow_up_id"], ["follow_ups.id"], name=op.f("fk_bridged_calls_follow_up_id_follow_ups")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bridged_calls_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["users.id"], name=op.f("fk_bridged_calls_volunteer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bridged_calls")),
        sa.UniqueConstraint("provider_call_id", name=op.f("uq_bridged_calls_provider_call_id")),
        sa.UniqueConstraint("token", name=op.f("uq_bridged_calls_token")),
    )
    with op.batch_alter_table("bridged_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bridged_calls_follow_up_id"), ["follow_up_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bridged_calls_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["follow_up_id"], ["follow_ups.id"], name=op.f("fk_notifications_follow_up_id_follow_ups")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_notifications_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_notifications_dedup_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index("ix_notifications_status_created_at", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("raised_at", db.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("urgent_notified_at", db.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_follow_ups_completed_by_id_users"), "users", ["completed_by_id"], ["id"]
        )

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("human_call_every_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("keep_automated_calls", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("keep_automated_calls")
        batch_op.drop_column("human_call_every_days")

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_follow_ups_completed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("urgent_notified_at")
        batch_op.drop_column("raised_at")
        batch_op.drop_column("contact_attempts")
        batch_op.drop_column("completed_by_id")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_user_id"))
        batch_op.drop_index("ix_notifications_status_created_at")
        batch_op.drop_index(batch_op.f("ix_notifications_organisation_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("bridged_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bridged_calls_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_bridged_calls_follow_up_id"))

    op.drop_table("bridged_calls")
