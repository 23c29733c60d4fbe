"""Helpers for dispatch tests: seed due attempts in bulk, and a provider that records every
call to a file so several processes can be counted after the fact (even one killed -9).

`python -m tests.multiprocess_helpers DATABASE_URL RECORD_FILE WORKER_ID` runs one dispatcher
process until nothing is due any more.
"""

from __future__ import annotations

import itertools
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.models import CallAttempt
from db.models import Campaign
from db.models import Enrolment
from db.models import Organisation
from db.models import Round
from db.models import Tenant
from tests.policies import always_open_policy
from voice_app.services.ports import OutboundCall

# Calling hours of every day, all day: processes on the real clock dispatch whatever the time.
ALWAYS_OPEN = {key: always_open_policy().to_dict()[key] for key in ("windows", "include_holidays")}
UNPACED = {"calls_per_second": 1_000_000, "max_concurrent_calls": 1_000_000, **ALWAYS_OPEN}


@dataclass(frozen=True)
class Seeded:
    organisation_id: int
    campaign_id: int
    round_id: int
    tenant_ids: list[int]
    attempt_ids: list[int]


def phone_of(index: int) -> str:
    return f"+336{index:08d}"


def seed_due_attempts(session_factory: sessionmaker[Session], count: int, *, now: datetime,
                      policy: dict | None = None, due_at: datetime | None = None,
                      organisation_name: str = "Habitat Test") -> Seeded:
    """One organisation, campaign and open round with `count` enrolled tenants, each with one
    attempt due at `due_at` (default: one minute before `now`)."""
    due_at = due_at or now - timedelta(minutes=1)
    with session_factory.begin() as session:
        organisation = Organisation(slug=f"org-{secrets.token_hex(4)}", name=organisation_name)
        session.add(organisation)
        session.flush()
        campaign = Campaign(organisation_id=organisation.id, name=f"Campagne {secrets.token_hex(3)}",
                            policy=dict(UNPACED if policy is None else policy))
        session.add(campaign)
        session.flush()
        round_ = Round(campaign_id=campaign.id, scheduled_on=now.date(), starts_at=now - timedelta(hours=1),
                       ends_at=now + timedelta(hours=8), planned_count=count)
        session.add(round_)
        session.flush()
        tenant_ids = _insert_tenants(session, organisation.id, count, now.date())
        attempt_ids = list(session.scalars(
            insert(CallAttempt).returning(CallAttempt.id, sort_by_parameter_order=True),
            [dict(token=secrets.token_urlsafe(32), organisation_id=organisation.id, tenant_id=tenant_id,
                  round_id=round_.id, state="due", due_at=due_at, to_number=phone_of(index))
             for index, tenant_id in enumerate(tenant_ids)],
        ))
        return Seeded(organisation.id, campaign.id, round_.id, tenant_ids, attempt_ids)


def _insert_tenants(session: Session, organisation_id: int, count: int, today: date) -> list[int]:
    tenant_ids = list(session.scalars(
        insert(Tenant).returning(Tenant.id, sort_by_parameter_order=True),
        [dict(organisation_id=organisation_id, reference=f"T{index:06d}", last_name=f"Locataire {index}",
              household="alone", phone=phone_of(index)) for index in range(count)],
    ))
    if tenant_ids:
        session.execute(insert(Enrolment), [
            dict(tenant_id=tenant_id, organisation_id=organisation_id, status="enrolled",
                 legal_basis="public_interest", source="test", enrolled_on=today)
            for tenant_id in tenant_ids
        ])
    return tenant_ids


class RecordingTelephony:
    """Appends each placed call's token to a file with one `write` (atomic with O_APPEND), before
    answering: a process killed right after is still counted as having placed the call."""

    def __init__(self, record_file: str | Path) -> None:
        self._fd = os.open(record_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._ids = itertools.count(1)
        self._prefix = f"{os.getpid():x}"

    def place_call(self, call: OutboundCall) -> str:
        os.write(self._fd, f"{call.attempt_token}\n".encode())
        return f"CA{self._prefix}x{next(self._ids):024x}"

    def hang_up(self, provider_call_id: str) -> None:
        """Nothing to hang up: no real call exists."""

    def redirect(self, provider_call_id: str, url: str) -> None:
        """Nothing to redirect: no real call exists."""

    def send_sms(self, to_number: str, body: str) -> str:
        return "SM0"

    def fetch_call_status(self, provider_call_id: str) -> str | None:
        return "in-progress"

    def close(self) -> None:
        os.close(self._fd)


def recorded_tokens(directory: Path) -> list[str]:
    """Every token recorded by every process (one file each), duplicates kept."""
    return [line for path in sorted(directory.glob("*.calls")) for line in path.read_text().splitlines()]


def run_dispatcher_process(database_url: str, record_file: str, worker_id: str) -> int:
    """Dispatch until nothing is due; return how many calls this process placed."""
    from voice_app.bootstrap import bootstrap
    from voice_app.config import Settings
    from voice_app.services.dispatch import dispatch_due_calls

    veille = bootstrap(Settings(DATABASE_URL=database_url), telephony=RecordingTelephony(record_file))
    placed = 0
    try:
        while True:
            summary = dispatch_due_calls(veille, veille.clock(), worker_id=worker_id, limit=100)
            placed += summary.placed
            if summary.claimed == 0:
                return placed
    finally:
        veille.close()


if __name__ == "__main__":
    print(run_dispatcher_process(*sys.argv[1:4]))
