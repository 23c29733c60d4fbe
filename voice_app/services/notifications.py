"""Text messages to people (DESIGN §12, Notifications), each sent at most once.

- An urgent task tells its holder, or the on-duty volunteers when nobody holds it:
  "Veille : un suivi urgent vous attend. <lien>". No name, no number, no health word.
- A task still open at its due time is raised (listed first on the board); an urgent one
  also tells the coordinators on call.
- Each morning, a volunteer with open tasks gets "Veille : 3 suivis vous attendent aujourd'hui."

Messages are rows first (unique per task, person and kind), committed, then claimed one by
one (`pending` -> `sending`) and sent: a second clock or a crash never sends one twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import time

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import FollowUp
from db.models import Notification
from db.models import User
from voice_app.domain.calendar import PARIS
from voice_app.domain.escalation import Priority
from voice_app.domain.follow_up import OPEN_STATUSES
from voice_app.domain.people import Role
from voice_app.domain.webhook_urls import absolute
from voice_app.services.ports import Runtime
from voice_app.services.volunteers import on_duty_user_ids
from voice_app.services.volunteers import pool_organisation_ids

log = logging.getLogger("veille.notifications")

DIGEST_FROM = time(8, 0)  # Paris: the morning digest goes out from this time


def _link(veille: Runtime, task_id: int | None) -> str:
    return absolute(veille.settings.PUBLIC_BASE_URL, f"/suivis/{task_id}" if task_id else "/suivis")


def _queue(session: Session, *, organisation_id: int, user_id: int, kind: str, key: str, body: str,
           now: datetime, follow_up_id: int | None = None) -> bool:
    """Add a message unless its key exists (then it was queued before: never twice)."""
    try:
        with session.begin_nested():
            session.add(Notification(organisation_id=organisation_id, user_id=user_id,
                                     follow_up_id=follow_up_id, kind=kind, dedup_key=key, body=body,
                                     status="pending", created_at=now))
        return True
    except IntegrityError:
        return False


def _on_duty(session: Session, landlord_id: int, role: str, now: datetime) -> list[int]:
    return on_duty_user_ids(session, pool_organisation_ids(session, landlord_id), role, now)


def queue_urgent_tasks(veille: Runtime, now: datetime) -> int:
    """Queue one message per urgent task not yet announced, to its holder or the on-duty volunteers."""
    queued = 0
    with veille.session_factory.begin() as session:
        tasks = session.scalars(select(FollowUp).where(
            FollowUp.priority == Priority.URGENT.value, FollowUp.status.in_(OPEN_STATUSES),
            FollowUp.urgent_notified_at.is_(None)).order_by(FollowUp.id).limit(500)).all()
        for task in tasks:
            won = session.execute(update(FollowUp).where(
                FollowUp.id == task.id, FollowUp.urgent_notified_at.is_(None))
                .values(urgent_notified_at=now)).rowcount
            if not won:
                continue
            recipients = [task.assignee_id] if task.assignee_id else \
                _on_duty(session, task.organisation_id, Role.VOLUNTEER, now)
            body = f"Veille : un suivi urgent vous attend. {_link(veille, task.id)}"
            for user_id in recipients:
                queued += _queue(session, organisation_id=task.organisation_id, user_id=user_id,
                                 kind="urgent", key=f"urgent:{task.id}:{user_id}", body=body, now=now,
                                 follow_up_id=task.id)
            if not recipients:
                log.warning("notification.nobody_on_duty follow_up_id=%s", task.id)
    return queued


def raise_overdue_tasks(veille: Runtime, now: datetime) -> int:
    """Mark open tasks past their due time; urgent ones are also told to coordinators on call."""
    raised = 0
    with veille.session_factory.begin() as session:
        tasks = session.execute(update(FollowUp).where(
            FollowUp.status.in_(OPEN_STATUSES), FollowUp.due_at < now, FollowUp.raised_at.is_(None))
            .values(raised_at=now).returning(FollowUp.id, FollowUp.organisation_id, FollowUp.priority)).all()
        for task_id, organisation_id, priority in tasks:
            raised += 1
            if priority != Priority.URGENT.value:
                continue
            body = f"Veille : un suivi urgent est en retard. {_link(veille, task_id)}"
            for user_id in _on_duty(session, organisation_id, Role.COORDINATOR, now):
                _queue(session, organisation_id=organisation_id, user_id=user_id, kind="overdue",
                       key=f"overdue:{task_id}:{user_id}", body=body, now=now, follow_up_id=task_id)
    if raised:
        log.info("follow_up.overdue_raised count=%d", raised)
    return raised


def queue_morning_digests(veille: Runtime, now: datetime) -> int:
    """From 8:00 Paris, once a day: each volunteer with open tasks is told how many wait."""
    local = now.astimezone(PARIS)
    if local.time() < DIGEST_FROM:
        return 0
    day = local.date().isoformat()
    queued = 0
    with veille.session_factory.begin() as session:
        counts = session.execute(
            select(User.id, User.organisation_id, func.count(FollowUp.id))
            .join(FollowUp, FollowUp.assignee_id == User.id)
            .where(FollowUp.status.in_(OPEN_STATUSES), User.active.is_(True), User.role == Role.VOLUNTEER,
                   User.on_duty_phone.is_not(None))
            .group_by(User.id, User.organisation_id)).all()
        for user_id, organisation_id, count in counts:
            body = (f"Veille : {count} suivi{'s' if count > 1 else ''} vous "
                    f"attend{'ent' if count > 1 else ''} aujourd'hui. {_link(veille, None)}")
            queued += _queue(session, organisation_id=organisation_id, user_id=user_id, kind="digest",
                             key=f"digest:{user_id}:{day}", body=body, now=now)
    return queued


def send_pending(veille: Runtime, now: datetime, limit: int = 200) -> int:
    """Send queued messages, each claimed first so it goes out at most once."""
    with veille.session_factory() as session:
        pending = session.scalars(select(Notification.id).where(Notification.status == "pending")
                                  .order_by(Notification.id).limit(limit)).all()
    sent = 0
    for notification_id in pending:
        sent += _send_one(veille, notification_id, now)
    return sent


def _send_one(veille: Runtime, notification_id: int, now: datetime) -> int:
    with veille.session_factory.begin() as session:
        claimed = session.execute(update(Notification).where(
            Notification.id == notification_id, Notification.status == "pending")
            .values(status="sending")).rowcount
        if not claimed:
            return 0
        notification = session.get(Notification, notification_id)
        user = session.get(User, notification.user_id)
        number, body = (user.on_duty_phone if user and user.active else None), notification.body
    try:
        if number is None:
            raise ValueError("no phone")
        provider_id, status, error = veille.telephony.send_sms(number, body), "sent", None
    except Exception as failure:  # noqa: BLE001 - any provider failure: recorded, never retried blindly
        provider_id, status, error = None, "failed", type(failure).__name__
    with veille.session_factory.begin() as session:
        session.execute(update(Notification).where(Notification.id == notification_id).values(
            status=status, provider_id=provider_id, error=error, sent_at=now))
    log.info("notification.%s notification_id=%s kind=%s", status, notification_id, notification.kind)
    return 1 if status == "sent" else 0


def notify(veille: Runtime, now: datetime) -> int:
    """The clock's job: raise overdue tasks, queue urgent messages and digests, send them."""
    raise_overdue_tasks(veille, now)
    queue_urgent_tasks(veille, now)
    queue_morning_digests(veille, now)
    return send_pending(veille, now)
