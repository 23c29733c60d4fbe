from __future__ import annotations

import pytest

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


def test_production_refuses_to_start_without_secret_and_credentials():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"VEILLE_ENV": "production", "TELEPHONY_PROVIDER": "twilio"})
    message = str(error.value)
    for name in ("SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        assert name in message


def test_production_starts_when_everything_is_set():
    settings = Settings.from_env({
        "VEILLE_ENV": "production", "TELEPHONY_PROVIDER": "twilio", "SECRET_KEY": "s" * 32,
        "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+33159000000",
    })
    assert settings.is_production


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
    with pytest.raises(ConfigError, match="SIMULATOR_TIME_SCALE must be a positive"):
        Settings.from_env({"SIMULATOR_TIME_SCALE": "0"})


def test_production_refuses_the_simulator_whose_webhook_token_is_public():
    with pytest.raises(ConfigError, match="simulator"):
        Settings.from_env({"VEILLE_ENV": "production", "SECRET_KEY": "s" * 32})


def test_only_the_paris_time_zone_is_supported():
    assert Settings.from_env({"TZ_NAME": "Europe/Paris"}).TZ_NAME == "Europe/Paris"
    with pytest.raises(ConfigError, match="TZ_NAME"):
        Settings.from_env({"TZ_NAME": "Indian/Reunion"})


def test_empty_variables_take_their_default(tmp_path):
    settings = Settings.from_env({"VEILLE_INSTANCE_DIR": str(tmp_path), "VEILLE_ENV": "", "SECRET_KEY": "",
                                  "TELEPHONY_PROVIDER": "", "SIMULATOR_TIME_SCALE": ""})
    assert settings.VEILLE_ENV == "development" and settings.TELEPHONY_PROVIDER == "simulator"
    assert settings.SIMULATOR_TIME_SCALE == 1.0
    assert Settings.from_env({"VEILLE_INSTANCE_DIR": ""}).DATABASE_URL.endswith("instance/veille.sqlite3")
