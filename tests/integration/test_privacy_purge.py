"""The retention purge: calls, answers and notes older than the organisation's periods go
(every table is scanned for what pointed at them), recent data, the suppression list and the
audit log stay; a dry run reports the same and changes nothing; the clock purges at night."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import AuditEvent
from db.models import Base
from db.models import CallAttempt
from db.models import CallEvent
from db.models import FollowUp
from db.models import KeyPress
from db.models import Organisation
from db.models import PhoneSuppression
from scheduler import jobs
from tests.integration.test_privacy_erasure import every_row
from tests.privacy_data import seed_tenant
from voice_app.bootstrap import bootstrap
from voice_app.services import privacy_purge
from voice_app.services.privacy import PrivacyError
from voice_app.services.privacy import set_retention
from voice_app.services.privacy_purge import purge
from voice_app.services.suppression import suppress


def seed(veille, organisation, now):
    """A tenant called 30 months ago, one 18 months ago, one last week."""
    def tenant(reference, name, phone, months):
        return seed_tenant(veille, organisation.id, reference=reference, last_name=name, first_name="Jeanne",
                           phone=phone, phone2="+3314500" + phone[-4:],
                           when=now - timedelta(days=months * 30.5),
                           note=f"Note sur {name}")
    return (tenant("OLD-1", "Ancienne", "+33611110001", 30), tenant("MID-1", "Moyenne", "+33611110002", 18),
            tenant("NEW-1", "Recente", "+33611110003", 0.25))


def pointers_to(veille, attempt_ids, follow_up_ids) -> list[str]:
    """Every column of every table still pointing at these calls or follow-ups."""
    found = []
    with veille.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.c:
                for key in column.foreign_keys:
                    ids = {"call_attempts": attempt_ids,
                           "follow_ups": follow_up_ids}.get(key.column.table.name)
                    if ids and session.scalar(select(func.count()).select_from(table).where(column.in_(ids))):
                        found.append(f"{table.name}.{column.name}")
    return found


def count(veille, model, *where) -> int:
    with veille.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def notes(veille) -> list[str]:
    with veille.session_factory() as session:
        return sorted(session.scalars(select(FollowUp.note).where(FollowUp.note.is_not(None))))


def test_calls_older_than_two_years_go_with_everything_that_pointed_at_them(veille, organisation, now):
    old, mid, new = seed(veille, organisation, now)
    report = purge(veille, organisation.id)
    done_old = [old.follow_up_ids[0], old.follow_up_ids[2]]  # the open one stays
    assert pointers_to(veille, old.attempt_ids, done_old) == []
    assert count(veille, CallAttempt, CallAttempt.id.in_(old.attempt_ids)) == 0
    assert count(veille, FollowUp, FollowUp.id.in_(done_old)) == 0
    assert count(veille, FollowUp, FollowUp.id == old.follow_up_ids[1]) == 1
    assert count(veille, CallAttempt, CallAttempt.id.in_(mid.attempt_ids + new.attempt_ids)) == 4
    assert report.removal.deleted["call_attempts"] == 2 and report.removal.deleted["bridged_calls"] == 1
    assert report.removal.detached == {"opt_out_requests": 1, "notifications": 1}


def test_answers_and_notes_older_than_a_year_go_and_the_calls_of_that_age_stay(veille, organisation, now):
    old, mid, new = seed(veille, organisation, now)
    report = purge(veille, organisation.id)
    mid_call = mid.attempt_ids[0]
    assert count(veille, KeyPress, KeyPress.attempt_id == mid_call) == 0
    assert count(veille, CallEvent, CallEvent.attempt_id == mid_call) == 0
    assert count(veille, KeyPress, KeyPress.attempt_id == new.attempt_ids[0]) == 2
    assert notes(veille) == ["Note sur Recente"]
    assert report.notes_erased == 1  # the 18-month-old one (the 30-month-old went with its task)


def test_the_suppression_list_and_the_audit_log_are_kept_and_the_purge_is_audited(veille, organisation, now):
    seed(veille, organisation, now)
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, ["+33699999999"])
    audit_before = count(veille, AuditEvent)
    purge(veille, organisation.id)
    assert count(veille, PhoneSuppression) == 1
    assert count(veille, AuditEvent) == audit_before + 1
    with veille.session_factory() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.purged")).one()
    assert line.details["deleted"]["call_attempts"] == 2
    assert line.details["retention_months"] == {"calls": 24, "answers": 12, "notes": 12}


def test_a_dry_run_reports_what_the_purge_deletes_and_changes_nothing(veille, organisation, now):
    seed(veille, organisation, now)
    before = every_row(veille)
    preview = purge(veille, organisation.id, dry_run=True)
    assert every_row(veille) == before
    done = purge(veille, organisation.id)
    assert (preview.removal, preview.notes_erased) == (done.removal, done.notes_erased)
    assert preview.total > 0 and preview.dry_run


def test_the_organisations_periods_decide_and_a_bad_period_is_refused(veille, organisation, now):
    old, mid, new = seed(veille, organisation, now)
    set_retention(veille, organisation.id, {"calls": 12})
    purge(veille, organisation.id)
    assert count(veille, CallAttempt, CallAttempt.id.in_(mid.attempt_ids)) == 0
    with pytest.raises(PrivacyError, match="plus longtemps que les appels"):
        set_retention(veille, organisation.id, {"calls": 6})  # answers and notes stay at 12
    with pytest.raises(PrivacyError, match="entre 1 et 120"):
        set_retention(veille, organisation.id, {"notes": 0})
    with veille.session_factory() as session:
        assert session.get(Organisation, organisation.id).settings["retention"]["calls"] == 12


def test_the_clock_purges_every_landlord_in_the_night_hour_only(veille, settings, telephony, organisation,
                                                                now):
    seed(veille, organisation, now)
    assert jobs.purge_expired_data(veille) is None  # 10:30 in Paris
    assert count(veille, CallAttempt) == 6
    night = bootstrap(settings, telephony=telephony, clock=lambda: datetime(2026, 11, 25, 2, 15, tzinfo=UTC))
    try:
        reports = jobs.purge_expired_data(night)  # 03:15 in Paris
        assert [r.organisation_id for r in reports] == [organisation.id]
        assert count(veille, CallAttempt) == 4
    finally:
        night.close()


def test_the_purge_in_batches_of_one_row_does_the_same(veille, organisation, now, monkeypatch):
    seed(veille, organisation, now)
    whole = purge(veille, organisation.id, dry_run=True)
    monkeypatch.setattr(privacy_purge, "BATCH", 1)
    one_by_one = purge(veille, organisation.id)
    assert (one_by_one.removal, one_by_one.notes_erased) == (whole.removal, whole.notes_erased)
