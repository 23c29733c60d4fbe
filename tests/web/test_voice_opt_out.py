"""A confirmed opt-out (9 then 9) erases the tenant's numbers and keeps them only as hashes, so a
re-import of the landlord's file keeps the tenant opted out without storing a number again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import or_
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Enrolment
from db.models import PhoneSuppression
from db.models import Tenant
from tests.web.conftest import TENANT_PHONE
from tests.web.conftest import TENANT_PHONE2
from tests.web.conftest import inbound_call
from tests.web.conftest import load
from tests.web.conftest import reload
from voice_app.config import DEV_SUPPRESSION_KEY as KEY
from voice_app.services.suppression import phone_hash
from voice_app.services.tenant_import import import_tenants

# The fixture tenant as the landlord's file gives it.
ORIGINAL_FILE = ("Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;Téléphone 2\n"
                 "T-001;Martin;Jeanne;1938;seule;06 12 34 56 78;01 45 67 89 01\n")


@pytest.fixture
def original_file(tmp_path) -> Path:
    path = tmp_path / "locataires.csv"
    path.write_text(ORIGINAL_FILE, encoding="utf-8")
    return path


def opt_out(twilio):
    twilio.answer()
    twilio.press("9")
    twilio.press("9")
    assert "C'est noté : nous ne vous appellerons plus." in twilio.says()


def rows_holding_a_number(veille) -> list:
    """Every tenant or attempt row that still holds one of the tenant's numbers in clear."""
    numbers = (TENANT_PHONE, TENANT_PHONE2)
    with veille.session_factory() as session:
        tenants = session.scalars(select(Tenant.reference).where(
            or_(Tenant.phone.in_(numbers), Tenant.phone2.in_(numbers)))).all()
        attempts = session.scalars(select(CallAttempt.id).where(CallAttempt.to_number.in_(numbers))).all()
        return [*tenants, *attempts]


def test_nine_then_nine_erases_both_numbers_from_the_tenant_and_every_attempt(veille, twilio, attempt,
                                                                              tenant, make_attempt):
    earlier = make_attempt(state="ended", outcome="ok")
    later = make_attempt(state="due")
    assert reload(veille, earlier).to_number == TENANT_PHONE
    opt_out(twilio)
    [stored] = load(veille, Tenant, id=tenant.id)
    assert (stored.phone, stored.phone2, stored.opted_out_at) == (None, None, veille.clock())
    assert [reload(veille, a).to_number for a in (earlier, attempt, later)] == [None, None, None]
    assert reload(veille, later).state == "cancelled"
    assert {s.phone_hash for s in load(veille, PhoneSuppression)} == {
        phone_hash(TENANT_PHONE, KEY), phone_hash(TENANT_PHONE2, KEY)}
    assert rows_holding_a_number(veille) == []


def test_the_call_ends_normally_after_the_numbers_are_erased(veille, twilio, attempt):
    opt_out(twilio)
    assert twilio.status("completed").status_code == 200
    stored = reload(veille, attempt)
    assert (stored.state, stored.outcome, stored.to_number) == ("ended", "opt_out", None)


def test_reimporting_the_original_file_keeps_the_tenant_opted_out_without_storing_a_number(
        veille, twilio, tenant, original_file):
    before = import_tenants(veille, original_file)
    assert (before.created, before.updated, before.unchanged) == (0, 0, 1), "the file is the fixture"
    opt_out(twilio)
    first = import_tenants(veille, original_file)
    assert (first.created, first.updated, first.unchanged, first.marked_opted_out) == (0, 0, 1, 0)
    again = import_tenants(veille, original_file)
    assert (again.created, again.updated, again.unchanged, again.marked_opted_out) == (0, 0, 1, 0)
    [stored] = load(veille, Tenant, id=tenant.id)
    assert (stored.phone, stored.phone2, stored.opted_out_at) == (None, None, veille.clock())
    assert load(veille, Enrolment, tenant_id=tenant.id)[0].status == "unenrolled"
    assert rows_holding_a_number(veille) == []
    assert len(load(veille, PhoneSuppression)) == 2


def test_the_same_file_under_a_new_reference_is_imported_opted_out_without_a_number(veille, twilio,
                                                                                    original_file):
    opt_out(twilio)
    original_file.write_text(ORIGINAL_FILE.replace("T-001", "T-901"), encoding="utf-8")
    report = import_tenants(veille, original_file)
    assert (report.created, report.marked_opted_out) == (1, 1)
    [created] = load(veille, Tenant, reference="T-901")
    assert (created.phone, created.phone2, created.opted_out_at) == (None, None, veille.clock())
    assert rows_holding_a_number(veille) == []


def test_after_opting_out_the_tenant_calling_in_is_an_unknown_caller_who_hears_the_menu(
        veille, client, twilio, attempt, volunteer):
    opt_out(twilio)
    call = inbound_call(client, TENANT_PHONE)
    assert "Pour parler à quelqu'un maintenant, tapez 0." in call.says()
    call.press("0")
    assert call.twiml.find("Dial/Number") is not None
    [inbound] = [a for a in load(veille, CallAttempt) if a.direction == "inbound"]
    assert inbound.tenant_id is None and inbound.menu_step == "transfer"
