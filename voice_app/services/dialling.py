"""Place one claimed attempt through the provider and record what the provider said.

The claim (state `claimed`) is committed before this runs; the provider call happens
outside any transaction; the result is committed after. What the provider said decides:

- `NumberRejected` (this number cannot be called): `ended` with outcome `failed`, no retry;
  the round's closing opens the INVALID_NUMBER task.
- `AmbiguousProviderError` (maybe placed): flagged for reconciliation, never re-dialled
  blindly. Any other exception from the adapter is ambiguous too: we cannot tell whether the
  request left the process, so the sweep reconciles it (voice_app.services.sweep).
- `ProviderUnavailable`, or any other `ProviderError` (not about this number, so every call
  would meet it): nothing is ended. With `on_unavailable` (the dispatcher) the claim goes back
  to `due` and the callback pauses dialling; without it (a test call placed by hand) the
  attempt is `cancelled` with the provider's error, for the coordinator to read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from db.repositories import dialling
from voice_app.bootstrap import Veille
from voice_app.domain.phones import mask_phone
from voice_app.services.ports import AmbiguousProviderError
from voice_app.services.ports import NumberRejected
from voice_app.services.ports import ProviderError
from voice_app.services.ports import ProviderUnavailable
from voice_app.telephony.urls import outbound_call

log = logging.getLogger("veille.dialling")


def place_claimed_attempt(veille: Veille, attempt_id: int, token: str, to_number: str, *,
                          on_unavailable: Callable[[ProviderUnavailable], None] | None = None) -> str | None:
    """Dial a claimed attempt; return the provider call id, or None if it was not placed."""
    call = outbound_call(veille.settings.PUBLIC_BASE_URL, token, to_number)
    try:
        provider_call_id = veille.telephony.place_call(call)
    except AmbiguousProviderError as error:
        _flag_for_reconciliation(veille, attempt_id, str(error))
        log.warning("call.dial_ambiguous attempt_id=%s to=%s", attempt_id, mask_phone(to_number))
        return None
    except NumberRejected as error:
        _record(veille, attempt_id, state="ended", outcome="failed", error=str(error)[:200],
                ended_at=veille.clock())
        log.warning("call.dial_refused attempt_id=%s to=%s", attempt_id, mask_phone(to_number))
        return None
    except ProviderError as error:
        _provider_unavailable(veille, attempt_id, _as_unavailable(error), on_unavailable)
        return None
    except Exception as error:  # an adapter bug or a network error it did not classify
        _flag_for_reconciliation(veille, attempt_id, f"{type(error).__name__}: {error}")
        log.error("call.dial_crashed attempt_id=%s to=%s error=%s", attempt_id, mask_phone(to_number),
                  type(error).__name__)
        return None
    _record_dialled(veille, attempt_id, provider_call_id)
    log.info("call.dialled attempt_id=%s to=%s", attempt_id, mask_phone(to_number))
    return provider_call_id


def _as_unavailable(error: ProviderError) -> ProviderUnavailable:
    """A refusal that does not say it is about the number is taken as the provider's problem."""
    if isinstance(error, ProviderUnavailable):
        return error
    return ProviderUnavailable(str(error))


def _provider_unavailable(veille: Veille, attempt_id: int, error: ProviderUnavailable,
                          on_unavailable: Callable[[ProviderUnavailable], None] | None) -> None:
    if on_unavailable is None:
        _record(veille, attempt_id, state="cancelled", error=str(error)[:200], ended_at=veille.clock())
    else:
        _give_back(veille, attempt_id)
    log.warning("call.dial_unavailable attempt_id=%s code=%s status=%s", attempt_id, error.code, error.status)
    if on_unavailable is not None:
        on_unavailable(error)


def _give_back(veille: Veille, attempt_id: int) -> None:
    with veille.session_factory.begin() as session:
        dialling.give_back(session, attempt_id)


def _flag_for_reconciliation(veille: Veille, attempt_id: int, error: str) -> None:
    with veille.session_factory.begin() as session:
        dialling.flag_for_reconciliation(session, attempt_id, error)


def _record(veille: Veille, attempt_id: int, **values) -> None:
    with veille.session_factory.begin() as session:
        dialling.finish_claim(session, attempt_id, **values)


def _record_dialled(veille: Veille, attempt_id: int, provider_call_id: str) -> None:
    with veille.session_factory.begin() as session:
        dialling.record_dialled(session, attempt_id, provider_call_id, veille.clock())
