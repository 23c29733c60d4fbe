"""Helpers of the end-to-end tests: seed a tenant, place a real call, read what was stored."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from db.models import CallAttempt
from db.models import CallEvent
from db.models import Campaign
from db.models import FollowUp
from db.models import Response
from db.models import Round
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import Veille
from voice_app.services import figure_counts
from voice_app.services.dialling import place_claimed_attempt
from voice_app.services.organisations import ensure_organisation
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour
from voice_app.telephony.simulation.record import SimulatedCall
from voice_app.telephony.simulator import SimulatorProvider

CALL_TIMEOUT_SECONDS = 15.0
_numbers = itertools.count(10)


def fresh_mobile() -> str:
    """A French mobile number no other tenant of the test has."""
    return f"+336120000{next(_numbers):02d}"


@dataclass
class Outcome:
    """A finished call: what the simulator saw and what the database holds."""

    call: SimulatedCall
    attempt: CallAttempt
    responses: list[tuple[str, str | None, str]]
    follow_ups: list[tuple[str, str]]
    events: list[tuple[str, str]] = field(default_factory=list)  # (kind, idempotency key)


@dataclass
class Live:
    veille: Veille
    simulator: SimulatorProvider
    app: Flask
    url: str

    @property
    def organisation_id(self) -> int:
        return ensure_organisation(self.veille.session_factory, "Habitat Test").id

    def tenant(self, reference: str = "T-0001", phone: str | None = None, language: str = "fr") -> Tenant:
        organisation_id = self.organisation_id  # its own transaction: SQLite has one writer
        with self.veille.session_factory.begin() as session:
            tenant = Tenant(organisation_id=organisation_id, reference=reference, last_name="Martin",
                            first_name="Jeanne", household="alone", phone=phone or fresh_mobile(),
                            language=language)
            session.add(tenant)
        return tenant

    def volunteer(self, behaviour: VolunteerBehaviour, *, on_duty: bool = True) -> User:
        phone = fresh_mobile().replace("+33612", "+33698")
        organisation_id = self.organisation_id
        with self.veille.session_factory.begin() as session:
            user = User(organisation_id=organisation_id, email=f"{secrets.token_hex(4)}@benevoles.test",
                        display_name="Bénévole", role="volunteer", on_duty=on_duty, on_duty_phone=phone)
            session.add(user)
        self.simulator.script_volunteer(phone, behaviour)
        return user

    def attempt(self, tenant: Tenant, *, attempt_number: int = 1, is_last_attempt: bool = False) -> int:
        """A claimed attempt of this week's round, as the dispatcher leaves it."""
        now = self.veille.clock()
        organisation_id = self.organisation_id
        with self.veille.session_factory.begin() as session:
            round_id = self._round(session, now, organisation_id)
            attempt = CallAttempt(token=secrets.token_urlsafe(32), organisation_id=tenant.organisation_id,
                                  tenant_id=tenant.id, round_id=round_id, attempt_number=attempt_number,
                                  is_last_attempt=is_last_attempt, state="claimed", due_at=now,
                                  claimed_at=now, claimed_by="e2e", to_number=tenant.phone)
            session.add(attempt)
            session.flush()
            figure_counts.attempt_added(session, attempt.id)  # as planning counts what it plans
            return attempt.id

    def _round(self, session, now, organisation_id: int) -> int:
        round_ = session.scalar(select(Round).limit(1))
        if round_ is not None:
            return round_.id
        campaign = Campaign(organisation_id=organisation_id, name="Hebdomadaire")
        session.add(campaign)
        session.flush()
        round_ = Round(campaign_id=campaign.id, scheduled_on=now.date(), starts_at=now,
                       ends_at=now + timedelta(hours=8))
        session.add(round_)
        session.flush()
        return round_.id

    def dial(self, attempt_id: int) -> str:
        with self.veille.session_factory.begin() as session:
            attempt = session.get(CallAttempt, attempt_id)
            token, number = attempt.token, attempt.to_number
        sid = place_claimed_attempt(self.veille, attempt_id, token, number)
        assert sid is not None, "the simulator refused the call"
        return sid

    def call(self, tenant: Tenant, behaviour: Behaviour, **attempt_options) -> Outcome:
        """Place a real call to `tenant` behaving as `behaviour`; wait until it is all over."""
        self.simulator.script(tenant.phone, behaviour)
        attempt_id = self.attempt(tenant, **attempt_options)
        call = self.simulator.wait(self.dial(attempt_id), timeout=CALL_TIMEOUT_SECONDS)
        return self.outcome(attempt_id, call)

    def call_in(self, from_number: str, behaviour: Behaviour) -> Outcome:
        sid = self.simulator.call_in(from_number, behaviour)
        call = self.simulator.wait(sid, timeout=CALL_TIMEOUT_SECONDS)
        with self.veille.session_factory.begin() as session:
            attempt_id = session.scalar(select(CallAttempt.id).where(CallAttempt.provider_call_id == sid))
        assert attempt_id is not None, "the inbound call left no attempt"
        return self.outcome(attempt_id, call)

    def outcome(self, attempt_id: int, call: SimulatedCall) -> Outcome:
        with self.veille.session_factory.begin() as session:
            attempt = session.get(CallAttempt, attempt_id)
            responses = session.scalars(select(Response).where(Response.attempt_id == attempt_id)
                                        .order_by(Response.id)).all()
            follow_ups = session.scalars(select(FollowUp).where(FollowUp.attempt_id == attempt_id)
                                         .order_by(FollowUp.id)).all()
            events = session.execute(select(CallEvent.kind, CallEvent.idempotency_key)
                                     .where(CallEvent.attempt_id == attempt_id).order_by(CallEvent.id)).all()
            return Outcome(call=call, attempt=attempt,
                           responses=[(r.step, r.key, r.meaning) for r in responses],
                           follow_ups=[(f.reason, f.priority) for f in follow_ups],
                           events=[(kind, key) for kind, key in events])

    def count(self, model) -> int:
        with self.veille.session_factory.begin() as session:
            return len(session.scalars(select(model.id)).all())
