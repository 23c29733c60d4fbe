"""A webhook is answered normally after the database dropped every pooled connection (a server
restart, a failover): no pre-ping round trip on every request, the webhook runs again once on a
fresh connection instead (db.engine.retry_on_disconnect)."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy import text

from db.engine import is_sqlite
from tests.web.conftest import reload


def drop_pooled_connections(veille) -> int:
    """What a server restart does to the web process's pool: every connection is cut."""
    if is_sqlite(veille.engine):
        return 0  # a file has no server to lose; the webhook must simply work as usual
    admin = create_engine(veille.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        admin.dispose()


def test_a_key_press_after_the_pooled_connections_were_cut_is_answered_and_recorded(veille, twilio, attempt):
    twilio.answer()
    twilio.amd("human")
    cut = drop_pooled_connections(veille)
    assert cut >= 1 or is_sqlite(veille.engine)
    response = twilio.press("1")
    assert response.status_code == 200
    assert twilio.twiml.find("Hangup") is not None, "the usual goodbye, not the safe answer"
    assert reload(veille, attempt).outcome == "ok"


def test_a_status_callback_after_the_pooled_connections_were_cut_is_recorded(veille, twilio, attempt):
    twilio.answer()
    drop_pooled_connections(veille)
    assert twilio.status("completed").status_code == 200
    assert reload(veille, attempt).state == "ended"
