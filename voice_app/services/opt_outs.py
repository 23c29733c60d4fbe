"""Opt-outs and opt-out requests (DESIGN §5, §7, §11).

An opt-out stops a tenant's calls for good: it is done by "9 then 9" on a call Veille placed
to the tenant's number on file, by that call confirming an earlier request, or by a
coordinator confirming a request. An inbound "9 then 9" only records a request
(voice_app.domain.opt_out_requests): caller id can be spoofed. Each request is visible to the
coordinators as a low-priority `opt_out_request` follow-up, closed when the request is settled.

The in-call functions take the caller's session (the webhook's transaction); the coordinator's
functions own theirs and write an AuditEvent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import Enrolment
from db.models import FollowUp
from db.models import OptOutRequest
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import Veille
from voice_app.domain.calendar import paris_date
from voice_app.domain.escalation import Reason
from voice_app.domain.opt_out_requests import RequestState
from voice_app.domain.opt_out_requests import Settlement
from voice_app.domain.opt_out_requests import settle
from voice_app.domain.opt_out_requests import stops_calls
from voice_app.services import audit
from voice_app.services import figure_counts
from voice_app.services.escalations import follow_up_key
from voice_app.services.escalations import open_follow_up
from voice_app.services.organisations import current_organisation
from voice_app.services.suppression import forget_numbers

log = logging.getLogger("veille.opt_out")

SETTLED_NOTES = {
    Settlement.CONFIRMED_ON_CALL: "Arrêt confirmé par le locataire (touche 9) à l'appel suivant.",
    Settlement.DECLINED_ON_CALL: "Le locataire a choisi de continuer les appels lors de l'appel suivant.",
    Settlement.CONFIRMED_BY_COORDINATOR: "Arrêt confirmé par un coordinateur.",
    Settlement.DISMISSED_BY_COORDINATOR: "Demande écartée par un coordinateur : les appels continuent.",
}


class OptOutRequestError(ValueError):
    """A coordinator's action that cannot be done; the message is French."""


@dataclass(frozen=True)
class PendingRequest:
    """A request waiting for a coordinator or the next call (no number: the card shows it)."""

    reference: str
    name: str
    requested_at: datetime


# --- In a call -----------------------------------------------------------------------------

def record_request(session: Session, attempt: CallAttempt, now: datetime) -> None:
    """9 then 9 on an inbound call: a pending request for the tenant the number is on file for
    (one at a time) and its follow-up. An unknown caller's wish still reaches a coordinator as a
    follow-up (de-duplicated per caller and day); nothing says whether the number is a tenant's."""
    if attempt.tenant_id is None:
        open_follow_up(session, organisation_id=attempt.organisation_id, tenant_id=None,
                       reason=Reason.OPT_OUT_REQUEST, now=now, attempt_id=attempt.id,
                       caller=attempt.to_number or "")
        return
    request = OptOutRequest(organisation_id=attempt.organisation_id, tenant_id=attempt.tenant_id,
                            requested_by_attempt_id=attempt.id, status=RequestState.PENDING, requested_at=now)
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:  # one is pending already: the same wish, asked again
        log.info("opt_out.request_repeated tenant_id=%s attempt_id=%s", attempt.tenant_id, attempt.id)
        return
    open_follow_up(session, organisation_id=attempt.organisation_id, tenant_id=attempt.tenant_id,
                   reason=Reason.OPT_OUT_REQUEST, now=now, attempt_id=attempt.id, cause=_cause(request))
    log.info("opt_out.requested tenant_id=%s attempt_id=%s", attempt.tenant_id, attempt.id)


def has_pending_request(session: Session, tenant_id: int | None) -> bool:
    """Does this tenant's next call start with "press 9 to confirm"?"""
    if tenant_id is None:
        return False
    return _pending(session, tenant_id) is not None


def settle_on_call(session: Session, attempt: CallAttempt, event: Settlement, now: datetime) -> None:
    """The tenant answered the confirmation question on a call placed to their number on file."""
    request = _pending(session, attempt.tenant_id) if attempt.tenant_id is not None else None
    if request is not None:
        _settle(session, request, event, now, attempt_id=attempt.id)


def opt_out_tenant(session: Session, organisation_id: int, tenant_id: int, now: datetime,
                   attempt_id: int | None = None) -> None:
    """Never call this tenant again: opted out, unenrolled, due attempts cancelled, numbers
    kept only as hashes (erased in clear from the tenant and their attempts). A pending request
    is settled too (confirmed, by this call when `attempt_id` is a call)."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        return
    tenant.opted_out_at = tenant.opted_out_at or now
    enrolment = session.scalar(select(Enrolment).where(
        Enrolment.tenant_id == tenant.id, Enrolment.organisation_id == organisation_id))
    if enrolment is not None and enrolment.status != "unenrolled":
        enrolment.status, enrolment.unenrolled_on = "unenrolled", paris_date(now)
        figure_counts.enrolment_changed(session, enrolment)
    session.execute(update(CallAttempt).where(
        CallAttempt.tenant_id == tenant.id, CallAttempt.state == "due").values(state="cancelled"))
    # Nothing later needs the numbers: the follow-up is a review, not a call back, and the
    # rest of this call finds its attempt by token. Hashed first, then erased in clear.
    forget_numbers(session, organisation_id, [tenant.id], [tenant.phone, tenant.phone2])
    if attempt_id is not None:
        settle_on_call(session, session.get(CallAttempt, attempt_id), Settlement.CONFIRMED_ON_CALL, now)
    log.info("tenant.opted_out tenant_id=%s attempt_id=%s", tenant.id, attempt_id)


# --- For a coordinator ---------------------------------------------------------------------

def pending_requests(veille: Veille, organisation_id: int | None = None) -> list[PendingRequest]:
    """The organisation's pending requests, oldest first (default: the only landlord)."""
    organisation = current_organisation(veille, organisation_id)
    with veille.session_factory.begin() as session:
        rows = session.execute(
            select(Tenant.reference, Tenant.last_name, Tenant.first_name, OptOutRequest.requested_at)
            .join(Tenant, Tenant.id == OptOutRequest.tenant_id)
            .where(OptOutRequest.organisation_id == organisation.id,
                   OptOutRequest.status == RequestState.PENDING)
            .order_by(OptOutRequest.requested_at, OptOutRequest.id))
        return [PendingRequest(reference, " ".join(filter(None, (last, first))), at)
                for reference, last, first, at in rows]


def confirm_request(veille: Veille, reference: str, *, organisation_id: int | None = None,
                    actor: User | None = None) -> None:
    """A coordinator (`actor`; None from the command line) confirms the tenant's pending
    request: the calls stop for good."""
    _coordinator_settles(veille, reference, Settlement.CONFIRMED_BY_COORDINATOR, organisation_id, actor)


def dismiss_request(veille: Veille, reference: str, *, organisation_id: int | None = None,
                    actor: User | None = None) -> None:
    """A coordinator dismisses the tenant's pending request: the calls go on."""
    _coordinator_settles(veille, reference, Settlement.DISMISSED_BY_COORDINATOR, organisation_id, actor)


def _coordinator_settles(veille: Veille, reference: str, event: Settlement, organisation_id: int | None,
                         actor: User | None) -> None:
    organisation = current_organisation(veille, organisation_id)
    now = veille.clock()
    with veille.session_factory.begin() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.organisation_id == organisation.id,
                                                           Tenant.reference == reference))
        if tenant_id is None:
            raise OptOutRequestError(f"Aucun locataire de référence « {reference} ».")
        request = _pending(session, tenant_id, lock=True)
        if request is None:
            raise OptOutRequestError(f"Aucune demande d'arrêt des appels en attente pour « {reference} ».")
        _settle(session, request, event, now, completed_by_id=actor.id if actor else None)
        audit.add(session, now, organisation_id=organisation.id, actor=actor,
                  action=f"opt_out_request.{event}", subject_type="tenant", subject_id=tenant_id,
                  details={"request_id": request.id})


# --- Helpers -------------------------------------------------------------------------------

def _pending(session: Session, tenant_id: int, lock: bool = False) -> OptOutRequest | None:
    query = select(OptOutRequest).where(OptOutRequest.tenant_id == tenant_id,
                                        OptOutRequest.status == RequestState.PENDING)
    return session.scalar(query.with_for_update() if lock else query)


def _settle(session: Session, request: OptOutRequest, event: Settlement, now: datetime,
            attempt_id: int | None = None, completed_by_id: int | None = None) -> None:
    state = settle(request.status, event)
    if state is None:
        return
    request.status, request.settled_by, request.settled_at = state, event, now
    request.settled_by_attempt_id = attempt_id
    session.flush()
    task_key = follow_up_key(Reason.OPT_OUT_REQUEST, tenant_id=request.tenant_id, cause=_cause(request))
    with figure_counts.follow_ups_changing(session, FollowUp.dedup_key == task_key):
        session.execute(update(FollowUp).where(FollowUp.dedup_key == task_key, FollowUp.status != "done")
                        .values(status="done", completed_at=now, completed_by_id=completed_by_id,
                                note=SETTLED_NOTES[event]))
    log.info("opt_out.request_settled tenant_id=%s settled_by=%s", request.tenant_id, event)
    if stops_calls(state) and event != Settlement.CONFIRMED_ON_CALL:  # a call confirming opted out already
        opt_out_tenant(session, request.organisation_id, request.tenant_id, now)


def _cause(request: OptOutRequest) -> str:
    return f"opt_out_request:{request.id}"
