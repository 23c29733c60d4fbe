"""A tenant with some of every kind of data Veille holds, and a scan of every table for what
is left of them (the purge and erasure tests; a table added later is scanned by itself)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from db.models import AuditEvent
from db.models import AwayPeriod
from db.models import Base
from db.models import BridgedCall
from db.models import CallAttempt
from db.models import CallEvent
from db.models import Campaign
from db.models import CampaignTarget
from db.models import Enrolment
from db.models import FollowUp
from db.models import KeyPress
from db.models import Notification
from db.models import OptOutRequest
from db.models import PendingImport
from db.models import Round
from db.models import Tenant
from db.models import User


@dataclass
class Seeded:
    tenant_id: int
    reference: str
    last_name: str
    first_name: str
    phone: str
    phone2: str
    note: str
    attempt_ids: list[int] = field(default_factory=list)
    follow_up_ids: list[int] = field(default_factory=list)

    @property
    def needles(self) -> list[str]:
        """What must not be found anywhere: names and numbers (digits of the national form)."""
        return [self.last_name, self.first_name, self.phone[3:], self.phone2[3:], self.note]


def _volunteer(session, organisation_id: int) -> User:
    user = User(organisation_id=organisation_id, email=f"benevole-{secrets.token_hex(4)}@example.org",
                display_name="Bénévole Paul", role="volunteer", on_duty_phone="+33698765432")
    session.add(user)
    session.flush()
    return user


def seed_tenant(veille, organisation_id: int, *, reference: str, last_name: str, first_name: str,
                phone: str, phone2: str, when: datetime, note: str) -> Seeded:
    """The tenant, enrolled, with a campaign list, a round call (events and answers), an inbound
    call from their number before they were on file, follow-ups (one done with a note, one
    open, one for the unknown caller), a text message, a call-back, an opt-out request, audit
    lines about them and a staged import file holding their line."""
    with veille.session_factory.begin() as session:
        volunteer = _volunteer(session, organisation_id)
        tenant = Tenant(organisation_id=organisation_id, reference=reference, last_name=last_name,
                        first_name=first_name, civility="Mme", birth_year=1936, household="alone",
                        phone=phone, phone2=phone2, site="Les Tilleuls", caretaker="M. Diallo",
                        assigned_volunteer_id=volunteer.id, created_at=when, updated_at=when)
        session.add(tenant)
        session.flush()
        seeded = Seeded(tenant.id, reference, last_name, first_name, phone, phone2, note)
        session.add(Enrolment(tenant_id=tenant.id, organisation_id=organisation_id, status="enrolled",
                              legal_basis="public_interest", source="manual", enrolled_on=when.date()))
        session.add(AwayPeriod(tenant_id=tenant.id, starts_on=date(2026, 8, 1), ends_on=date(2026, 8, 15),
                               reason="hospital"))
        campaign = Campaign(organisation_id=organisation_id, name=f"Liste {secrets.token_hex(4)}",
                            target="list")
        session.add(campaign)
        session.flush()
        session.add(CampaignTarget(campaign_id=campaign.id, tenant_id=tenant.id))
        round_ = Round(campaign_id=campaign.id, scheduled_on=when.date(), starts_at=when,
                       ends_at=when + timedelta(hours=8))
        session.add(round_)
        session.flush()
        call = _attempt(session, organisation_id, tenant.id, round_.id, phone, when, outcome="help_health")
        session.add_all([CallEvent(attempt_id=call.id, idempotency_key=f"{call.id}:gather:1", kind="gather",
                                   detail={"step": "menu", "digits": "2"}, received_at=when),
                         KeyPress(attempt_id=call.id, step="menu", key="2", meaning="need_help",
                                  received_at=when),
                         KeyPress(attempt_id=call.id, step="help", key="1", meaning="health",
                                  received_at=when)])
        inbound = _attempt(session, organisation_id, None, None, phone2, when, direction="inbound")
        seeded.attempt_ids += [call.id, inbound.id]
        done = FollowUp(organisation_id=organisation_id, tenant_id=tenant.id, attempt_id=call.id,
                        round_id=round_.id, dedup_key=f"attempt:{call.id}:help_health", reason="help_health",
                        priority="urgent", due_at=when, status="done", assignee_id=volunteer.id,
                        claimed_at=when, completed_at=when, reached=True, referrals=["health_services"],
                        note=note, completed_by_id=volunteer.id, created_at=when)
        still_open = FollowUp(organisation_id=organisation_id, tenant_id=tenant.id, round_id=round_.id,
                              dedup_key=f"round:{round_.id}:tenant:{tenant.id}:unreachable",
                              reason="unreachable", priority="normal", due_at=when, status="open",
                              created_at=when)
        caller = FollowUp(organisation_id=organisation_id, tenant_id=None, attempt_id=inbound.id,
                          dedup_key=f"caller:{secrets.token_hex(16)}:x:call_me_back", reason="call_me_back",
                          priority="normal", due_at=when, status="done", completed_at=when, created_at=when)
        session.add_all([done, still_open, caller])
        session.flush()
        seeded.follow_up_ids += [done.id, still_open.id, caller.id]
        session.add(Notification(organisation_id=organisation_id, user_id=volunteer.id, follow_up_id=done.id,
                                 kind="urgent", dedup_key=f"urgent:{done.id}:{volunteer.id}",
                                 body="Veille : un suivi urgent vous attend", status="sent", created_at=when))
        session.add(BridgedCall(token=secrets.token_urlsafe(32), organisation_id=organisation_id,
                                follow_up_id=done.id, volunteer_id=volunteer.id, state="ended",
                                provider_call_id="CA" + secrets.token_hex(16), created_at=when))
        session.add(OptOutRequest(organisation_id=organisation_id, tenant_id=tenant.id,
                                  requested_by_attempt_id=inbound.id, status="dismissed", requested_at=when,
                                  settled_at=when, settled_by="dismissed_by_coordinator"))
        session.add_all([
            AuditEvent(organisation_id=organisation_id, actor_id=volunteer.id, actor_label="Bénévole Paul",
                       action="tenant.viewed", subject_type="tenant", subject_id=tenant.id, details={},
                       at=when),
            AuditEvent(organisation_id=organisation_id, actor_id=volunteer.id, actor_label="Bénévole Paul",
                       action="follow_up.viewed", subject_type="follow_up", subject_id=done.id, details={},
                       at=when)])
        line = f"reference;nom;prenom;telephone\n{reference};{last_name};{first_name};0{phone[3:]}\n"
        session.add(PendingImport(token=secrets.token_urlsafe(32), organisation_id=organisation_id,
                                  user_id=volunteer.id, file_name="locataires.csv", content=line.encode(),
                                  created_at=when))
    return seeded


def _attempt(session, organisation_id, tenant_id, round_id, number, when, *, outcome="ok",
             direction="outbound") -> CallAttempt:
    attempt = CallAttempt(token=secrets.token_urlsafe(32), organisation_id=organisation_id,
                          tenant_id=tenant_id,
                          round_id=round_id, direction=direction, purpose="round" if round_id else "inbound",
                          state="ended", outcome=outcome, due_at=when, dialled_at=when, answered_at=when,
                          ended_at=when, provider_call_id="CA" + secrets.token_hex(16), answered_by="human",
                          to_number=number, created_at=when)
    session.add(attempt)
    session.flush()
    return attempt


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _points_at(column, table_name: str) -> bool:
    return any(key.column.table.name == table_name for key in column.foreign_keys)


def traces_of(veille, seeded: Seeded) -> list[str]:
    """Every place, in every table, that still holds the tenant: their id (in a column that
    refers to tenants, or an audit line's subject), one of their rows' ids, their names,
    numbers or a note, or their reference outside the audit of a privacy action."""
    found = []
    with veille.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                found += [f"{table.name}.{column.name}" for column in table.c
                          if _holds(table.name, column, row, seeded)]
    return found


def _holds(table_name: str, column, row, seeded: Seeded) -> bool:
    value = row[column.name]
    if value is None:
        return False
    if _points_at(column, "tenants") or (table_name == "tenants" and column.name == "id"):
        if value == seeded.tenant_id:
            return True
    if _points_at(column, "call_attempts") and value in seeded.attempt_ids:
        return True
    if _points_at(column, "follow_ups") and value in seeded.follow_up_ids:
        return True
    if table_name == "audit_events" and column.name == "subject_id":
        subject = row["subject_type"]
        return (subject == "tenant" and value == seeded.tenant_id) or \
            (subject == "follow_up" and value in seeded.follow_up_ids)
    text = _text(value)
    if any(needle in text for needle in seeded.needles):
        return True
    privacy_audit = table_name == "audit_events" and str(row.get("action", "")).startswith("privacy.")
    return seeded.reference in text and not privacy_audit
