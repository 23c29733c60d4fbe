"""Text messages to people: urgent tasks, overdue raise, morning digest; each sent once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from db.models import FollowUp
from db.models import Notification
from db.models import User
from tests.concurrency import run_together
from tests.web.people import add_task
from tests.web.people import add_tenant
from tests.web.people import make_people
from voice_app.bootstrap import bootstrap
from voice_app.services.notifications import notify


def before_digest(now):
    return now.replace(hour=6)  # 07:00 Paris: the morning digest has not started


LINK = re.compile(r"^Veille : un suivi urgent vous attend\. https://veille\.example\.org/suivis/\d+$")


def set_on_duty(veille, *user_ids):
    with veille.session_factory.begin() as session:
        for user_id in user_ids:
            session.get(User, user_id).on_duty = True


def test_an_urgent_task_is_texted_to_its_volunteer_once_with_nothing_personal(veille, now):
    people = make_people(veille)
    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    add_task(veille, people.landlord_id, tenant, "help_health", now)
    assert notify(veille, before_digest(now)) == 1
    assert notify(veille, before_digest(now)) == 0  # the next run sends nothing again
    [(number, body)] = veille.telephony.sms
    assert number == "+33611111111" and LINK.match(body)
    assert "Martin" not in body and "santé" not in body and "+336" not in body


def test_an_unassigned_urgent_task_goes_to_the_volunteers_on_duty(veille, now):
    people = make_people(veille)
    set_on_duty(veille, people.other_volunteer.id, people.partner_volunteer.id, people.foreign_volunteer.id)
    tenant = add_tenant(veille, people.landlord_id, "PH-1")
    add_task(veille, people.landlord_id, tenant, "live_transfer_missed", now)
    notify(veille, before_digest(now))
    assert sorted(number for number, _ in veille.telephony.sms) == ["+33622222222", "+33633333333"]


def test_non_urgent_tasks_send_no_immediate_message(veille, now):
    people = make_people(veille)
    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    add_task(veille, people.landlord_id, tenant, "help_food", now)
    assert notify(veille, before_digest(now)) == 0 and veille.telephony.sms == []


def test_two_clocks_at_once_never_send_the_same_message_twice(veille, settings, now):
    people = make_people(veille)
    for n in range(5):
        tenant = add_tenant(veille, people.landlord_id, f"PH-{n}", volunteer_id=people.volunteer.id)
        add_task(veille, people.landlord_id, tenant, "help_health", now)
    clocks = [bootstrap(settings, telephony=veille.telephony, clock=lambda: now) for _ in range(3)]
    try:
        results, errors = run_together(lambda clock: notify(clock, before_digest(now)), clocks)
    finally:
        for clock in clocks:
            clock.close()
    assert errors == [] and sum(results) == 5
    assert len(veille.telephony.sms) == 5


def test_a_failed_send_is_recorded_and_not_retried_blindly(veille, now):
    people = make_people(veille)
    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    add_task(veille, people.landlord_id, tenant, "help_health", now)

    def broken(number, body):
        raise ConnectionError("provider down")

    veille.telephony.send_sms = broken
    assert notify(veille, before_digest(now)) == 0
    assert notify(veille, before_digest(now)) == 0
    with veille.session_factory() as session:
        assert session.scalars(select(Notification.status)).all() == ["failed"]


def test_overdue_tasks_are_raised_and_urgent_ones_told_to_the_coordinator_on_call(veille, now):
    people = make_people(veille)
    with veille.session_factory.begin() as session:
        coordinator = session.get(User, people.coordinator.id)
        coordinator.on_duty, coordinator.on_duty_phone = True, "+33655555555"
    urgent = add_task(veille, people.landlord_id, add_tenant(veille, people.landlord_id, "PH-1"),
                      "help_health", now)
    normal = add_task(veille, people.landlord_id, add_tenant(veille, people.landlord_id, "PH-2"),
                      "help_other", now)
    later = now + timedelta(days=1)
    notify(veille, later)
    with veille.session_factory() as session:
        assert session.get(FollowUp, urgent).raised_at == later
        assert session.get(FollowUp, normal).raised_at == later
    overdue = [body for number, body in veille.telephony.sms if number == "+33655555555"]
    assert len(overdue) == 1 and overdue[0].startswith("Veille : un suivi urgent est en retard.")


def test_the_morning_digest_goes_out_once_a_day_from_8_oclock(veille, now):
    people = make_people(veille)
    for n in range(3):
        tenant = add_tenant(veille, people.landlord_id, f"PH-{n}", volunteer_id=people.volunteer.id)
        add_task(veille, people.landlord_id, tenant, "help_food", now)
    early = now.replace(hour=6)  # 07:00 Paris
    notify(veille, early)
    assert veille.telephony.sms == []
    notify(veille, now)
    notify(veille, now + timedelta(hours=2))
    digests = [body for _, body in veille.telephony.sms]
    assert digests == ["Veille : 3 suivis vous attendent aujourd'hui. https://veille.example.org/suivis"]
