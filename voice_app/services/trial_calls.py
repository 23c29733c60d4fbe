"""A test call placed now (`veille calls test`): a coordinator checks a number or the set-up.

The call is a real CallAttempt (purpose `test`, no round) so it goes through exactly what a
campaign call goes through: claim committed first, dialled through the configured provider,
webhooks, outcome, and the follow-up a real answer needs (a test call where the tenant asks
for help still opens the task: a help request is never lost). Then we poll the database
until the attempt is over, and report what happened.

Only enrolled tenants are called (DESIGN §2): a tenant not enrolled, or away today, is test
called only when the coordinator forces it (checking a number before enrolment, with the
tenant's agreement); a tenant who stopped the calls, or whose number is on the suppression
list, never is.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AwayPeriod
from db.models import CallAttempt
from db.models import CallEvent
from db.models import Enrolment
from db.models import FollowUp
from db.models import KeyPress
from db.models import Tenant
from voice_app.domain.calendar import paris_date
from voice_app.domain.call_flow import TERMINAL
from voice_app.domain.call_flow import State
from voice_app.services.dialling import place_claimed_attempt
from voice_app.services.organisations import current_organisation
from voice_app.services.ports import Runtime
from voice_app.services.suppression import is_suppressed

log = logging.getLogger("veille.calls")

POLL_SECONDS = 0.2


class CallTestRefused(ValueError):
    """The test call cannot be placed; the message is French, for the coordinator."""


class CallTestNeedsForce(CallTestRefused):
    """The tenant is not to be called now (not enrolled, or away today): only a coordinator
    checking the number with the tenant's agreement may force the call."""


@dataclass(frozen=True)
class CallTestReport:
    """How a test call went, as stored by the webhooks."""

    attempt_id: int
    to_number: str
    state: str
    outcome: str | None
    provider_call_id: str | None
    provider_statuses: list[str] = field(default_factory=list)
    answered_by: str | None = None
    responses: list[tuple[str, str | None, str]] = field(default_factory=list)  # step, key, meaning
    follow_ups: list[tuple[str, str]] = field(default_factory=list)  # reason, priority
    error: str | None = None
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL


def start_test_call(veille: Runtime, reference: str, before_dial: Callable[[str], None] | None = None,
                    *, force: bool = False, organisation_id: int | None = None) -> tuple[int, str | None]:
    """Create the test attempt for the tenant `reference` and dial it; (attempt id, call id).

    Only enrolled tenants who are not away today are called, unless `force` (a coordinator
    checking a number before enrolment, with the tenant's agreement); a tenant who stopped
    the calls, or whose number is suppressed, never is. `before_dial(to_number)` runs after
    the commit, before the provider is called (the CLI scripts the simulated tenant there)."""
    organisation = current_organisation(veille, organisation_id)
    now = veille.clock()
    with veille.session_factory.begin() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.organisation_id == organisation.id,
                                                     Tenant.reference == reference))
        if tenant is None:
            raise CallTestRefused(f"Aucun locataire avec la référence « {reference} ».")
        _refuse_if_never_called(session, tenant, reference)
        waived = _reasons_to_wait(session, tenant, reference, paris_date(now))
        if waived and not force:
            raise CallTestNeedsForce(" ".join(waived))
        attempt = CallAttempt(token=secrets.token_urlsafe(32), organisation_id=organisation.id,
                              tenant_id=tenant.id, direction="outbound", purpose="test", state=State.CLAIMED,
                              due_at=now, claimed_at=now, claimed_by="calls-test", to_number=tenant.phone)
        session.add(attempt)
        session.flush()
        attempt_id, token, to_number = attempt.id, attempt.token, tenant.phone
    if waived:
        log.warning("call.test_forced attempt_id=%s tenant_id=%s", attempt_id, tenant.id)
    if before_dial is not None:
        before_dial(to_number)
    return attempt_id, place_claimed_attempt(veille, attempt_id, token, to_number)


def _refuse_if_never_called(session: Session, tenant: Tenant, reference: str) -> None:
    """Opted out, suppressed or without a number: no override."""
    if tenant.opted_out_at is not None:
        raise CallTestRefused(f"Le locataire « {reference} » a demandé à ne plus être appelé.")
    if not tenant.phone:
        raise CallTestRefused(f"Le locataire « {reference} » n’a pas de numéro de téléphone.")
    if is_suppressed(session, tenant.organisation_id, tenant.phone):
        raise CallTestRefused(f"Le numéro du locataire « {reference} » est sur la liste des numéros "
                              "à ne plus appeler (arrêt des appels demandé) : il ne sera pas appelé.")


def _reasons_to_wait(session: Session, tenant: Tenant, reference: str, today: date) -> list[str]:
    """Why this tenant is not called today (French sentences); empty when they may be."""
    reasons = []
    enrolled = session.scalar(select(Enrolment.id).where(
        Enrolment.tenant_id == tenant.id, Enrolment.organisation_id == tenant.organisation_id,
        Enrolment.status == "enrolled"))
    if enrolled is None:
        reasons.append(f"Le locataire « {reference} » n’est pas inscrit aux appels.")
    away = session.scalar(select(AwayPeriod).where(
        AwayPeriod.tenant_id == tenant.id, AwayPeriod.starts_on <= today, AwayPeriod.ends_on >= today)
        .order_by(AwayPeriod.ends_on.desc()).limit(1))
    if away is not None:
        reasons.append(f"Le locataire « {reference} » est absent du {away.starts_on:%d/%m/%Y} "
                       f"au {away.ends_on:%d/%m/%Y}.")
    return reasons


def wait_for_end(veille: Runtime, attempt_id: int, timeout: float,
                 poll: float = POLL_SECONDS) -> CallTestReport:
    """Poll until the attempt is ended or cancelled, or `timeout` seconds have passed."""
    started = time.monotonic()
    while True:
        report = call_test_report(veille, attempt_id, seconds=time.monotonic() - started)
        if report.finished or time.monotonic() - started >= timeout:
            return report
        time.sleep(poll)



def call_test_report(veille: Runtime, attempt_id: int, seconds: float = 0.0) -> CallTestReport:
    """What the database says about the attempt now."""
    with veille.session_factory.begin() as session:
        attempt = session.get(CallAttempt, attempt_id)
        events = session.scalars(select(CallEvent).where(CallEvent.attempt_id == attempt_id,
                                                         CallEvent.kind == "status")
                                 .order_by(CallEvent.id)).all()
        responses = session.scalars(select(KeyPress).where(KeyPress.attempt_id == attempt_id)
                                    .order_by(KeyPress.id)).all()
        follow_ups = session.scalars(select(FollowUp).where(FollowUp.attempt_id == attempt_id)
                                     .order_by(FollowUp.id)).all()
        return CallTestReport(
            attempt_id=attempt.id, to_number=attempt.to_number or "", state=attempt.state,
            outcome=attempt.outcome, provider_call_id=attempt.provider_call_id,
            provider_statuses=[event.detail.get("status", "?") for event in events],
            answered_by=attempt.answered_by,
            responses=[(r.step, r.key, r.meaning) for r in responses],
            follow_ups=[(f.reason, f.priority) for f in follow_ups],
            error=attempt.error, seconds=round(seconds, 1))
