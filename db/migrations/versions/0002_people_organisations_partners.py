"""People: partner organisations, service numbers, invitations, absences, sign-in attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:11:53.387104
"""

from alembic import op
import sqlalchemy as sa
import db.models.base


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_login_attempts_address_at", ["address", "at"], unique=False)

    op.create_table(
        "service_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("created_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_service_numbers_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_numbers")),
        sa.UniqueConstraint("number", name=op.f("uq_service_numbers_number")),
    )
    with op.batch_alter_table("service_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_numbers_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invitations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("landlord_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_partnerships_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["landlord_id"],
            ["organisations.id"],
            name=op.f("fk_partnerships_landlord_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["organisations.id"],
            name=op.f("fk_partnerships_partner_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("landlord_id", "partner_id", name=op.f("uq_partnerships_landlord_id_partner_id")),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partnerships_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "volunteer_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteer_absences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_absences")),
    )
    with op.batch_alter_table("volunteer_absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_absences_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="landlord", nullable=False)
        )
        batch_op.add_column(sa.Column("settings", sa.JSON(), server_default="{}", nullable=False))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capacity", sa.Integer(), server_default="25", nullable=False))
        batch_op.add_column(
            sa.Column("last_login_at", db.models.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tenants_assigned_volunteer_id"), ["assigned_volunteer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenants_assigned_volunteer_id"))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("capacity")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("settings")
        batch_op.drop_column("kind")

    with op.batch_alter_table("volunteer_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_absences_user_id"))

    op.drop_table("volunteer_absences")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnerships_partner_id"))

    op.drop_table("partnerships")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_user_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("service_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_numbers_organisation_id"))

    op.drop_table("service_numbers")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_address_at")
        batch_op.drop_index("ix_login_attempts_account_at")

    op.drop_table("login_attempts")
