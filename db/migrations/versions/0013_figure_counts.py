"""The figures' summary: counts per landlord, Paris month and group (figure_counts), enrolments
per group and dates (figure_enrolments), a tenant's attempts by due time, and what of each
call attempt the summary has counted (counted_flags, with an index of the attempts pending)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Frozen copy of db.models.calls.FIGURES_PENDING as of this revision.
PENDING = ("round_id IS NOT NULL AND counted_flags <> (CASE WHEN dialled_at IS NOT NULL THEN 1 ELSE 0 END"
           " + CASE WHEN outcome IN ('help_food', 'help_health', 'help_other', 'live_transfer',"
           " 'live_transfer_missed', 'ok', 'opt_out', 'opt_out_requested', 'opt_out_unconfirmed')"
           " THEN 2 ELSE 0 END + CASE WHEN outcome = 'opt_out' THEN 4 ELSE 0 END)")

COUNTS = ("planned", "called", "reached", "opted_out", "opened", "completed", "on_time", "by_usual", "regular",
          "referred")


def upgrade() -> None:
    op.create_table(
        "figure_counts",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("slice", sa.Date(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=120), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=32), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_figure_counts_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("organisation_id", "month", "grain", "slice", "round_id", "campaign_id", "site",
                                "partner_id", "detail", "shard", name=op.f("pk_figure_counts")),
    )


    op.create_table(
        "figure_enrolments",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=120), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("unenrolled_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("tenants", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_figure_enrolments_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("organisation_id", "site", "partner_id", "enrolled_on", "unenrolled_on", "status",
                                name=op.f("pk_figure_enrolments")),
    )


    op.create_index("ix_call_attempts_tenant_due_at", "call_attempts", ["tenant_id", "due_at"])
    # Every attempt starts uncounted: `veille figures rebuild` (or the clock's fold) counts them.
    with op.batch_alter_table("call_attempts") as batch:
        batch.add_column(sa.Column("counted_flags", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_call_attempts_figures_pending", "call_attempts", ["id"],
                    sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index("ix_call_attempts_figures_pending", table_name="call_attempts")
    with op.batch_alter_table("call_attempts") as batch:
        batch.drop_column("counted_flags")
    op.drop_index("ix_call_attempts_tenant_due_at", table_name="call_attempts")
    op.drop_table("figure_enrolments")
    op.drop_table("figure_counts")
