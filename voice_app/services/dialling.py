"""Place one claimed attempt through the provider and record what the provider said.

The claim (state `claimed`) is committed before this runs; the provider call happens
outside any transaction; the result is committed after. A refused call is `ended` with
outcome `failed`; an ambiguous one (maybe placed) is flagged for reconciliation and never
re-dialled blindly.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from db.models import CallAttempt
from voice_app.bootstrap import Veille
from voice_app.domain.phones import mask_phone
from voice_app.services.ports import AmbiguousProviderError
from voice_app.services.ports import ProviderError
from voice_app.telephony.urls import outbound_call

log = logging.getLogger("veille.dialling")


def place_claimed_attempt(veille: Veille, attempt_id: int, token: str, to_number: str) -> str | None:
    """Dial a claimed attempt; return the provider call id, or None if it was not placed."""
    call = outbound_call(veille.settings.PUBLIC_BASE_URL, token, to_number)
    try:
        provider_call_id = veille.telephony.place_call(call)
    except AmbiguousProviderError as error:
        _record(veille, attempt_id, needs_reconciliation=True, error=str(error)[:200])
        log.warning("call.dial_ambiguous attempt_id=%s to=%s", attempt_id, mask_phone(to_number))
        return None
    except ProviderError as error:
        _record(veille, attempt_id, state="ended", outcome="failed", error=str(error)[:200],
                ended_at=veille.clock())
        log.warning("call.dial_refused attempt_id=%s to=%s", attempt_id, mask_phone(to_number))
        return None
    _record(veille, attempt_id, provider_call_id=provider_call_id, state="queued",
            dialled_at=veille.clock(), only_if_state="claimed")
    log.info("call.dialled attempt_id=%s to=%s", attempt_id, mask_phone(to_number))
    return provider_call_id


def _record(veille: Veille, attempt_id: int, only_if_state: str | None = None, **values) -> None:
    statement = update(CallAttempt).where(CallAttempt.id == attempt_id)
    if only_if_state is not None:
        # A fast provider may already have called back (ringing...): keep the newer state,
        # but always store the provider call id.
        with veille.session_factory.begin() as session:
            session.execute(statement.values(provider_call_id=values.pop("provider_call_id"),
                                             dialled_at=values.pop("dialled_at")))
            session.execute(statement.where(CallAttempt.state == only_if_state).values(**values))
        return
    with veille.session_factory.begin() as session:
        session.execute(statement.values(**values))
