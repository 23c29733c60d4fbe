"""The opt-out list keeps keyed hashes (HMAC with SUPPRESSION_KEY): not reversible by hashing
every French number, migrated from the plain digests without losing one, and never used
with another key."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import column
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import table

from db import migrate
from db.engine import make_session_factory
from db.models import PhoneSuppression
from db.models import Tenant
from db.models.base import UTCDateTime
from tests.integration.test_tenant_import import LINES
from tests.integration.test_tenant_import import tenants_by_reference
from tests.integration.test_tenant_import import write_csv
from voice_app.services.suppression import PREFIX
from voice_app.services.suppression import SuppressionKeyMismatch
from voice_app.services.suppression import is_suppressed
from voice_app.services.suppression import key_id
from voice_app.services.suppression import phone_hash
from voice_app.services.suppression import suppress
from voice_app.services.suppression import suppression_list
from voice_app.services.tenant_import import import_tenants

# The revision before the keyed hashes (migration 0004).
BEFORE_KEYS = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0004").down_revision
NUMBER = "+33612345602"  # PH-2's second number in the import fixtures
KEY = "k" * 40
OTHER_KEY = "o" * 40


def plain_digest(e164: str) -> str:
    return hashlib.sha256(PREFIX + e164.encode()).hexdigest()


def stored(veille) -> list[PhoneSuppression]:
    with veille.session_factory() as session:
        return list(session.scalars(select(PhoneSuppression).order_by(PhoneSuppression.id)))


def test_a_suppressed_number_is_kept_as_a_keyed_hash_only(veille, organisation):
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, [NUMBER])
    [entry] = stored(veille)
    # Trying every French number with SHA-256 finds nothing: the hash needs the key.
    assert entry.phone_hash not in {plain_digest(NUMBER), hashlib.sha256(NUMBER.encode()).hexdigest()}
    assert entry.phone_hash == phone_hash(NUMBER, veille.settings.SUPPRESSION_KEY)
    assert phone_hash(NUMBER, KEY) != phone_hash(NUMBER, OTHER_KEY)
    assert entry.key_id == key_id(veille.settings.SUPPRESSION_KEY) and KEY not in entry.key_id


def test_plain_digests_are_migrated_to_keyed_hashes_and_still_recognised(veille, organisation, database_url,
                                                                        now, tmp_path):
    migrate.downgrade(database_url, BEFORE_KEYS)
    with veille.engine.begin() as connection:  # the list as it was kept before 0004
        connection.execute(LEGACY.insert().values(organisation_id=organisation.id, reason="opt_out",
                                                  phone_hash=plain_digest(NUMBER), created_at=now))
    migrate.upgrade(database_url, suppression_key=KEY)

    keyed = with_key(veille, KEY)
    [entry] = stored(keyed)
    assert (entry.phone_hash, entry.key_id) == (phone_hash(NUMBER, KEY), key_id(KEY))
    with keyed.session_factory() as session:
        assert is_suppressed(session, organisation.id, NUMBER)
    report = import_tenants(keyed, write_csv(tmp_path, *LINES))
    assert report.marked_opted_out == 1
    assert tenants_by_reference(keyed)["PH-2"].phone is None


def test_a_downgrade_that_would_lose_the_list_is_refused_and_changes_nothing(veille, organisation,
                                                                              database_url):
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, [NUMBER])
    before = [(e.phone_hash, e.key_id) for e in stored(veille)]
    at = migrate.current(database_url)
    with pytest.raises(RuntimeError, match="Refusing to downgrade 0004"):
        migrate.downgrade(database_url, BEFORE_KEYS)
    # SQLite commits each DDL statement as it runs: the revisions above 0004 may be undone first.
    assert migrate.current(database_url) in ({at} if database_url.startswith("postgresql") else {at, "0004"})
    assert [(e.phone_hash, e.key_id) for e in stored(veille)] == before


def test_another_key_is_refused_rather_than_recognising_nobody(veille, organisation, tmp_path):
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, [NUMBER])
    path = write_csv(tmp_path, *LINES)
    rotated = with_key(veille, OTHER_KEY)
    with pytest.raises(SuppressionKeyMismatch, match="SUPPRESSION_KEY ne correspond pas"):
        import_tenants(rotated, path)
    with rotated.session_factory() as session:
        assert session.scalar(select(func.count(Tenant.id))) == 0, "nothing imported"
        with pytest.raises(SuppressionKeyMismatch):
            suppression_list(session, organisation.id)
        with pytest.raises(SuppressionKeyMismatch):
            is_suppressed(session, organisation.id, NUMBER)


def with_key(veille, key: str):
    """The same database seen by a process started with SUPPRESSION_KEY=key."""
    return replace(veille, settings=replace(veille.settings, SUPPRESSION_KEY=key),
                   session_factory=make_session_factory(veille.engine, key))


LEGACY = table("phone_suppressions", column("organisation_id", Integer), column("phone_hash", String),
               column("reason", String), column("created_at", UTCDateTime(timezone=True)))


def test_a_clock_started_with_another_key_refuses_to_lead(veille, organisation):
    import threading

    from scheduler.clock import Clock
    from tests.integration.test_clock_jobs import SwitchableLock

    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, [NUMBER])
    lock = SwitchableLock()
    clock = Clock(with_key(veille, OTHER_KEY), lock, jobs=(), dispatcher=None)
    with pytest.raises(SuppressionKeyMismatch):
        clock.run(threading.Event())
    assert not lock.held, "nothing dialled, the lock given back"
