"""A round's live figures for `/tournees/<id>`: two aggregate queries, whatever its size.

Calls are counted per attempt (a retry is a call), people per tenant (reached, needing a
person). A round of another organisation is `RoundNotFound`, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import distinct
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Round
from voice_app.domain.call_flow import State
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.outcomes import REACHED
from voice_app.domain.outcomes import Outcome
from voice_app.domain.round_progress import RoundProgress
from voice_app.domain.rounds import dialling_rate
from voice_app.services.ports import Runtime

TO_PLACE = (State.DUE, State.CLAIMED)
IN_FLIGHT = (State.QUEUED, State.RINGING, State.IN_PROGRESS)


class RoundNotFound(LookupError):
    pass


@dataclass(frozen=True)
class RoundView:
    round_id: int
    campaign_id: int
    campaign_name: str
    scheduled_on: date
    starts_at: datetime
    ends_at: datetime
    progress: RoundProgress


def round_view(veille: Runtime, organisation_id: int, round_id: int) -> RoundView:
    """The round of this organisation with its figures so far."""
    with veille.session_factory() as session:
        row = session.execute(select(Round, Campaign).join(Campaign, Campaign.id == Round.campaign_id).where(
            Round.id == round_id, Campaign.organisation_id == organisation_id)).first()
        if row is None:
            raise RoundNotFound(round_id)
        round_, campaign = row
        calls = session.execute(_call_figures(round_id)).one()
        needing = session.scalar(select(func.count(distinct(FollowUp.tenant_id))).where(or_(
            FollowUp.round_id == round_id,
            FollowUp.attempt_id.in_(select(CallAttempt.id).where(CallAttempt.round_id == round_id)))))
    progress = RoundProgress(
        planned=round_.planned_count, placed=calls.placed or 0, answered=calls.answered or 0,
        reached=calls.reached or 0, needing_person=needing or 0, remaining=calls.remaining or 0,
        in_flight=calls.in_flight or 0, status=round_.status, rate=_rate(campaign.policy),
        last_due_at=calls.last_due_at)
    return RoundView(round_.id, campaign.id, campaign.name, round_.scheduled_on, round_.starts_at,
                     round_.ends_at, progress)


def _call_figures(round_id: int):
    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    by_a_person = and_(CallAttempt.answered_at.is_not(None),
                       or_(CallAttempt.outcome.is_(None), CallAttempt.outcome != str(Outcome.VOICEMAIL)),
                       or_(CallAttempt.answered_by.is_(None), ~CallAttempt.answered_by.startswith("machine")))
    to_place = CallAttempt.state.in_([str(s) for s in TO_PLACE])
    return select(
        func.count(CallAttempt.dialled_at).label("placed"),
        count_if(by_a_person).label("answered"),
        func.count(distinct(case((CallAttempt.outcome.in_(sorted(str(o) for o in REACHED)),
                                  CallAttempt.tenant_id)))).label("reached"),
        count_if(to_place).label("remaining"),
        count_if(CallAttempt.state.in_([str(s) for s in IN_FLIGHT])).label("in_flight"),
        func.max(case((to_place, CallAttempt.due_at))).label("last_due_at"),
    ).where(CallAttempt.round_id == round_id)


def _rate(stored_policy: dict | None) -> float:
    """The round's dialling rate; 0 (no estimate) when its policy was damaged by hand."""
    try:
        return dialling_rate(CampaignPolicy.from_dict(stored_policy))
    except InvalidPolicy:
        return 0.0
