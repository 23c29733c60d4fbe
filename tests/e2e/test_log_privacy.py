"""Every log line of an end-to-end run, as the process writes it: no phone number (in any
form a landlord's file may hold it), no tenant name, no help category (health data).

The run imports a tenant file, then places real calls over HTTP through the simulator:
health, food and other help requests, an opt-out, a missed transfer, silence, an answering
machine, and an inbound call. The log is read from the very handler `configure_logging`
installs (its masking filter and format included).
"""

from __future__ import annotations

import io
import logging
import re

import phonenumbers
import pytest
from phonenumbers import Leniency

from voice_app.services.tenant_import import import_tenants
from voice_app.telephony.simulation.behaviours import SILENCE
from voice_app.telephony.simulation.behaviours import Behaviour

pytestmark = pytest.mark.slow

TENANTS = [  # reference, last name, first name, number as the landlord's file writes it
    ("PRIV-1", "Zelinski", "Apolline", "+33 (0)6 12 77 01 01", "+33612770101"),
    ("PRIV-2", "Quarteron", "Basile", "06/12/77/01/02", "+33612770102"),
    ("PRIV-3", "Vantrelle", "Capucine", "33612770103", "+33612770103"),
    ("PRIV-4", "Orgemont", "Donatien", "06\u00a012\u00a077\u00a001\u00a004", "+33612770104"),
    ("PRIV-5", "Brissardon", "Eulalie", "612770105", "+33612770105"),
    ("PRIV-6", "Fenestrier", "Firmin", "0033 6 12 77 01 06", "+33612770106"),
    ("PRIV-7", "Gaudimel", "Ghislaine", "06.12.77.01.07", "+33612770107"),
]
BEHAVIOURS = [Behaviour.presses("2", "1"), Behaviour.presses("2", "2"), Behaviour.presses("2", "3"),
              Behaviour.presses("9", "9"), Behaviour.presses("0"),
              Behaviour.presses(SILENCE, SILENCE, SILENCE), Behaviour.voicemail()]
CATEGORIES = ("help_health", "help_food", "help_other", "health", "food", "santé", "repas", "courses")
LONG_DIGIT_RUN = re.compile(r"(?<![\w.:/-])\+?\d{8,}(?!\d)")


@pytest.fixture
def written_log(live):
    """Everything the Veille log handler writes during the test."""
    handler = next(h for h in logging.getLogger("veille").handlers if getattr(h, "_veille", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def tenant_file(tmp_path):
    lines = ["Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone"]
    lines += [f"{ref};{last};{first};1938;seul;{written}" for ref, last, first, written, _ in TENANTS]
    path = tmp_path / "locataires.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_end_to_end_run_logs_no_number_no_name_and_no_help_category(live, written_log, tmp_path):
    from sqlalchemy import select

    from db.models import Tenant

    import_tenants(live.veille, tenant_file(tmp_path))
    with live.veille.session_factory() as session:
        tenants = {t.reference: t for t in session.scalars(select(Tenant))}
    outcomes = [live.call(tenants[ref], behaviour).attempt.outcome
                for (ref, *_), behaviour in zip(TENANTS, BEHAVIOURS, strict=True)]
    live.call_in(TENANTS[0][4], Behaviour.presses("1"))
    assert {"help_health", "help_food", "help_other", "opt_out"} <= set(outcomes)

    logged = written_log.getvalue()
    assert "call.ended" in logged and "follow_up.opened" in logged and "tenants.imported" in logged
    for _, last, first, written, e164 in TENANTS:
        for secret in (last, first, written, e164, e164[3:], "0" + e164[3:]):
            assert secret not in logged, f"{secret!r} is in the log"
    assert [c for c in CATEGORIES if c in logged.lower()] == []
    assert LONG_DIGIT_RUN.findall(logged) == []
    found = [m.raw_string for m in phonenumbers.PhoneNumberMatcher(logged, "FR", Leniency.VALID)]
    assert found == [], "phonenumbers finds a callable number in the log"
