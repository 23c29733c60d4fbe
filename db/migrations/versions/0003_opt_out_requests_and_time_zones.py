"""opt-out requests; tenants' and attempts' time zones

Revision ID: 0003
Revises: 0009
Create Date: 2026-12-01 10:30:00.000000

Inbound "9 then 9" is an opt-out request waiting for proof (opt_out_requests, at most one
pending per tenant). A tenant's calling hours apply in their own time zone (tenants.time_zone,
derived from an overseas number; NULL is Europe/Paris), copied on each planned attempt for the
dispatcher. Existing overseas tenants get their zone from their number here.
"""
from alembic import op
import sqlalchemy as sa
import db.models.base


revision = "0003"
down_revision = "0009"
branch_labels = None
depends_on = None

DUE_OVERSEAS = sa.text("state = 'due' AND time_zone IS NOT NULL")
OVERSEAS = sa.text("time_zone IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "opt_out_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_attempt_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_at", db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_by", sa.String(length=32), nullable=True),
        sa.Column("settled_by_attempt_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_opt_out_requests_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["requested_by_attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_opt_out_requests_requested_by_attempt_id_call_attempts")),
        sa.ForeignKeyConstraint(["settled_by_attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_opt_out_requests_settled_by_attempt_id_call_attempts")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE",
                                name=op.f("fk_opt_out_requests_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_out_requests")),
    )
    with op.batch_alter_table("opt_out_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opt_out_requests_organisation_id"), ["organisation_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_opt_out_requests_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("uq_opt_out_requests_pending_tenant", ["tenant_id"], unique=True,
                              sqlite_where=sa.text("status = 'pending'"),
                              postgresql_where=sa.text("status = 'pending'"))
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_tenants_overseas_time_zone", ["time_zone"], unique=False,
                              sqlite_where=OVERSEAS, postgresql_where=OVERSEAS)
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_call_attempts_due_overseas", ["time_zone", "due_at"], unique=False,
                              sqlite_where=DUE_OVERSEAS, postgresql_where=DUE_OVERSEAS)
    _derive_overseas_time_zones()


def _derive_overseas_time_zones() -> None:
    """Tenants whose number is not metropolitan get the time zone of their number."""
    from voice_app.domain.time_zones import time_zone_for_number

    connection = op.get_bind()
    tenants = sa.table("tenants", sa.column("id"), sa.column("phone"), sa.column("time_zone"))
    rows = connection.execute(sa.select(tenants.c.id, tenants.c.phone).where(
        tenants.c.phone.is_not(None), sa.not_(tenants.c.phone.like("+33%")))).all()
    for tenant_id, phone in rows:
        zone = time_zone_for_number(phone)
        if zone is not None:
            connection.execute(tenants.update().where(tenants.c.id == tenant_id).values(time_zone=zone))


def downgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_call_attempts_due_overseas", sqlite_where=DUE_OVERSEAS,
                            postgresql_where=DUE_OVERSEAS)
        batch_op.drop_column("time_zone")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_index("ix_tenants_overseas_time_zone", sqlite_where=OVERSEAS, postgresql_where=OVERSEAS)
        batch_op.drop_column("time_zone")
    with op.batch_alter_table("opt_out_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_opt_out_requests_pending_tenant",
                            sqlite_where=sa.text("status = 'pending'"),
                            postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f("ix_opt_out_requests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_opt_out_requests_organisation_id"))
    op.drop_table("opt_out_requests")
