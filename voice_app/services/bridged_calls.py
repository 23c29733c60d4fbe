"""A volunteer calls a tenant back through Veille (DESIGN §12, "Calling back through Veille").

The provider rings the volunteer's phone first; on 1, the tenant is dialled with the service
number as caller ID. It is a call like the others: placed through the provider port after
the commit, tracked by signed webhooks, recorded on the task. A duplicated or late webhook
changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import BridgedCall
from db.models import FollowUp
from db.models import Organisation
from db.models import Tenant
from db.models import User
from voice_app.domain.follow_up import Status
from voice_app.domain.people import Viewer
from voice_app.domain.provider import DIAL_STATUSES
from voice_app.domain.provider import FINAL_STATUSES
from voice_app.domain.provider import CallStatus
from voice_app.domain.webhook_urls import absolute
from voice_app.services import audit
from voice_app.services.follow_ups import visible
from voice_app.services.organisations import service_numbers
from voice_app.services.ports import OutboundCall
from voice_app.services.ports import ProviderError
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.bridge")

BRIDGE_PREFIX = "/voice/bridge"


class BridgeRefused(Exception):
    """The call-back cannot start (French message for the volunteer)."""


def bridge_path(token: str, hook: str) -> str:
    return f"{BRIDGE_PREFIX}/{token}/{hook}"


@dataclass(frozen=True)
class BridgeStep:
    """What a bridge webhook answers: a kind of TwiML and what it needs."""

    kind: str  # announce | dial | cancelled | after_dial | unknown | empty
    tenant_label: str = ""
    number: str | None = None
    caller_id: str | None = None
    connected: bool = False


IN_PROGRESS = frozenset({"dialling", "volunteer_answered", "tenant_dialled"})  # the others are final
RECENT = 5


def recent_calls(veille: Runtime, viewer: Viewer, task_id: int) -> list[BridgedCall] | None:
    """The task's last bridged calls, newest first, for whoever may see the task (None for
    anyone else). The card's live list reads it: not a view of the task (its opening was)."""
    with veille.session_factory() as session:
        if session.scalar(select(FollowUp.id).where(FollowUp.id == task_id, visible(viewer))) is None:
            return None
        return latest(session, task_id)


def latest(session: Session, task_id: int) -> list[BridgedCall]:
    """The task's last RECENT bridged calls, newest first."""
    return list(session.scalars(select(BridgedCall).where(BridgedCall.follow_up_id == task_id)
                                .order_by(BridgedCall.id.desc()).limit(RECENT)))


def start_bridged_call(veille: Runtime, viewer: Viewer, task_id: int) -> BridgedCall:
    """Ring the volunteer's phone; BridgeRefused says why when the call cannot start."""
    with veille.session_factory.begin() as session:
        task = session.scalar(select(FollowUp).where(FollowUp.id == task_id, visible(viewer)))
        if task is None or task.status == Status.DONE or task.assignee_id != viewer.user_id:
            raise BridgeRefused("Prenez d’abord ce suivi : seul son bénévole peut appeler le locataire.")
        volunteer = session.get(User, viewer.user_id)
        tenant = session.get(Tenant, task.tenant_id) if task.tenant_id else None
        if not volunteer.on_duty_phone:
            raise BridgeRefused("Votre compte n’a pas de numéro de téléphone : demandez à votre "
                                "coordinateur de l’ajouter, ou appelez le numéro du locataire vous-même.")
        if tenant is None or not tenant.phone:
            raise BridgeRefused("Ce locataire n’a pas de numéro de téléphone.")
        bridged = BridgedCall(token=secrets.token_urlsafe(32), organisation_id=task.organisation_id,
                              follow_up_id=task.id, volunteer_id=volunteer.id, state="dialling",
                              created_at=veille.clock())
        session.add(bridged)
        audit.add(session, veille.clock(), organisation_id=task.organisation_id, actor=volunteer,
                  action="follow_up.call_started", subject_type="follow_up", subject_id=task.id)
        volunteer_phone = volunteer.on_duty_phone
    _dial_volunteer(veille, bridged, volunteer_phone)
    return bridged


def _dial_volunteer(veille: Runtime, bridged: BridgedCall, volunteer_phone: str) -> None:
    base = veille.settings.PUBLIC_BASE_URL
    call = OutboundCall(attempt_token=bridged.token, to_number=volunteer_phone,
                        answer_url=absolute(base, bridge_path(bridged.token, "answer")),
                        status_callback_url=absolute(base, bridge_path(bridged.token, "status")),
                        amd_callback_url=None, detect_machine=False)
    try:
        sid = veille.telephony.place_call(call)
    except ProviderError as error:
        _update(veille, bridged.token, state="failed", error=type(error).__name__)
        log.warning("bridge.failed bridge_id=%s error=%s", bridged.id, type(error).__name__)
        raise BridgeRefused("L’appel n’a pas pu être lancé : réessayez dans un instant, ou appelez "
                            "le numéro du locataire vous-même.") from error
    with veille.session_factory.begin() as session:
        row = session.scalar(select(BridgedCall).where(BridgedCall.token == bridged.token))
        if row.provider_call_id is None:
            row.provider_call_id = sid
    log.info("bridge.started bridge_id=%s", bridged.id)


def _update(veille: Runtime, token: str, **values) -> None:
    with veille.session_factory.begin() as session:
        row = session.scalar(select(BridgedCall).where(BridgedCall.token == token))
        for name, value in values.items():
            setattr(row, name, value)


def _bridge(session: Session, token: str, call_sid: str | None) -> BridgedCall | None:
    """The bridged call of this token, if the webhook is about its call (else unknown)."""
    row = session.scalar(select(BridgedCall).where(BridgedCall.token == token)) if len(token) <= 43 else None
    if row is None or not call_sid:
        return None
    if row.provider_call_id is None:  # the answer may come before place_call returned
        row.provider_call_id = call_sid
    return row if row.provider_call_id == call_sid else None


def _tenant_label(session: Session, row: BridgedCall) -> str:
    task = session.get(FollowUp, row.follow_up_id)
    tenant = session.get(Tenant, task.tenant_id)
    return " ".join(part for part in (tenant.civility, tenant.last_name) if part) or "un locataire"


def volunteer_answered(veille: Runtime, token: str, call_sid: str | None) -> BridgeStep:
    with veille.session_factory.begin() as session:
        row = _bridge(session, token, call_sid)
        if row is None:
            return BridgeStep("unknown")
        if row.state == "dialling":
            row.state = "volunteer_answered"
        return BridgeStep("announce", tenant_label=_tenant_label(session, row))


def volunteer_pressed(veille: Runtime, token: str, call_sid: str | None, digits: str | None) -> BridgeStep:
    with veille.session_factory.begin() as session:
        row = _bridge(session, token, call_sid)
        if row is None:
            return BridgeStep("unknown")
        if digits != "1" or row.state not in ("volunteer_answered", "tenant_dialled"):
            if row.state == "volunteer_answered":
                row.state = "cancelled"
            return BridgeStep("cancelled")
        row.state = "tenant_dialled"
        task = session.get(FollowUp, row.follow_up_id)
        tenant = session.get(Tenant, task.tenant_id)
        numbers = service_numbers(session, row.organisation_id)
        organisation = session.get(Organisation, row.organisation_id)
        caller_id = (numbers[0] if numbers else None) or organisation.callback_number \
            or veille.settings.TWILIO_FROM_NUMBER or None
        return BridgeStep("dial", number=tenant.phone, caller_id=caller_id)


def tenant_dial_ended(veille: Runtime, token: str, call_sid: str | None,
                      dial_status: str | None) -> BridgeStep:
    """The tenant's leg is over: the result is written on the task's call (once)."""
    result = dial_status if dial_status in DIAL_STATUSES else CallStatus.FAILED
    connected = result in ("completed", "answered")
    with veille.session_factory.begin() as session:
        row = _bridge(session, token, call_sid)
        if row is None:
            return BridgeStep("unknown")
        if row.state == "tenant_dialled":
            row.tenant_result = result
            row.state = "connected" if connected else f"tenant_{result}"
            audit.add(session, veille.clock(), organisation_id=row.organisation_id,
                      actor=session.get(User, row.volunteer_id), action="follow_up.call_result",
                      subject_type="follow_up", subject_id=row.follow_up_id, details={"result": row.state})
            log.info("bridge.tenant_leg_ended bridge_id=%s result=%s", row.id, result)
        return BridgeStep("after_dial", connected=row.state == "connected")


def call_status(veille: Runtime, token: str, call_sid: str | None, status: str | None) -> None:
    """The volunteer's leg: when it ends before anyone answered, say so on the task."""
    if status not in FINAL_STATUSES:
        return
    with veille.session_factory.begin() as session:
        row = _bridge(session, token, call_sid)
        if row is None or row.ended_at is not None:
            return
        row.ended_at = veille.clock()
        if row.state == "dialling":
            row.state = f"volunteer_{status}"
        elif row.state == "volunteer_answered":
            row.state = "cancelled"
