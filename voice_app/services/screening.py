"""The volunteer's side of a live transfer: their answer to the screening question.

The volunteer's leg fetches a question ("a tenant asks for help, press 1 to take the call");
1 connects them while the tenant still waits at the transfer step. The answer is stored as an
event of the tenant's call, which the call flow reads (voice_app.services.call_events).
"""

from __future__ import annotations

import logging

from db.models import CallEvent
from db.repositories import call_events as calls
from voice_app.domain.call_flow import State
from voice_app.domain.ivr_script import Step
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.calls")

SCREEN_ACCEPTED = "screen_accepted"  # the event kind of a volunteer's "1"


def record_screening(veille: Runtime, token: str, leg_sid: str, digits: str, parent_sid: str = "") -> bool:
    """A volunteer answered the screening question: True connects them (1, tenant waiting).
    The leg has its own CallSid; its ParentCallSid, when sent, must be the tenant's call."""
    with veille.session_factory.begin() as session:
        attempt = calls.locked_attempt(session, token) if token and len(token) <= 64 else None
        if attempt is None or digits != "1" or attempt.state != State.IN_PROGRESS \
                or attempt.menu_step != Step.TRANSFER:
            return False
        if parent_sid and attempt.provider_call_id and parent_sid != attempt.provider_call_id:
            log.warning("call.foreign_call_sid attempt_id=%s kind=screen", attempt.id)
            return False
        key = f"{attempt.id}:screen:{leg_sid[:64]}"
        if not calls.event_stored(session, key):
            session.add(CallEvent(attempt_id=attempt.id, idempotency_key=key, kind=SCREEN_ACCEPTED,
                                  detail={}, received_at=veille.clock()))
    log.info("call.transfer_accepted attempt_id=%s", attempt.id)
    return True
