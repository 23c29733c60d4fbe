"""Fixtures shared by every ring of tests.

`veille` is parametrised over SQLite and PostgreSQL: a test that asks for it (or for `app`,
`client`, `session_factory`) runs once on each backend.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from tests import databases
from tests.fakes import FakeTelephony
from voice_app.bootstrap import Veille
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings

TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://veille.example.org"
ORGANISATION_NAME = "Habitat Test"  # the landlord every `veille` fixture starts with
SERVICE_NUMBER = "+33159000000"


def add_test_organisation(veille: Veille):
    """The landlord tests act for (idempotent: fixtures sharing a database share it)."""
    from voice_app.services.organisations import ensure_organisation

    return ensure_organisation(veille.session_factory, ORGANISATION_NAME, service_numbers=[SERVICE_NUMBER])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_url(worker_id):
    url = databases.postgres_url_for(worker_id)
    databases.reset_postgres(url)
    yield url
    databases.drop_postgres(url)


@pytest.fixture(params=databases.BACKENDS)
def database_url(request, tmp_path, sqlite_template):
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        return databases.sqlite_copy(sqlite_template, tmp_path)
    url = request.getfixturevalue("postgres_url")
    databases.empty_postgres(url)
    return url


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(DATABASE_URL=database_url, TWILIO_AUTH_TOKEN=TEST_AUTH_TOKEN,
                    TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_FROM_NUMBER=SERVICE_NUMBER,
                    PUBLIC_BASE_URL=PUBLIC_BASE_URL)


@pytest.fixture
def telephony() -> FakeTelephony:
    return FakeTelephony()


@pytest.fixture
def now() -> datetime:
    """A Tuesday morning in Paris (09:30 UTC = 10:30 CET)."""
    return datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
def veille(settings, telephony, now):
    wired = bootstrap(settings, telephony=telephony, clock=lambda: now)
    add_test_organisation(wired)
    yield wired
    wired.close()


@pytest.fixture
def session_factory(veille: Veille):
    return veille.session_factory


@pytest.fixture
def app(veille):
    from voice_app.web import create_app

    return create_app({"TESTING": True}, veille=veille)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def organisation(veille):
    from voice_app.services.organisations import ensure_organisation

    return ensure_organisation(veille.session_factory, ORGANISATION_NAME)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Real argon2, with the smallest cost: tests create many accounts and sign in often."""
    from argon2 import PasswordHasher

    from voice_app.services import accounts

    production = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._hasher = production
