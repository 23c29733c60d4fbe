"""The lifecycle of an opt-out request: a wish to stop the calls, made where caller id proves
nothing (DESIGN §5), waiting for proof.

Theory of operation
-------------------
Anyone can call the service number showing a tenant's number, so "9 then 9" on an inbound
call never stops a tenant's calls by itself: it opens a `PENDING` request (one per tenant at a
time) and a low-priority follow-up for a coordinator. Proof then comes one of two ways:

- on the next call Veille places to the number on file, the tenant hears "Vous avez demandé à
  ne plus être appelé : tapez 9 pour confirmer" (voice_app.domain.call_flow,
  `Step.REQUEST_CONFIRM`): 9 is `ConfirmedOnCall`, 1 is `DeclinedOnCall`; silence or a
  hang-up decides nothing and the request waits;
- a coordinator, who knows the tenant, confirms or dismisses it
  (`ConfirmedByCoordinator`, `DismissedByCoordinator`).

`settle(state, event)` looks the pair up in `TRANSITIONS`; a pair that is not there (a second
confirmation, a dismissal after the tenant confirmed) changes nothing. `CONFIRMED` and
`DISMISSED` have no row: a settled request never changes again. Only `CONFIRMED` stops the
calls, through the same opt-out as "9 then 9" on an outbound call.
"""

from __future__ import annotations

from enum import StrEnum


class RequestState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Settlement(StrEnum):
    """What settled a request (stored as OptOutRequest.settled_by)."""

    CONFIRMED_ON_CALL = "confirmed_on_call"  # 9 on Veille's next call to the number on file
    DECLINED_ON_CALL = "declined_on_call"  # 1 on that call: the calls go on
    CONFIRMED_BY_COORDINATOR = "confirmed_by_coordinator"
    DISMISSED_BY_COORDINATOR = "dismissed_by_coordinator"


TRANSITIONS: dict[tuple[RequestState, Settlement], RequestState] = {
    (RequestState.PENDING, Settlement.CONFIRMED_ON_CALL): RequestState.CONFIRMED,
    (RequestState.PENDING, Settlement.DECLINED_ON_CALL): RequestState.DISMISSED,
    (RequestState.PENDING, Settlement.CONFIRMED_BY_COORDINATOR): RequestState.CONFIRMED,
    (RequestState.PENDING, Settlement.DISMISSED_BY_COORDINATOR): RequestState.DISMISSED,
}


def settle(state: str, event: Settlement) -> RequestState | None:
    """The request's new state after `event`, or None when `event` changes nothing."""
    try:
        return TRANSITIONS.get((RequestState(state), event))
    except ValueError:  # a state this code does not know: leave it alone
        return None


def stops_calls(state: RequestState | None) -> bool:
    """True when the settled request means the tenant must never be called again."""
    return state == RequestState.CONFIRMED
