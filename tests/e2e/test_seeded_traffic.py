"""A seeded batch of unscripted calls, as the demo places them: every call ends cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from tests.e2e.scenarios import CALL_TIMEOUT_SECONDS
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import escalation_reason
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP

EXPECTED_BY_BEHAVIOUR = {
    "presses 1": Outcome.OK, "says oui": Outcome.OK, "presses 2 1": Outcome.HELP_HEALTH,
    "presses 2 2": Outcome.HELP_FOOD, "presses 2 3": Outcome.HELP_OTHER, "says aide": Outcome.HELP_OTHER,
    "presses 0": Outcome.LIVE_TRANSFER, "presses 9 9": Outcome.OPT_OUT, "silent": Outcome.NO_KEY,
    "hangs up": Outcome.NO_KEY, "no answer": Outcome.NO_ANSWER, "busy": Outcome.BUSY,
    "voicemail": Outcome.VOICEMAIL, "wrong number": Outcome.FAILED,
}


def test_thirty_seeded_calls_at_once_all_end_with_the_outcome_their_tenant_chose(live):
    live.volunteer(VolunteerBehaviour.accepts())
    tenants = [live.tenant(f"S-{n:03d}", phone=f"+336130000{n:02d}") for n in range(30)]
    attempts = {live.attempt(tenant): tenant for tenant in tenants}
    sids = {attempt_id: live.dial(attempt_id) for attempt_id in attempts}  # all at once, in parallel
    calls = {attempt_id: live.simulator.wait(sid, CALL_TIMEOUT_SECONDS) for attempt_id, sid in sids.items()}
    with live.veille.session_factory.begin() as session:
        stored = {a.id: a for a in session.scalars(select(CallAttempt))}
    for attempt_id, call in calls.items():
        behaviour = call.behaviour.split(",")[0]  # without the callback quirks
        attempt = stored[attempt_id]
        assert all(code == 200 for code in call.http_statuses), (behaviour, call.exchanges)
        assert attempt.state == "ended", (behaviour, attempt.state)
        assert attempt.outcome == EXPECTED_BY_BEHAVIOUR[behaviour], (behaviour, attempt.outcome)
        outcome = live.outcome(attempt_id, call)
        reason = escalation_reason(attempt.outcome)
        assert [r for r, _ in outcome.follow_ups] == ([str(reason)] if reason else []), behaviour
    assert len({call.behaviour for call in calls.values()}) >= 3  # the seed gives a mix
