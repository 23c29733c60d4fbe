"""The opt-out request lifecycle: pending until proof, then settled for good."""

from __future__ import annotations

import pytest

from voice_app.domain.opt_out_requests import RequestState
from voice_app.domain.opt_out_requests import Settlement
from voice_app.domain.opt_out_requests import settle
from voice_app.domain.opt_out_requests import stops_calls


@pytest.mark.parametrize(("event", "after", "stops"), [
    (Settlement.CONFIRMED_ON_CALL, RequestState.CONFIRMED, True),
    (Settlement.CONFIRMED_BY_COORDINATOR, RequestState.CONFIRMED, True),
    (Settlement.DECLINED_ON_CALL, RequestState.DISMISSED, False),
    (Settlement.DISMISSED_BY_COORDINATOR, RequestState.DISMISSED, False),
])
def test_a_pending_request_is_settled_once_and_only_a_confirmation_stops_the_calls(event, after, stops):
    assert settle("pending", event) == after
    assert stops_calls(after) is stops


@pytest.mark.parametrize("state", ["confirmed", "dismissed", "exploded", ""])
@pytest.mark.parametrize("event", list(Settlement))
def test_a_settled_or_unknown_request_never_changes(state, event):
    assert settle(state, event) is None


def test_nothing_pending_stops_the_calls():
    assert not stops_calls(RequestState.PENDING) and not stops_calls(None)
