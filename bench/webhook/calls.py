"""The webhook benchmark's calls: tenants whose call is waiting at the menu, and the forms
Twilio posts for them (a key press, the final status callback)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from db.engine import Role
from db.models import CallAttempt
from db.models import Tenant
from voice_app.bootstrap import Veille
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.services.organisations import ensure_organisation

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "b" * 32
SERVICE_NUMBER = "+33180000000"


@dataclass(frozen=True)
class SeededCall:
    token: str
    call_sid: str
    to_number: str


def veille_for(database_url: str, public_base_url: str = "http://127.0.0.1:9") -> Veille:
    return bootstrap(Settings(DATABASE_URL=database_url, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                              PUBLIC_BASE_URL=public_base_url, LOG_LEVEL="WARNING"), role=Role.WEB)


def new_calls(count: int) -> list[SeededCall]:
    return [SeededCall(secrets.token_urlsafe(32), "CA" + secrets.token_hex(16), f"+3361{index:07d}")
            for index in range(count)]


def seed_attempts(veille: Veille, calls: list[SeededCall], prefix: str, *, answered: bool) -> None:
    """One tenant per call, with the call's attempt just accepted by the provider (queued) or,
    when `answered`, answered by a human and waiting at the menu."""
    organisation = ensure_organisation(veille.session_factory, "Bailleur Bench")
    now = veille.clock()
    state = dict(state="queued")
    if answered:
        state = dict(state="in_progress", menu_step="menu", answered_at=now, last_event_at=now,
                     answered_by="human", provider_status="in-progress")
    with veille.session_factory.begin() as session:
        tenants = [Tenant(organisation_id=organisation.id, reference=f"{prefix}-{index:06d}",
                          last_name="Banc", household="alone", phone=call.to_number)
                   for index, call in enumerate(calls)]
        session.add_all(tenants)
        session.flush()
        session.add_all(CallAttempt(token=call.token, organisation_id=organisation.id, tenant_id=tenant.id,
                                    purpose="test", due_at=now, claimed_at=now, dialled_at=now,
                                    provider_call_id=call.call_sid, to_number=call.to_number, **state)
                        for call, tenant in zip(calls, tenants, strict=True))


def seed_waiting_calls(database_url: str | None, count: int, prefix: str) -> list[SeededCall]:
    """`count` calls answered by a human and waiting for the menu's first key; without a
    database (the reference app), only their identifiers."""
    calls = new_calls(count)
    if database_url is None:
        return calls
    veille = veille_for(database_url)
    try:
        seed_attempts(veille, calls, prefix, answered=True)
    finally:
        veille.close()
    return calls


def common_params(call: SeededCall) -> dict[str, str]:
    return {"CallSid": call.call_sid, "AccountSid": ACCOUNT_SID, "From": SERVICE_NUMBER, "To": call.to_number,
            "Direction": "outbound-api", "ApiVersion": "2010-04-01"}


def press_params(call: SeededCall) -> dict[str, str]:
    """The menu's Gather action: the tenant pressed 1 (all well)."""
    return {**common_params(call), "CallStatus": "in-progress", "Digits": "1", "FinishedOnKey": ""}


def status_params(call: SeededCall) -> dict[str, str]:
    """The final status callback of the call."""
    return {**common_params(call), "CallStatus": "completed", "CallbackSource": "call-progress-events",
            "SequenceNumber": "3", "CallDuration": "31", "Timestamp": "Tue, 01 Dec 2026 10:00:00 +0000"}


def count_all_well(database_url: str) -> int:
    """Calls whose outcome is "all well" (the key presses stored)."""
    veille = veille_for(database_url)
    try:
        with veille.session_factory.begin() as session:
            return session.scalar(select(func.count(CallAttempt.id)).where(CallAttempt.outcome == "ok"))
    finally:
        veille.close()
