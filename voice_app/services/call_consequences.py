"""What a webhook's transition calls for, in the transaction that records it: the tenant's
answer as it is stored (a KeyPress, written with the webhook's event), and the consequences
of the answer and of a new outcome (the follow-up task, the opt-out)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import KeyPress
from db.repositories.call_events import AnswerRow
from db.repositories.call_events import CallRecord
from voice_app.domain.call_flow import Answer
from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Step
from voice_app.domain.opt_out_requests import Settlement
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import escalation_reason
from voice_app.domain.outcomes import log_class
from voice_app.services import opt_outs
from voice_app.services.escalations import open_follow_up

log = logging.getLogger("veille.calls")


def answer_row(session: Session, call: CallRecord, answer: Answer) -> AnswerRow:
    """The answer as stored with its webhook; a step asked again is numbered ("menu.2", the menu
    again after "9, then 1")."""
    step = str(answer.step)
    used = call.answers_at_step if step == call.menu_step else _answers_at(session, call.id, step)
    return AnswerRow(step if not used else f"{step}.{used + 1}", answer.key[:8], str(answer.meaning))


def record_consequences(session: Session, call: CallRecord, answer: Answer | None, outcome: Outcome | None,
                        now: datetime) -> None:
    """What the answer (stored with its webhook) and a new outcome call for."""
    if _declines_request(answer):
        opt_outs.settle_on_call(session, session.get(CallAttempt, call.id), Settlement.DECLINED_ON_CALL, now)
    if outcome is not None:
        _consequences(session, call, outcome, now)


def writes_consequences(call: CallRecord, answer: Answer | None, outcome: Outcome | None) -> bool:
    """Will `record_consequences` write anything? Most webhooks ("all well", a status callback)
    write only their own rows, which need no transaction of their own (call_events)."""
    if _declines_request(answer):
        return True
    if outcome is None:
        return False
    return (outcome == Outcome.OPT_OUT_REQUESTED or escalation_reason(outcome) is not None
            or _opts_out_tenant(call, outcome))


def _declines_request(answer: Answer | None) -> bool:
    return (answer is not None and answer.step == Step.REQUEST_CONFIRM
            and answer.meaning == Choice.STOP_CANCELLED)


def _opts_out_tenant(call: CallRecord, outcome: Outcome) -> bool:
    return outcome == Outcome.OPT_OUT and call.tenant_id is not None and call.direction != "inbound"


def _answers_at(session: Session, attempt_id: int, step: str) -> int:
    return session.scalar(select(func.count(KeyPress.id)).where(
        KeyPress.attempt_id == attempt_id, KeyPress.step.like(f"{step}%"))) or 0


def _consequences(session: Session, call: CallRecord, outcome: Outcome, now: datetime) -> None:
    log.info("call.outcome attempt_id=%s outcome=%s", call.id, log_class(outcome))
    if outcome == Outcome.OPT_OUT_REQUESTED:
        opt_outs.record_request(session, session.get(CallAttempt, call.id), now)  # opens its own follow-up
        return
    inbound = call.direction == "inbound"
    reason = escalation_reason(outcome)
    if reason is not None:
        # A call to the service number is keyed by its caller and day: repeated calls, one task.
        caller = (call.to_number or "") if inbound else None
        open_follow_up(session, organisation_id=call.organisation_id, tenant_id=call.tenant_id,
                       reason=reason, now=now, attempt_id=call.id, caller=caller)
    if _opts_out_tenant(call, outcome):
        opt_outs.opt_out_tenant(session, call.organisation_id, call.tenant_id, now, call.id)
