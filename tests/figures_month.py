"""A simulated November 2026 with figures computed by hand (docs/figures.md definitions).

Tenants T1-T3 (site Nord) belong to the landlord's volunteer, T5-T6 (site Sud) to the
partner's, T4 (Sud) to nobody. T6 is enrolled on 10 November, the others on 1 November.
Round 1 (Tue 3 Nov): T1 ok; T2 voicemail then help_health; T3 no answer then not dialled;
T4 no_key; T5 opt_out. Round 2 (Tue 10 Nov): T1 ok; T6 help_food; T2 not dialled.
Follow-ups: F1 help_health T2 done on time by its volunteer (health, social); F2 unreachable
T3 done late by the partner's volunteer (field); F3 no_key T4 open; F4 opt_out T5 closed on
time by the coordinator (no referral); F5 help_food T6 done on time by its volunteer (food);
F6 regular call T1, opened in October, done on time by its volunteer (nothing); F7 help_other
T1 opened in December (outside the month).
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from db.models import CallAttempt
from db.models import Campaign
from db.models import Enrolment
from db.models import FollowUp
from db.models import Round
from tests.web.people import add_tenant
from voice_app.services import figure_counts

EXPECTED_TOTAL = dict(enrolled=6, planned=6, called=6, reached=4, opt_outs=1, unreachable=1, completed=5,
                      on_time=4, by_usual_volunteer=3, regular_calls=1)
EXPECTED_NEEDS = {"help_health": 1, "unreachable": 1, "no_key": 1, "opt_out": 1, "help_food": 1}
EXPECTED_REFERRALS = {"health": 1, "social": 1, "field": 1, "food": 1, "nothing": 1}


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def seed_month(veille, people) -> dict[str, int]:
    landlord, nord_v, partner_v = people.landlord_id, people.volunteer.id, people.partner_volunteer.id
    tenants = {
        "T1": add_tenant(veille, landlord, "F-1", site="Nord", volunteer_id=nord_v),
        "T2": add_tenant(veille, landlord, "F-2", site="Nord", volunteer_id=nord_v),
        "T3": add_tenant(veille, landlord, "F-3", site="Nord", volunteer_id=nord_v),
        "T4": add_tenant(veille, landlord, "F-4", site="Sud"),
        "T5": add_tenant(veille, landlord, "F-5", site="Sud", volunteer_id=partner_v),
        "T6": add_tenant(veille, landlord, "F-6", site="Sud", volunteer_id=partner_v, enrolled=False),
    }
    with veille.session_factory.begin() as session:
        session.add(Enrolment(tenant_id=tenants["T6"], organisation_id=landlord, status="enrolled",
                              legal_basis="public_interest", source="test", enrolled_on=date(2026, 11, 10)))
        campaign = Campaign(organisation_id=landlord, name="Appel du mardi", policy={})
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
        rounds = []
        for day in (3, 10):
            round_ = Round(campaign_id=campaign.id, scheduled_on=date(2026, 11, day), starts_at=at(day, 9),
                           ends_at=at(day, 17), status="closed")
            session.add(round_)
            session.flush()
            rounds.append(round_.id)
        r1, r2 = rounds

        def attempt(tenant, round_id, day, outcome, number=1, dialled=True):
            session.add(CallAttempt(token=f"tok-{tenant}-{round_id}-{number}", organisation_id=landlord,
                                    tenant_id=tenants[tenant], round_id=round_id, attempt_number=number,
                                    state="ended" if dialled else "cancelled", outcome=outcome,
                                    due_at=at(day, 10 + number), ended_at=at(day, 10 + number),
                                    dialled_at=at(day, 10 + number) if dialled else None))

        attempt("T1", r1, 3, "ok")
        attempt("T2", r1, 3, "voicemail")
        attempt("T2", r1, 3, "help_health", number=2)
        attempt("T3", r1, 3, "no_answer")
        attempt("T3", r1, 3, "skipped_away", number=2, dialled=False)
        attempt("T4", r1, 3, "no_key")
        attempt("T5", r1, 3, "opt_out")
        attempt("T1", r2, 10, "ok")
        attempt("T6", r2, 10, "help_food")
        attempt("T2", r2, 10, "skipped_away", dialled=False)

        def follow_up(name, tenant, reason, created, due, *, round_id=None, done=None, by=None, referrals=()):
            session.add(FollowUp(organisation_id=landlord, tenant_id=tenants[tenant], round_id=round_id,
                                 dedup_key=f"figures-{name}", reason=reason, priority="normal", due_at=due,
                                 created_at=created, status="done" if done else "open",
                                 assignee_id=by if by != people.coordinator.id else None,
                                 completed_at=done, completed_by_id=by, referrals=list(referrals)))

        follow_up("F1", "T2", "help_health", at(3, 12), at(3, 14), round_id=r1, done=at(3, 13), by=nord_v,
                  referrals=["health", "social"])
        follow_up("F2", "T3", "unreachable", at(4, 8), at(5, 17), round_id=r1, done=at(6, 9), by=partner_v,
                  referrals=["field"])
        follow_up("F3", "T4", "no_key", at(3, 11), at(3, 17), round_id=r1)
        follow_up("F4", "T5", "opt_out", at(3, 11), at(10, 17), round_id=r1, done=at(4, 9),
                  by=people.coordinator.id)
        follow_up("F5", "T6", "help_food", at(10, 11), at(10, 17), round_id=r2, done=at(10, 15), by=partner_v,
                  referrals=["food"])
        follow_up("F6", "T1", "regular_call", at(28, 9, month=10), at(4, 17), done=at(4, 10), by=nord_v,
                  referrals=["nothing"])
        follow_up("F7", "T1", "help_other", at(1, 9, month=12), at(1, 17, month=12))
    # The facts went in directly, not through the services that count them: count them now.
    figure_counts.rebuild(veille, landlord)
    return {"round1": r1, "round2": r2, "campaign": campaign_id, **tenants}
