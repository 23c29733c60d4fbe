from __future__ import annotations

import pytest

from voice_app.config import DEV_AUTH_TOKEN
from voice_app.config import ConfigError
from voice_app.config import Settings


def test_defaults_are_sqlite_under_instance_and_the_simulator(tmp_path):
    settings = Settings.from_env({"VEILLE_INSTANCE_DIR": str(tmp_path)})
    assert settings.DATABASE_URL == f"sqlite:///{tmp_path / 'veille.sqlite3'}"
    assert settings.TELEPHONY_PROVIDER == "simulator"
    assert settings.TZ_NAME == "Europe/Paris"


def test_environment_values_are_read_with_their_types():
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql+psycopg://db/veille", "SIMULATOR_TIME_SCALE": "20",
        "LOG_LEVEL": "DEBUG",
    })
    assert settings.DATABASE_URL == "postgresql+psycopg://db/veille"
    assert settings.SIMULATOR_TIME_SCALE == 20.0
    assert settings.LOG_LEVEL == "DEBUG"


PRODUCTION = {
    "VEILLE_ENV": "production", "TELEPHONY_PROVIDER": "twilio", "SECRET_KEY": "s" * 32,
    "SUPPRESSION_KEY": "k" * 32, "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t",
    "TWILIO_FROM_NUMBER": "+33159000000", "PUBLIC_BASE_URL": "https://veille.example.org",
}


def test_production_refuses_to_start_without_secrets_and_credentials():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"VEILLE_ENV": "production", "TELEPHONY_PROVIDER": "twilio",
                           "TWILIO_AUTH_TOKEN": "t"})
    message = str(error.value)
    assert message.startswith("Démarrage refusé en production")
    for name in ("SECRET_KEY", "SUPPRESSION_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"):
        assert name in message


def test_production_starts_when_everything_is_set():
    assert Settings.from_env(PRODUCTION).is_production


@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_real_provider_without_its_token_refuses_to_start_in_every_environment(environment):
    environ = dict(PRODUCTION, VEILLE_ENV=environment)
    del environ["TWILIO_AUTH_TOKEN"]
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN") as error:
        Settings.from_env(environ)
    assert "Démarrage refusé" in str(error.value) and "simulateur" in str(error.value)


def test_the_simulator_token_is_never_the_token_of_a_real_provider():
    # Even settings built without `check` (tests, scripts) never accept the public token.
    unchecked = Settings(DATABASE_URL="sqlite://", TELEPHONY_PROVIDER="twilio")
    assert unchecked.auth_token == ""
    assert Settings(DATABASE_URL="sqlite://").auth_token == DEV_AUTH_TOKEN


@pytest.mark.parametrize("name", ["SECRET_KEY", "SUPPRESSION_KEY"])
def test_production_refuses_a_short_secret(name):
    with pytest.raises(ConfigError, match=f"{name} doit compter au moins 32 caractères"):
        Settings.from_env(dict(PRODUCTION, **{name: "x" * 31}))


def test_production_refuses_one_secret_for_both_uses():
    with pytest.raises(ConfigError, match="SUPPRESSION_KEY doit différer de SECRET_KEY"):
        Settings.from_env(dict(PRODUCTION, SUPPRESSION_KEY=PRODUCTION["SECRET_KEY"]))


@pytest.mark.parametrize("url", [
    "http://veille.example.org", "https://localhost", "https://127.0.0.1:5000", "https://10.0.0.12",
    "https://192.168.1.20", "https://172.16.0.4", "https://[::1]", "https://169.254.1.1", "https://web",
    "https://veille.internal", "https://veille.local", "ftp://veille.example.org", "veille.example.org",
])
def test_production_refuses_a_public_url_twilio_cannot_reach_safely(url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env(dict(PRODUCTION, PUBLIC_BASE_URL=url))


@pytest.mark.parametrize("url", ["https://veille.example.org", "https://veille.example.org:8443/app",
                                 "https://8.8.8.8"])
def test_production_accepts_a_public_https_url(url):
    assert Settings.from_env(dict(PRODUCTION, PUBLIC_BASE_URL=url)).PUBLIC_BASE_URL == url


def test_an_unknown_provider_is_refused():
    with pytest.raises(ConfigError, match="TELEPHONY_PROVIDER"):
        Settings.from_env({"TELEPHONY_PROVIDER": "carrier-pigeon"})


@pytest.mark.parametrize("value", ["Production", "prod", "staging"])
def test_a_misspelt_environment_is_refused_rather_than_silently_development(value):
    with pytest.raises(ConfigError, match="VEILLE_ENV"):
        Settings.from_env({"VEILLE_ENV": value})


def test_a_setting_of_the_wrong_type_names_itself():
    with pytest.raises(ConfigError, match="SIMULATOR_TIME_SCALE='fast'"):
        Settings.from_env({"SIMULATOR_TIME_SCALE": "fast"})
    with pytest.raises(ConfigError, match="SIMULATOR_TIME_SCALE doit être un nombre positif"):
        Settings.from_env({"SIMULATOR_TIME_SCALE": "0"})


def test_production_refuses_the_simulator_whose_webhook_token_is_public():
    with pytest.raises(ConfigError, match="simulateur"):
        Settings.from_env({"VEILLE_ENV": "production", "SECRET_KEY": "s" * 32})


def test_only_the_paris_time_zone_is_supported():
    assert Settings.from_env({"TZ_NAME": "Europe/Paris"}).TZ_NAME == "Europe/Paris"
    with pytest.raises(ConfigError, match="TZ_NAME"):
        Settings.from_env({"TZ_NAME": "Indian/Reunion"})


def test_empty_variables_take_their_default(tmp_path):
    settings = Settings.from_env({"VEILLE_INSTANCE_DIR": str(tmp_path), "VEILLE_ENV": "", "SECRET_KEY": "",
                                  "TELEPHONY_PROVIDER": "", "SIMULATOR_TIME_SCALE": ""})
    assert settings.VEILLE_ENV == "development" and settings.TELEPHONY_PROVIDER == "simulator"
    assert settings.SIMULATOR_TIME_SCALE == 10.0
    assert Settings.from_env({"VEILLE_INSTANCE_DIR": ""}).DATABASE_URL.endswith("instance/veille.sqlite3")


def test_an_unreadable_api_rate_limit_stops_the_start_with_a_french_message():
    assert Settings.from_env({"API_RATE_LIMIT": "10 per second"}).API_RATE_LIMIT == "10 per second"
    with pytest.raises(ConfigError, match="API_RATE_LIMIT"):
        Settings.from_env({"API_RATE_LIMIT": "beaucoup"})
