"""A call to the service number: the caller is recognised by number (a tenant or not, they hear
the same menu) and an attempt is opened for the call's webhooks (voice_app.services.call_events)."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.exc import IntegrityError

from db.models import CallAttempt
from db.models import CallEvent
from db.repositories import call_events as calls
from voice_app.domain.call_flow import State
from voice_app.domain.call_flow import start_inbound
from voice_app.domain.outcomes import Outcome
from voice_app.services.call_consequences import record_consequences
from voice_app.services.call_replies import Handled
from voice_app.services.call_replies import handled
from voice_app.services.call_replies import replay
from voice_app.services.call_replies import reply_data
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.calls")


def start_inbound_call(veille: Runtime, organisation_id: int, call_sid: str, caller: str) -> Handled:
    """A call to the service number: recognise the tenant by number and open an attempt."""
    try:
        return _start_inbound(veille, organisation_id, call_sid, caller)
    except IntegrityError:  # the same inbound webhook, twice at once
        return _start_inbound(veille, organisation_id, call_sid, caller)


def token_of_call(veille: Runtime, call_sid: str) -> str | None:
    """The attempt token of a provider call id (inbound status callbacks carry no token)."""
    if not call_sid:
        return None
    with veille.session_factory.begin() as session:
        return calls.token_of_call(session, call_sid)


def _start_inbound(veille: Runtime, organisation_id: int, call_sid: str, caller: str) -> Handled:
    now = veille.clock()
    with veille.session_factory.begin() as session:
        existing = calls.attempt_of_call(session, call_sid)
        if existing is not None:
            first = calls.first_event(session, existing.id)
            call = calls.read_call(session.connection(), existing.token)
            return replay(session, veille, call, first.kind if first else "", first.detail if first else None)
        # A tenant who opted out has no number any more: they are an unknown caller.
        tenant_id = calls.tenant_by_number(session, organisation_id, caller) if caller else None
        transition = start_inbound()
        attempt = CallAttempt(token=secrets.token_urlsafe(32), organisation_id=organisation_id,
                              tenant_id=tenant_id, direction="inbound", purpose="inbound",
                              state=State.IN_PROGRESS, provider_call_id=call_sid, to_number=caller or None,
                              menu_step=transition.call.step, outcome=transition.call.outcome,
                              answered_at=now, last_event_at=now, answered_by="human")
        session.add(attempt)
        session.flush()
        # Whether the caller is a tenant is stored, never said: every caller hears the same.
        session.add(CallEvent(attempt_id=attempt.id, idempotency_key=f"{attempt.id}:inbound:{call_sid}",
                              kind="inbound", detail={"known_caller": tenant_id is not None,
                                                      "reply": reply_data(transition.reply, 1)},
                              received_at=now))
        session.flush()
        call = calls.read_call(session.connection(), attempt.token)
        if transition.call.outcome is not None:
            record_consequences(session, call, None, Outcome(transition.call.outcome), now)
        log.info("call.inbound attempt_id=%s known_caller=%s", attempt.id, tenant_id is not None)
        return handled(session, veille, call, transition.reply)
