"""The figures' summary (docs/figures.md): counts per landlord, Paris month and group, kept
exact by the services that write the facts (voice_app.services.figure_counts) and rebuilt
from the facts by `veille figures rebuild`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db.models.base import Base

SHARDS = 8

# The columns that say what a row counts (the key) and the counts themselves.
KEY_COLUMNS = ("organisation_id", "month", "grain", "slice", "round_id", "campaign_id", "site", "partner_id",
               "detail", "shard")
COUNT_COLUMNS = ("planned", "called", "reached", "opted_out", "opened", "completed", "on_time", "by_usual",
                 "regular", "referred")


class FigureCount(Base):
    """One group of one month. `grain` says which key columns are set (the others are 0 or ''):
    `week` (slice: the week's Monday), `round`, `campaign`, `group` (site and partner: the
    month's tenants, each in exactly one group). `detail` is '' for the tenants and done
    follow-ups, the reason for opened follow-ups, the category for referrals. Tenant counts
    (planned, called, reached, opted_out) are distinct tenants within the row's group. Each
    group is cut in SHARDS rows by tenant (a tenant in one of them), summed when read, so that
    calls ending at once seldom wait for the same row."""

    __tablename__ = "figure_counts"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(8), primary_key=True)
    slice: Mapped[date] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(120), primary_key=True)
    partner_id: Mapped[int] = mapped_column(primary_key=True)
    detail: Mapped[str] = mapped_column(String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)  # tenant id modulo SHARDS: writers share fewer rows
    planned: Mapped[int] = mapped_column(default=0)
    called: Mapped[int] = mapped_column(default=0)
    reached: Mapped[int] = mapped_column(default=0)
    opted_out: Mapped[int] = mapped_column(default=0)
    opened: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    by_usual: Mapped[int] = mapped_column(default=0)
    regular: Mapped[int] = mapped_column(default=0)
    referred: Mapped[int] = mapped_column(default=0)


NEVER = date(9999, 12, 31)  # unenrolled_on of an enrolment never ended (a key column has no NULL)
ENROLMENT_KEY_COLUMNS = ("organisation_id", "site", "partner_id", "enrolled_on", "unenrolled_on", "status")


class FigureEnrolment(Base):
    """Enrolments counted by (site, partner) and dates, so that the tenants enrolled on a day, per
    group, are a sum over a few hundred rows instead of a join of every tenant."""

    __tablename__ = "figure_enrolments"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    site: Mapped[str] = mapped_column(String(120), primary_key=True)
    partner_id: Mapped[int] = mapped_column(primary_key=True)
    enrolled_on: Mapped[date] = mapped_column(primary_key=True)
    unenrolled_on: Mapped[date] = mapped_column(primary_key=True)  # NEVER when still enrolled
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    tenants: Mapped[int] = mapped_column(default=0)
