"""What a webhook answers: the `Handled` the web layer renders, and the reply a retried webhook
hears again (stored with its event)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from db.repositories.call_events import CallRecord
from voice_app.domain.call_flow import Effect
from voice_app.domain.call_flow import Reply
from voice_app.domain.call_flow import Then
from voice_app.domain.ivr_script import DEFAULT_LANGUAGE
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_voice import Voicing
from voice_app.domain.ivr_voice import voicing_of
from voice_app.services.ports import Runtime
from voice_app.services.recordings import recordings_of
from voice_app.services.volunteers import on_duty_user_ids
from voice_app.services.volunteers import pool_organisation_ids

log = logging.getLogger("veille.calls")

MAX_VOLUNTEERS_RUNG = 10  # Twilio dials at most ten Number nouns at once


@dataclass(frozen=True)
class Handled:
    """What the web layer needs to answer a webhook: the reply, how to render it, and the
    provider effects to perform after the commit. `known` is False for an unknown token."""

    known: bool
    token: str = ""
    reply: Reply | None = None
    turn: int = 1
    organisation_name: str = ""
    callback_number: str | None = None
    volunteer_numbers: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = ()
    provider_call_id: str | None = None
    duplicate: bool = False
    language: str = DEFAULT_LANGUAGE
    voicing: Voicing = Voicing()


UNKNOWN = Handled(known=False)


def handled(session: Session, veille: Runtime, call: CallRecord, reply: Reply | None, turn: int = 1,
            effects: tuple[Effect, ...] = ()) -> Handled:
    """The answer to a webhook of `call`: only a rendered reply names the landlord."""
    named = reply is not None
    dialling = named and reply.then == Then.DIAL
    numbers = volunteer_numbers(session, call.organisation_id, veille.clock()) if dialling else ()
    inbound = call.direction == "inbound"
    return Handled(
        known=True, token=call.token, reply=reply, turn=turn,
        organisation_name=call.organisation_name if named else "Veille",
        callback_number=(call.callback_number if named else None) or veille.settings.TWILIO_FROM_NUMBER
        or None,
        volunteer_numbers=numbers, effects=effects, provider_call_id=call.provider_call_id,
        language=(call.tenant_language if named and not inbound else None) or DEFAULT_LANGUAGE,
        voicing=voicing_of(call.organisation_settings, recordings_of(veille.settings, call.organisation_slug))
        if named else Voicing(),
    )


def replay(session: Session, veille: Runtime, call: CallRecord, kind: str, detail: dict | None) -> Handled:
    """The answer a webhook got the first time (a retried webhook must hear the same)."""
    data = (detail or {}).get("reply")
    if not data:
        answer = handled(session, veille, call, None)
    else:
        reply = Reply(tuple(Prompt(p) for p in data["prompts"]), Then(data["then"]),
                      Step(data["step"]) if data.get("step") else None, bool(data.get("slow")))
        answer = handled(session, veille, call, reply, data.get("turn") or 1)
    log.info("call.duplicate_webhook attempt_id=%s kind=%s", call.id, kind or "-")
    return Handled(**{**answer.__dict__, "duplicate": True})


def reply_data(reply: Reply | None, turn: int) -> dict | None:
    """A reply as stored with its event, for `replay`."""
    if reply is None:
        return None
    return {"prompts": [str(p) for p in reply.prompts], "then": str(reply.then),
            "step": str(reply.step) if reply.step else None, "turn": turn, "slow": reply.slow}


def volunteer_numbers(session: Session, organisation_id: int, now: datetime) -> tuple[str, ...]:
    """The phones of the volunteers on duty now (flag or roster slot), landlord and partners."""
    ids = on_duty_user_ids(session, pool_organisation_ids(session, organisation_id), "volunteer", now)
    if not ids:
        return ()
    return tuple(session.scalars(select(User.on_duty_phone).where(User.id.in_(ids[:MAX_VOLUNTEERS_RUNG]))
                                 .order_by(User.id)))
